/**
 * The role probes run as: the one given, the platform's client role, the one role the history
 * grants the tenant tables to, or a role created for the run with SELECT, INSERT, UPDATE and
 * DELETE on them. Never a superuser and never BYPASSRLS: that would prove nothing.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { quoteIdent } from './catalog-tables.js';
import type { CatalogTable, CatalogView } from './catalog-tables.js';
import { RunProblem } from './run-problem.js';

/** The role chosen, and how. */
export interface AppRole {
  name: string;
  /** `given`, `platform`, `history` or `created`. */
  how: 'given' | 'platform' | 'history' | 'created';
}

/** Picks (or creates) the application role in the run database. */
export async function appRoleFor(
  client: pg.ClientBase,
  options: { given: string | undefined; platformRole: string | undefined; rolesBefore: ReadonlySet<string>; targets: readonly CatalogTable[]; views: readonly CatalogView[] },
): Promise<AppRole> {
  const explicit = options.given ?? options.platformRole;
  if (explicit !== undefined) {
    const found = await client.query<{ super: boolean; bypass: boolean }>('SELECT rolsuper AS super, rolbypassrls AS bypass FROM pg_catalog.pg_roles WHERE rolname = $1', [explicit]);
    const role = found.rows[0];
    if (!role) throw new RunProblem(`the app role "${explicit}" does not exist after the history`, 'create it in a migration (with its grants), or leave out --app-role to let prove create one');
    if (role.super || role.bypass) throw new RunProblem(`the app role "${explicit}" is a ${role.super ? 'superuser' : 'BYPASSRLS role'}: policies never apply to it`, 'connect the application as a role without SUPERUSER or BYPASSRLS; prove reports what such a role sees');
    return { name: explicit, how: options.given !== undefined ? 'given' : 'platform' };
  }
  const oids = options.targets.map((t) => t.oid);
  const candidates = await client.query<{ name: string; login: boolean; tables: number }>(
    `SELECT r.rolname AS name, r.rolcanlogin AS login,
            (SELECT count(*)::int FROM unnest($1::oid[]) t(oid) WHERE pg_catalog.has_table_privilege(r.oid, t.oid, 'SELECT')) AS tables
       FROM pg_catalog.pg_roles r
      WHERE NOT r.rolsuper AND NOT r.rolbypassrls AND r.rolname !~ '^pg_' AND NOT (r.rolname = ANY($2::text[]))
      ORDER BY tables DESC, r.rolcanlogin DESC, r.rolname`,
    [oids, [...options.rolesBefore]],
  );
  const best = candidates.rows[0];
  if (best && best.tables > 0) return { name: best.name, how: 'history' };
  const name = `tenant_scope_prove_app_${randomBytes(4).toString('hex')}`;
  await client.query(`CREATE ROLE ${quoteIdent(name)} NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT`);
  const relations = [...options.targets.map((t) => t.sql), ...options.views.map((v) => v.sql)];
  const schemas = [...new Set([...options.targets.map((t) => t.schema), ...options.views.map((v) => v.key.split('.')[0] as string)])];
  if (schemas.length > 0) await client.query(`GRANT USAGE ON SCHEMA ${schemas.map(quoteIdent).join(', ')} TO ${quoteIdent(name)}`);
  if (relations.length > 0) await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${relations.join(', ')} TO ${quoteIdent(name)}`);
  return { name, how: 'created' };
}
