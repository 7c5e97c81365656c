import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { PgBouncerServer, PostgresServer } from '@tenant-scope/pg-harness';

/** A database with an RLS-protected `items` table, a non-owner application role, and tenants with rows. */
export interface TenantDatabase {
  name: string;
  /** The application role: not the owner of `items`, no BYPASSRLS. */
  app: { user: string; password: string };
  tenants: string[];
  rowsPerTenant: number;
  /** A pool of the application role straight to PostgreSQL. */
  appPool(options?: pg.PoolConfig): pg.Pool;
  /** A pool of the application role through PgBouncer. */
  appPoolThrough(bouncer: PgBouncerServer, options?: pg.PoolConfig): pg.Pool;
  /** A superuser client on this database, for checks and side effects. */
  admin(): Promise<pg.Client>;
  drop(): Promise<void>;
}

/** The policy the tests use: fails closed when the setting is unset or empty. */
export const TENANT_POLICY = `tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid`;

export function appRole(): { user: string; password: string } {
  return { user: `tenant_app_${randomBytes(4).toString('hex')}`, password: `pw_${randomBytes(8).toString('hex')}` };
}

export async function createTenantDatabase(
  postgres: PostgresServer,
  app: { user: string; password: string },
  { tenantCount = 2, rowsPerTenant = 3 } = {},
): Promise<TenantDatabase> {
  const url = await postgres.createDatabase();
  const name = new URL(url).pathname.slice(1);
  const tenants = Array.from({ length: tenantCount }, () => randomUUID());
  const setup = await postgres.connect({ database: name });
  const role = setup.escapeIdentifier(app.user);
  await setup.query(`
    create role ${role} login password ${setup.escapeLiteral(app.password)};
    create table items (id bigserial primary key, tenant_id uuid not null, label text not null);
    alter table items enable row level security;
    alter table items force row level security;
    create policy tenant_isolation on items using (${TENANT_POLICY});
    grant select, insert, update, delete on items to ${role};
    grant usage on sequence items_id_seq to ${role};
    create table side_effects (id bigserial primary key, note text not null);
    grant select, insert on side_effects to ${role};
    grant usage on sequence side_effects_id_seq to ${role};
    -- Runs as its owner and sets the tenant at session level: invisible in the caller's SQL.
    create function leaky_set_tenant(value text) returns text language sql security definer
      as $$ select set_config('app.tenant_id', value, false) $$;
    create function local_set_tenant(value text) returns text language sql security definer
      as $$ select set_config('app.tenant_id', value, true) $$;
    grant execute on function leaky_set_tenant(text), local_set_tenant(text) to ${role};
  `);
  await setup.query(
    `insert into items (tenant_id, label) select t::uuid, 'row ' || n from unnest($1::text[]) as t, generate_series(1, $2) as n`,
    [tenants, rowsPerTenant],
  );
  await setup.end();

  const poolFor = (connectionString: string, options: pg.PoolConfig = {}): pg.Pool => {
    const pool = new pg.Pool({ connectionString, ...options });
    // A pooled client whose server went away emits 'error' on the pool; the tests look at the next query instead.
    pool.on('error', () => undefined);
    return pool;
  };
  return {
    name,
    app,
    tenants,
    rowsPerTenant,
    appPool: (options) => {
      const appUrl = new URL(url);
      appUrl.username = encodeURIComponent(app.user);
      appUrl.password = encodeURIComponent(app.password);
      return poolFor(appUrl.toString(), options);
    },
    appPoolThrough: (bouncer, options) => poolFor(bouncer.urlFor(name, app), options),
    admin: () => postgres.connect({ database: name }),
    drop: async () => {
      if (!postgres.external) return;
      const cleanup = await postgres.connect();
      await cleanup.query(`drop database if exists ${cleanup.escapeIdentifier(name)} with (force)`);
      await cleanup.query(`drop role if exists ${cleanup.escapeIdentifier(app.user)}`);
      await cleanup.end();
    },
  };
}

/** Counts rows of `side_effects` with this note: the proof that a statement reached the server. */
export async function sideEffects(database: TenantDatabase, note: string): Promise<number> {
  const admin = await database.admin();
  const { rows } = await admin.query<{ count: string }>('select count(*) from side_effects where note = $1', [note]);
  await admin.end();
  return Number(rows[0]?.count);
}
