import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { createTenantScope, type AssertionMode, type TenantScope, type TenantScopeViolation } from '@tenant-scope/guard';
import { startPgBouncer, startPostgres, type PgBouncerServer, type PostgresServer } from '@tenant-scope/pg-harness';
import { createTenantDatabase, type TenantDatabase } from './tenant-database.js';

// The red team's database: the tenant database of the other tests plus what hostile code in fn
// can reach: a BYPASSRLS role the application role is a member of, a schema it may create objects
// in, and functions whose text hides what they do (role switches, tenant switches, session state).

export interface RedTeamDatabase extends TenantDatabase {
  /** A role with BYPASSRLS that the application role may SET ROLE to (the audit's finding). */
  bypassRole: string;
}

export async function createRedTeamDatabase(postgres: PostgresServer): Promise<RedTeamDatabase> {
  const app = { user: `red_app_${randomBytes(4).toString('hex')}`, password: `pw_${randomBytes(8).toString('hex')}` };
  const database = await createTenantDatabase(postgres, app);
  const bypassRole = `red_bypass_${randomBytes(4).toString('hex')}`;
  const admin = await database.admin();
  const appRole = admin.escapeIdentifier(app.user);
  const bypass = admin.escapeIdentifier(bypassRole);
  await admin.query(`
    create role ${bypass} nologin bypassrls;
    grant ${bypass} to ${appRole};
    grant select, insert, update, delete on items to ${bypass};
    grant usage on sequence items_id_seq to ${bypass};
    create schema evil;
    grant usage, create on schema evil to ${appRole};
    -- SECURITY INVOKER helpers: what the caller's SQL text shows is only a function call.
    create function escalate(target text) returns text language sql
      as $$ select pg_catalog.set_config('role', target, false) $$;
    create function escalate_locally(target text) returns text language sql
      as $$ select pg_catalog.set_config('role', target, true) $$;
    create function stash_rows() returns void language plpgsql as $$
      begin
        create temp table stash as select * from items;
      end $$;
    create function hold_cursor() returns void language plpgsql as $$
      begin
        execute 'declare held cursor with hold for select tenant_id::text from items';
      end $$;
    create function take_lock() returns void language sql as $$ select pg_catalog.pg_advisory_lock(4242) $$;
    grant execute on all functions in schema public to ${appRole};
  `);
  await admin.end();
  return { ...database, bypassRole };
}

/** A scope in `mode` whose violations and log lines are kept. */
export function redTeamScope(pool: pg.Pool, mode: AssertionMode): { scope: TenantScope<'tenantId'>; violations: TenantScopeViolation[] } {
  const violations: TenantScopeViolation[] = [];
  const scope = createTenantScope(pool, {
    context: { tenantId: 'app.tenant_id' },
    validate: { tenantId: 'uuid' },
    assertions: mode,
    onViolation: (violation) => violations.push(violation),
    logger: { warn: () => undefined },
  });
  return { scope, violations };
}

/** What the next tenant's transaction finds on the connection it gets. */
export interface ConnectionState {
  role: string;
  searchPath: string;
  tenant: string;
  tenants: string[];
  tempObjects: number;
  holdCursors: number;
  advisoryLocks: number;
  listening: number;
  sqlPrepared: number;
}

/**
 * The ground truth for the next tenant: its own scope (assertions off) on the next connection
 * `pool` hands out, reading what it can see and what the session carries. Returns the state and
 * the violations that scope reported (what it found on arrival).
 */
export async function nextTenantState(pool: pg.Pool, tenant: string): Promise<ConnectionState & { arrival: string[] }> {
  const { scope, violations } = redTeamScope(pool, 'off');
  const state = await scope.withTenant({ tenantId: tenant }, async (client) => {
    const { rows } = await client.query<{ tenant_id: string }>('select tenant_id::text from public.items order by id');
    const session = await client.query<Omit<ConnectionState, 'tenants'>>(`
      select current_user::text as "role",
        pg_catalog.current_setting('search_path') as "searchPath",
        pg_catalog.current_setting('app.tenant_id', true) as "tenant",
        (select count(*)::int from pg_catalog.pg_class where relnamespace = pg_catalog.pg_my_temp_schema()) as "tempObjects",
        (select count(*)::int from pg_catalog.pg_cursors where is_holdable) as "holdCursors",
        (select count(*)::int from pg_catalog.pg_locks where locktype = 'advisory' and pid = pg_catalog.pg_backend_pid()) as "advisoryLocks",
        (select count(*)::int from pg_catalog.pg_listening_channels()) as "listening",
        (select count(*)::int from pg_catalog.pg_prepared_statements where from_sql) as "sqlPrepared"`);
    return { ...session.rows[0]!, tenants: [...new Set(rows.map((row) => row.tenant_id))] };
  });
  return { ...state, arrival: violations.map((v) => v.code) };
}

/** The state a clean connection of the application role shows tenant `tenant`. */
export function cleanState(database: RedTeamDatabase, tenant: string, arrival: string[] = []): ConnectionState & { arrival: string[] } {
  return {
    arrival,
    role: database.app.user,
    searchPath: '"$user", public',
    tenant,
    tenants: [tenant],
    tempObjects: 0,
    holdCursors: 0,
    advisoryLocks: 0,
    listening: 0,
    sqlPrepared: 0,
  };
}

/**
 * Puts the server connection(s) behind `pool` back to a clean session, whatever a test left on
 * them (outside any guard; DISCARD ALL cannot run in a transaction, so it also ends one).
 */
export async function scrub(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    if (client.getTransactionStatus() !== 'I') await client.query('ROLLBACK');
    await client.query('DISCARD ALL');
    client.release();
  } catch (error) {
    client.release(error as Error);
  }
}

/** Rows of tenants other than `tenant` that carry `label`, counted as the superuser sees them. */
export async function foreignRowsWritten(database: RedTeamDatabase, label: string, tenant: string): Promise<number> {
  const admin = await database.admin();
  try {
    const { rows } = await admin.query<{ n: number }>('select count(*)::int as n from items where label = $1 and tenant_id <> $2', [label, tenant]);
    return rows[0]!.n;
  } finally {
    await admin.end();
  }
}

/** The outcome of `promise`, or a rejection naming `what` when it did not settle within `ms` (a hang). */
export async function settledWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<PromiseSettledResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms (a hang)`)), ms);
  });
  try {
    const [settled] = await Promise.race([Promise.allSettled([promise]), hang]);
    return settled;
  } finally {
    clearTimeout(timer);
  }
}

/** Rows of other tenants among what `fn` returned (an array of tenant ids), if it resolved. */
export function foreignRowsReturned(outcome: PromiseSettledResult<unknown>, tenant: string): string[] {
  if (outcome.status !== 'fulfilled' || !Array.isArray(outcome.value)) return [];
  return (outcome.value as unknown[]).filter((id) => id !== tenant) as string[];
}

/** Where a red-team suite runs: a direct pool of one connection, or PgBouncer with one server connection. */
export type RedTeamTargetName = 'direct' | 'pgbouncer';

/** A started red-team server, its database and the application's pool; `stop` ends all of them. */
export interface RedTeamTarget {
  database: RedTeamDatabase;
  pool: pg.Pool;
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL with the red team's database and a pool of the application role: directly
 * (one connection) or through PgBouncer in transaction mode with one server connection, so
 * every scope of the suite runs on the same server session.
 */
export async function startRedTeamTarget(name: RedTeamTargetName): Promise<RedTeamTarget> {
  const postgres = await startPostgres();
  let bouncer: PgBouncerServer | undefined;
  let database: RedTeamDatabase | undefined;
  let pool: pg.Pool | undefined;
  const stop = async (): Promise<void> => {
    await pool?.end();
    await bouncer?.stop();
    await database?.drop();
    await postgres.stop();
  };
  try {
    database = await createRedTeamDatabase(postgres);
    if (name === 'pgbouncer') {
      bouncer = await startPgBouncer(postgres, { poolMode: 'transaction', poolSize: 1, users: [database.app] });
      pool = database.appPoolThrough(bouncer, { max: 4 });
    } else {
      pool = database.appPool({ max: 1 });
    }
    return { database, pool, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
