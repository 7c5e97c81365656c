/**
 * Where a prove run happens: a database created for the run (unique name) on the server given by
 * URL, or on an embedded PostgreSQL started for the run. Nothing else on the server is touched:
 * everything happens inside that database, which is dropped afterwards together with the roles the
 * history created (roles are cluster-wide); an embedded server and its data folder are removed.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { quoteIdent } from './catalog-tables.js';
import { startEmbeddedPostgres } from './embedded-server.js';
import { RunProblem } from './run-problem.js';

/** A run database and how to get rid of it. */
export interface RunDatabase {
  /** Connection string of the run database (as the superuser of the URL or the embedded server). */
  url: string;
  /** The run database's name. */
  name: string;
  /** Login name and password of that superuser (for PgBouncer's auth file). */
  user: string;
  password: string;
  host: string;
  port: number;
  /** Roles present before the history ran: never dropped. */
  rolesBefore: ReadonlySet<string>;
  /**
   * Drops the database, then the roles the run created: new since the run began and named in
   * `historyText` (lowercased; other sessions' new roles are left alone), plus `runRoles`. Then
   * stops the embedded server, if any. Safe to call twice.
   */
  dispose(historyText: string, runRoles: readonly string[]): Promise<void>;
}

/** The URL with another database. */
export function urlForDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** Creates the run database on the server of `url` (the server's admin database is only used to create and drop it). */
export async function createRunDatabase(url: string, stopServer?: () => Promise<void>): Promise<RunDatabase> {
  const name = `tenant_scope_prove_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  try {
    await admin.connect();
  } catch (error) {
    await stopServer?.();
    throw new RunProblem(`cannot connect to the server: ${(error as Error).message}`, 'check --database-url; prove needs a superuser (it creates a database and roles for the run and drops them after)');
  }
  try {
    const who = await admin.query<{ superuser: boolean }>('SELECT rolsuper AS superuser FROM pg_catalog.pg_roles WHERE rolname = current_user');
    if (!who.rows[0]?.superuser) throw new RunProblem('the --database-url user is not a superuser', 'prove applies the history as a superuser, in a database it creates for the run; use a superuser of a server for CI, or leave out --database-url to use an embedded server');
    const roles = await admin.query<{ rolname: string }>('SELECT rolname FROM pg_catalog.pg_roles');
    await admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0 ENCODING 'UTF8'`);
    const parsed = new URL(url);
    const rolesBefore = new Set(roles.rows.map((r) => r.rolname));
    let disposed = false;
    return {
      url: urlForDatabase(url, name),
      name,
      user: decodeURIComponent(parsed.username) || String(admin.user ?? ''),
      password: decodeURIComponent(parsed.password),
      host: admin.host,
      port: admin.port,
      rolesBefore,
      async dispose(historyText, runRoles) {
        if (disposed) return;
        disposed = true;
        try {
          await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
          const now = await admin.query<{ rolname: string }>('SELECT rolname FROM pg_catalog.pg_roles');
          const created = now.rows.map((r) => r.rolname).filter((r) => !rolesBefore.has(r) && (historyText.includes(r.toLowerCase()) || runRoles.includes(r)));
          for (const role of created) await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
        } finally {
          await admin.end().catch(() => undefined);
          await stopServer?.();
        }
      },
    };
  } catch (error) {
    await admin.end().catch(() => undefined);
    await stopServer?.();
    throw error;
  }
}

/** Starts an embedded server (see embedded-server.ts) and creates the run database on it. */
export async function createEmbeddedRunDatabase(): Promise<RunDatabase> {
  const server = await startEmbeddedPostgres();
  return createRunDatabase(server.url, server.stop);
}
