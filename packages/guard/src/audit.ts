import { analyzeSql, contextReadHazards, type ContextReadHazard } from '@tenant-scope/sql-analyzer';
import type pg from 'pg';

/** What `audit()` can find. */
export type AuditCode =
  | 'superuser-role'
  | 'bypassrls-role'
  | 'owner-not-forced'
  | 'tenant-table-without-rls'
  | 'policy-raises-when-unset'
  | 'policy-cast-without-nullif'
  | 'policy-evaluated-per-row';

/** One finding of `audit()`. `error`s let rows of one tenant reach another (or fail requests); `warning`s cost performance. */
export interface AuditFinding {
  code: AuditCode;
  severity: 'error' | 'warning';
  /** The role (`app`), table (`public.items`) or policy (`tenant_isolation on public.items`). */
  object: string;
  message: string;
}

interface CatalogRole {
  name: string;
  superuser: boolean;
  bypassrls: boolean;
}
interface CatalogTable {
  schema: string;
  table: string;
  rls: boolean;
  forced: boolean;
  owned: boolean;
}
interface CatalogPolicy {
  schema: string;
  table: string;
  policy: string;
  using: string | null;
  check: string | null;
}
interface Catalog {
  role: CatalogRole;
  tables: CatalogTable[];
  policies: CatalogPolicy[];
}

// One statement, so the findings come from one snapshot of the catalog.
const CATALOG_SQL = `
SELECT json_build_object(
  'role', (SELECT json_build_object('name', rolname, 'superuser', rolsuper, 'bypassrls', rolbypassrls) FROM pg_roles WHERE rolname = current_user),
  'tables', coalesce((
    SELECT json_agg(json_build_object('schema', n.nspname, 'table', c.relname, 'rls', c.relrowsecurity,
      'forced', c.relforcerowsecurity, 'owned', pg_has_role(c.relowner, 'USAGE')) ORDER BY n.nspname, c.relname)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
      AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attname = ANY ($1::text[]))
  ), '[]'::json),
  'policies', coalesce((
    SELECT json_agg(json_build_object('schema', n.nspname, 'table', c.relname, 'policy', p.polname,
      'using', pg_get_expr(p.polqual, p.polrelid), 'check', pg_get_expr(p.polwithcheck, p.polrelid)) ORDER BY n.nspname, c.relname, p.polname)
    FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  ), '[]'::json)
) AS catalog`;

const HAZARD_FINDINGS: Record<ContextReadHazard, { code: AuditCode; severity: 'error' | 'warning'; explain: string }> = {
  'raises-when-unset': {
    code: 'policy-raises-when-unset',
    severity: 'error',
    explain: 'uses current_setting(name) without missing_ok, which raises on every connection where the setting was never set; use current_setting(name, true)',
  },
  'cast-without-nullif': {
    code: 'policy-cast-without-nullif',
    severity: 'error',
    explain: "casts the setting without NULLIF(…, ''); on a pooled connection it reads '' after an earlier transaction, and the cast raises",
  },
  'evaluated-per-row': {
    code: 'policy-evaluated-per-row',
    severity: 'warning',
    explain: 'reads the setting outside a scalar subquery, so it may be evaluated once per row; wrap it in (SELECT …)',
  },
};

/** Reads the catalog once through `pool` and reports what lets tenant context fail. */
export async function auditCatalog(pool: pg.Pool, contextGucs: ReadonlySet<string>, tenantColumns: readonly string[]): Promise<AuditFinding[]> {
  const { rows } = await pool.query<{ catalog: Catalog }>(CATALOG_SQL, [tenantColumns]);
  const catalog = rows[0]?.catalog;
  if (!catalog) throw new Error('the catalog query returned no row');
  return [...roleFindings(catalog.role), ...catalog.tables.flatMap(tableFindings), ...catalog.policies.flatMap((p) => policyFindings(p, contextGucs))];
}

function roleFindings(role: CatalogRole): AuditFinding[] {
  const findings: AuditFinding[] = [];
  if (role.superuser) {
    findings.push({ code: 'superuser-role', severity: 'error', object: role.name, message: `the pool connects as ${role.name}, a superuser: row-level security never applies to it` });
  } else if (role.bypassrls) {
    findings.push({ code: 'bypassrls-role', severity: 'error', object: role.name, message: `the pool connects as ${role.name}, which has BYPASSRLS: row-level security never applies to it` });
  }
  return findings;
}

function tableFindings(table: CatalogTable): AuditFinding[] {
  const object = `${table.schema}.${table.table}`;
  const findings: AuditFinding[] = [];
  if (!table.rls) {
    findings.push({ code: 'tenant-table-without-rls', severity: 'error', object, message: `${object} has a tenant column but row-level security is not enabled` });
  }
  if (table.owned && !table.forced) {
    findings.push({
      code: 'owner-not-forced',
      severity: 'error',
      object,
      message: `the pool's role owns ${object}, which is not FORCE ROW LEVEL SECURITY: its policies do not apply to the owner`,
    });
  }
  return findings;
}

function policyFindings(policy: CatalogPolicy, contextGucs: ReadonlySet<string>): AuditFinding[] {
  const object = `${policy.policy} on ${policy.schema}.${policy.table}`;
  const findings: AuditFinding[] = [];
  const seen = new Set<AuditCode>();
  for (const [clause, expression] of [['USING', policy.using], ['WITH CHECK', policy.check]] as const) {
    if (expression === null) continue;
    for (const fact of analyzeSql(`SELECT ${expression}`).facts) {
      if (fact.kind !== 'guc-read' || fact.name === null || !contextGucs.has(fact.name)) continue;
      for (const hazard of contextReadHazards(fact)) {
        const finding = HAZARD_FINDINGS[hazard];
        if (seen.has(finding.code)) continue;
        seen.add(finding.code);
        findings.push({ code: finding.code, severity: finding.severity, object, message: `policy ${object} (${clause}) ${finding.explain}` });
      }
    }
  }
  return findings;
}
