import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSql, initAnalyzer } from '@tenant-scope/sql-analyzer';
import type { GucWrite } from '@tenant-scope/sql-analyzer';
import { rangeOf } from './expect-facts.js';

// Facts keep the structure a consumer needs, so nobody goes back to the text with a regular expression.

beforeAll(async () => {
  await initAnalyzer();
});

function writeOf(sql: string): GucWrite {
  const write = analyzeSql(sql).facts.find((f): f is GucWrite => f.kind === 'guc-write');
  if (!write) throw new Error(`no setting write in ${sql}`);
  return write;
}

describe('value items', () => {
  it('SET search_path = a, "b, c" is two items, each with its range', () => {
    const sql = 'SET search_path = a, "b, c"';
    expect(writeOf(sql).value?.items).toEqual([
      { text: 'a', range: { start: 18, end: 19 } },
      { text: 'b, c', range: rangeOf(sql, '"b, c"') },
    ]);
  });

  it('inside a DO block the items keep their ranges in the outer text', () => {
    const sql = 'DO $$ BEGIN SET search_path = "a, b", public; END $$';
    expect(writeOf(sql).value?.items).toEqual([
      { text: 'a, b', range: rangeOf(sql, '"a, b"') },
      { text: 'public', range: rangeOf(sql, 'public') },
    ]);
  });

  it('an EXECUTE string inside a DO block too', () => {
    const sql = `DO $$ BEGIN EXECUTE 'SET search_path = "x, y", tenant_a'; END $$`;
    expect(writeOf(sql).value?.items).toEqual([
      { text: 'x, y', range: rangeOf(sql, '"x, y"') },
      { text: 'tenant_a', range: rangeOf(sql, 'tenant_a') },
    ]);
  });

  it('a set_config value is one string, so one item', () => {
    const sql = "select set_config('search_path', 'a, b', false)";
    expect(writeOf(sql).value?.items).toEqual([{ text: 'a, b', range: rangeOf(sql, "'a, b'") }]);
  });

  it('values that are not literals have no items', () => {
    expect(writeOf('SET search_path = DEFAULT').value).toEqual({ kind: 'default', range: rangeOf('SET search_path = DEFAULT', '= DEFAULT') });
    expect(writeOf("select set_config('app.tenant_id', $1, false)").value?.items).toBeUndefined();
  });
});

describe('command and argument ranges', () => {
  it.each([
    ["SET app.tenant_id = 'a'", 'SET'],
    ["SET SESSION app.tenant_id = 'a'", 'SET SESSION'],
    ["SET LOCAL app.tenant_id = 'a'", 'SET LOCAL'],
    ['RESET app.tenant_id', 'RESET'],
    ['SET SESSION AUTHORIZATION tenant_a', 'SET'],
    ['/* why */ set   search_path = a', 'set'],
  ])('%s: the command words are %s', (sql, command) => {
    expect(writeOf(sql).commandRange).toEqual(rangeOf(sql, command));
  });

  it('ALTER ROLE … SET has no command range (it is not a SET of this session)', () => {
    expect(writeOf("ALTER ROLE app SET app.tenant_id = 'a'").commandRange).toBeUndefined();
  });

  it('set_config keeps the range of each argument', () => {
    const sql = "select pg_catalog.set_config( 'app.tenant_id' , $1::text, (select false) )";
    expect(writeOf(sql).argumentRanges).toEqual([rangeOf(sql, "'app.tenant_id'"), rangeOf(sql, '$1::text'), rangeOf(sql, '(select false)')]);
  });
});
