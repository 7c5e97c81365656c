/**
 * What pools do with a connection between users: node-postgres `Pool` and PgBouncer.
 * Each test is one claim of docs/why-transaction-scoped-context.md.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pgbouncerAvailability, startPgBouncer, startPostgres } from '@tenant-scope/pg-harness';
import type { PostgresServer } from '@tenant-scope/pg-harness';

const pgbouncer = pgbouncerAvailability();
let postgres: PostgresServer;

beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.stop();
});

describe('node-postgres Pool', () => {
  test('hands the next user whatever the last one left: session setting, search_path, temp table, advisory lock', async () => {
    const pool = new pg.Pool({ connectionString: postgres.url, max: 1 });
    try {
      const first = await pool.connect();
      const { rows: [{ pid }] } = await first.query('select pg_backend_pid() as pid');
      await first.query(`select set_config('app.tenant_id', 'A', false)`);
      await first.query('SET search_path = pg_temp, public');
      await first.query('CREATE TEMP TABLE scratch (tenant text)');
      await first.query('select pg_advisory_lock(42)');
      first.release();

      const next = await pool.connect();
      const { rows: [state] } = await next.query(
        `select pg_backend_pid() as pid, current_setting('app.tenant_id', true) as tenant, current_setting('search_path') as search_path,
                to_regclass('pg_temp.scratch') is not null as has_temp,
                (select count(*)::int from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()) as advisory_locks`,
      );
      next.release();
      expect(state).toEqual({ pid, tenant: 'A', search_path: 'pg_temp, public', has_temp: true, advisory_locks: 1 });
    } finally {
      await pool.end();
    }
  });

  test("pool.query('BEGIN') is not a transaction of yours: concurrent pool.query calls take other connections", async () => {
    const pool = new pg.Pool({ connectionString: postgres.url, max: 2 });
    try {
      const [a, b] = await Promise.all([
        pool.query('select pg_backend_pid() as pid, pg_sleep(0.2)'),
        pool.query('select pg_backend_pid() as pid, pg_sleep(0.2)'),
      ]);
      expect(a.rows[0].pid).not.toBe(b.rows[0].pid);
    } finally {
      await pool.end();
    }
  });

  test("and the connection goes back to the pool inside the open transaction, for the next user's queries", async () => {
    const pool = new pg.Pool({ connectionString: postgres.url, max: 1 });
    try {
      await pool.query('BEGIN');
      await pool.query(`select set_config('app.tenant_id', 'A', true)`);
      await pool.query('CREATE TEMP TABLE request_a (x int) ON COMMIT DROP');
      // Another request, another tenant, same pool: it runs inside request A's transaction.
      const { rows } = await pool.query(
        `select current_setting('app.tenant_id', true) as tenant, to_regclass('pg_temp.request_a') is not null as inside_a`,
      );
      expect(rows[0]).toEqual({ tenant: 'A', inside_a: true });
      await pool.query('ROLLBACK');
    } finally {
      await pool.end();
    }
  });
});

describe.skipIf(!pgbouncer.available)('PgBouncer in transaction mode', () => {
  async function readAfterLeak(options: { serverResetQueryAlways: boolean }): Promise<Array<string | null>> {
    const bouncer = await startPgBouncer(postgres, { poolMode: 'transaction', poolSize: 1, serverResetQueryAlways: options.serverResetQueryAlways });
    try {
      const writer = await bouncer.connect();
      await writer.query(`select set_config('app.tenant_id', 'B', false)`);
      await writer.end();
      const seen: Array<string | null> = [];
      for (let i = 0; i < 5; i++) {
        const reader = await bouncer.connect();
        seen.push((await reader.query(`select current_setting('app.tenant_id', true) as t`)).rows[0].t);
        await reader.end();
      }
      return seen;
    } finally {
      await bouncer.stop();
    }
  }

  test('does not run server_reset_query: the next client sees the session setting', async () => {
    expect(await readAfterLeak({ serverResetQueryAlways: false })).toEqual(['B', 'B', 'B', 'B', 'B']);
  });

  test("unless server_reset_query_always = 1, which runs DISCARD ALL when a client disconnects", async () => {
    expect(await readAfterLeak({ serverResetQueryAlways: true })).toEqual(['', '', '', '', '']);
  });
});
