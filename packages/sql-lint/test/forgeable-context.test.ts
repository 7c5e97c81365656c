/**
 * What `forgeable-context` and `security-definer-public-execute` report, on a real server: a role
 * with no privilege but PostgreSQL's defaults calls a function that sets tenant context for the
 * session and then reads another tenant's rows, on that call's connection and on every later use
 * of it; the transaction-local variant, a revoked function and a function in a schema without
 * USAGE give it nothing. The linter must report exactly the functions the server lets it abuse.
 */
import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import { startPostgres, type PostgresServer } from '@tenant-scope/pg-harness';
import type pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { lintSql } from '../src/index.js';

const TENANT_A = '00000000-0000-0000-0000-00000000000a';
const TENANT_B = '00000000-0000-0000-0000-00000000000b';

const history = `create table orders (id bigint primary key, tenant_id uuid not null, total numeric not null);
alter table orders enable row level security;
alter table orders force row level security;
create policy tenant_isolation on orders using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select on orders to public;
insert into orders values (1, '${TENANT_A}', 10), (2, '${TENANT_B}', 20), (3, '${TENANT_B}', 30);
create function use_tenant(t text) returns void language sql
  as $$ select set_config('app.tenant_id', t, false) $$;
create function use_tenant_local(t text) returns void language sql
  as $$ select set_config('app.tenant_id', t, true) $$;
create function use_tenant_trusted(t text) returns void language sql
  as $$ select set_config('app.tenant_id', t, false) $$;
revoke execute on function use_tenant_trusted(text) from public;
create schema internal;
create function internal.use_tenant(t text) returns void language sql
  as $$ select set_config('app.tenant_id', t, false) $$;
create function order_total() returns numeric language sql security definer set search_path = pg_catalog, pg_temp
  as $$ select sum(total) from public.orders $$;
create function order_total_trusted() returns numeric language sql security definer set search_path = pg_catalog, pg_temp
  as $$ select sum(total) from public.orders $$;
revoke execute on function order_total_trusted() from public;
create role api_client login password 'client-pw';
`;

let postgres: PostgresServer;
let database: string;

beforeAll(async () => {
  await initAnalyzer();
  postgres = await startPostgres();
  database = new URL(await postgres.createDatabase()).pathname.slice(1);
  const admin = await postgres.connect({ database });
  await admin.query(history);
  await admin.end();
});

afterAll(async () => {
  const admin = await postgres?.connect();
  await admin?.query(`drop database if exists ${database} with (force)`);
  await admin?.query('drop role if exists api_client');
  await admin?.end();
  await postgres?.stop();
});

async function visibleTotal(client: pg.Client): Promise<string | null> {
  const { rows } = await client.query<{ total: string | null }>('select sum(total) as total from orders');
  return rows[0]?.total ?? null;
}

async function denied(client: pg.Client, sql: string): Promise<string> {
  return client.query(sql).then(
    () => 'allowed',
    (error: Error) => error.message,
  );
}

test('an untrusted role forges its tenant through the session-level function only, and lint reports exactly the abusable functions', async () => {
  const client = await postgres.connect({ database, user: 'api_client', password: 'client-pw' });
  expect(await visibleTotal(client)).toBeNull();
  // Transaction-local: gone when the call's own transaction ends.
  await client.query('select use_tenant_local($1)', [TENANT_B]);
  expect(await visibleTotal(client)).toBeNull();
  expect(await denied(client, `select use_tenant_trusted('${TENANT_B}')`)).toBe('permission denied for function use_tenant_trusted');
  expect(await denied(client, `select internal.use_tenant('${TENANT_B}')`)).toBe('permission denied for schema internal');
  // Session-level: the client picks tenant B, and the connection stays in it for whoever uses it next.
  await client.query('select use_tenant($1)', [TENANT_B]);
  expect(await visibleTotal(client)).toBe('50');
  await client.query('begin');
  await client.query('commit');
  expect(await visibleTotal(client)).toBe('50');
  // The SECURITY DEFINER function reads every tenant's rows for it; the revoked one is closed.
  const { rows } = await client.query<{ total: string }>('select order_total() as total');
  expect(rows[0]?.total).toBe('60');
  expect(await denied(client, 'select order_total_trusted()')).toBe('permission denied for function order_total_trusted');
  await client.end();

  const admin = await postgres.connect({ database });
  const privileges = await admin.query<{ name: string; can: boolean }>(
    `select p.proname as name, has_function_privilege('api_client', p.oid, 'execute') as can
       from pg_proc p where p.proname like any (array['use\\_tenant%', 'order\\_total%']) order by p.oid`,
  );
  await admin.end();
  expect(privileges.rows.map((r) => `${r.name} ${r.can}`)).toEqual([
    'use_tenant true',
    'use_tenant_local true',
    'use_tenant_trusted false',
    'use_tenant true',
    'order_total true',
    'order_total_trusted false',
  ]);

  const { findings } = lintSql({ files: [{ path: 'history.sql', text: history }] });
  const of = (ruleId: string): string[] => findings.filter((f) => f.ruleId === ruleId).map((f) => `${f.line}:${f.column} ${f.message}`);
  expect(of('forgeable-context')).toEqual([
    '7:1 use_tenant(text) sets tenant context app.tenant_id for the whole session and PUBLIC (every role) can call it: a caller can choose its tenant, and the value stays on the pooled connection for the next client',
  ]);
  expect(of('security-definer-public-execute')).toEqual([
    "17:1 SECURITY DEFINER function order_total() uses tenant table orders with its owner's rights, and PUBLIC (every role) can call it (a new function is executable by PUBLIC until EXECUTE is revoked from PUBLIC)",
  ]);
  // Each session-level write is also a leak to the next user of the connection, whoever calls it: another defect, where it is written.
  expect(of('session-context-set').map((f) => f.split(' ')[0])).toEqual(['8:16', '12:16', '16:16']);
  expect(of('security-definer-rls-bypass').map((f) => f.split(' ')[0])).toEqual(['19:1']);
  expect(findings.find((f) => f.ruleId === 'forgeable-context')?.severity).toBe('warn');
  // With a platform whose API clients are database roles, a forgeable context is an error; and on
  // Supabase, REVOKE … FROM PUBLIC leaves anon and authenticated their default EXECUTE (line 11).
  const onSupabase = lintSql({ files: [{ path: 'history.sql', text: history }], config: { platform: 'supabase' } }).findings;
  expect(onSupabase.filter((f) => f.ruleId === 'forgeable-context').map((f) => `${f.line}:${f.column} ${f.severity}`)).toEqual(['7:1 error', '11:1 error']);
});
