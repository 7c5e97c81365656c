import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pgbouncerAvailability, startPgBouncer, startPostgres, type PgBouncerServer, type PostgresServer } from '@tenant-scope/pg-harness';

const pgbouncer = pgbouncerAvailability();
// Roles are cluster-wide, so the name is unique in case the server is shared (TENANT_SCOPE_DATABASE_URL).
const appRole = { user: `tenant_app_${randomBytes(4).toString('hex')}`, password: 'app secret "quoted"' };

describe.skipIf(!pgbouncer.available)('startPgBouncer', () => {
  let postgres: PostgresServer;
  let bouncer: PgBouncerServer;

  beforeAll(async () => {
    postgres = await startPostgres();
    bouncer = await startPgBouncer(postgres, { poolMode: 'transaction', poolSize: 3, users: [appRole] });
  });

  afterAll(async () => {
    await bouncer?.stop();
    if (postgres?.external) {
      const cleanup = await postgres.connect();
      await cleanup.query(`drop role if exists ${cleanup.escapeIdentifier(appRole.user)}`);
      await cleanup.end();
    }
    await postgres?.stop();
  });

  test('passes clients through to the server with the configured pool', async () => {
    const client = await bouncer.connect();
    const { rows } = await client.query<{ db: string; usr: string }>('select current_database() as db, current_user as usr');
    await client.end();
    const admin = await bouncer.connect({ database: 'pgbouncer' });
    const config = await admin.query<{ key: string; value: string }>('SHOW CONFIG');
    await admin.end();
    const setting = (key: string) => config.rows.find((row) => row.key === key)?.value;

    expect(rows[0]).toEqual({ db: 'postgres', usr: 'postgres' });
    expect(bouncer.url).toBe(`postgresql://postgres:${postgres.password}@127.0.0.1:${bouncer.port}/postgres`);
    expect([setting('pool_mode'), setting('default_pool_size'), setting('max_client_conn')]).toEqual(['transaction', '3', '1000']);
  });

  test('routes any database name and logs other roles in as themselves', async () => {
    const url = await postgres.createDatabase();
    const database = new URL(url).pathname.slice(1);
    const setup = await postgres.connect();
    await setup.query(`create role ${setup.escapeIdentifier(appRole.user)} login password ${setup.escapeLiteral(appRole.password)}`);
    await setup.end();

    const client = await bouncer.connect({ database, ...appRole });
    const { rows } = await client.query<{ db: string; usr: string }>('select current_database() as db, current_user as usr');
    await client.end();

    expect(rows[0]).toEqual({ db: database, usr: appRole.user });
  });

  test('kill breaks connections and restart serves again on the same port with fresh server connections', async () => {
    const writer = await bouncer.connect();
    await writer.query(`select set_config('app.tenant_id', 'B', false)`);
    const port = bouncer.port;

    await bouncer.kill();
    expect(bouncer.running).toBe(false);
    await expect(writer.query('select 1')).rejects.toThrow();
    await expect(bouncer.connect()).rejects.toThrow(/ECONNREFUSED/);

    await bouncer.restart();
    const reader = await bouncer.connect();
    const { rows } = await reader.query<{ tenant: string | null }>(`select current_setting('app.tenant_id', true) as tenant`);
    await reader.end();

    expect(bouncer.port).toBe(port);
    // The server connections died with PgBouncer, so the leaked setting died with them.
    expect(rows[0]?.tenant).toBeNull();
  });

  test('stop removes its temp dir', async () => {
    const other = await startPgBouncer(postgres, { poolMode: 'session', poolSize: 1 });
    const tempDir = other.tempDir;
    expect(existsSync(tempDir ?? '')).toBe(true);

    await other.stop();

    expect(other.running).toBe(false);
    expect(existsSync(tempDir ?? '')).toBe(false);
  });
});
