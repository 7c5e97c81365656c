import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildSchemaModel } from '../src/index.js';
import type { SqlFile, StatementSource } from '../src/index.js';

beforeAll(async () => {
  await initAnalyzer();
});

const history: SqlFile[] = [
  {
    path: '001_init.sql',
    text: `create schema app;
create table app.orders (id bigint primary key, tenant_id uuid not null, note text);
alter table app.orders enable row level security;
create policy tenant_rows on app.orders for select to app_user
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create function app.lookup(id int) returns int language sql security definer as $$ select id $$;
create role app_user login bypassrls;
create view app.order_notes as select note from app.orders;
`,
  },
  {
    path: '002_change.sql',
    text: `alter table app.orders rename to purchase_orders;
alter table app.purchase_orders force row level security;
alter policy tenant_rows on app.purchase_orders rename to purchase_tenant;
alter function app.lookup(int) set search_path = pg_catalog, app;
alter role app_user nobypassrls;
alter view app.order_notes set (security_invoker = true);
create table app.purchase_orders_2026 partition of app.purchase_orders for values in (1);
drop table app.order_notes_missing;
`,
  },
];

const text = (source: StatementSource | null | undefined): string => {
  const file = history.find((f) => f.path === source?.file);
  return file && source ? file.text.slice(source.range.start, source.range.end) : '';
};

describe('buildSchemaModel', () => {
  test('replays renames, RLS switches, policy, function, role and view changes across files', () => {
    const { model, files } = buildSchemaModel(history);
    expect(files.map((f) => f.error)).toEqual([null, null]);
    expect([...model.tables.keys()]).toEqual(['app.purchase_orders', 'app.purchase_orders_2026']);
    const orders = model.tables.get('app.purchase_orders');
    expect(orders?.rowSecurity).toMatchObject({ enabled: true, forced: true });
    expect(text(orders?.rowSecurity.enabledBy)).toBe('alter table app.orders enable row level security');
    expect(text(orders?.rowSecurity.forcedBy)).toBe('alter table app.purchase_orders force row level security');
    expect(text(orders?.source)).toMatch(/^create table app\.orders \(/);
    expect([...(orders?.columns.keys() ?? [])]).toEqual(['id', 'tenant_id', 'note']);
    const policy = orders?.policies.get('purchase_tenant');
    expect(policy).toMatchObject({ table: 'app.purchase_orders', command: 'select', roles: ['app_user'], permissive: true, withCheck: null });
    expect(text(policy?.using?.source)).toBe("tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid)");
    expect(policy?.using?.reads.map((r) => r.name)).toEqual(['app.tenant_id']);

    const lookup = model.functions.get('app.lookup(int4)');
    expect(lookup).toMatchObject({ securityDefiner: true, searchPath: 'pg_catalog, app', language: 'sql' });
    expect(text(lookup?.searchPathSource)).toBe('alter function app.lookup(int) set search_path = pg_catalog, app');
    expect(model.roles.get('app_user')).toMatchObject({ bypassRls: false, superuser: false });
    expect(model.views.get('app.order_notes')).toMatchObject({ securityInvoker: true, relations: ['app.purchase_orders'] });

    const partition = model.tables.get('app.purchase_orders_2026');
    expect(partition?.parents).toEqual(['app.purchase_orders']);
    expect(partition?.columns.get('tenant_id')).toMatchObject({ inherited: true, notNull: true });
    expect(partition?.rowSecurity.enabled).toBe(false);
  });

  test('LIKE copies columns, DROP SCHEMA … CASCADE drops what is in it, SET search_path FROM CURRENT fixes the path', () => {
    const { model } = buildSchemaModel([
      {
        path: 'a.sql',
        text: `create schema staging;
create table orders (id int, tenant_id uuid not null);
create table staging.orders_copy (like orders including all, loaded_at timestamptz);
create view staging.v as select 1;
create function staging.f() returns int language sql as 'select 1';
create function g() returns int language sql security definer as 'select 1';
alter function g() set search_path from current;
create table archive (like staging.orders_copy);
drop schema staging cascade;
`,
      },
    ]);
    expect([...model.tables.keys()]).toEqual(['public.orders', 'public.archive']);
    expect([...(model.tables.get('public.archive')?.columns.values() ?? [])].map((c) => [c.name, c.notNull, c.inherited])).toEqual([
      ['id', false, false],
      ['tenant_id', true, false],
      ['loaded_at', false, false],
    ]);
    expect([...model.views.keys()]).toEqual([]);
    expect([...model.functions.keys()]).toEqual(['public.g()']);
    expect(model.functions.get('public.g()')?.searchPath).toBe('FROM CURRENT');
  });

  test('a file that does not parse changes nothing and keeps its error', () => {
    const { model, files } = buildSchemaModel([
      { path: 'a.sql', text: 'create table t (tenant_id uuid);\n' },
      { path: 'b.sql', text: 'alter table t enable row level security;\ncreate polcy p on t using (true);\n' },
    ]);
    expect(files[1]?.error).toMatchObject({ line: 2, column: 8 });
    expect(model.tables.get('public.t')?.rowSecurity.enabled).toBe(false);
  });

  test('setting reads and writes keep their statement and range among statements that cannot hold one', () => {
    const text = `create table t (id int, tenant_id uuid not null);
insert into t values (1, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
create function set_tenant(t uuid) returns void language plpgsql as $$
begin
  perform set_config('app.tenant_id', t::text, false);
end $$;
update t set id = 2 where id = 1;
create function touch() returns trigger language plpgsql as $$ begin new.id = 3; return new; end $$;
create policy p on t using (tenant_id = current_setting('app.tenant_id', true)::uuid);
`;
    const { model } = buildSchemaModel([{ path: 'a.sql', text }]);
    const write = model.writes[0]?.write;
    expect(model.writes).toHaveLength(1);
    expect(write && text.slice(write.range.start, write.range.end)).toBe("set_config('app.tenant_id', t::text, false)");
    // Indexes count the statements the model parsed: the insert and the update are only checked for syntax.
    expect(write?.statementIndex).toBe(1);
    expect([...model.functions.values()].map((fn) => [fn.name, fn.writes.length])).toEqual([
      ['set_tenant', 1],
      ['touch', 0],
    ]);
    const read = model.reads[0]?.read;
    expect(model.reads).toHaveLength(1);
    expect(read && text.slice(read.range.start, read.range.end)).toBe("current_setting('app.tenant_id', true)");
    expect(read?.statementIndex).toBe(3);
  });
});
