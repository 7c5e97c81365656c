import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '@tenant-scope/pg-harness';
import { createTenantScope } from '@tenant-scope/guard';
import { appRole, createTenantDatabase, type TenantDatabase } from './tenant-database.js';

let postgres: PostgresServer;
let database: TenantDatabase;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
  database = await createTenantDatabase(postgres, appRole());
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await database?.drop();
  await postgres?.stop();
});

function scopeOver(pool: pg.Pool) {
  pools.push(pool);
  // Idle clients get an 'error' when the server stops; the tests look only at audit() results.
  pool.on('error', () => undefined);
  return createTenantScope(pool, { context: { tenantId: 'app.tenant_id' }, assertions: 'off' });
}

describe('audit()', () => {
  test('a non-owner role over a forced table with a NULLIF policy read in a scalar subquery: no findings', async () => {
    const admin = await database.admin();
    await admin.query(`alter policy tenant_isolation on items using (tenant_id = (select NULLIF(current_setting('app.tenant_id', true), '')::uuid))`);
    await admin.end();

    expect(await scopeOver(database.appPool({ max: 1 })).audit()).toEqual([]);
  });

  test('reports the superuser, owned tables that are not forced, tenant tables without RLS and unsafe policy reads', async () => {
    const admin = await database.admin();
    await admin.query(`
      create schema audit_case;
      create table audit_case.orders (id int, tenant_id uuid);
      create table audit_case.invoices (id int, tenant_id uuid);
      alter table audit_case.invoices enable row level security;
      create policy strict_read on audit_case.invoices using (tenant_id = current_setting('app.tenant_id')::uuid);
      create policy other_setting on audit_case.invoices using (current_setting('app.region') = 'eu');
      create table audit_case.settings (id int);
    `);
    await admin.query(`alter policy tenant_isolation on items using (tenant_id = (select NULLIF(current_setting('app.tenant_id', true), '')::uuid))`);
    await admin.end();
    const superuserPool = new pg.Pool({ connectionString: postgres.urlFor(database.name), max: 1 });

    const findings = await scopeOver(superuserPool).audit();

    expect(findings.map(({ code, severity, object }) => ({ code, severity, object }))).toEqual([
      { code: 'superuser-role', severity: 'error', object: postgres.user },
      { code: 'owner-not-forced', severity: 'error', object: 'audit_case.invoices' },
      { code: 'tenant-table-without-rls', severity: 'error', object: 'audit_case.orders' },
      { code: 'owner-not-forced', severity: 'error', object: 'audit_case.orders' },
      { code: 'policy-raises-when-unset', severity: 'error', object: 'strict_read on audit_case.invoices' },
      { code: 'policy-cast-without-nullif', severity: 'error', object: 'strict_read on audit_case.invoices' },
      { code: 'policy-evaluated-per-row', severity: 'warning', object: 'strict_read on audit_case.invoices' },
    ]);
    expect(findings[4]?.message).toBe(
      'policy strict_read on audit_case.invoices (USING) uses current_setting(name) without missing_ok, which raises on every connection where the setting was never set; use current_setting(name, true)',
    );
  });

  test('a role with BYPASSRLS is reported; the app role is not', async () => {
    const bypass = appRole();
    const admin = await database.admin();
    await admin.query(`create role ${bypass.user} login bypassrls password '${bypass.password}'`);
    await admin.end();
    const url = new URL(postgres.urlFor(database.name));
    url.username = bypass.user;
    url.password = bypass.password;

    const findings = await scopeOver(new pg.Pool({ connectionString: url.toString(), max: 1 })).audit();

    expect(findings.filter((f) => f.code.endsWith('-role'))).toEqual([
      { code: 'bypassrls-role', severity: 'error', object: bypass.user, message: `the pool connects as ${bypass.user}, which has BYPASSRLS: row-level security never applies to it` },
    ]);
    const appFindings = await scopeOver(database.appPool({ max: 1 })).audit();
    expect(appFindings.filter((f) => f.code.endsWith('-role'))).toEqual([]);
  });
});
