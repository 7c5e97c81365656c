/**
 * Who row level security applies to: owners, FORCE, superusers, BYPASSRLS, views, policy
 * combination. Each test is one claim of docs/why-transaction-scoped-context.md.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startPostgres } from '@tenant-scope/pg-harness';
import type { PostgresServer } from '@tenant-scope/pg-harness';

const A = '6f1c2d0e-0000-4000-8000-00000000000a';
const B = '6f1c2d0e-0000-4000-8000-00000000000b';
const PASSWORD = 'facts-password';

let postgres: PostgresServer;
let admin: pg.Client;

beforeAll(async () => {
  postgres = await startPostgres();
  admin = await postgres.connect();
  await admin.query(`
    CREATE ROLE app_owner LOGIN PASSWORD '${PASSWORD}';
    CREATE ROLE app_user LOGIN PASSWORD '${PASSWORD}';
    CREATE ROLE app_bypass LOGIN BYPASSRLS PASSWORD '${PASSWORD}';
    GRANT CREATE ON SCHEMA public TO app_owner;
  `);
  const owner = await as('app_owner');
  await owner.query(`
    CREATE TABLE invoices (id int PRIMARY KEY, tenant_id uuid NOT NULL);
    INSERT INTO invoices VALUES (1, '${A}'), (2, '${A}'), (3, '${B}');
    ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON invoices USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
    CREATE TABLE notes (id int, tenant_id uuid);
    INSERT INTO notes VALUES (1, '${A}');
    ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
    CREATE VIEW invoices_definer AS SELECT * FROM invoices;
    CREATE VIEW invoices_invoker WITH (security_invoker = true) AS SELECT * FROM invoices;
    GRANT SELECT, INSERT ON invoices, notes, invoices_definer, invoices_invoker TO app_user, app_bypass;
  `);
  await owner.end();
});

afterAll(async () => {
  await admin?.end();
  await postgres?.stop();
});

async function as(user: string): Promise<pg.Client> {
  return postgres.connect({ user, password: PASSWORD });
}

/** Ids visible to `client` from `relation` inside a transaction for tenant `tenant`. */
async function visible(client: pg.Client, relation: string, tenant: string | null = A): Promise<number[]> {
  await client.query('BEGIN');
  try {
    if (tenant) await client.query(`select set_config('app.tenant_id', $1, true)`, [tenant]);
    const { rows } = await client.query<{ id: number }>(`select id from ${relation} order by id`);
    return rows.map((r) => r.id);
  } finally {
    await client.query('ROLLBACK');
  }
}

describe('row level security', () => {
  test('applies to a non-owner: tenant A sees its rows, and no tenant set sees none', async () => {
    const user = await as('app_user');
    expect(await visible(user, 'invoices', A)).toEqual([1, 2]);
    expect(await visible(user, 'invoices', null)).toEqual([]);
    await user.end();
  });

  test('is ignored for the table owner unless FORCE ROW LEVEL SECURITY', async () => {
    const owner = await as('app_owner');
    expect(await visible(owner, 'invoices', A)).toEqual([1, 2, 3]);
    await owner.query('ALTER TABLE invoices FORCE ROW LEVEL SECURITY');
    expect(await visible(owner, 'invoices', A)).toEqual([1, 2]);
    await owner.query('ALTER TABLE invoices NO FORCE ROW LEVEL SECURITY');
    await owner.end();
  });

  test('is ignored for superusers and BYPASSRLS roles, even when forced', async () => {
    await admin.query('ALTER TABLE invoices FORCE ROW LEVEL SECURITY');
    const bypass = await as('app_bypass');
    expect(await visible(admin, 'invoices', A)).toEqual([1, 2, 3]);
    expect(await visible(bypass, 'invoices', A)).toEqual([1, 2, 3]);
    await bypass.end();
    await admin.query('ALTER TABLE invoices NO FORCE ROW LEVEL SECURITY');
  });

  test('with RLS enabled and no policy, a non-owner sees no rows', async () => {
    const user = await as('app_user');
    expect(await visible(user, 'notes', A)).toEqual([]);
    await user.end();
  });

  test('a FOR ALL policy without WITH CHECK uses USING as the check on insert', async () => {
    const user = await as('app_user');
    await user.query('BEGIN');
    await user.query(`select set_config('app.tenant_id', $1, true)`, [A]);
    const error = await user.query(`insert into invoices values (9, '${B}')`).then(() => 'no error', (e: Error) => e.message);
    await user.query('ROLLBACK');
    expect(error).toBe('new row violates row-level security policy for table "invoices"');
    await user.end();
  });

  test('permissive policies combine with OR, restrictive ones with AND', async () => {
    await admin.query(`CREATE POLICY also_id_3 ON invoices USING (id = 3)`);
    const user = await as('app_user');
    expect(await visible(user, 'invoices', A)).toEqual([1, 2, 3]);
    await admin.query(`CREATE POLICY only_id_1 ON invoices AS RESTRICTIVE USING (id = 1)`);
    expect(await visible(user, 'invoices', A)).toEqual([1]);
    await admin.query('DROP POLICY also_id_3 ON invoices; DROP POLICY only_id_1 ON invoices');
    await user.end();
  });

  test("a view runs with its owner's rights (the owner bypasses RLS) unless security_invoker = true", async () => {
    const user = await as('app_user');
    expect(await visible(user, 'invoices_definer', A)).toEqual([1, 2, 3]);
    expect(await visible(user, 'invoices_invoker', A)).toEqual([1, 2]);
    await user.end();
  });
});
