import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pgbouncerAvailability, startPgBouncer, startPostgres, type PgBouncerServer, type PostgresServer } from '@tenant-scope/pg-harness';

// The bug tenant-scope exists for: a session-level tenant setting outlives the client that made it
// when a pool hands the server connection on. These tests show the harness reproduces it for real.

const pgbouncer = pgbouncerAvailability();
const readers = 20;

let postgres: PostgresServer;

beforeAll(async () => {
  postgres = await startPostgres();
});

afterAll(async () => {
  await postgres?.stop();
});

/** Each read comes from a new client connection, as a new request in an application would. */
async function tenantSeenByNewClients(bouncer: PgBouncerServer, count: number): Promise<(string | null)[]> {
  const seen: (string | null)[] = [];
  for (let i = 0; i < count; i++) {
    const client = await bouncer.connect({ applicationName: `reader-${i}` });
    const { rows } = await client.query<{ tenant: string | null }>(`select current_setting('app.tenant_id', true) as tenant`);
    await client.end();
    seen.push(rows[0]?.tenant ?? null);
  }
  return seen;
}

describe('directly to PostgreSQL', () => {
  test('a fresh connection has no app.tenant_id, and a transaction-local one leaves an empty string after COMMIT', async () => {
    const client = await postgres.connect();
    const read = async () => {
      const { rows } = await client.query<{ tenant: string | null }>(`select current_setting('app.tenant_id', true) as tenant`);
      return rows[0]?.tenant;
    };

    expect(await read()).toBeNull();
    await client.query('begin');
    await client.query(`select set_config('app.tenant_id', 'T1', true)`);
    expect(await read()).toBe('T1');
    await client.query('commit');
    expect(await read()).toBe('');
    await client.end();
  });
});

describe.skipIf(!pgbouncer.available)('through PgBouncer', () => {
  describe('in transaction mode (default_pool_size 2)', () => {
    let bouncer: PgBouncerServer;
    beforeAll(async () => {
      bouncer = await startPgBouncer(postgres, { poolMode: 'transaction', poolSize: 2 });
    });
    afterAll(async () => {
      await bouncer?.stop();
    });

    test(`a session-level set_config by one client is seen by ${readers} of ${readers} later clients`, async () => {
      const writer = await bouncer.connect({ applicationName: 'tenant-B-request' });
      await writer.query(`select set_config('app.tenant_id', 'B', false)`);
      await writer.end();

      const seen = await tenantSeenByNewClients(bouncer, readers);

      expect(seen.filter((tenant) => tenant === 'B')).toHaveLength(readers);
      expect(seen).toEqual(Array.from({ length: readers }, () => 'B'));
    });
  });

  describe('in session mode with the default server_reset_query (DISCARD ALL)', () => {
    let bouncer: PgBouncerServer;
    beforeAll(async () => {
      // One server connection, so every reader is handed the writer's reset backend rather than a new one.
      bouncer = await startPgBouncer(postgres, { poolMode: 'session', poolSize: 1 });
    });
    afterAll(async () => {
      await bouncer?.stop();
    });

    test('after the client that set it disconnects, no later client sees the tenant', async () => {
      const writer = await bouncer.connect({ applicationName: 'tenant-B-request' });
      await writer.query(`select set_config('app.tenant_id', 'B', false)`);
      await writer.end();

      const seen = await tenantSeenByNewClients(bouncer, readers);

      // '' rather than NULL: the readers got the very backend the writer used, after DISCARD ALL.
      expect(seen).toEqual(Array.from({ length: readers }, () => ''));
    });
  });
});
