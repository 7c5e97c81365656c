import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import { beforeAll, describe, expect, test } from 'vitest';
import { lintSql } from '../src/index.js';
import type { Finding } from '../src/index.js';

beforeAll(async () => {
  await initAnalyzer();
});

const where = (f: Finding): string => `${f.file}:${f.line}:${f.column} ${f.ruleId}`;

const unsafeTable = `create table orders (id bigint primary key, tenant_id uuid not null);
alter table orders enable row level security;
alter table orders force row level security;
create policy tenant_rows on orders
  using (tenant_id = (select current_setting('app.tenant_id')::uuid));
`;

describe('lintSql', () => {
  test('a file that does not parse gives parse-error at its line and column; the other files are still linted', () => {
    const { findings } = lintSql({
      files: [
        { path: '001_orders.sql', text: unsafeTable },
        { path: '002_broken.sql', text: 'create table ok (id int);\n\nalter tabel orders add column note text;\n' },
        { path: '003_notes.sql', text: 'create table notes (id int, tenant_id uuid not null);\n' },
      ],
    });
    expect(findings.map(where)).toEqual([
      '001_orders.sql:5:30 current-setting-unguarded-cast',
      '002_broken.sql:3:7 parse-error',
      '003_notes.sql:1:1 rls-not-enabled',
    ]);
    const parseError = findings.find((f) => f.ruleId === 'parse-error');
    expect(parseError).toMatchObject({ severity: 'error', endLine: 3, endColumn: 8 });
    expect(parseError?.message).toContain('syntax error at or near "tabel"');
  });

  test('an unterminated dollar quote is a parse error where the quote starts', () => {
    const { findings } = lintSql({
      files: [{ path: 'fn.sql', text: 'select 1;\ncreate function f() returns int language sql as $body$ select 1;\n' }],
    });
    expect(findings.map(where)).toEqual(['fn.sql:2:49 parse-error']);
    expect(findings[0]?.message).toContain('unterminated dollar-quoted string');
  });

  test('findings carry 1-based start and exclusive end positions and the configured severity', () => {
    const { findings } = lintSql({
      files: [{ path: 'a.sql', text: unsafeTable }],
      config: { rules: { 'current-setting-unguarded-cast': 'warn' } },
    });
    expect(findings).toEqual([
      {
        file: 'a.sql',
        line: 5,
        column: 30,
        endLine: 5,
        endColumn: 62,
        ruleId: 'current-setting-unguarded-cast',
        severity: 'warn',
        message: expect.stringContaining("`current_setting('app.tenant_id')` has no missing_ok and is cast to uuid without NULLIF(…, '')"),
      },
    ]);
  });

  test('one defect, one finding: a read without missing_ok that is also cast bare is reported once, with the fix for both', () => {
    const text = unsafeTable.replace("current_setting('app.tenant_id')::uuid", "current_setting('app.tenant_id')::uuid or tenant_id = current_setting('app.tenant_id')::uuid");
    const { findings } = lintSql({ files: [{ path: 'a.sql', text }] });
    expect(findings.map(where)).toEqual(['a.sql:5:30 current-setting-unguarded-cast', 'a.sql:5:84 current-setting-unguarded-cast']);
    expect(findings[0]?.message).toContain("read it as NULLIF(current_setting('app.tenant_id', true), '') before the cast");
  });

  test('policy-per-row-setting is a hint of the strict set: off by default, on with "ruleSet": "strict" or in "rules"', () => {
    const text = unsafeTable.replace("(select current_setting('app.tenant_id')::uuid)", "nullif(current_setting('app.tenant_id', true), '')::uuid");
    const ids = (config: object): string[] => lintSql({ files: [{ path: 'a.sql', text }], config }).findings.map(where);
    expect(ids({})).toEqual([]);
    expect(ids({ ruleSet: 'strict' })).toEqual(['a.sql:5:29 policy-per-row-setting']);
    expect(ids({ rules: { 'policy-per-row-setting': 'warn' } })).toEqual(['a.sql:5:29 policy-per-row-setting']);
  });

  test('-- tenant-scope-ignore silences the listed rules for the next statement only', () => {
    const text = `create table a (id int, tenant_id uuid);
-- tenant-scope-ignore rls-not-enabled, tenant-column-nullable -- global lookup, filled by a job
create table b (id int, tenant_id uuid);
create table c (id int, tenant_id uuid not null);
`;
    const { findings } = lintSql({ files: [{ path: 'x.sql', text }] });
    expect(findings.map(where)).toEqual(['x.sql:1:1 rls-not-enabled', 'x.sql:1:1 tenant-column-nullable', 'x.sql:4:1 rls-not-enabled']);
  });

  test('-- tenant-scope-ignore before a data statement (checked, not modelled) applies to it, not to the next statement', () => {
    const text = `-- tenant-scope-ignore rls-not-enabled -- meant for the insert, which has nothing to ignore
insert into lookup values (1);
create table b (id int, tenant_id uuid not null);
`;
    const { findings } = lintSql({ files: [{ path: 'x.sql', text }] });
    // The comment silences nothing (the insert has no finding), which unused-ignore says.
    expect(findings.map(where)).toEqual(['x.sql:1:24 unused-ignore', 'x.sql:3:1 rls-not-enabled']);
  });

  test('a syntax error in a data statement is a parse-error at its exact place', () => {
    const text = `create table b (id int, tenant_id uuid not null);
insert into b (id) valus (1);
`;
    const { findings } = lintSql({ files: [{ path: 'x.sql', text }] });
    expect(findings.map(where)).toEqual(['x.sql:2:20 parse-error']);
  });

  test('-- tenant-scope-ignore-file silences a rule in the whole file and nowhere else', () => {
    const text = `-- tenant-scope-ignore-file tenant-column-nullable
create table a (id int, tenant_id uuid);
`;
    const { findings } = lintSql({
      files: [
        { path: 'x.sql', text },
        { path: 'y.sql', text: 'create table b (id int, tenant_id uuid);\n' },
      ],
      config: { rules: { 'rls-not-enabled': 'off' } },
    });
    expect(findings.map(where)).toEqual(['y.sql:1:1 tenant-column-nullable']);
  });

  test('ignored files still count as history but report nothing', () => {
    const { findings } = lintSql({
      files: [
        { path: 'legacy/001_orders.sql', text: 'create table orders (id int, tenant_id uuid not null);\n' },
        { path: 'migrations/002_rls.sql', text: 'alter table orders enable row level security;\n' },
      ],
      config: { ignore: ['legacy/**'] },
    });
    expect(findings.map(where)).toEqual(['migrations/002_rls.sql:1:1 rls-enabled-no-policy', 'migrations/002_rls.sql:1:1 rls-not-forced']);
  });

  test('only the up part of files with dbmate, node-pg-migrate or goose markers counts', () => {
    const dbmate = `-- migrate:up
create table orders (id int, tenant_id uuid not null);
alter table orders enable row level security, force row level security;

-- migrate:down
alter table orders disable row level security;
`;
    const nodePgMigrate = `-- Up Migration
create policy tenant_rows on orders using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
-- Down Migration
drop policy tenant_rows on orders;
`;
    const { findings } = lintSql({
      files: [
        { path: '1.sql', text: dbmate },
        { path: '2.sql', text: nodePgMigrate },
      ],
    });
    expect(findings).toEqual([]);
  });

  test('invalid configuration is a problem with a location and a hint, not an exception', () => {
    const result = lintSql({ files: [], config: { rules: { 'no-such-rule': 'error' } } });
    expect(result.configProblem).toEqual({
      message: 'unknown rule "no-such-rule" in "rules"',
      location: 'lintSql({ config })',
      hint: expect.stringContaining('rls-not-enabled'),
    });
    const severity = lintSql({ files: [], config: { rules: { 'rls-not-enabled': 'fatal' as never } } });
    expect(severity.configProblem?.message).toBe('rule "rls-not-enabled" has severity "fatal"');
  });

  test('tenantColumns and contextGucs change what counts as tenant data', () => {
    const text = `create table projects (id int, org_id uuid not null);
alter table projects enable row level security, force row level security;
create policy org_rows on projects using (org_id = (select nullif(current_setting('app.org', true), '')::uuid));
select current_setting('app.tenant_id', true);
`;
    const { findings } = lintSql({ files: [{ path: 'p.sql', text }], config: { tenantColumns: ['org_id'], contextGucs: ['app.org'] } });
    expect(findings.map(where)).toEqual(['p.sql:4:24 unknown-context-guc']);
    const withoutOrg = lintSql({ files: [{ path: 'p.sql', text }], config: { tenantColumns: ['org_id'], contextGucs: ['app.tenant_id'] } });
    expect(withoutOrg.findings.map(where)).toEqual(['p.sql:3:1 policy-missing-tenant-predicate', 'p.sql:3:83 unknown-context-guc']);
  });
});
