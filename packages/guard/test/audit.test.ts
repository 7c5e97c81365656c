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

// The tenant database's two SECURITY DEFINER functions (used by the violation tests) are unsafe on
// purpose, and PUBLIC keeps its default EXECUTE on them.
const FIXTURE_FUNCTIONS = [
  { code: 'forgeable-context', severity: 'warn', object: 'function public.leaky_set_tenant(value text)' },
  { code: 'security-definer-search-path', severity: 'error', object: 'function public.leaky_set_tenant(value text)' },
  { code: 'session-context-set', severity: 'error', object: 'function public.leaky_set_tenant(value text)' },
  { code: 'security-definer-public-execute', severity: 'warn', object: 'function public.local_set_tenant(value text)' },
  { code: 'security-definer-search-path', severity: 'error', object: 'function public.local_set_tenant(value text)' },
];

const brief = (findings: { code: string; severity: string; object: string }[]) => findings.map(({ code, severity, object }) => ({ code, severity, object }));

describe('audit()', () => {
  test('a non-owner role over a forced table with a NULLIF policy read in a scalar subquery: only the unsafe functions', async () => {
    const admin = await database.admin();
    await admin.query(`alter policy tenant_isolation on items using (tenant_id = (select NULLIF(current_setting('app.tenant_id', true), '')::uuid))`);
    await admin.end();

    // side_effects (no RLS, no tenant column) is readable by the app role: sql-lint's exposed-table asks to confirm it is global.
    expect(brief(await scopeOver(database.appPool({ max: 1 })).audit())).toEqual([
      { code: 'exposed-table', severity: 'warn', object: 'table public.side_effects' },
      ...FIXTURE_FUNCTIONS,
    ]);
  });

  test('reports the superuser, owned tables that are not forced, tenant tables without RLS and unsafe policies', async () => {
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
    await admin.end();
    const superuserPool = new pg.Pool({ connectionString: postgres.urlFor(database.name), max: 1 });

    const findings = await scopeOver(superuserPool).audit();

    expect(brief(findings)).toEqual([
      { code: 'app-role-bypasses-rls', severity: 'error', object: `role ${postgres.user}` },
      { code: 'exposed-table', severity: 'warn', object: 'table public.side_effects' },
      { code: 'rls-not-enabled', severity: 'error', object: 'table audit_case.orders' },
      { code: 'tenant-column-nullable', severity: 'warn', object: 'table audit_case.orders' },
      { code: 'tenant-column-nullable', severity: 'warn', object: 'table audit_case.invoices' },
      { code: 'app-role-bypasses-rls', severity: 'error', object: 'table audit_case.invoices' },
      { code: 'rls-not-forced', severity: 'error', object: 'table audit_case.invoices' },
      { code: 'exposed-table', severity: 'warn', object: 'table audit_case.settings' },
      ...FIXTURE_FUNCTIONS,
      // A permissive policy that does not name the tenant opens every tenant's rows.
      { code: 'policy-missing-tenant-predicate', severity: 'error', object: 'policy other_setting on audit_case.invoices' },
      { code: 'current-setting-missing-ok', severity: 'error', object: 'policy other_setting on audit_case.invoices' },
      { code: 'current-setting-unguarded-cast', severity: 'error', object: 'policy strict_read on audit_case.invoices' },
    ]);
    expect(findings[0]?.message).toBe(`the application role ${postgres.user} has SUPERUSER: no row-level security policy applies to it`);
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

    expect(findings.filter((f) => f.code === 'app-role-bypasses-rls')).toEqual([
      {
        code: 'app-role-bypasses-rls',
        severity: 'error',
        object: `role ${bypass.user}`,
        message: `the application role ${bypass.user} has BYPASSRLS: no row-level security policy applies to it`,
      },
    ]);
    const appFindings = await scopeOver(database.appPool({ max: 1 })).audit();
    expect(appFindings.filter((f) => f.code === 'app-role-bypasses-rls')).toEqual([]);
  });
});
