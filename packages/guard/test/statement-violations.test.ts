import { beforeAll, describe, expect, test } from 'vitest';
import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import { statementViolations } from '../src/statement-violations.js';

// The judgement of one statement's text, without a database: which code, or none.

const contextGucs = new Set(['app.tenant_id', 'app.user_id']);

beforeAll(async () => {
  await initAnalyzer();
});

describe('statementViolations', () => {
  test.each([
    [`select set_config('app.tenant_id', $1, false)`, ['session-set']],
    [`select set_config('app.user_id', $1, $2)`, ['session-set']],
    [`set app.user_id = 'u'`, ['session-set']],
    [`set search_path = x`, ['session-set']],
    ['reset all', ['session-set']],
    ['reset role', ['session-set']],
    ['commit', ['transaction-control']],
    ['prepare transaction $$x$$', ['transaction-control']],
    ['select pg_advisory_lock(1)', ['session-state']],
    ['create temp table t (x int)', ['session-state']],
    [`set local app.tenant_id = 'x'; select 1`, []],
    [`select set_config('app.tenant_id', $1, true)`, []],
    [`select set_config('app.other', 'x', false)`, []],
    [`set statement_timeout = 0`, []],
    ['savepoint a; rollback to savepoint a; release savepoint a', []],
    ['select pg_advisory_xact_lock(1)', []],
    ['create temp table t (x int) on commit drop', []],
    [`create function f() returns void language sql as $$ select set_config('app.tenant_id', 'x', false) $$`, []],
    // Every new session of the role would start inside one tenant (the analyzer's oracle shows it).
    [`alter role app set app.tenant_id = 'x'`, ['session-set']],
    [`alter role app reset app.tenant_id`, []],
    // From inside a tenant transaction, a search_path or role default changes every later session of the pool.
    [`alter role app set search_path = app, public`, ['session-set']],
    [`alter database shop set search_path to app`, ['session-set']],
    [`alter role current_user set role = bypass`, ['session-set']],
    [`alter role app reset search_path`, []],
    [`select set_config('app.tenant_id', $1, (select false))`, ['session-set']],
    ['set local role tenant_a', ['context-changed']],
    ['set local role none', []],
    ['this is not sql', []],
  ])('%s -> %j', (sql, expected) => {
    expect(statementViolations(sql, contextGucs).map((v) => v.code)).toEqual(expected);
  });

  // Inside a running scope: a transaction-local switch to another tenant is context-changed; the scope's own value is not.
  const scope = { values: new Map([['app.tenant_id', 'tenant-a'], ['app.user_id', 'user-a']]), parameters: ['tenant-b'] };
  test.each([
    [`set local app.tenant_id = 'tenant-b'`, ['context-changed']],
    [`set local app.tenant_id = 'tenant-a'`, []],
    [`select set_config('app.tenant_id', $1, true)`, ['context-changed']],
    [`select set_config('app.tenant_id', 'tenant-a', true)`, []],
    [`select set_config('app.user_id', lower('X'), true)`, ['context-changed']],
    [`select set_config('role', 'bypass', true)`, ['context-changed']],
    ['set local session authorization other', ['context-changed']],
    ['set local search_path = tenant_b, public', []],
    [`select set_config('app.tenant_id', $1, false)`, ['session-set']],
  ])('in a scope: %s -> %j', (sql, expected) => {
    expect(statementViolations(sql, contextGucs, scope).map((v) => v.code)).toEqual(expected);
  });

  test('in a scope: a bound parameter equal to the scope’s own value is not a switch', () => {
    const own = { values: scope.values, parameters: ['tenant-a'] };
    expect(statementViolations(`select set_config('app.tenant_id', $1, true)`, contextGucs, own)).toEqual([]);
  });
});
