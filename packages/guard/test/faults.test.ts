import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type pg from 'pg';
import { pgbouncerAvailability, startPgBouncer, startPostgres, type PgBouncerServer, type PostgresServer } from '@tenant-scope/pg-harness';
import { appRole, createTenantDatabase, sideEffects, type TenantDatabase } from './tenant-database.js';
import { codes, recordingScope, rejection } from './scope-fixture.js';

// Each fault: the error reaches the caller, nothing hangs, no context reaches later transactions,
// and the pool serves again.

const pgbouncer = pgbouncerAvailability();
const app = appRole();

let postgres: PostgresServer;
let database: TenantDatabase;
let tenantA: string;
let tenantB: string;

beforeAll(async () => {
  postgres = await startPostgres();
  database = await createTenantDatabase(postgres, app);
  [tenantA, tenantB] = database.tenants as [string, string];
});

afterAll(async () => {
  await database?.drop();
  await postgres?.stop();
});

const contextRead = `select current_setting('app.tenant_id', true) as tenant, pg_backend_pid() as pid`;

/** A transaction for tenant B on `pool` that reports what it sees: the proof that the pool recovered without leaking. */
async function healthyTransaction(scope: ReturnType<typeof recordingScope>['scope']): Promise<{ tenant: string; rows: string[] }> {
  return scope.withTenant({ tenantId: tenantB }, async (client) => {
    const { rows } = await client.query<{ tenant_id: string }>('select tenant_id from items');
    const setting = await client.query<{ tenant: string }>(contextRead);
    return { tenant: setting.rows[0]!.tenant, rows: rows.map((row) => row.tenant_id) };
  });
}

const healthy = () => ({ tenant: tenantB, rows: [tenantB, tenantB, tenantB] });

describe('directly to PostgreSQL', () => {
  let pool: pg.Pool;
  beforeAll(() => {
    pool = database.appPool({ max: 1 });
  });
  afterAll(async () => {
    await pool?.end();
  });

  test('fn throws: the same error reaches the caller, the work is rolled back, the connection is reused clean', async () => {
    const { scope, violations } = recordingScope(pool, 'throw');
    const thrown = new Error('request failed');
    let pidInside: number | undefined;

    const error = await rejection(
      scope.withTenant({ tenantId: tenantA }, async (client) => {
        await client.query(`insert into side_effects (note) values ('fn-throws')`);
        pidInside = (await client.query<{ pid: number }>(contextRead)).rows[0]?.pid;
        throw thrown;
      }),
    );
    const { rows } = await pool.query<{ tenant: string | null; pid: number }>(contextRead);

    expect(error).toBe(thrown);
    expect(await sideEffects(database, 'fn-throws')).toBe(0);
    expect(rows[0]).toEqual({ tenant: '', pid: pidInside });
    expect(violations).toEqual([]);
    expect(await healthyTransaction(scope)).toEqual(healthy());
  });

  test('scope.query: the statement fails: its error reaches the caller, its work is rolled back, the connection is reused clean', async () => {
    const { scope, violations } = recordingScope(pool, 'throw');
    const pidBefore = (await scope.query<{ pid: number }>({ tenantId: tenantA }, contextRead)).rows[0]?.pid;

    const error = await rejection(scope.query({ tenantId: tenantA }, `with written as (insert into side_effects (note) values ('query-fails') returning 1) select 1 / 0 from written`));
    const { rows } = await pool.query<{ tenant: string | null; pid: number }>(contextRead);

    expect((error as { code?: string }).code).toBe('22012');
    expect(await sideEffects(database, 'query-fails')).toBe(0);
    expect(rows[0]).toEqual({ tenant: '', pid: pidBefore });
    expect(violations).toEqual([]);
    expect(await healthyTransaction(scope)).toEqual(healthy());
  });

  test.each(['off', 'throw'] as const)('scope.query (%s): the statement ends its own session: the error reaches the caller, the client is destroyed, the pool reconnects', async (mode) => {
    const { scope } = recordingScope(pool, mode);
    const pidBefore = (await scope.query<{ pid: number }>({ tenantId: tenantA }, contextRead)).rows[0]?.pid;

    const error = await rejection(scope.query({ tenantId: tenantA }, `with written as (insert into side_effects (note) values ('query-terminates') returning 1) select pg_terminate_backend(pg_backend_pid()) from written`));
    const after = await healthyTransaction(scope);
    const { rows } = await pool.query<{ pid: number }>(contextRead);

    expect((error as { code?: string }).code).toBe('57P01');
    expect(await sideEffects(database, 'query-terminates')).toBe(0);
    expect(after).toEqual(healthy());
    expect(rows[0]?.pid).not.toBe(pidBefore);
  });

  test('fn catches a failed statement and returns: the aborted transaction is rolled back and the caller is told', async () => {
    const { scope } = recordingScope(pool, 'off');

    const error = await rejection(
      scope.withTenant({ tenantId: tenantA }, async (client) => {
        await client.query(`insert into side_effects (note) values ('caught-failure')`);
        await client.query('select 1 / 0').catch(() => undefined);
        return 'looks fine';
      }),
    );

    expect((error as Error).message).toMatch(/^the tenant transaction was aborted by an earlier error that fn caught/);
    expect(((error as Error).cause as { code?: string }).code).toBe('22012');
    expect(await sideEffects(database, 'caught-failure')).toBe(0);
    expect(await healthyTransaction(scope)).toEqual(healthy());
  });

  test('statement_timeout fires: the 57014 error reaches the caller and the next transaction is clean', async () => {
    const { scope, violations } = recordingScope(pool, 'throw');

    const error = await rejection(
      scope.withTenant({ tenantId: tenantA }, async (client) => {
        await client.query(`set local statement_timeout = '50ms'`);
        await client.query('select pg_sleep(30)');
      }),
    );

    expect((error as { code?: string }).code).toBe('57014');
    expect(violations).toEqual([]);
    expect((await pool.query<{ timeout: string }>(`select current_setting('statement_timeout') as timeout`)).rows[0]?.timeout).toBe('0');
    expect(await healthyTransaction(scope)).toEqual(healthy());
  });

  test('pg_terminate_backend mid-transaction: the connection error reaches the caller, the client is destroyed, the pool reconnects', async () => {
    const { scope } = recordingScope(pool, 'throw');
    const admin = await database.admin();
    let terminatedPid: number | undefined;

    const error = await rejection(
      scope.withTenant({ tenantId: tenantA }, async (client) => {
        terminatedPid = (await client.query<{ pid: number }>(contextRead)).rows[0]?.pid;
        // Waiting for the client's 'error' event makes the next statement's failure deterministic.
        const serverGone = once(client, 'error');
        await admin.query('select pg_terminate_backend($1)', [terminatedPid]);
        const [reason] = (await serverGone) as [{ code?: string }];
        expect(reason.code).toBe('57P01');
        await client.query(`insert into side_effects (note) values ('after-terminate')`);
      }),
    );
    await admin.end();
    const after = await healthyTransaction(scope);
    const { rows } = await pool.query<{ pid: number }>(contextRead);

    expect((error as Error).message).toBe('Client has encountered a connection error and is not queryable');
    expect(await sideEffects(database, 'after-terminate')).toBe(0);
    expect(after).toEqual(healthy());
    expect(rows[0]?.pid).not.toBe(terminatedPid);
  });

  test('the pool is ended during work: the running transaction commits, later ones get the pool’s error, nothing hangs', async () => {
    const ending = database.appPool({ max: 2 });
    const { scope } = recordingScope(ending, 'throw');
    let ended: Promise<void> | undefined;

    const result = await scope.withTenant({ tenantId: tenantA }, async (client) => {
      ended = ending.end();
      await client.query(`insert into side_effects (note) values ('during-end')`);
      return (await client.query<{ tenant: string }>(contextRead)).rows[0]?.tenant;
    });
    await ended;
    const later = await rejection(scope.withTenant({ tenantId: tenantB }, () => 'never runs'));

    expect(result).toBe(tenantA);
    expect(await sideEffects(database, 'during-end')).toBe(1);
    expect((later as Error).message).toBe('Cannot use a pool after calling end on the pool');
    expect(ending.totalCount).toBe(0);
  });
});

describe.skipIf(!pgbouncer.available)('through PgBouncer in transaction mode', () => {
  let bouncer: PgBouncerServer;
  let pool: pg.Pool;
  beforeAll(async () => {
    bouncer = await startPgBouncer(postgres, { poolMode: 'transaction', poolSize: 2, users: [app] });
    pool = database.appPoolThrough(bouncer, { max: 2 });
  });
  afterAll(async () => {
    await pool?.end();
    await bouncer?.stop();
  });

  test('PgBouncer is killed mid-transaction and restarted: the error reaches the caller, the pool recovers, no context leaks', async () => {
    const { scope, violations } = recordingScope(pool, 'throw');
    expect(await healthyTransaction(scope)).toEqual(healthy());

    const error = await rejection(
      scope.withTenant({ tenantId: tenantA }, async (client) => {
        await client.query(`insert into side_effects (note) values ('before-kill')`);
        const connectionLost = once(client, 'error');
        await bouncer.kill();
        await connectionLost;
        await client.query(`insert into side_effects (note) values ('after-kill')`);
      }),
    );
    // Idle pooled clients learn of the dead socket from the event loop; wait until the pool dropped them all.
    await vi.waitFor(() => expect(pool.totalCount).toBe(0));
    await bouncer.restart();
    const after = await healthyTransaction(scope);

    expect((error as Error).message).toBe('Client has encountered a connection error and is not queryable');
    expect([await sideEffects(database, 'before-kill'), await sideEffects(database, 'after-kill')]).toEqual([0, 0]);
    expect(after).toEqual(healthy());
    expect(codes(violations)).toEqual([]);
  });

  test('scope.query: the statement ends its server session under PgBouncer: the error reaches the caller, nothing is committed, the pool recovers', async () => {
    const { scope } = recordingScope(pool, 'throw');

    const error = await rejection(scope.query({ tenantId: tenantA }, `with written as (insert into side_effects (note) values ('query-terminated-under-bouncer') returning 1) select pg_terminate_backend(pg_backend_pid()) from written`));

    expect((error as { code?: string }).code).toBe('57P01');
    expect(await sideEffects(database, 'query-terminated-under-bouncer')).toBe(0);
    expect(await healthyTransaction(scope)).toEqual(healthy());
  });

  test('the server connection is terminated under PgBouncer mid-transaction: the error reaches the caller and the pool recovers', async () => {
    const { scope } = recordingScope(pool, 'throw');
    const admin = await database.admin();

    const error = await rejection(
      scope.withTenant({ tenantId: tenantA }, async (client) => {
        const pid = (await client.query<{ pid: number }>(contextRead)).rows[0]?.pid;
        const connectionLost = once(client, 'error');
        await admin.query('select pg_terminate_backend($1)', [pid]);
        await connectionLost;
        await client.query(`insert into side_effects (note) values ('terminated-under-bouncer')`);
      }),
    );
    await admin.end();

    expect((error as Error).message).toBe('Client has encountered a connection error and is not queryable');
    expect(await sideEffects(database, 'terminated-under-bouncer')).toBe(0);
    expect(await healthyTransaction(scope)).toEqual(healthy());
  });
});
