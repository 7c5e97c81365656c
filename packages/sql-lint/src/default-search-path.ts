/**
 * The `search_path` the application role's sessions start with in this database, from its role
 * and database defaults (`pg_db_role_setting`), and who besides trusted roles may create objects
 * in each schema on it. A name is found in the first schema of the path that has it (`pg_catalog`
 * first unless the path lists it), so whoever can create in an earlier schema shadows the
 * application's tables and functions, or, before `pg_catalog`, `current_setting` and `set_config`.
 */
import type pg from 'pg';
import { settingsFile } from './catalog-history.js';

/** A default search_path of the app role's sessions. */
export interface DefaultSearchPath {
  /** The value as stored (`"$user", public`). */
  value: string;
  /** Its schemas in order (quotes removed, `$user` as the app role), as PostgreSQL searches them. */
  schemas: string[];
  /** The catalog history file of the `ALTER ROLE|DATABASE … SET` it comes from. */
  file: string;
  /** What set it, as a person writes it (`ALTER ROLE app IN DATABASE shop SET`). */
  setBy: string;
  /** For each schema of the path, the roles of `candidates` (and `public` for PUBLIC) that may CREATE in it. */
  creators: Map<string, string[]>;
}

/** The elements of a search_path value, quotes removed. */
export function searchPathSchemas(value: string, appRole: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => (part.startsWith('"') && part.endsWith('"') ? part.slice(1, -1).replaceAll('""', '"') : part.toLowerCase()))
    .map((schema) => (schema === '$user' ? appRole : schema));
}

/**
 * The default that wins for `appRole` here (role in this database, then role, then database, then
 * ALTER ROLE ALL), or null when none sets search_path. `candidates` are the untrusted roles to
 * check besides PUBLIC (the platform's client roles).
 */
export async function readDefaultSearchPath(client: pg.ClientBase, appRole: string, candidates: readonly string[]): Promise<DefaultSearchPath | null> {
  const { rows } = await client.query<{ role: string | null; database: string | null; rolename: string | null; datname: string | null; setconfig: string[] }>(
    `select quote_ident(r.rolname) as role, quote_ident(d.datname) as database, r.rolname as rolename, d.datname, s.setconfig
       from pg_catalog.pg_db_role_setting s
       left join pg_catalog.pg_roles r on r.oid = s.setrole
       left join pg_catalog.pg_database d on d.oid = s.setdatabase
      where s.setdatabase in (0, (select oid from pg_catalog.pg_database where datname = current_database()))
        and (s.setrole = 0 or lower(r.rolname) = $1)
        and exists (select 1 from unnest(s.setconfig) c where lower(c) like 'search\\_path=%')
      order by (s.setrole = 0), (s.setdatabase = 0)
      limit 1`,
    [appRole],
  );
  const row = rows[0];
  if (!row) return null;
  const entry = row.setconfig.find((c) => c.toLowerCase().startsWith('search_path=')) ?? '';
  const value = entry.slice(entry.indexOf('=') + 1);
  const schemas = searchPathSchemas(value, appRole);
  const privileges = await client.query<{ schema: string; creators: string[] }>(
    `select n.nspname as schema,
            array(select 'public' from pg_catalog.aclexplode(coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner))) a
                   where a.grantee = 0 and a.privilege_type = 'CREATE')
            || array(select lower(r.rolname)::text from pg_catalog.pg_roles r
                      where lower(r.rolname) = any ($2) and pg_catalog.has_schema_privilege(r.oid, n.oid, 'CREATE') order by 1) as creators
       from pg_catalog.pg_namespace n where n.nspname = any ($1)`,
    [schemas, candidates.filter((c) => c !== 'public')],
  );
  const setBy = row.rolename
    ? `ALTER ROLE ${row.rolename}${row.datname ? ` IN DATABASE ${row.datname}` : ''} SET`
    : row.datname
      ? `ALTER DATABASE ${row.datname} SET`
      : 'ALTER ROLE ALL SET';
  return {
    value,
    schemas,
    file: settingsFile(row.role, row.database),
    setBy,
    creators: new Map(privileges.rows.filter((p) => p.creators.length > 0).map((p) => [p.schema, p.creators])),
  };
}
