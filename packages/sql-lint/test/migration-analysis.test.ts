/**
 * Which statements the analysis of a migration keeps a tree of: the model follows GRANT and REVOKE
 * on functions, procedures, routines and schemas only, so grants on tables, sequences and other
 * objects are checked for syntax without a tree, and role grants keep theirs.
 */
import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import { beforeAll, describe, expect, test } from 'vitest';
import { analyzeMigration } from '../src/migration-analysis.js';

beforeAll(async () => {
  await initAnalyzer();
});

const withoutTree = [
  'grant select on orders to app',
  'grant select, insert (note) on table app.orders to app',
  'revoke all on all tables in schema app from public',
  'grant usage, select on sequence orders_id_seq to app',
  'grant usage on type mood to app',
  'grant /* on function f() */ select on t to x',
  'grant select on "function" to x',
  'revoke grant option for select on orders from app',
];
const withTree = [
  'grant execute on function f(int) to app',
  'revoke execute on all functions in schema app from public',
  'revoke all on all procedures in schema app from public',
  'grant usage on schema app to app',
  'grant all on procedure p() to x',
  'grant execute on routine r to x',
  'revoke execute on function f(), g(int) from public',
  'grant app_admin to alice',
];

describe('analyzeMigration', () => {
  test('keeps the trees of the grants the model follows, and of nothing it does not', () => {
    const text = [...withoutTree, ...withTree].map((s) => `${s};\n`).join('');
    const analysis = analyzeMigration(text);
    expect(analysis.error).toBeNull();
    expect(analysis.skipped.map((r) => text.slice(r.start, r.end))).toEqual(withoutTree);
    expect(analysis.statements.map((s) => text.slice(s.range.start, s.range.end))).toEqual(withTree);
  });

  test('a syntax error in a grant without a tree is reported where it is, as without skipping', () => {
    const text = 'create table t (id int);\ngrant select on t to;\n';
    expect(analyzeMigration(text).error).toMatchObject({ line: 2, column: 21 });
  });
});
