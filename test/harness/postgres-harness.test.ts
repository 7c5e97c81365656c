import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startPostgres, type PostgresServer } from '@tenant-scope/pg-harness';

const external = Boolean(process.env['TENANT_SCOPE_DATABASE_URL']);

describe('startPostgres', () => {
  let postgres: PostgresServer;

  beforeAll(async () => {
    postgres = await startPostgres();
  });

  afterAll(async () => {
    await postgres?.stop();
  });

  test.skipIf(external)('starts a PostgreSQL 18 server that accepts the superuser', async () => {
    const client = await postgres.connect();
    const { rows } = await client.query<{ version: string; superuser: boolean; max_connections: string }>(
      `select version(),
              (select rolsuper from pg_roles where rolname = current_user) as superuser,
              current_setting('max_connections') as max_connections`,
    );
    await client.end();

    expect(rows[0]?.version).toMatch(/PostgreSQL 18/);
    expect(rows[0]?.superuser).toBe(true);
    expect(rows[0]?.max_connections).toBe('200');
    expect(postgres.url).toBe(`postgresql://postgres:${postgres.password}@127.0.0.1:${postgres.port}/postgres`);
  });

  test('createDatabase gives each caller its own empty database', async () => {
    const firstUrl = await postgres.createDatabase();
    const secondUrl = await postgres.createDatabase();
    const first = await postgres.connect({ database: new URL(firstUrl).pathname.slice(1) });
    const second = await postgres.connect({ database: new URL(secondUrl).pathname.slice(1) });

    await first.query('create table tenants (id int primary key)');
    await first.query('insert into tenants values (1), (2)');
    const inFirst = await first.query<{ n: number }>('select count(*)::int as n from tenants');
    const inSecond = await second.query<{ n: number }>(`select count(*)::int as n from pg_tables where schemaname = 'public'`);
    await first.end();
    await second.end();

    expect(firstUrl).not.toBe(secondUrl);
    expect(inFirst.rows[0]?.n).toBe(2);
    expect(inSecond.rows[0]?.n).toBe(0);
  });

  test('createDatabase returns a connection string that connects to that database', async () => {
    const name = `harness_named_${randomBytes(4).toString('hex')}`;
    const url = await postgres.createDatabase(name);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ db: string }>('select current_database() as db');
    await client.end();

    expect(rows[0]?.db).toBe(name);
  });
});

describe.skipIf(external)('stop', () => {
  test('stops the server, ends clients left open and removes the temp dir', async () => {
    const postgres = await startPostgres();
    const tempDir = postgres.tempDir;
    const forgotten = await postgres.connect();
    expect(tempDir).toBeDefined();
    expect(existsSync(tempDir ?? '')).toBe(true);

    await postgres.stop();

    expect(existsSync(tempDir ?? '')).toBe(false);
    await expect(forgotten.query('select 1')).rejects.toThrow();
    await expect(postgres.connect()).rejects.toThrow(/ECONNREFUSED/);
  });
});
