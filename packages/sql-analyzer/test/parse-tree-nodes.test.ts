import { beforeAll, describe, expect, it } from 'vitest';
import {
  calledFunctionName,
  constantText,
  defElemText,
  firstLocation,
  initAnalyzer,
  nameParts,
  nodeOf,
  parseSql,
  statementNode,
  statementTree,
  typeNameOf,
  unwrapNode,
  walkTree,
} from '@tenant-scope/sql-analyzer';

beforeAll(async () => {
  await initAnalyzer();
});

function onlyStatement(sql: string) {
  const parsed = parseSql(sql);
  expect(parsed.error).toBeNull();
  expect(parsed.statements).toHaveLength(1);
  return parsed.statements[0]!;
}

describe('typed tree helpers', () => {
  it('give a statement as an entry whose type narrows its body', () => {
    const entry = statementNode(onlyStatement('create table app."Orders" (id int primary key, tenant_id uuid not null)'));
    expect(entry.type).toBe('CreateStmt');
    if (entry.type !== 'CreateStmt') return;
    expect(entry.body.relation?.schemaname).toBe('app');
    expect(entry.body.relation?.relname).toBe('Orders');
    const columns = (entry.body.tableElts ?? []).map((e) => nodeOf(e, 'ColumnDef')).filter((c) => c !== undefined);
    expect(columns.map((c) => [c.colname, typeNameOf(c.typeName)])).toEqual([
      ['id', 'int4'],
      ['tenant_id', 'uuid'],
    ]);
  });

  it('walk every node depth first, parents before children, and skip children when asked', () => {
    const tree = statementTree(onlyStatement("select public.f(current_setting('app.tenant_id')::uuid) from t where x = g(1)"));
    const calls: string[] = [];
    walkTree(tree, (type, body) => {
      if (type === 'FuncCall') calls.push(calledFunctionName(body).name);
    });
    expect(calls).toEqual(['f', 'current_setting', 'g']);
    const outer: string[] = [];
    walkTree(tree, (type, body) => {
      if (type !== 'FuncCall') return;
      outer.push(`${calledFunctionName(body).schema}.${calledFunctionName(body).name}`);
      return false;
    });
    expect(outer).toEqual(['public.f', 'undefined.g']);
  });

  it('read constants through casts as PostgreSQL prints them', () => {
    const entry = statementNode(onlyStatement("select 'a'::text, 42, true, null, 1.5, x"));
    if (entry.type !== 'SelectStmt') throw new Error(entry.type);
    const values = (entry.body.targetList ?? []).map((t) => constantText(nodeOf(t, 'ResTarget')?.val));
    expect(values).toEqual(['a', '42', 'true', 'null', '1.5', undefined]);
  });

  it('read option values and qualified names', () => {
    const entry = statementNode(onlyStatement('create function s.f() returns int language sql security definer as $$ select 1 $$'));
    if (entry.type !== 'CreateFunctionStmt') throw new Error(entry.type);
    expect(nameParts(entry.body.funcname)).toEqual(['s', 'f']);
    const options = (entry.body.options ?? []).map((o) => nodeOf(o, 'DefElem')).map((d) => [d?.defname, defElemText(d?.arg)]);
    expect(options).toEqual([
      ['language', 'sql'],
      ['security', 'true'],
      ['as', undefined],
    ]);
  });

  it('find the first location of a subtree and reject what is not a node', () => {
    const sql = 'select 1 where a = b';
    const entry = statementNode(onlyStatement(sql));
    if (entry.type !== 'SelectStmt') throw new Error(entry.type);
    expect(firstLocation(entry.body.whereClause)).toBe(sql.indexOf('a = b'));
    expect(unwrapNode({ a: {} })).toBeUndefined();
    expect(unwrapNode({ A_Const: {}, B: {} })).toBeUndefined();
    expect(unwrapNode([{ A_Const: {} }])).toBeUndefined();
    expect(unwrapNode({ A_Const: { isnull: true } })).toEqual({ type: 'A_Const', body: { isnull: true } });
    expect(nodeOf({ String: { sval: 'x' } }, 'A_Const')).toBeUndefined();
  });
});
