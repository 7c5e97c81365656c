import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSql, analyzeSqlUncached, initAnalyzer, parseSql } from '@tenant-scope/sql-analyzer';
import { expectFacts, rangeOf } from './expect-facts.js';

const require = createRequire(import.meta.url);

beforeAll(async () => {
  await initAnalyzer();
});

describe('bad and unusual input', () => {
  it('returns a located syntax error instead of throwing', () => {
    const sql = "SELECT 1;\nSELEC set_config('app.tenant_id', 'x', false);";
    const analysis = analyzeSql(sql);
    expect(analysis.error).toEqual({ message: 'syntax error at or near "SELEC"', offset: 10, line: 2, column: 1 });
    expect(analysis.facts).toEqual([]);
    expect(analysis.statements).toEqual([]);
  });

  it('locates an unterminated dollar quote', () => {
    const analysis = analyzeSql('DO $$ BEGIN PERFORM 1;');
    expect(analysis.error?.message).toBe('unterminated dollar-quoted string at or near "$$ BEGIN PERFORM 1;"');
    expect(analysis.error).toMatchObject({ offset: 3, line: 1, column: 4 });
  });

  it('locates errors after multi-byte characters in UTF-16 columns', () => {
    const sql = "SELECT 'héllo wörld' FRM t";
    const analysis = analyzeSql(sql);
    expect(analysis.error).toMatchObject({ offset: sql.indexOf('t', sql.indexOf('FRM')), line: 1, column: sql.indexOf('t', sql.indexOf('FRM')) + 1 });
  });

  it('accepts empty, blank and comment-only text', () => {
    for (const sql of ['', '   \n\t', '-- nothing here\n', '/* block */', ';;']) {
      expect(analyzeSql(sql)).toEqual({ error: null, statements: [], facts: [] });
    }
  });

  it('answers a non-string with an error value', () => {
    expect(analyzeSql(undefined as unknown as string).error?.message).toBe('expected SQL text, got undefined');
  });

  it('maps positions after emoji and accents (PostgreSQL counts bytes)', () => {
    const sql = "SELECT '🎉 café'; SET app.tenant_id = 'ü'";
    expectFacts(sql, analyzeSql(sql).facts, [
      { kind: 'guc-write', name: 'app.tenant_id', at: "SET app.tenant_id = 'ü'", nameAt: 'app.tenant_id', valueAt: "'ü'" },
    ]);
  });

  it('maps positions inside a function body after multi-byte characters', () => {
    const sql = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'ñandú 🎉'; PERFORM set_config('app.x', 'y', false); END $$";
    expectFacts(sql, analyzeSql(sql).facts, [{ kind: 'guc-write', name: 'app.x', at: "set_config('app.x', 'y', false)" }]);
  });

  it('analyzes a 10 MB migration', () => {
    const statement = "INSERT INTO invoices (tenant_id, amount) VALUES ('7a1d1f4e-1111-4c8e-9a57-0c0a0a0a0a0a', 12.5);\n";
    const copies = Math.ceil((10 * 1024 * 1024) / statement.length);
    const sql = statement.repeat(copies) + "SELECT set_config('app.tenant_id', 'x', false);\n";
    const analysis = analyzeSqlUncached(sql);
    expect(analysis.error).toBeNull();
    expect(analysis.statements).toHaveLength(copies + 1);
    expect(analysis.facts).toHaveLength(1);
    expect(analysis.facts[0]?.range.start).toBe(sql.lastIndexOf('set_config'));
  });
});

describe('template literals', () => {
  // The text of `SET app.tenant_id = '${tenant}'` as a JavaScript template: the hole stays in place.
  it('reports a hole inside a string literal as interpolated, without shifting positions', () => {
    const sql = "SET app.tenant_id = '${tenant}'; SELECT 1";
    const hole = rangeOf(sql, '${tenant}');
    const analysis = analyzeSql(sql, { holes: [hole] });
    expectFacts(sql, analysis.facts, [
      { kind: 'guc-write', name: 'app.tenant_id', value: expect.objectContaining({ kind: 'interpolated' }), at: "SET app.tenant_id = '${tenant}'", valueAt: "'${tenant}'" },
    ]);
  });

  it('parses holes as values and keeps real bind parameters apart', () => {
    const sql = 'select set_config(${name}, $1, ${local})';
    const holes = [rangeOf(sql, '${name}'), rangeOf(sql, '${local}')];
    const analysis = analyzeSql(sql, { holes });
    expectFacts(sql, analysis.facts, [
      { kind: 'guc-write', name: null, scope: 'unknown', value: expect.objectContaining({ kind: 'parameter', parameter: 1 }), at: 'set_config(${name}, $1, ${local})', nameAt: '${name}', valueAt: '$1' },
    ]);
  });

  it('a value hole is interpolated and the statement range covers it', () => {
    const sql = 'select set_config(\'app.tenant_id\', ${tenantId}, false)';
    const analysis = analyzeSql(sql, { holes: [rangeOf(sql, '${tenantId}')] });
    expect(analysis.facts[0]).toMatchObject({ scope: 'session', value: { kind: 'interpolated', range: rangeOf(sql, '${tenantId}') } });
    expect(analysis.statements[0]?.range).toEqual({ start: 0, end: sql.length });
  });

  it('a hole where a value cannot stand is a located syntax error', () => {
    const sql = 'SET ${name} = 1';
    const analysis = analyzeSql(sql, { holes: [rangeOf(sql, '${name}')] });
    expect(analysis.error).toMatchObject({ line: 1, column: 5 });
  });

  it('rejects holes outside the text as an error value', () => {
    expect(analyzeSql('select 1', { holes: [{ start: 5, end: 50 }] }).error?.message).toMatch(/outside the text/);
  });
});

describe('cache', () => {
  it('returns the same frozen analysis for the same text', () => {
    const sql = "select set_config('app.tenant_id', $1, true) /* cache */";
    const first = analyzeSql(sql);
    expect(analyzeSql(sql)).toBe(first);
    expect(Object.isFrozen(first.facts[0])).toBe(true);
    expect(analyzeSqlUncached(sql)).toEqual(first);
  });

  it('keys template analyses by their holes too', () => {
    const sql = "SET app.tenant_id = '${t}'";
    expect(analyzeSql(sql).facts[0]).toMatchObject({ value: { kind: 'literal' } });
    expect(analyzeSql(sql, { holes: [rangeOf(sql, '${t}')] }).facts[0]).toMatchObject({ value: { kind: 'interpolated' } });
  });
});

describe('parseSql', () => {
  it('gives the parse tree of each statement', () => {
    const parsed = parseSql('ALTER TABLE invoices FORCE ROW LEVEL SECURITY; CREATE POLICY p ON invoices USING (true)');
    expect(parsed.error).toBeNull();
    expect(parsed.statements.map((s) => s.type)).toEqual(['AlterTableStmt', 'CreatePolicyStmt']);
    expect(parsed.statements[1]?.node).toMatchObject({ policy_name: 'p', table: { relname: 'invoices' } });
  });
});

describe('loading', () => {
  const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: import.meta.dirname, encoding: 'utf8', timeout: 30_000 });

  it('answers synchronously before the WebAssembly module has loaded (worker bridge)', () => {
    const out = node([
      '--input-type=module',
      '-e',
      `import { analyzeSql, isAnalyzerReady } from '@tenant-scope/sql-analyzer';
       const ready = isAnalyzerReady();
       const a = analyzeSql("SET app.tenant_id = 'x'");
       console.log(JSON.stringify({ ready, facts: a.facts.map((f) => [f.name, f.scope, f.range.start, f.range.end]) }));`,
    ]);
    expect(JSON.parse(out)).toEqual({ ready: false, facts: [['app.tenant_id', 'session', 0, 23]] });
  });

  it('loads with require() from a CommonJS file and answers at once', () => {
    // As an ESLint plugin is loaded from a CommonJS eslint.config.js.
    const dir = mkdtempSync(join(tmpdir(), 'tenant-scope-cjs-'));
    const file = join(dir, 'load.cjs');
    writeFileSync(
      file,
      `const { analyzeSql } = require(${JSON.stringify(require.resolve('@tenant-scope/sql-analyzer'))});
       console.log(analyzeSql("select set_config('app.tenant_id', $1, false)").facts[0].scope);`,
    );
    try {
      expect(node([file]).trim()).toBe('session');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
