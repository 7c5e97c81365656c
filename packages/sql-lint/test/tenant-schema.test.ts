/**
 * loadTenantSchema: the history a project's configuration names, replayed once per content, and
 * what a query in application code touches of it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initAnalyzer, parseSql, statementTree } from '@tenant-scope/sql-analyzer';
import { beforeAll, describe, expect, test } from 'vitest';
import { tempProjects } from './temp-project.js';
import { loadTenantSchema } from '../src/index.js';
import type { TenantSchema } from '../src/index.js';


beforeAll(async () => {
  await initAnalyzer();
});

const project = tempProjects('tenant-scope-schema-');

function loaded(dir: string, options = {}): TenantSchema {
  const schema = loadTenantSchema(dir, options);
  if (schema === null || 'problem' in schema) throw new Error(`no schema: ${JSON.stringify(schema)}`);
  return schema;
}

const tenancy = (schema: TenantSchema, sql: string): string => {
  const verdict = schema.tenancyOf(parseSql(sql).statements.map(statementTree));
  return verdict.kind === 'global' ? 'global' : `${verdict.kind} ${verdict.name}`;
};

const history = [
  'create table plans (id int primary key);',
  'create table "Invoice" (id int primary key, "companyId" uuid not null);',
  'create table events (id int, tenant_id uuid) partition by list (tenant_id);',
  'create table events_a partition of events for values in (null);',
  'create schema billing;',
  'create table billing.rates (id int);',
  'alter table billing.rates enable row level security;',
  'create view billing.plan_rates as select * from plans join billing.rates using (id);',
  'create function billing.rate_of(int) returns int language plpgsql as $$ begin return (select id from billing.rates where id = $1); end $$;',
  'create function plan_name(int) returns int language sql as $$ select billing.rate_of($1) $$;',
  '',
].join('\n');

describe('loadTenantSchema', () => {
  test('without a configured history there is no schema', () => {
    expect(loadTenantSchema(project({ 'db/001.sql': history }))).toBeNull();
    expect(loadTenantSchema(project({ 'tenant-scope.config.json': '{ "tenantColumns": ["companyId"] }', 'db/001.sql': history }))).toBeNull();
  });

  test('judges tables, partitions, views and functions, along the search path and in other schemas', () => {
    const schema = loaded(project({ 'tenant-scope.config.json': '{ "migrations": ["db"], "tenantColumns": ["companyId", "tenant_id"] }', 'db/001.sql': history }));
    expect(schema.migrationFiles).toBe(1);
    expect(schema.configPath).toMatch(/tenant-scope\.config\.json$/);
    expect(
      [
        'select 1',
        'select * from plans',
        'select * from "Invoice"',
        'select * from invoice',
        'select * from events_a',
        'select * from billing.rates',
        'select * from rates',
        'select * from billing.plan_rates',
        'select plan_name(1)',
        'select billing.rate_of(1)',
        'select billing.missing(1)',
        'select upper(\'x\')',
        'update plans set id = 2; delete from missing_table',
      ].map((sql) => `${sql} => ${tenancy(schema, sql)}`),
    ).toEqual([
      'select 1 => global',
      'select * from plans => global',
      'select * from "Invoice" => tenant Invoice',
      'select * from invoice => unknown invoice',
      'select * from events_a => tenant events_a',
      'select * from billing.rates => tenant billing.rates',
      // Not on the search path, but the only relation of that name.
      'select * from rates => tenant rates',
      'select * from billing.plan_rates => tenant billing.plan_rates',
      'select plan_name(1) => tenant plan_name()',
      'select billing.rate_of(1) => tenant billing.rate_of()',
      'select billing.missing(1) => unknown billing.missing()',
      "select upper('x') => global",
      'update plans set id = 2; delete from missing_table => unknown missing_table',
    ]);
  });

  test('is replayed once per history content; a changed file gives a new schema', () => {
    const dir = project({ 'tenant-scope.config.mjs': 'export default { migrations: ["db"] };\n', 'db/001.sql': history });
    const first = loaded(dir);
    expect(loaded(join(dir, 'db'))).toBe(first);
    writeFileSync(join(dir, 'db', '002.sql'), 'alter table plans add column tenant_id uuid;\n');
    const second = loaded(dir);
    expect(second).not.toBe(first);
    expect(second.historyHash).not.toBe(first.historyHash);
    expect([tenancy(first, 'select * from plans'), tenancy(second, 'select * from plans')]).toEqual(['global', 'tenant plans']);
  });

  test('the caller may name the history; configuration and file problems are values', () => {
    const dir = project({ 'db/001.sql': history });
    expect(loaded(dir, { migrations: [join(dir, 'db')] }).migrationFiles).toBe(1);
    expect(loadTenantSchema(project({ 'tenant-scope.config.json': '{ "migrations": "db" }' }))).toEqual({
      problem: expect.objectContaining({ message: '"migrations" must be an array of non-empty strings', hint: 'e.g. "migrations": ["db/migrations"]' }),
    });
    const missing = project({ 'tenant-scope.config.json': '{ "migrations": ["nope"] }' });
    expect(loadTenantSchema(missing)).toEqual({
      problem: { message: 'no such file or directory', location: 'nope', hint: `check the path: "migrations" in ${join(missing, 'tenant-scope.config.json')} is resolved from that file's folder` },
    });
  });
});
