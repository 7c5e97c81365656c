/**
 * `scope.audit()`: the live audit of @tenant-scope/sql-lint (the catalog replayed into its schema
 * model and judged by the same rules as `tenant-scope lint`, plus app-role-bypasses-rls), run on
 * one of the pool's connections with the connecting role as the application role.
 */
import type { auditConnection as AuditConnection } from '@tenant-scope/sql-lint';
import type pg from 'pg';

/**
 * @tenant-scope/sql-lint is an optional peer: loaded only when `audit()` runs, so an app that only
 * scopes its queries installs and loads the analyzer alone.
 */
async function loadAuditConnection(): Promise<typeof AuditConnection> {
  try {
    return (await import('@tenant-scope/sql-lint')).auditConnection;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes("'@tenant-scope/sql-lint'");
    if (!missing) throw error;
    throw new Error('audit() needs @tenant-scope/sql-lint, which is not installed: npm install @tenant-scope/sql-lint', { cause: error });
  }
}

/** One finding of `audit()`. */
export interface AuditFinding {
  /** The rule id of @tenant-scope/sql-lint, e.g. `rls-not-forced`, `app-role-bypasses-rls`. */
  code: string;
  /** `error`s let rows of one tenant reach another (or fail requests); `warn`ings cost performance or clarity. */
  severity: 'error' | 'warn';
  /** The catalog object the finding is about, e.g. `table public.invoices`. */
  object: string;
  message: string;
}

/** Reads the catalog through one of `pool`'s connections (read-only) and judges it. */
export async function auditCatalog(pool: pg.Pool, tenantColumns: readonly string[]): Promise<AuditFinding[]> {
  const auditConnection = await loadAuditConnection();
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ role: string }>('SELECT current_user AS role');
    const result = await auditConnection(client, { appRole: rows[0]?.role, config: { tenantColumns: [...tenantColumns] } });
    if ('problem' in result) throw new Error(`audit: ${result.problem.message} (${result.problem.hint})`);
    // Other roles that bypass RLS are listed by `tenant-scope audit`; the pool's own role is app-role-bypasses-rls.
    // Notes (`info`) are about migration text the linter could not follow; a catalog has none.
    return result.findings.flatMap((f) =>
      f.ruleId === 'role-bypasses-rls' || f.severity === 'info'
        ? []
        : [{ code: f.ruleId, severity: f.severity, object: f.file.replace(/^database: /, ''), message: f.message }],
    );
  } finally {
    client.release();
  }
}
