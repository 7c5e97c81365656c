import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import { beforeAll, describe, expect, test } from 'vitest';
import { lintSql } from '../src/lint-sql.js';

beforeAll(async () => {
  await initAnalyzer();
});

const lint = (text: string, config = {}) =>
  lintSql({ files: [{ path: 'm.sql', text }], config }).findings.map((f) => `${f.line}:${f.column}-${f.endColumn} ${f.severity} ${f.ruleId}: ${f.message}`);

describe('ignore comments', () => {
  test('an ignore that silences a finding is used, and nothing is reported about it', () => {
    expect(lint('-- tenant-scope-ignore rls-not-enabled, tenant-column-nullable -- legacy table\ncreate table t (tenant_id int);\n')).toEqual([]);
  });

  test('a misspelled rule id is unknown-ignore, at the name, and the finding it meant stays', () => {
    expect(lint('-- tenant-scope-ignore rls-not-enabeld -- typo\ncreate table t (tenant_id int not null);\n')).toEqual([
      '1:24-39 warn unknown-ignore: "rls-not-enabeld" in this ignore comment is no rule of tenant-scope, so it silences nothing',
      '2:1-40 error rls-not-enabled: table t has tenant column tenant_id but row-level security is never enabled: every tenant reads every row',
    ]);
  });

  test('an ignore of a rule that reports nothing there is unused-ignore, for statements and whole files', () => {
    const text = [
      '-- tenant-scope-ignore-file view-bypasses-rls',
      'create table t (tenant_id int not null);',
      'alter table t enable row level security, force row level security;',
      "create policy p on t using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::int));",
      '-- tenant-scope-ignore rls-not-enabled, policy-always-true',
      'create table u (id int);',
      '',
    ].join('\n');
    expect(lint(text)).toEqual([
      '1:29-46 warn unused-ignore: this ignore comment silences nothing: view-bypasses-rls reports nothing here',
      '5:24-39 warn unused-ignore: this ignore comment silences nothing: rls-not-enabled reports nothing here',
      '5:41-59 warn unused-ignore: this ignore comment silences nothing: policy-always-true reports nothing here',
    ]);
  });

  test('an ignore of a rule that is off, or of an audit-only rule, is not unused; both ids are configurable', () => {
    const text = '-- tenant-scope-ignore rls-not-forced, exposed-table\ncreate table u (id int);\n';
    expect(lint(text, { rules: { 'rls-not-forced': 'off' } })).toEqual([]);
    expect(lint('-- tenant-scope-ignore nope\nselect 1;\n', { rules: { 'unknown-ignore': 'error' } })).toEqual([
      '1:24-28 error unknown-ignore: "nope" in this ignore comment is no rule of tenant-scope, so it silences nothing',
    ]);
    expect(lint('-- tenant-scope-ignore rls-not-enabled\nselect 1;\n', { rules: { 'unused-ignore': 'off' } })).toEqual([]);
  });
});
