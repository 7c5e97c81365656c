import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '@tenant-scope/pg-harness';
import { createTenantScope } from '@tenant-scope/guard';
import { appRole, createTenantDatabase, type TenantDatabase } from './tenant-database.js';

/**
 * A TCP proxy between one client and the server that records what crosses it: each chunk the
 * client writes, and the type of each message the server sends (parsed by its length prefix).
 */
class WireRecorder {
  readonly clientWrites: Buffer[] = [];
  readonly serverMessages: string[] = [];
  private readonly server: net.Server;
  private pending = Buffer.alloc(0);

  constructor(target: { host: string; port: number }) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(target.port, target.host);
      client.on('data', (chunk: Buffer) => {
        this.clientWrites.push(chunk);
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        this.readServer(chunk);
        client.write(chunk);
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
  }

  async listen(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Forgets what was recorded so far (the connection's startup). */
  reset(): void {
    this.clientWrites.length = 0;
    this.serverMessages.length = 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private readServer(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 5) {
      const length = this.pending.readInt32BE(1);
      if (this.pending.length < 1 + length) return;
      this.serverMessages.push(String.fromCharCode(this.pending[0]!));
      this.pending = this.pending.subarray(1 + length);
    }
  }
}

let postgres: PostgresServer;
let database: TenantDatabase;
let recorder: WireRecorder;
let pool: pg.Pool;
let proxyPort: number;

beforeAll(async () => {
  postgres = await startPostgres();
  database = await createTenantDatabase(postgres, appRole());
  recorder = new WireRecorder({ host: postgres.host, port: postgres.port });
  proxyPort = await recorder.listen();
  pool = new pg.Pool({ host: '127.0.0.1', port: proxyPort, database: database.name, user: database.app.user, password: database.app.password, max: 1 });
  // Open the one connection now, so the tests below see only their own traffic.
  await pool.query('select 1');
});

afterAll(async () => {
  await pool?.end();
  await recorder?.close();
  await database?.drop();
  await postgres?.stop();
});

describe('what withTenant puts on the wire (assertions off)', () => {
  test('BEGIN, the context and the first query leave in one write and come back before a second ReadyForQuery; COMMIT is the only other round trip', async () => {
    const scope = createTenantScope(pool, { context: { tenantId: 'app.tenant_id' }, assertions: 'off' });
    recorder.reset();

    const count = await scope.withTenant({ tenantId: database.tenants[0]! }, async (client) => (await client.query('select count(*)::int as n from items')).rows[0]?.n);

    expect(count).toBe(database.rowsPerTenant);
    expect(recorder.clientWrites).toHaveLength(2);
    const [batch, commit] = recorder.clientWrites.map((chunk) => chunk.toString('latin1'));
    expect(batch).toContain('BEGIN');
    expect(batch).toContain(`pg_catalog.set_config('app.tenant_id', '${database.tenants[0]}', true)`);
    expect(batch).toContain('select count(*)');
    expect(commit).toContain('COMMIT');
    // BEGIN and the context are one simple-protocol message, so the server answers the first write
    // with two ReadyForQuery (context, then the query) and the message with the COMMIT with a third.
    expect(recorder.serverMessages.filter((type) => type === 'Z')).toHaveLength(3);
  });


  test.each(['off', 'throw'] as const)('scope.query (%s): BEGIN, the context, the statement, the check and COMMIT leave in one write: three messages, three ReadyForQuery', async (assertions) => {
    const scope = createTenantScope(pool, { context: { tenantId: 'app.tenant_id' }, assertions });
    // The first scope of a pool reads the default search_path; measure a later one.
    await scope.query({ tenantId: database.tenants[0]! }, 'select 1');
    recorder.reset();

    const result = await scope.query<{ n: number }>({ tenantId: database.tenants[0]! }, 'select count(*)::int as n from items where $1::int > 0', [1]);

    expect(result.rows).toEqual([{ n: database.rowsPerTenant }]);
    expect(recorder.clientWrites).toHaveLength(1);
    const [batch] = recorder.clientWrites.map((chunk) => chunk.toString('latin1'));
    expect([batch?.indexOf('BEGIN'), batch?.indexOf('pg_catalog.set_config'), batch?.indexOf('select count(*)'), batch?.indexOf('context-changed'), batch?.indexOf('COMMIT')].every((at, i, all) => at !== undefined && at >= 0 && (i === 0 || at > all[i - 1]!))).toBe(true);
    // The statement is bound on its own (Parse, Bind, Execute), between two simple-protocol messages of the guard.
    expect(batch).toMatch(/^Q[\s\S]*BEGIN[\s\S]*P[\s\S]*select count\(\*\)[\s\S]*B[\s\S]*E[\s\S]*S[\s\S]*Q[\s\S]*context-changed/);
    expect(recorder.serverMessages.filter((type) => type === 'Z')).toHaveLength(3);
  });

  test('a client class without a Query class of its own gets each statement as its own pipelined query, in the same two writes, with the same result', async () => {
    class ClientWithoutQueryClass extends pg.Client {
      static Query = undefined;
    }
    const plainPool = new pg.Pool({ Client: ClientWithoutQueryClass, host: '127.0.0.1', port: proxyPort, database: database.name, user: database.app.user, password: database.app.password, max: 1 });
    try {
      await plainPool.query('select 1');
      const scope = createTenantScope(plainPool, { context: { tenantId: 'app.tenant_id' }, assertions: 'throw' });
      recorder.reset();

      const count = await scope.withTenant({ tenantId: database.tenants[1]! }, async (client) => (await client.query('select count(*)::int as n from items')).rows[0]?.n);

      expect(count).toBe(database.rowsPerTenant);
      expect(recorder.clientWrites).toHaveLength(2);
      // BEGIN and the context, the query, and the check before COMMIT with COMMIT and the session check: one ReadyForQuery each.
      expect(recorder.serverMessages.filter((type) => type === 'Z')).toHaveLength(3);
    } finally {
      await plainPool.end();
    }
  });
});
