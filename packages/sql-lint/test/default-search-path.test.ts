/**
 * `default-search-path-writable` on a real server: a role or database default of `search_path`
 * that lists a schema PUBLIC can create in before the tables' schema (or before pg_catalog) lets
 * any role replace what the application reads (a table, `current_setting`). The audit must report
 * exactly the default the server applies to the app role's sessions, where it is set.
 */
import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import { startPostgres, type PostgresServer } from '@tenant-scope/pg-harness';
import type pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { auditDatabase } from '../src/audit-database.js';

const setup = `
create role dsp_app login password 'app-pw' nosuperuser nobypassrls;
create role dsp_intruder login password 'intruder-pw';
create schema app;
create table app.orders (id int primary key, tenant_id int not null);
alter table app.orders enable row level security;
alter table app.orders force row level security;
create policy tenant_rows on app.orders using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::int);
insert into app.orders values (1, 1), (2, 1), (3, 2);
grant usage on schema app to dsp_app;
grant select on app.orders to dsp_app;
create schema scratch;
grant usage, create on schema scratch to public;
create schema reports;
grant usage on schema reports to public;
`;

let postgres: PostgresServer;
let url: string;
let database: string;

beforeAll(async () => {
  await initAnalyzer();
  postgres = await startPostgres();
  url = await postgres.createDatabase();
  database = new URL(url).pathname.slice(1);
  const admin = await postgres.connect({ database });
  await admin.query(setup);
  await admin.end();
});

afterAll(async () => {
  const admin = await postgres?.connect();
  await admin?.query(`drop database if exists ${database} with (force)`);
  await admin?.query('drop role if exists dsp_app');
  await admin?.query('drop role if exists dsp_intruder');
  await admin?.end();
  await postgres?.stop();
});

async function asAdmin(sql: string): Promise<void> {
  const admin = await postgres.connect({ database });
  await admin.query(sql);
  await admin.end();
}

async function asRole(user: string, password: string, sql: string): Promise<pg.QueryResult> {
  const client = await postgres.connect({ database, user, password });
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

async function findings(): Promise<string[]> {
  const audit = await auditDatabase({ databaseUrl: url, appRole: 'dsp_app', config: {} });
  if ('problem' in audit) throw new Error(audit.problem.message);
  return audit.findings.filter((f) => f.ruleId === 'default-search-path-writable').map((f) => `${f.file}:${f.line}:${f.column} ${f.severity} ${f.message}`);
}

test('a role default with a PUBLIC-writable schema before the tables: any role shadows app.orders, and the audit reports the ALTER ROLE', async () => {
  await asAdmin('alter role dsp_app set search_path = scratch, app');
  await asRole('dsp_intruder', 'intruder-pw', 'create table scratch.orders (id int, tenant_id int); insert into scratch.orders select g, 99 from generate_series(1, 1000) g; grant select on scratch.orders to public');
  const { rows } = await asRole('dsp_app', 'app-pw', 'select count(*)::int as n from orders');
  expect(rows[0]).toEqual({ n: 1000 });
  expect(await findings()).toEqual([
    'database: settings of role dsp_app:1:1 error ALTER ROLE dsp_app SET search_path = scratch, app gives every session of dsp_app a path with scratch, where PUBLIC (every role) can create objects, before app: a table or function of app named without a schema can be replaced by theirs, and the application runs it',
  ]);
  await asAdmin('alter role dsp_app reset search_path; drop table scratch.orders');
});

test('a database default with a PUBLIC-writable schema before pg_catalog: any role replaces current_setting; a role default of the role wins over it', async () => {
  await asAdmin(`alter database ${database} set search_path = app, scratch, pg_catalog`);
  await asRole(
    'dsp_intruder',
    'intruder-pw',
    `create function scratch.current_setting(text, boolean) returns text language sql as $$ select '2' $$; grant execute on function scratch.current_setting(text, boolean) to public`,
  );
  const forged = await asRole('dsp_app', 'app-pw', `select current_setting('app.tenant_id', true) as tenant`);
  expect(forged.rows[0]).toEqual({ tenant: '2' });
  expect(await findings()).toEqual([
    `database: settings of database ${database}:1:1 error ALTER DATABASE ${database} SET search_path = app, scratch, pg_catalog gives every session of dsp_app a path with scratch, where PUBLIC (every role) can create objects, before pg_catalog: current_setting, set_config or any built-in function called without a schema can be replaced by theirs, and the application runs it`,
  ]);
  // The role's own default replaces the database's for its sessions: a path with nothing others can write.
  await asAdmin('alter role dsp_app set search_path = app, pg_catalog');
  const real = await asRole('dsp_app', 'app-pw', `select current_setting('app.tenant_id', true) as tenant`);
  expect(real.rows[0]).toEqual({ tenant: null });
  expect(await findings()).toEqual([]);
  await asAdmin(`alter role dsp_app reset search_path; alter database ${database} reset search_path; drop function scratch.current_setting(text, boolean)`);
});

test('schemas nobody else can write, or a writable one after the tables, are not reported', async () => {
  await asAdmin('alter role dsp_app set search_path = reports, app, scratch');
  expect(await findings()).toEqual([]);
  await asAdmin('alter role dsp_app reset search_path');
});
