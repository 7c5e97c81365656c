import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type pg from 'pg';
import { pgbouncerAvailability, startPgBouncer, startPostgres, type PgBouncerServer, type PostgresServer } from '@tenant-scope/pg-harness';
import { appRole, createTenantDatabase, type TenantDatabase } from './tenant-database.js';
import { recordingScope } from './scope-fixture.js';

const pgbouncer = pgbouncerAvailability();
const app = appRole();
const TRANSACTIONS = 10_000;
const CONCURRENCY = 50;
const TENANTS = 20;

describe.skipIf(!pgbouncer.available)(`stress: ${TRANSACTIONS} tenant transactions (a third of them scope.query), ${TENANTS} tenants, concurrency ${CONCURRENCY}, PgBouncer default_pool_size 4`, () => {
  let postgres: PostgresServer;
  let bouncer: PgBouncerServer;
  let database: TenantDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    postgres = await startPostgres();
    database = await createTenantDatabase(postgres, app, { tenantCount: TENANTS, rowsPerTenant: 5 });
    bouncer = await startPgBouncer(postgres, { poolMode: 'transaction', poolSize: 4, users: [app] });
    pool = database.appPoolThrough(bouncer, { max: CONCURRENCY });
  });

  afterAll(async () => {
    await pool?.end();
    await bouncer?.stop();
    await database?.drop();
    await postgres?.stop();
  });

  test('no row of another tenant, no violation, every connection back in the pool', async () => {
    const { scope, violations } = recordingScope(pool, 'throw');
    let removed = 0;
    pool.on('remove', () => removed++);
    let next = 0;
    let foreignRows = 0;
    let ownRows = 0;

    const worker = async (): Promise<void> => {
      while (next < TRANSACTIONS) {
        const i = next++;
        const tenant = database.tenants[i % TENANTS]!;
        // Every third transaction is a one-statement scope.query, interleaved with withTenant on the same connections.
        const rows =
          i % 3 === 2
            ? (await scope.query<{ tenant_id: string }>({ tenantId: tenant }, 'select tenant_id from items')).rows
            : await scope.withTenant({ tenantId: tenant }, async (client) => (await client.query<{ tenant_id: string }>('select tenant_id from items')).rows);
        for (const row of rows) {
          if (row.tenant_id === tenant) ownRows++;
          else foreignRows++;
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const admin = await bouncer.connect({ database: 'pgbouncer' });
    const { rows: pools } = await admin.query<{ database: string; cl_waiting: string; sv_active: string }>('SHOW POOLS');
    await admin.end();
    const appPool = pools.find((row) => row.database === database.name);

    expect(foreignRows).toBe(0);
    expect(ownRows).toBe(TRANSACTIONS * database.rowsPerTenant);
    expect(violations).toEqual([]);
    expect(removed).toBe(0);
    expect([pool.waitingCount, pool.idleCount]).toEqual([0, pool.totalCount]);
    expect([Number(appPool?.cl_waiting), Number(appPool?.sv_active)]).toEqual([0, 0]);
  });
});
