import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import { beforeAll, describe, expect, test } from 'vitest';
import { auditRules } from '../src/audit-rules.js';
import { lintSql, sqlLintRules } from '../src/index.js';
import { fixturesDir, readFixtureCases } from './fixture-cases.js';

const packageDir = join(import.meta.dirname, '..');
const cases = readFixtureCases();

beforeAll(async () => {
  await initAnalyzer();
});

describe.each(cases.map((c) => [`${c.ruleId} ${c.kind}/${c.name}`, c] as const))('%s', (_, fixture) => {
  test(fixture.kind === 'invalid' ? 'reports exactly the expected findings' : 'reports nothing', () => {
    const { findings, configProblem } = lintSql({ files: fixture.files, config: fixture.config });
    expect(configProblem).toBeNull();
    const actual = findings
      .filter((f) => f.ruleId === fixture.ruleId)
      .map((f) => ({ file: f.file, ruleId: f.ruleId, line: f.line, column: f.column }));
    if (fixture.kind === 'invalid') expect(fixture.expected.length).toBeGreaterThan(0);
    else expect(fixture.expected).toEqual([]);
    expect(actual).toEqual(fixture.expected);
  });
});

describe('every rule', () => {
  test.each(sqlLintRules.map((r) => [r.id, r] as const))('%s has a doc, and fixtures with at least 6 invalid and 6 valid cases', (id, rule) => {
    const doc = join(packageDir, rule.meta.docs);
    expect(rule.meta.docs).toBe(`docs/rules/${id}.md`);
    expect(existsSync(doc)).toBe(true);
    expect(readFileSync(doc, 'utf8')).toMatch(new RegExp(`^# ${id}\\n`));
    expect(cases.filter((c) => c.ruleId === id && c.kind === 'invalid').length).toBeGreaterThanOrEqual(6);
    expect(cases.filter((c) => c.ruleId === id && c.kind === 'valid').length).toBeGreaterThanOrEqual(6);
    expect(existsSync(join(fixturesDir, id))).toBe(true);
  });

  test.each(auditRules.map((r) => [r.id, r] as const))('audit rule %s has a doc', (id, rule) => {
    expect(rule.meta.docs).toBe(`docs/rules/${id}.md`);
    expect(readFileSync(join(packageDir, rule.meta.docs), 'utf8')).toMatch(new RegExp(`^# ${id}\\n`));
  });
});
