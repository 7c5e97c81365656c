/**
 * The attack `security-definer-search-path` reports, on a real server: a SECURITY DEFINER function
 * with `SET search_path = public` reads the caller's temp table of the same name with its owner's
 * rights. With `pg_temp` last, or with a qualified name, it reads the real table. The linter must
 * report exactly the function the server shows to be shadowed.
 */
import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import { startPostgres, type PostgresServer } from '@tenant-scope/pg-harness';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { lintSql } from '../src/index.js';

const history = `create table orders (id bigint primary key, tenant_id uuid not null);
insert into orders select g, gen_random_uuid() from generate_series(1, 3) g;
create function order_count() returns bigint language sql security definer
  set search_path = public
  as $$ select count(*) from orders $$;
create function order_count_temp_last() returns bigint language sql security definer
  set search_path = public, pg_temp
  as $$ select count(*) from orders $$;
create function order_count_qualified() returns bigint language sql security definer
  set search_path = public
  as $$ select count(*) from public.orders $$;
create role temp_caller login password 'caller-pw';
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
  await admin?.query('drop role if exists temp_caller');
  await admin?.end();
  await postgres?.stop();
});

test('a caller temp table shadows the unqualified name unless pg_temp is last or the name is qualified; lint reports exactly that function', async () => {
  const caller = await postgres.connect({ database, user: 'temp_caller', password: 'caller-pw' });
  await caller.query('create temp table orders (id int)');
  await caller.query('insert into orders select generate_series(1, 1000)');
  const { rows } = await caller.query<{ shadowed: string; temp_last: string; qualified: string }>(
    'select order_count() as shadowed, order_count_temp_last() as temp_last, order_count_qualified() as qualified',
  );
  await caller.end();
  expect(rows[0]).toEqual({ shadowed: '1000', temp_last: '3', qualified: '3' });

  const findings = lintSql({ files: [{ path: 'history.sql', text: history }] }).findings.filter((f) => f.ruleId === 'security-definer-search-path');
  expect(findings.map((f) => `${f.line}:${f.column} ${f.message}`)).toEqual([
    "3:1 SECURITY DEFINER function order_count() reads orders without a schema and its search_path (public) does not end with pg_temp: PostgreSQL looks in the caller's temporary schema first, so a caller's temp table orders is read with the owner's rights",
  ]);
});
