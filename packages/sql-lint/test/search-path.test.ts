/**
 * Where unqualified names land: the model follows a migration file's search_path the way
 * PostgreSQL does, which a real server checks here for each history.
 */
import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import { startPostgres, type PostgresServer } from '@tenant-scope/pg-harness';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildSchemaModel, lintSql } from '../src/index.js';
import type { SqlFile } from '../src/index.js';
import { parseSchemaList } from '../src/model/search-path.js';

let postgres: PostgresServer;

beforeAll(async () => {
  await initAnalyzer();
  postgres = await startPostgres();
});

afterAll(async () => {
  await postgres?.stop();
});

/** The tables PostgreSQL has after applying `files`, each file starting on `searchPath`. */
async function tablesOnServer(files: readonly SqlFile[], searchPath = 'public'): Promise<string[]> {
  const url = await postgres.createDatabase();
  const client = await postgres.connect({ database: new URL(url).pathname.slice(1) });
  try {
    for (const file of files) {
      await client.query(`set search_path to ${searchPath}`);
      await client.query(file.text);
    }
    const { rows } = await client.query<{ key: string }>(
      `select n.nspname || '.' || c.relname as key from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p', 'v') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_'`,
    );
    return rows.map((r) => r.key).sort();
  } finally {
    await client.end();
  }
}

function modelKeys(model: ReturnType<typeof buildSchemaModel>['model']): string[] {
  return [...model.tables.keys(), ...model.views.keys()].sort();
}

describe('parseSchemaList', () => {
  test.each([
    ['app, public', ['app', 'public']],
    ['  App ,"My App" , "a""b"', ['app', 'My App', 'a"b']],
    ['"$user", public', ['$user', 'public']],
    ['', []],
  ])('%j', (text, schemas) => {
    expect(parseSchemaList(text)).toEqual(schemas);
  });

  test.each(['a,,b', '"unterminated', 'a b', '""', 'a,'])('%j is not a list', (text) => {
    expect(parseSchemaList(text)).toBeNull();
  });
});

describe('unqualified names follow the search_path', () => {
  test('SET, SET LOCAL, set_config, RESET, DO blocks and RESET ALL put tables where PostgreSQL does', async () => {
    const files: SqlFile[] = [
      {
        path: '001.sql',
        text: `create schema app;
create schema "My App";
set search_path to "$user", app;
create table t1 (x int);
set search_path to "My App", app;
create table t2 (x int);
create table t2_like (like t1);
reset search_path;
create table t3 (x int);
begin;
select set_config('search_path', 'APP, "My App"', true);
create table t4 (x int);
alter table t2 rename to t2_renamed;
commit;
create table t5 (x int);
do $$ begin set search_path = "My App"; end $$;
create table t6 (x int);
set search_path to default;
create table t7 (x int);
set search_path to app;
reset all;
create table t8 (x int);
set search_path to app;
create view v1 as select * from t1;
`,
      },
      { path: '002.sql', text: 'create table t9 (x int);\n' },
    ];
    const { model } = buildSchemaModel(files);
    const expected = await tablesOnServer(files);
    expect(expected).toEqual([
      'My App.t2_like',
      'My App.t2_renamed',
      'My App.t6',
      'app.t1',
      'app.t4',
      'app.v1',
      'public.t3',
      'public.t5',
      'public.t7',
      'public.t8',
      'public.t9',
    ]);
    expect(modelKeys(model)).toEqual(expected);
    expect(model.views.get('app.v1')?.relations).toEqual(['app.t1']);
  });

  test('a quoted schema name with a comma is one schema, in a DO block as at the top level', async () => {
    const files: SqlFile[] = [
      {
        path: '001.sql',
        text: `create schema "a, b";
create schema a;
do $$ begin set search_path = "a, b", public; end $$;
create table t1 (x int);
set search_path = "a, b", public;
create table t2 (x int);
`,
      },
    ];
    const { model } = buildSchemaModel(files);
    const expected = await tablesOnServer(files);
    expect(expected).toEqual(['a, b.t1', 'a, b.t2']);
    expect(modelKeys(model)).toEqual(expected);
  });

  test('ALTER ROLE … SET search_path is a default for later sessions, not a change of the running one', async () => {
    const files: SqlFile[] = [
      {
        path: '001.sql',
        text: `create schema elsewhere;
create role search_path_default_role;
alter role search_path_default_role set search_path = elsewhere;
create table t1 (x int);
drop role search_path_default_role;
`,
      },
    ];
    const { model } = buildSchemaModel(files);
    const expected = await tablesOnServer(files);
    expect(expected).toEqual(['public.t1']);
    expect(modelKeys(model)).toEqual(expected);
  });

  test('a schema created with CREATE SCHEMA … CREATE TABLE holds its tables, and a table found first on the path is the one changed', async () => {
    const files: SqlFile[] = [
      {
        path: '001.sql',
        text: `create schema billing
  create table invoices (id int, tenant_id uuid)
  create view invoice_ids as select id from invoices;
create table invoices (id int, tenant_id uuid);
set search_path to billing, public;
alter table invoices enable row level security;
drop view invoice_ids;
`,
      },
    ];
    const { model } = buildSchemaModel(files);
    expect(modelKeys(model)).toEqual(await tablesOnServer(files));
    expect(model.tables.get('billing.invoices')?.rowSecurity.enabled).toBe(true);
    expect(model.tables.get('public.invoices')?.rowSecurity.enabled).toBe(false);
  });

  test('the configured searchPath is where each file starts', async () => {
    const files: SqlFile[] = [
      { path: '000.sql', text: 'create schema app;\n' },
      { path: '001.sql', text: 'create table invoices (id int, tenant_id uuid not null);\nset search_path to public;\n' },
      { path: '002.sql', text: 'alter table invoices enable row level security;\n' },
    ];
    const { model, findings } = lintSql({ files, config: { searchPath: ['app', 'public'] } });
    expect(modelKeys(model)).toEqual(await tablesOnServer(files, 'app, public'));
    expect(modelKeys(model)).toEqual(['app.invoices']);
    expect(model.tables.get('app.invoices')?.rowSecurity.enabled).toBe(true);
    expect(findings.map((f) => f.ruleId)).not.toContain('rls-not-enabled');
  });

  test("a function's body resolves along its own search_path, or the migration's when it has none", () => {
    const { model } = buildSchemaModel([
      {
        path: '001.sql',
        text: `create schema app;
set search_path to app, public;
create function fixed() returns int language sql set search_path = 'billing', public as 'select 1';
create function unfixed() returns int language sql as 'select 1';
create function later() returns int language sql as 'select 1';
create function empty() returns int language sql set search_path = '' as 'select 1';
reset search_path;
alter function app.later() set search_path = "$user", public;
`,
      },
    ]);
    expect([...model.functions.values()].map((fn) => [`${fn.schema}.${fn.name}`, fn.searchPath, fn.bodySearchPath])).toEqual([
      ['app.fixed', 'billing, public', ['billing', 'public']],
      ['app.unfixed', null, ['app', 'public']],
      ['app.later', '$user, public', ['public']],
      ['app.empty', '', []],
    ]);
  });

  test('searchPath must be a list of schema names', () => {
    const { configProblem } = lintSql({ files: [], config: { searchPath: 'app' as unknown as string[] } });
    expect(configProblem).toMatchObject({ message: '"searchPath" must be an array of non-empty strings', hint: 'e.g. "searchPath": ["app", "public"]' });
  });
});
