import { beforeAll, describe, expect, it } from 'vitest';
import {
  analyzeSql,
  contextWriteHazards,
  contextWriteTarget,
  initAnalyzer,
  isContextSetting,
  sessionStateHazards,
  transactionControlHazards,
} from '@tenant-scope/sql-analyzer';
import type { ContextSettings, GucWrite, SessionStateUse, TransactionControl } from '@tenant-scope/sql-analyzer';

beforeAll(async () => {
  await initAnalyzer();
});

const anyCustom: ContextSettings = { contextGucs: null };
const configured: ContextSettings = { contextGucs: new Set(['app.tenant_id']) };

function writeOf(sql: string): GucWrite {
  const write = analyzeSql(sql).facts.find((f): f is GucWrite => f.kind === 'guc-write');
  if (!write) throw new Error(`no setting write in ${sql}`);
  return write;
}

describe('contextWriteHazards', () => {
  const cases: Array<[sql: string, target: string | null, hazards: string[]]> = [
    ["SET app.tenant_id = 'a'", 'context-setting', ['session-level']],
    ["SET SESSION app.tenant_id = 'a'", 'context-setting', ['session-level']],
    ["SET LOCAL app.tenant_id = 'a'", 'context-setting', ['switches-context']],
    ["select set_config('app.tenant_id', $1, false)", 'context-setting', ['session-level']],
    ["select set_config('app.tenant_id', $1, true)", 'context-setting', ['switches-context']],
    ["select set_config('app.tenant_id', $1, $2)", 'context-setting', ['session-level', 'lifetime-unknown']],
    ["select set_config('app.tenant_id', $1, (select false))", 'context-setting', ['session-level', 'lifetime-unknown']],
    ['select set_config($1, $2, false)', 'unknown', ['session-level', 'name-unknown']],
    ['select set_config($1, $2, $3)', 'unknown', ['session-level', 'lifetime-unknown', 'name-unknown']],
    ['select set_config($1, $2, true)', 'unknown', ['switches-context', 'name-unknown']],
    ['RESET app.tenant_id', 'context-setting', ['session-level', 'resets']],
    ['SET app.tenant_id TO DEFAULT', 'context-setting', ['session-level', 'resets']],
    ['RESET ALL', 'all', ['session-level', 'resets']],
    ['DISCARD ALL', 'all', ['session-level', 'resets']],
    ['SET search_path = tenant_a', 'search-path', ['session-level']],
    ['SET LOCAL search_path = tenant_a', 'search-path', ['switches-context']],
    ['SET ROLE tenant_a', 'role', ['session-level']],
    ['SET LOCAL ROLE tenant_a', 'role', ['switches-context']],
    ['SET ROLE NONE', 'role', ['session-level', 'resets']],
    ['RESET ROLE', 'role', ['session-level', 'resets']],
    ['SET SESSION AUTHORIZATION tenant_a', 'session-authorization', ['session-level']],
    ['SET SESSION AUTHORIZATION DEFAULT', 'session-authorization', ['session-level', 'resets']],
    ["ALTER ROLE app SET app.tenant_id = 'a'", 'context-setting', ['session-default']],
    ["ALTER DATABASE app SET app.tenant_id = ''", 'context-setting', ['session-default']],
    ["ALTER SYSTEM SET app.tenant_id = 'a'", 'context-setting', ['session-default']],
    ['ALTER ROLE app RESET app.tenant_id', 'context-setting', []],
    ['ALTER ROLE app SET app.tenant_id TO DEFAULT', 'context-setting', []],
    ['ALTER ROLE app SET search_path = app, public', 'search-path', ['access-default']],
    ['ALTER DATABASE app SET search_path TO app', 'search-path', ['access-default']],
    ['ALTER ROLE app SET role = admin', 'role', ['access-default']],
    ['ALTER ROLE app IN DATABASE shop SET session_authorization = admin', 'session-authorization', ['access-default']],
    ['ALTER ROLE app RESET search_path', 'search-path', []],
    ['ALTER DATABASE app SET role TO DEFAULT', 'role', []],
    ['SET statement_timeout = 0', null, []],
    ["SET app.locale = 'de'", 'context-setting', ['session-level']],
    ["DO $$ BEGIN SET search_path = a, public; END $$", 'search-path', ['session-level']],
  ];
  for (const [sql, target, hazards] of cases) {
    it(`${sql} → ${target ?? 'no context'}: ${hazards.join(', ') || 'none'}`, () => {
      const write = writeOf(sql);
      expect({ target: contextWriteTarget(write, anyCustom), hazards: contextWriteHazards(write, anyCustom) }).toEqual({ target, hazards });
    });
  }

  it('configured context settings narrow what counts (a list or a set)', () => {
    const locale = writeOf("SET app.locale = 'de'");
    expect(contextWriteHazards(locale, configured)).toEqual([]);
    expect(contextWriteHazards(locale, { contextGucs: ['app.locale'] })).toEqual(['session-level']);
    expect(contextWriteHazards(writeOf("SET app.tenant_id = 'a'"), configured)).toEqual(['session-level']);
    // search_path and the role are tenant context whatever is configured.
    expect(contextWriteTarget(writeOf('SET search_path = a'), configured)).toBe('search-path');
  });

  it('isContextSetting: configured names, else any dotted name', () => {
    expect([isContextSetting('app.tenant_id', anyCustom), isContextSetting('timezone', anyCustom), isContextSetting(null, anyCustom)]).toEqual([true, false, false]);
    expect([isContextSetting('app.tenant_id', configured), isContextSetting('app.locale', configured)]).toEqual([true, false]);
  });
});

describe('sessionStateHazards', () => {
  const cases: Array<[sql: string, hazards: string[]]> = [
    ['select pg_advisory_lock(1)', ['outlives-transaction']],
    ['select pg_try_advisory_lock_shared(1)', ['outlives-transaction']],
    ['select pg_advisory_unlock(1)', ['releases-elsewhere']],
    ['LISTEN jobs', ['outlives-transaction']],
    ['UNLISTEN *', ['releases-elsewhere']],
    ['PREPARE q AS select 1', ['outlives-transaction']],
    ['DEALLOCATE q', ['releases-elsewhere']],
    ['CREATE TEMP TABLE t (x int)', ['outlives-transaction']],
    ['DECLARE c CURSOR WITH HOLD FOR select 1', ['outlives-transaction']],
    ['DISCARD TEMP', ['releases-elsewhere']],
    ["LOAD 'auto_explain'", []],
  ];
  for (const [sql, hazards] of cases) {
    it(`${sql} → ${hazards.join(', ') || 'none'}`, () => {
      const use = analyzeSql(sql).facts.find((f): f is SessionStateUse => f.kind === 'session-state');
      expect(use && sessionStateHazards(use)).toEqual(hazards);
    });
  }

  it('the transaction-scoped variants are no fact at all', () => {
    expect(analyzeSql('select pg_advisory_xact_lock(1); create temp table t (x int) on commit drop').facts).toEqual([]);
  });
});

describe('transactionControlHazards', () => {
  const cases: Array<[sql: string, hazards: string[], withSavepointsAllowed: string[]]> = [
    ['BEGIN', ['begins-transaction', 'needs-same-connection'], ['begins-transaction', 'needs-same-connection']],
    ['COMMIT', ['ends-transaction', 'needs-same-connection'], ['ends-transaction', 'needs-same-connection']],
    ['END', ['ends-transaction', 'needs-same-connection'], ['ends-transaction', 'needs-same-connection']],
    ['COMMIT AND CHAIN', ['ends-transaction', 'needs-same-connection', 'chains'], ['ends-transaction', 'needs-same-connection', 'chains']],
    ['ROLLBACK AND CHAIN', ['ends-transaction', 'needs-same-connection', 'chains'], ['ends-transaction', 'needs-same-connection', 'chains']],
    ["PREPARE TRANSACTION 'x'", ['ends-transaction', 'needs-same-connection'], ['ends-transaction', 'needs-same-connection']],
    ["COMMIT PREPARED 'x'", ['acts-on-prepared'], ['acts-on-prepared']],
    ['SAVEPOINT a', ['savepoint', 'needs-same-connection'], []],
    ['RELEASE SAVEPOINT a', ['savepoint', 'needs-same-connection'], []],
    ['ROLLBACK TO SAVEPOINT a', ['savepoint', 'needs-same-connection'], []],
  ];
  for (const [sql, hazards, allowed] of cases) {
    it(`${sql} → ${hazards.join(', ')}; allowSavepoints → ${allowed.join(', ') || 'none'}`, () => {
      const control = analyzeSql(sql).facts.find((f): f is TransactionControl => f.kind === 'transaction-control');
      if (!control) throw new Error(`no transaction control in ${sql}`);
      expect([transactionControlHazards(control), transactionControlHazards(control, { allowSavepoints: true })]).toEqual([hazards, allowed]);
    });
  }
});
