/**
 * Reads a live database's catalog and writes it out as SQL statements, one synthetic file per
 * object, so that the live audit builds its model with the same replay as a migration history.
 * Every name is schema-qualified (the catalog is read with `search_path = pg_catalog`).
 */
import type pg from 'pg';
import type { SqlFile } from './model/replay.js';

const COMMANDS: Record<string, string> = { '*': 'all', r: 'select', a: 'insert', w: 'update', d: 'delete' };

const NOT_SYSTEM = `n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_(toast|temp)'`;
const NOT_EXTENSION = (classId: string, oid: string): string =>
  `not exists (select 1 from pg_catalog.pg_depend d where d.classid = '${classId}'::regclass and d.objid = ${oid} and d.deptype = 'e')`;

const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/** `role x [in database y]` or `database y` (names as quote_ident writes them): what an ALTER … SET targets. */
function settingsTarget(role: string | null, database: string | null): string {
  return role ? `role ${role}${database ? ` in database ${database}` : ''}` : `database ${database ?? ''}`;
}

/** The catalog history's file for the `pg_db_role_setting` entry of a role and database (quote_ident names, null for all). */
export function settingsFile(role: string | null, database: string | null): string {
  return `database: settings of ${settingsTarget(role, database)}`;
}

interface TableRow {
  oid: number;
  name: string;
  rowsecurity: boolean;
  forcerowsecurity: boolean;
  owner: string;
  parents: string[];
  columns: string[];
}

/**
 * The catalog as SQL files, in an order the replay accepts: roles, tables (parents first),
 * schemas with their USAGE grants, functions with their EXECUTE grants, views, policies, role and
 * database settings. Run it inside a read-only transaction.
 */
export async function catalogHistory(client: pg.ClientBase): Promise<SqlFile[]> {
  await client.query('set local search_path = pg_catalog');
  const files: SqlFile[] = [];

  const roles = await client.query<{ name: string; rolsuper: boolean; rolbypassrls: boolean }>(
    `select quote_ident(rolname) as name, rolsuper, rolbypassrls from pg_catalog.pg_roles where rolname !~ '^pg_' order by rolname`,
  );
  for (const role of roles.rows) {
    const attributes = [role.rolsuper ? 'superuser' : 'nosuperuser', role.rolbypassrls ? 'bypassrls' : 'nobypassrls'];
    files.push({ path: `database: role ${role.name}`, text: `create role ${role.name} ${attributes.join(' ')};\n` });
  }

  const tables = await client.query<TableRow>(
    `select c.oid::int as oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname) as name,
            c.relrowsecurity as rowsecurity, c.relforcerowsecurity as forcerowsecurity,
            quote_ident(pg_catalog.pg_get_userbyid(c.relowner)) as owner,
            array(select quote_ident(pn.nspname) || '.' || quote_ident(p.relname)
                    from pg_catalog.pg_inherits i join pg_catalog.pg_class p on p.oid = i.inhparent
                    join pg_catalog.pg_namespace pn on pn.oid = p.relnamespace
                   where i.inhrelid = c.oid order by i.inhseqno) as parents,
            array(select quote_ident(a.attname) || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
                         || case when a.attnotnull then ' not null' else '' end
                    from pg_catalog.pg_attribute a
                   where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attislocal
                   order by a.attnum) as columns
       from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and ${NOT_SYSTEM} and ${NOT_EXTENSION('pg_catalog.pg_class', 'c.oid')}
      order by c.oid`,
  );
  // Parents before children, so that children inherit the parent's columns in the model.
  const pending = [...tables.rows];
  const written = new Set<string>();
  while (pending.length > 0) {
    const index = pending.findIndex((t) => t.parents.every((p) => written.has(p) || !tables.rows.some((o) => o.name === p)));
    const table = pending.splice(index === -1 ? 0 : index, 1)[0] as TableRow;
    written.add(table.name);
    const lines = [`create table ${table.name} (${table.columns.join(', ')})${table.parents.length > 0 ? ` inherits (${table.parents.join(', ')})` : ''};`];
    lines.push(`alter table ${table.name} owner to ${table.owner};`);
    if (table.rowsecurity) lines.push(`alter table ${table.name} enable row level security;`);
    if (table.forcerowsecurity) lines.push(`alter table ${table.name} force row level security;`);
    files.push({ path: `database: table ${table.name}`, text: `${lines.join('\n')}\n` });
  }

  // Who may use a schema; the owner is left out, as in the model.
  const schemas = await client.query<{ name: string; usage: string[] }>(
    `select quote_ident(n.nspname) as name,
            array(select case when a.grantee = 0 then 'public' else quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) end
                    from pg_catalog.aclexplode(coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner))) a
                   where a.privilege_type = 'USAGE' and a.grantee <> n.nspowner order by 1) as usage
       from pg_catalog.pg_namespace n
      where ${NOT_SYSTEM} and ${NOT_EXTENSION('pg_catalog.pg_namespace', 'n.oid')}
      order by n.oid`,
  );
  for (const schema of schemas.rows) {
    // The model starts with PUBLIC on public (PostgreSQL's default); any other schema starts with no grant.
    const lines = schema.name === 'public' ? ['revoke usage on schema public from public;'] : [`create schema ${schema.name};`];
    if (schema.usage.length > 0) lines.push(`grant usage on schema ${schema.name} to ${schema.usage.join(', ')};`);
    files.push({ path: `database: schema ${schema.name}`, text: `${lines.join('\n')}\n` });
  }

  const functions = await client.query<{ name: string; def: string; execute: string[] }>(
    `select quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' as name,
            pg_catalog.pg_get_functiondef(p.oid) as def,
            array(select case when a.grantee = 0 then 'public' else quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) end
                    from pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
                   where a.privilege_type = 'EXECUTE' and a.grantee <> p.proowner order by 1) as execute
       from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
      where p.prokind in ('f', 'p') and ${NOT_SYSTEM} and ${NOT_EXTENSION('pg_catalog.pg_proc', 'p.oid')}
      order by p.oid`,
  );
  for (const fn of functions.rows) {
    // A replayed function starts executable by PUBLIC; its ACL then says who really may call it.
    const lines = [`${fn.def.trimEnd()};`, `revoke execute on routine ${fn.name} from public;`];
    if (fn.execute.length > 0) lines.push(`grant execute on routine ${fn.name} to ${fn.execute.join(', ')};`);
    files.push({ path: `database: function ${fn.name}`, text: `${lines.join('\n')}\n` });
  }

  const views = await client.query<{ name: string; relkind: string; reloptions: string[] | null; def: string }>(
    `select quote_ident(n.nspname) || '.' || quote_ident(c.relname) as name, c.relkind::text as relkind, c.reloptions,
            pg_catalog.pg_get_viewdef(c.oid) as def
       from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('v', 'm') and ${NOT_SYSTEM} and ${NOT_EXTENSION('pg_catalog.pg_class', 'c.oid')}
      order by c.oid`,
  );
  for (const view of views.rows) {
    const query = view.def.trim().replace(/;$/, '');
    if (view.relkind === 'm') {
      files.push({ path: `database: materialized view ${view.name}`, text: `create materialized view ${view.name} as\n${query};\n` });
      continue;
    }
    const options = (view.reloptions ?? []).map((o) => {
      const eq = o.indexOf('=');
      return `${o.slice(0, eq)} = ${literal(o.slice(eq + 1))}`;
    });
    const withOptions = options.length > 0 ? ` with (${options.join(', ')})` : '';
    files.push({ path: `database: view ${view.name}`, text: `create view ${view.name}${withOptions} as\n${query};\n` });
  }

  const policies = await client.query<{ name: string; tablename: string; cmd: string; permissive: boolean; roles: string[]; qual: string | null; check: string | null }>(
    `select quote_ident(pol.polname) as name, quote_ident(n.nspname) || '.' || quote_ident(c.relname) as tablename,
            pol.polcmd::text as cmd, pol.polpermissive as permissive,
            case when pol.polroles = '{0}' then array['public']
                 else array(select quote_ident(r.rolname) from pg_catalog.pg_roles r where r.oid = any (pol.polroles) order by r.rolname) end as roles,
            pg_catalog.pg_get_expr(pol.polqual, pol.polrelid) as qual,
            pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid) as check
       from pg_catalog.pg_policy pol join pg_catalog.pg_class c on c.oid = pol.polrelid
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      order by c.oid, pol.polname`,
  );
  for (const policy of policies.rows) {
    const lines = [
      `create policy ${policy.name} on ${policy.tablename}`,
      `  as ${policy.permissive ? 'permissive' : 'restrictive'} for ${COMMANDS[policy.cmd] ?? 'all'} to ${policy.roles.join(', ')}`,
    ];
    if (policy.qual !== null) lines.push(`  using (${policy.qual})`);
    if (policy.check !== null) lines.push(`  with check (${policy.check})`);
    files.push({ path: `database: policy ${policy.name} on ${policy.tablename}`, text: `${lines.join('\n')};\n` });
  }

  const settings = await client.query<{ role: string | null; database: string | null; setconfig: string[] }>(
    `select quote_ident(r.rolname) as role, quote_ident(d.datname) as database, s.setconfig
       from pg_catalog.pg_db_role_setting s
       left join pg_catalog.pg_roles r on r.oid = s.setrole
       left join pg_catalog.pg_database d on d.oid = s.setdatabase
      order by 1, 2`,
  );
  for (const setting of settings.rows) {
    const target = settingsTarget(setting.role, setting.database);
    const text = setting.setconfig
      .map((entry) => {
        const eq = entry.indexOf('=');
        return `alter ${target} set ${entry.slice(0, eq)} = ${literal(entry.slice(eq + 1))};`;
      })
      .join('\n');
    files.push({ path: settingsFile(setting.role, setting.database), text: `${text}\n` });
  }
  return files;
}
