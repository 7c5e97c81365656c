import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type pg from 'pg';
import { pgbouncerAvailability, startPgBouncer, startPostgres, type PgBouncerServer, type PostgresServer } from '@tenant-scope/pg-harness';
import type { TenantScopeViolation } from '@tenant-scope/guard';
import { appRole, createTenantDatabase, type TenantDatabase } from './tenant-database.js';
import { codes, recordingScope, rejection } from './scope-fixture.js';

// Ground truth through PgBouncer in transaction mode, under a real RLS policy and a non-owner role:
// the unguarded buggy code shows one tenant's rows to another; the guard reports it; correct code
// inside withTenant never sees a foreign row.

const pgbouncer = pgbouncerAvailability();
const app = appRole();

/** Request code for tenant A as often written: a session-level set on a pooled connection. */
async function requestSettingSessionTenant(runner: { query: pg.Pool['query'] }, tenant: string): Promise<string[]> {
  await runner.query(`select set_config('app.tenant_id', $1, false)`, [tenant]);
  const { rows } = await runner.query<{ tenant_id: string }>('select tenant_id from items order by id');
  return rows.map((row) => row.tenant_id);
}

/** Request code for tenant B as often written: a transaction-local set, but no transaction around it. */
async function requestSettingLocalTenant(runner: { query: pg.Pool['query'] }, tenant: string): Promise<string[]> {
  await runner.query(`select set_config('app.tenant_id', $1, true)`, [tenant]);
  const { rows } = await runner.query<{ tenant_id: string }>('select tenant_id from items order by id');
  return rows.map((row) => row.tenant_id);
}

describe.skipIf(!pgbouncer.available)('through PgBouncer in transaction mode (default_pool_size 1)', () => {
  let postgres: PostgresServer;
  let bouncer: PgBouncerServer;
  let database: TenantDatabase;
  let tenantA: string;
  let tenantB: string;
  let pool: pg.Pool;

  beforeAll(async () => {
    postgres = await startPostgres();
    database = await createTenantDatabase(postgres, app);
    [tenantA, tenantB] = database.tenants as [string, string];
    bouncer = await startPgBouncer(postgres, { poolMode: 'transaction', poolSize: 1, users: [app] });
    pool = database.appPoolThrough(bouncer, { max: 10 });
  });

  afterAll(async () => {
    await pool?.end();
    await bouncer?.stop();
    await database?.drop();
    await postgres?.stop();
  });

  async function serverTenant(): Promise<string | null> {
    const { rows } = await pool.query<{ tenant: string | null }>(`select current_setting('app.tenant_id', true) as tenant`);
    return rows[0]?.tenant ?? null;
  }

  test('unguarded: tenant B is shown all of tenant A’s rows', async () => {
    const seenByA = await requestSettingSessionTenant(pool, tenantA);
    const seenByB = await requestSettingLocalTenant(pool, tenantB);

    expect(seenByA).toEqual([tenantA, tenantA, tenantA]);
    expect(seenByB).toEqual([tenantA, tenantA, tenantA]);
    // Leave the server connection as a clean one for the next test.
    await pool.query(`select set_config('app.tenant_id', '', false)`);
  });

  test('the same code inside withTenant (throw): session-set refused, so B never sees A’s rows', async () => {
    const { scope, violations } = recordingScope(pool, 'throw');

    const errorA = await rejection(scope.withTenant({ tenantId: tenantA }, (client) => requestSettingSessionTenant(client, tenantA)));
    const seenByB = await scope.withTenant({ tenantId: tenantB }, (client) => requestSettingLocalTenant(client, tenantB));

    expect((errorA as TenantScopeViolation).code).toBe('session-set');
    expect(seenByB).toEqual([tenantB, tenantB, tenantB]);
    expect(codes(violations)).toEqual(['session-set']);
    expect(await serverTenant()).toBe('');
  });

  test('the same code inside withTenant (warn): session-set and the surviving value are reported and cleared on the server connection', async () => {
    const { scope, violations } = recordingScope(pool, 'warn');

    const seenByA = await scope.withTenant({ tenantId: tenantA }, (client) => requestSettingSessionTenant(client, tenantA));
    const seenByB = await scope.withTenant({ tenantId: tenantB }, (client) => requestSettingLocalTenant(client, tenantB));

    expect(seenByA).toEqual([tenantA, tenantA, tenantA]);
    expect(seenByB).toEqual([tenantB, tenantB, tenantB]);
    expect(codes(violations)).toEqual(['session-set', 'context-survived-commit']);
    expect(await serverTenant()).toBe('');
  });

  test('warn: a session-level search_path change inside withTenant is reported and undone on the server connection', async () => {
    const { scope, violations } = recordingScope(pool, 'warn');
    const defaultPath = (await pool.query<{ path: string }>(`select current_setting('search_path') as path`)).rows[0]?.path;

    const seen = await scope.withTenant({ tenantId: tenantA }, async (client) => {
      await client.query('SET search_path = pg_catalog');
      return (await client.query<{ path: string }>(`select current_setting('search_path') as path`)).rows[0]?.path;
    });

    expect(seen).toBe('pg_catalog');
    expect(codes(violations)).toEqual(['session-set']);
    // One server connection behind PgBouncer: the next client gets the same backend, with the default back.
    expect((await pool.query<{ path: string }>(`select current_setting('search_path') as path`)).rows[0]?.path).toBe(defaultPath);
    expect(defaultPath).toBe('"$user", public');
  });

  test.each(['withTenant', 'scope.query'])('a value leaked by unguarded code is reported as leaked-context (every mode), overridden, and cleared on the server connection (%s)', async (runner) => {
    const { scope, violations } = recordingScope(pool, 'off');
    await requestSettingSessionTenant(pool, tenantA);

    const seenByB =
      runner === 'withTenant'
        ? await scope.withTenant({ tenantId: tenantB }, (client) => requestSettingLocalTenant(client, tenantB))
        : (await scope.query<{ tenant_id: string }>({ tenantId: tenantB }, 'select tenant_id from items order by id')).rows.map((row) => row.tenant_id);

    expect(seenByB).toEqual([tenantB, tenantB, tenantB]);
    expect(codes(violations)).toEqual(['leaked-context']);
    // Destroying the client connection would not reset PgBouncer's server connection; the scope cleared it.
    expect(await serverTenant()).toBe('');
  });

  test('correct code inside withTenant and scope.query: 400 concurrent requests of two tenants never see a foreign row', async () => {
    const { scope, violations } = recordingScope(pool, 'throw');
    const requests = Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? tenantA : tenantB));

    const seen = await Promise.all(
      requests.map(async (tenant, i) => {
        // Half of them one-statement scope.query calls, sharing the one server connection with withTenant.
        const rows =
          i % 4 < 2
            ? (await scope.query<{ tenant_id: string }>({ tenantId: tenant }, 'select tenant_id from items')).rows
            : await scope.withTenant({ tenantId: tenant }, async (client) => (await client.query<{ tenant_id: string }>('select tenant_id from items')).rows);
        return { tenant, rows: rows.map((row) => row.tenant_id) };
      }),
    );

    const foreign = seen.flatMap(({ tenant, rows }) => rows.filter((row) => row !== tenant));
    expect(foreign).toEqual([]);
    expect(seen.every(({ rows }) => rows.length === database.rowsPerTenant)).toBe(true);
    expect(violations).toEqual([]);
  });
});
