/**
 * What PostgreSQL does with a custom setting such as app.tenant_id over the life of one
 * connection. Each test is one claim of docs/why-transaction-scoped-context.md.
 */
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startPostgres } from '@tenant-scope/pg-harness';
import type { PostgresServer } from '@tenant-scope/pg-harness';

let postgres: PostgresServer;
let client: pg.Client;

beforeAll(async () => {
  postgres = await startPostgres();
  const admin = await postgres.connect();
  await admin.query(`CREATE ROLE facts_role`);
  await admin.end();
});
afterAll(async () => {
  await postgres?.stop();
});
beforeEach(async () => {
  client = await postgres.connect();
});
afterEach(async () => {
  await client.end();
});

async function tenant(): Promise<string | null> {
  const { rows } = await client.query<{ value: string | null }>(`select current_setting('app.tenant_id', true) as value`);
  return rows[0]?.value ?? null;
}

async function errorOf(sql: string): Promise<string> {
  try {
    await client.query(sql);
  } catch (error) {
    return (error as Error).message;
  }
  return 'no error';
}

describe('a custom setting on one connection', () => {
  test('is NULL on a fresh connection with missing_ok, and raises without it', async () => {
    expect(await tenant()).toBeNull();
    expect(await errorOf(`select current_setting('app.tenant_id')`)).toBe('unrecognized configuration parameter "app.tenant_id"');
  });

  test("is '' (not NULL) once a transaction-local set of it has ended", async () => {
    await client.query('BEGIN');
    await client.query(`select set_config('app.tenant_id', 'T1', true)`);
    expect(await tenant()).toBe('T1');
    await client.query('COMMIT');
    expect(await tenant()).toBe('');
    expect(await errorOf(`select current_setting('app.tenant_id')`)).toBe('no error');
  });

  test("so current_setting(…, true)::uuid raises on a reused connection, and NULLIF(…, '')::uuid gives NULL", async () => {
    await client.query(`BEGIN; select set_config('app.tenant_id', '6f1c2d0e-0000-4000-8000-000000000001', true); COMMIT`);
    expect(await errorOf(`select current_setting('app.tenant_id', true)::uuid`)).toBe('invalid input syntax for type uuid: ""');
    const { rows } = await client.query(`select NULLIF(current_setting('app.tenant_id', true), '')::uuid as tenant`);
    expect(rows[0].tenant).toBeNull();
  });

  test('set_config(…, true) outside a transaction is a silent no-op', async () => {
    const notices: string[] = [];
    client.on('notice', (n) => notices.push(n.message ?? ''));
    const { rows } = await client.query(`select set_config('app.tenant_id', 'A', true) as returned`);
    expect(rows[0].returned).toBe('A');
    expect(await tenant()).toBe('');
    expect(notices).toEqual([]);
  });

  test('SET LOCAL outside a transaction only warns', async () => {
    const notices: string[] = [];
    client.on('notice', (n) => notices.push(n.message ?? ''));
    await client.query(`SET LOCAL app.tenant_id = 'B'`);
    expect(await tenant()).toBe('');
    expect(notices).toEqual(['SET LOCAL can only be used in transaction blocks']);
  });

  test('a session-level set stays for every later statement and transaction', async () => {
    await client.query(`select set_config('app.tenant_id', 'LEAK', false)`);
    await client.query('BEGIN; SELECT 1; COMMIT');
    expect(await tenant()).toBe('LEAK');
  });

  test('and comes back after a later transaction-local set ends, by COMMIT or ROLLBACK', async () => {
    await client.query(`select set_config('app.tenant_id', 'LEAK', false)`);
    await client.query(`BEGIN; select set_config('app.tenant_id', 'T2', true); COMMIT`);
    expect(await tenant()).toBe('LEAK');
    await client.query(`BEGIN; select set_config('app.tenant_id', 'T3', true)`);
    expect(await tenant()).toBe('T3');
    await client.query('ROLLBACK');
    expect(await tenant()).toBe('LEAK');
  });

  test('SET or set_config(…, false) inside BEGIN … COMMIT lasts for the session', async () => {
    await client.query(`BEGIN; SET app.tenant_id = 'S'; COMMIT`);
    expect(await tenant()).toBe('S');
    await client.query(`BEGIN; select set_config('app.tenant_id', 'S2', false); COMMIT`);
    expect(await tenant()).toBe('S2');
  });

  test("DISCARD ALL and RESET ALL clear it to ''", async () => {
    await client.query(`select set_config('app.tenant_id', 'LEAK', false)`);
    await client.query('RESET ALL');
    expect(await tenant()).toBe('');
    await client.query(`select set_config('app.tenant_id', 'LEAK', false)`);
    await client.query('DISCARD ALL');
    expect(await tenant()).toBe('');
  });

  test('DISCARD ALL cannot run inside a transaction', async () => {
    await client.query('BEGIN');
    expect(await errorOf('DISCARD ALL')).toBe('DISCARD ALL cannot run inside a transaction block');
    await client.query('ROLLBACK');
  });

  test('RESET ALL does not reset ROLE', async () => {
    await client.query('SET ROLE facts_role');
    await client.query('RESET ALL');
    const { rows } = await client.query('select current_user as who');
    expect(rows[0].who).toBe('facts_role');
  });

  test("set_config('role', …, true) reverts at transaction end", async () => {
    await client.query(`BEGIN; select set_config('role', 'facts_role', true)`);
    expect((await client.query('select current_user as who')).rows[0].who).toBe('facts_role');
    await client.query('COMMIT');
    expect((await client.query('select current_user as who')).rows[0].who).toBe(postgres.user);
  });

  test('ROLLBACK TO SAVEPOINT reverts local sets made after the savepoint', async () => {
    await client.query(`BEGIN; select set_config('app.tenant_id', 'T1', true); SAVEPOINT s; select set_config('app.tenant_id', 'T2', true)`);
    expect(await tenant()).toBe('T2');
    await client.query('ROLLBACK TO SAVEPOINT s');
    expect(await tenant()).toBe('T1');
    await client.query('COMMIT');
  });

  test('placeholder settings do not appear in pg_settings', async () => {
    await client.query(`select set_config('app.tenant_id', 'X', false)`);
    const { rows } = await client.query(`select count(*)::int as n from pg_settings where name = 'app.tenant_id'`);
    expect(rows[0].n).toBe(0);
    expect(await tenant()).toBe('X');
  });
});
