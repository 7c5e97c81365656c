/**
 * What the application role can become and read, from the live catalog: the roles it can act as
 * (through role membership and role/database defaults) and the tables it may SELECT. Row-level
 * security is skipped for SUPERUSER and BYPASSRLS roles and for a table's owner (and the roles
 * that inherit the owner's privileges), so every one of these ways counts.
 */
import type pg from 'pg';
import { readDefaultSearchPath } from './default-search-path.js';
import type { DefaultSearchPath } from './default-search-path.js';

/** One way the app role reaches another role. */
export interface RoleStep {
  role: string;
  /** How: `member` (may SET ROLE), `inherits` (has its privileges), `default role` / `default session_authorization` (ALTER ROLE|DATABASE … SET). */
  via: 'member' | 'inherits' | 'default role' | 'default session_authorization';
}

/** The app role's reach, read in the audit's transaction. */
export interface AppRoleAccess {
  /** Roles the app role can act as (SET ROLE, session defaults), with the shortest chain of steps (itself: none). */
  become: Map<string, RoleStep[]>;
  /** Roles whose privileges (table ownership among them) the app role has, directly or after SET ROLE. */
  privileges: Map<string, RoleStep[]>;
  /** Tables (`schema.name` as PostgreSQL stores the names, as the model keys them) the app role may SELECT. */
  readable: Set<string>;
  /** The search_path its sessions start with from role and database defaults, or null. */
  searchPath?: DefaultSearchPath | null;
}

interface Edge {
  member: string;
  granted: string;
  inherit: boolean;
  set: boolean;
}

/**
 * Reads the membership graph, role/database defaults and the app role's readable tables.
 * `untrustedRoles` (the platform's client roles) are checked for CREATE on its default search_path.
 */
export async function readAppRoleAccess(client: pg.ClientBase, appRole: string, untrustedRoles: readonly string[] = []): Promise<AppRoleAccess | null> {
  const exists = await client.query<{ name: string }>(`select rolname as name from pg_catalog.pg_roles where lower(rolname) = $1 order by rolname = $1 desc limit 1`, [appRole]);
  const name = exists.rows[0]?.name;
  if (name === undefined) return null;
  const version = Number((await client.query<{ v: string }>(`select current_setting('server_version_num') as v`)).rows[0]?.v ?? 0);
  // PostgreSQL 16 records INHERIT and SET per grant; before, INHERIT was the member's attribute and SET always allowed.
  const edges = await client.query<Edge>(
    version >= 160000
      ? `select lower(m.rolname) as member, lower(g.rolname) as granted, a.inherit_option as inherit, a.set_option as set
           from pg_catalog.pg_auth_members a join pg_catalog.pg_roles m on m.oid = a.member join pg_catalog.pg_roles g on g.oid = a.roleid`
      : `select lower(m.rolname) as member, lower(g.rolname) as granted, m.rolinherit as inherit, true as set
           from pg_catalog.pg_auth_members a join pg_catalog.pg_roles m on m.oid = a.member join pg_catalog.pg_roles g on g.oid = a.roleid`,
  );
  // Defaults that apply to the app role's sessions in this database: its own (any database or this one) and the database's.
  const defaults = await client.query<{ role: string | null; setconfig: string[] }>(
    `select lower(r.rolname) as role, s.setconfig
       from pg_catalog.pg_db_role_setting s left join pg_catalog.pg_roles r on r.oid = s.setrole
      where s.setdatabase in (0, (select oid from pg_catalog.pg_database where datname = current_database()))`,
  );
  const readable = await client.query<{ key: string }>(
    `select n.nspname || '.' || c.relname as key
       from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_(toast|temp)'
        and pg_catalog.has_table_privilege($1, c.oid, 'SELECT')`,
    [name],
  );
  const searchPath = await readDefaultSearchPath(client, appRole, untrustedRoles);
  return { ...reachableRoles(appRole, edges.rows, defaults.rows), readable: new Set(readable.rows.map((r) => r.key)), searchPath };
}

/** A role's default for `role` or `session_authorization`, from `ALTER ROLE … SET`, else from `ALTER DATABASE … SET`. */
function defaultFor(role: string, setting: string, defaults: readonly { role: string | null; setconfig: string[] }[]): string | undefined {
  const value = (entries: readonly { setconfig: string[] }[]): string | undefined => {
    for (const entry of entries) {
      for (const item of entry.setconfig) {
        const eq = item.indexOf('=');
        if (item.slice(0, eq).toLowerCase() === setting) return item.slice(eq + 1).toLowerCase();
      }
    }
    return undefined;
  };
  return value(defaults.filter((d) => d.role === role)) ?? value(defaults.filter((d) => d.role === null));
}

/**
 * Breadth-first over "may SET ROLE to" (SET option on every grant of the chain), "inherits the
 * privileges of" (INHERIT on every grant), and the session defaults of `role` and
 * `session_authorization`, which make every session of a role start as another.
 */
export function reachableRoles(
  appRole: string,
  edges: readonly Edge[],
  defaults: readonly { role: string | null; setconfig: string[] }[],
): Pick<AppRoleAccess, 'become' | 'privileges'> {
  const become = new Map<string, RoleStep[]>([[appRole, []]]);
  const privileges = new Map<string, RoleStep[]>([[appRole, []]]);
  const paths = new Map<string, RoleStep[]>([[`${appRole}|true|true`, []]]);
  // Each queue entry also remembers which ways are still open along its chain.
  const queue: { role: string; canSet: boolean; inherits: boolean }[] = [{ role: appRole, canSet: true, inherits: true }];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const { role, canSet, inherits } = queue.shift() as (typeof queue)[number];
    const key = `${role}|${canSet}|${inherits}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const path = paths.get(key) ?? [];
    const step = (next: string, via: RoleStep['via'], nextSet: boolean, nextInherits: boolean): void => {
      const nextPath = [...path, { role: next, via }];
      const nextKey = `${next}|${nextSet}|${nextInherits}`;
      if (!paths.has(nextKey)) paths.set(nextKey, nextPath);
      if (nextSet && !become.has(next)) become.set(next, nextPath);
      if (!privileges.has(next)) privileges.set(next, nextPath);
      queue.push({ role: next, canSet: nextSet, inherits: nextInherits });
    };
    // Session defaults only apply to the role that logs in, that is, the app role itself;
    // they come first because every session takes them without asking.
    if (role === appRole) {
      const defaultRole = defaultFor(role, 'role', defaults);
      if (defaultRole && defaultRole !== 'none') step(defaultRole, 'default role', true, true);
      const authorization = defaultFor(role, 'session_authorization', defaults);
      if (authorization && authorization !== 'default') step(authorization, 'default session_authorization', true, true);
    }
    for (const edge of edges) {
      if (edge.member !== role) continue;
      if (canSet && edge.set) step(edge.granted, 'member', true, inherits && edge.inherit);
      else if (inherits && edge.inherit) step(edge.granted, 'inherits', false, true);
    }
  }
  return { become, privileges };
}

/** `app → admins → bypass_role`, with how each step is taken. */
export function describePath(appRole: string, steps: readonly RoleStep[]): { path: string; how: string } {
  const path = [appRole, ...steps.map((s) => s.role)].join(' → ');
  const how = steps
    .map((s, i) => {
      const from = i === 0 ? appRole : (steps[i - 1] as RoleStep).role;
      if (s.via === 'member') return `${from} is a member of ${s.role} and may SET ROLE to it`;
      if (s.via === 'inherits') return `${from} inherits the privileges of ${s.role}`;
      return `${from}'s sessions start as ${s.role} (${s.via === 'default role' ? 'ALTER ROLE|DATABASE … SET role' : 'ALTER ROLE|DATABASE … SET session_authorization'})`;
    })
    .join('; ');
  return { path, how };
}
