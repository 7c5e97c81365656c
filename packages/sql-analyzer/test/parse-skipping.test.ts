import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSql, dataStatementMayAffectSessionState, initAnalyzer, parseSql, type ParsedSql, type SourceRange } from '@tenant-scope/sql-analyzer';

beforeAll(async () => {
  await initAnalyzer();
});

const skipInserts = (text: string, range: SourceRange): boolean => /^insert\b/i.test(text.slice(range.start, range.end));

/** Node trees without their byte locations (those count bytes of the text the parser saw). */
function withoutLocations(node: unknown): unknown {
  return JSON.parse(JSON.stringify(node, (key, value: unknown) => (key === 'location' || key === 'stmt_location' ? undefined : value)));
}

/** What a partial parse must agree on with a full one: every range, and the kept statements' trees. */
function expectSameAsFullParse(text: string, partial: ParsedSql): void {
  const full = parseSql(text);
  expect(partial.error).toEqual(full.error);
  const allRanges = [...partial.statements.map((s) => s.range), ...partial.skipped].sort((a, b) => a.start - b.start);
  expect(allRanges).toEqual(full.statements.map((s) => s.range));
  for (const statement of partial.statements) {
    const same = full.statements.find((s) => s.range.start === statement.range.start);
    expect(statement.type).toBe(same?.type);
    expect(withoutLocations(statement.node)).toEqual(withoutLocations(same?.node));
  }
}

describe('parseSql with skipTree', () => {
  it('lists declined statements in skipped and parses the rest at their usual ranges', () => {
    const text = "create table t (id int);\ninsert into t values (1);\n  insert into t values (2)  ;\nalter table t enable row level security;";
    const parsed = parseSql(text, { skipTree: skipInserts });

    expect(parsed.statements.map((s) => s.type)).toEqual(['CreateStmt', 'AlterTableStmt']);
    expect(parsed.skipped.map((r) => text.slice(r.start, r.end))).toEqual(['insert into t values (1)', 'insert into t values (2)']);
    expectSameAsFullParse(text, parsed);
  });

  it.each([
    ['a semicolon in a string', "insert into t values ('a;b');\ncreate table u (x text default ';');"],
    ['doubled quotes', "insert into t values ('it''s; fine');\ncreate table u (x int);"],
    ['an E string with escaped quotes', "insert into t values (E'\\';still a string;');\ncreate table u (x int);"],
    ['a dollar-quoted body', 'create function f() returns int language sql as $body$ select 1; select 2 $body$;\ninsert into t values (1);'],
    ['an empty dollar tag', 'insert into t values ($$a;b$$);\ncreate table u (x int);'],
    ['identifiers with dollars and parameters', 'insert into t$x values ($1);\ncreate table u$ (x int);'],
    ['a quoted identifier with a semicolon', 'insert into "odd;name" values (1);\ncreate table "x;y" (x int);'],
    ['line and nested block comments', 'insert into t values (1) -- a comment; with a semicolon\n;\n/* outer /* inner; */ still; */ create table u (x int);'],
    ['Unicode-escaped strings and bit strings', "insert into t values (U&'d\\0061t;a', B'101', X'1F');\ncreate table u (x int);"],
    ['multi-byte text before and inside skipped statements', "create table ü (x text);\ninsert into ü values ('日本語; ✓ 🎉');\nalter table ü enable row level security;"],
    ['no trailing semicolon', 'create table u (x int);\ninsert into t values (1)'],
    ['empty statements', ';;insert into t values (1);;create table u (x int);;'],
  ])('splits like PostgreSQL: %s', (_name, text) => {
    const parsed = parseSql(text, { skipTree: skipInserts });

    expect(parsed.error).toBeNull();
    expect(parsed.skipped.length).toBeGreaterThan(0);
    expectSameAsFullParse(text, parsed);
  });

  it('a syntax error in a skipped statement is reported exactly as a full parse reports it', () => {
    const text = "create table t (id int);\ninsert into t vals (1);\ncreate table u (x int);";
    const parsed = parseSql(text, { skipTree: skipInserts });

    expect(parsed.error).toEqual({ message: 'syntax error at or near "vals"', offset: 39, line: 2, column: 15 });
    expect(parsed.error).toEqual(parseSql(text).error);
  });

  it('a syntax error in a kept statement is reported exactly as a full parse reports it', () => {
    const text = "insert into t values (1);\ncreate tabel u (x int);";
    expect(parseSql(text, { skipTree: skipInserts }).error).toEqual(parseSql(text).error);
  });

  it('text with a BEGIN ATOMIC body is parsed whole, since its inner semicolons are not statement ends', () => {
    const text = 'create function f() returns void language sql begin atomic insert into t values (1); insert into t values (2); end;\ninsert into t values (3);';
    const parsed = parseSql(text, { skipTree: skipInserts });

    expect(parsed.skipped).toEqual([]);
    expect(parsed.statements.map((s) => s.type)).toEqual(['CreateFunctionStmt', 'InsertStmt']);
  });

  it('template holes turn it off', () => {
    const text = 'insert into t values (${v});';
    const parsed = parseSql(text, { skipTree: skipInserts, holes: [{ start: 22, end: 26 }] });
    expect(parsed.skipped).toEqual([]);
    expect(parsed.statements.map((s) => s.type)).toEqual(['InsertStmt']);
  });

  it('agrees with a full parse on every SQL fixture of the repository, skipping every other statement', () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '../../sql-lint/test/fixtures');
    const files = (readdirSync(root, { recursive: true }) as string[]).filter((file) => file.endsWith('.sql'));
    let withSkips = 0;
    for (const file of files) {
      const text = readFileSync(join(root, file), 'utf8');
      let n = 0;
      const parsed = parseSql(text, { skipTree: () => n++ % 2 === 1 });
      if (parsed.skipped.length > 0) withSkips++;
      expectSameAsFullParse(text, parsed);
    }
    expect(files.length).toBeGreaterThan(100);
    expect(withSkips).toBeGreaterThan(files.length / 3);
  });
});

describe('dataStatementMayAffectSessionState', () => {
  it.each([
    ["update t set x = current_setting('app.tenant_id', true)", true],
    ["insert into t select set_config('app.tenant_id', 'x', false)", true],
    ['select pg_advisory_lock(1)', true],
    ['select pg_catalog.pg_try_advisory_lock(1, 2)', true],
    ['select * into temp t2 from t', true],
    ['select * into temporary table t2 from t', true],
    ['select "current_setting"(\'app.tenant_id\')', true],
    ["select U&\"\\0063urrent_setting\"('app.tenant_id')", true],
    ['update t set x = 1 where y = 2', false],
    ['delete from t where id = 1', false],
    ['grant select, update on t to app_user', false],
    ["comment on table t is 'settings'", false],
    ['create index t_idx on t (tenant_id)', false],
    ['select * into t2 from t', false],
  ])('%s → %s, and never false where the analyzer finds a fact', (sql, expected) => {
    expect(dataStatementMayAffectSessionState(sql)).toBe(expected);
    if (analyzeSql(sql).facts.length > 0) expect(dataStatementMayAffectSessionState(sql)).toBe(true);
  });
});
