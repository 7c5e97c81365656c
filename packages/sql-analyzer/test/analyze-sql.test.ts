import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSql, initAnalyzer, mayAffectSessionState } from '@tenant-scope/sql-analyzer';
import { expectFacts } from './expect-facts.js';
import type { ExpectedFact } from './expect-facts.js';

beforeAll(async () => {
  await initAnalyzer();
});

interface Case {
  name: string;
  sql: string;
  facts: ExpectedFact[];
}

const value = (kind: string, extra: Record<string, unknown> = {}) => expect.objectContaining({ kind, ...extra });

const gucWrites: Case[] = [
  {
    name: 'SET of a custom GUC is session-level',
    sql: "SET app.tenant_id = 'a1'",
    facts: [{ kind: 'guc-write', via: 'set', name: 'app.tenant_id', target: 'custom', scope: 'session', at: "SET app.tenant_id = 'a1'", nameAt: 'app.tenant_id', valueAt: "'a1'", value: value('literal', { text: 'a1' }) }],
  },
  {
    name: 'SET SESSION is session-level',
    sql: 'SET SESSION app.tenant_id TO 42',
    facts: [{ kind: 'guc-write', name: 'app.tenant_id', scope: 'session', at: 'SET SESSION app.tenant_id TO 42', nameAt: 'app.tenant_id', valueAt: '42', value: value('literal', { text: '42' }) }],
  },
  {
    name: 'SET LOCAL is transaction-level',
    sql: "SET LOCAL app.tenant_id = 'a1'",
    facts: [{ kind: 'guc-write', via: 'set', name: 'app.tenant_id', scope: 'transaction', at: "SET LOCAL app.tenant_id = 'a1'", nameAt: 'app.tenant_id' }],
  },
  {
    name: 'quoted GUC names are lowercased',
    sql: 'SET "App"."Tenant_Id" = \'x\'',
    facts: [{ kind: 'guc-write', name: 'app.tenant_id', target: 'custom', at: 'SET "App"."Tenant_Id" = \'x\'', nameAt: '"App"."Tenant_Id"' }],
  },
  {
    name: 'SET TO DEFAULT writes the default',
    sql: 'SET app.tenant_id TO DEFAULT',
    facts: [{ kind: 'guc-write', scope: 'session', at: 'SET app.tenant_id TO DEFAULT', valueAt: 'TO DEFAULT', value: value('default') }],
  },
  {
    name: 'SET FROM CURRENT turns the current value into the session value',
    sql: 'SET app.tenant_id FROM CURRENT',
    facts: [{ kind: 'guc-write', scope: 'session', name: 'app.tenant_id', at: 'SET app.tenant_id FROM CURRENT', nameAt: 'app.tenant_id', valueAt: 'FROM CURRENT', value: value('current') }],
  },
  {
    name: 'RESET of one GUC',
    sql: 'RESET app.tenant_id',
    facts: [{ kind: 'guc-write', via: 'reset', name: 'app.tenant_id', scope: 'session', value: null, at: 'RESET app.tenant_id', nameAt: 'app.tenant_id' }],
  },
  {
    name: 'RESET ALL',
    sql: 'RESET ALL',
    facts: [{ kind: 'guc-write', via: 'reset', name: null, target: 'all', scope: 'session', at: 'RESET ALL' }],
  },
  {
    name: 'DISCARD ALL resets every setting',
    sql: 'DISCARD ALL',
    facts: [{ kind: 'guc-write', via: 'discard-all', name: null, target: 'all', scope: 'session', at: 'DISCARD ALL' }],
  },
  {
    name: 'search_path, with several values',
    sql: 'SET search_path = tenant_a, "Public"',
    facts: [{ kind: 'guc-write', name: 'search_path', target: 'search-path', scope: 'session', at: 'SET search_path = tenant_a, "Public"', nameAt: 'search_path', valueAt: 'tenant_a, "Public"', value: value('literal', { text: 'tenant_a, Public' }) }],
  },
  {
    name: 'SET SCHEMA is a search_path change',
    sql: "SET SCHEMA 'tenant_a'",
    facts: [{ kind: 'guc-write', name: 'search_path', target: 'search-path', scope: 'session', at: "SET SCHEMA 'tenant_a'" }],
  },
  {
    name: 'SET ROLE',
    sql: 'SET ROLE tenant_admin',
    facts: [{ kind: 'guc-write', name: 'role', target: 'role', scope: 'session', at: 'SET ROLE tenant_admin', nameAt: 'ROLE', valueAt: 'tenant_admin' }],
  },
  {
    name: 'SET LOCAL ROLE',
    sql: 'SET LOCAL ROLE tenant_admin',
    facts: [{ kind: 'guc-write', name: 'role', target: 'role', scope: 'transaction', at: 'SET LOCAL ROLE tenant_admin' }],
  },
  {
    name: 'SET SESSION AUTHORIZATION (SESSION is part of the name here)',
    sql: 'SET SESSION AUTHORIZATION bob',
    facts: [{ kind: 'guc-write', name: 'session_authorization', target: 'session-authorization', scope: 'session', at: 'SET SESSION AUTHORIZATION bob', nameAt: 'SESSION AUTHORIZATION' }],
  },
  {
    name: 'SET TIME ZONE is a builtin',
    sql: "SET TIME ZONE 'UTC'",
    facts: [{ kind: 'guc-write', name: 'timezone', target: 'builtin', at: "SET TIME ZONE 'UTC'", nameAt: 'TIME ZONE', valueAt: "'UTC'" }],
  },
  {
    name: 'SET with a bind parameter',
    sql: 'SET LOCAL app.tenant_id = $1',
    facts: [{ kind: 'guc-write', scope: 'transaction', at: 'SET LOCAL app.tenant_id = $1', valueAt: '$1', value: value('parameter', { parameter: 1 }) }],
  },
  {
    name: 'SET TRANSACTION is not a setting write',
    sql: 'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE',
    facts: [],
  },
  {
    name: 'SET SESSION CHARACTERISTICS changes session defaults',
    sql: 'SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY',
    facts: [{ kind: 'guc-write', name: 'default_transaction_read_only', scope: 'session', at: 'SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY' }],
  },
  {
    name: 'set_config with is_local false',
    sql: "select set_config('app.tenant_id', $1, false)",
    facts: [{ kind: 'guc-write', via: 'set-config', name: 'app.tenant_id', scope: 'session', isLocal: 'false', at: "set_config('app.tenant_id', $1, false)", nameAt: "'app.tenant_id'", valueAt: '$1', value: value('parameter', { parameter: 1 }) }],
  },
  {
    name: 'set_config with is_local true',
    sql: "SELECT set_config('app.tenant_id', $1, true)",
    facts: [{ kind: 'guc-write', name: 'app.tenant_id', scope: 'transaction', isLocal: 'true', at: "set_config('app.tenant_id', $1, true)" }],
  },
  {
    name: 'set_config with is_local as a string literal',
    sql: "SELECT set_config('app.tenant_id', 'a', 'off'), set_config('app.user_id', 'u', 't'::boolean)",
    facts: [
      { kind: 'guc-write', name: 'app.tenant_id', scope: 'session', isLocal: 'false', at: "set_config('app.tenant_id', 'a', 'off')", value: value('literal', { text: 'a' }) },
      { kind: 'guc-write', name: 'app.user_id', scope: 'transaction', isLocal: 'true', at: "set_config('app.user_id', 'u', 't'::boolean)" },
    ],
  },
  {
    name: 'set_config with is_local not a literal is unknown',
    sql: "SELECT set_config('app.tenant_id', $1, $2)",
    facts: [{ kind: 'guc-write', scope: 'unknown', isLocal: 'unknown', at: "set_config('app.tenant_id', $1, $2)" }],
  },
  {
    name: 'set_config with a non-literal name',
    sql: 'SELECT set_config($1, $2, false)',
    facts: [{ kind: 'guc-write', name: null, target: 'unknown', scope: 'session', at: 'set_config($1, $2, false)' }],
  },
  {
    name: 'set_config schema-qualified, nested in an expression',
    sql: "SELECT 1 FROM t WHERE pg_catalog.set_config('app.tenant_id', t.id::text, true) IS NOT NULL",
    facts: [{ kind: 'guc-write', name: 'app.tenant_id', scope: 'transaction', at: "pg_catalog.set_config('app.tenant_id', t.id::text, true)", value: value('expression') }],
  },
  {
    name: 'named arguments: PostgreSQL declares none for set_config, so the call cannot run',
    sql: "SELECT set_config(setting_name => 'app.tenant_id', new_value => 'x', is_local => false)",
    facts: [],
  },
  {
    name: 'a user function called set_config in another schema is not the builtin',
    sql: "SELECT audit.set_config('app.tenant_id', 'x', false)",
    facts: [],
  },
  {
    name: 'ALTER ROLE … SET a context GUC',
    sql: "ALTER ROLE app_user SET app.tenant_id = 'a'",
    facts: [{ kind: 'guc-write', via: 'alter-role', role: 'app_user', database: null, name: 'app.tenant_id', scope: 'session', at: "ALTER ROLE app_user SET app.tenant_id = 'a'", nameAt: 'app.tenant_id', valueAt: "'a'" }],
  },
  {
    name: 'ALTER ROLE … IN DATABASE … RESET',
    sql: 'ALTER ROLE app_user IN DATABASE shop RESET search_path',
    facts: [{ kind: 'guc-write', via: 'alter-role', role: 'app_user', database: 'shop', name: 'search_path', target: 'search-path', at: 'ALTER ROLE app_user IN DATABASE shop RESET search_path', nameAt: 'search_path' }],
  },
  {
    name: 'ALTER DATABASE … SET search_path',
    sql: 'ALTER DATABASE shop SET search_path TO tenant_a',
    facts: [{ kind: 'guc-write', via: 'alter-database', database: 'shop', name: 'search_path', at: 'ALTER DATABASE shop SET search_path TO tenant_a', nameAt: 'search_path', valueAt: 'tenant_a' }],
  },
  {
    name: 'a function SET clause applies only while the function runs',
    sql: "CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path = pg_catalog AS 'select 1'; ALTER FUNCTION f() SET search_path = public",
    facts: [],
  },
];

const gucReads: Case[] = [
  {
    name: 'current_setting without missing_ok',
    sql: "SELECT current_setting('app.tenant_id')",
    facts: [{ kind: 'guc-read', name: 'app.tenant_id', missingOk: 'absent', wrappers: [], at: "current_setting('app.tenant_id')", nameAt: "'app.tenant_id'" }],
  },
  {
    name: 'current_setting with missing_ok true, cast to uuid',
    sql: "SELECT current_setting('app.tenant_id', true)::uuid",
    facts: [{ kind: 'guc-read', missingOk: 'true', wrappers: [{ kind: 'cast', type: 'uuid' }], at: "current_setting('app.tenant_id', true)" }],
  },
  {
    name: 'NULLIF(…, \'\') then cast: the safe form',
    sql: "SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid",
    facts: [{ kind: 'guc-read', missingOk: 'true', wrappers: [{ kind: 'nullif-empty' }, { kind: 'cast', type: 'uuid' }], at: "current_setting('app.tenant_id', true)" }],
  },
  {
    name: 'CAST syntax, COALESCE and a NULLIF that is not against the empty string',
    sql: "SELECT CAST(current_setting('app.a', false) AS integer), coalesce(current_setting('app.b', true), 'none'), nullif(current_setting('app.c', true), 'x')",
    facts: [
      { kind: 'guc-read', name: 'app.a', missingOk: 'false', wrappers: [{ kind: 'cast', type: 'int4' }], at: "current_setting('app.a', false)" },
      { kind: 'guc-read', name: 'app.b', wrappers: [{ kind: 'coalesce' }], at: "current_setting('app.b', true)" },
      { kind: 'guc-read', name: 'app.c', wrappers: [{ kind: 'nullif' }], at: "current_setting('app.c', true)" },
    ],
  },
  {
    name: 'a scalar subquery around the read, compared to a column',
    sql: "SELECT * FROM invoices WHERE invoices.tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)",
    facts: [{
      kind: 'guc-read',
      wrappers: [{ kind: 'nullif-empty' }, { kind: 'cast', type: 'uuid' }, { kind: 'scalar-subquery' }],
      comparison: { operator: '=', other: { kind: 'column', name: ['invoices', 'tenant_id'], range: { start: 29, end: 47 } } },
      at: "current_setting('app.tenant_id', true)",
    }],
  },
  {
    name: 'missing_ok given as a parameter is unknown',
    sql: "SELECT current_setting('app.x', $1)",
    facts: [{ kind: 'guc-read', name: 'app.x', missingOk: 'unknown', at: "current_setting('app.x', $1)" }],
  },
  {
    name: 'SHOW reads a setting',
    sql: 'SHOW app.tenant_id',
    facts: [{ kind: 'guc-read', via: 'show', name: 'app.tenant_id', missingOk: 'false', at: 'SHOW app.tenant_id' }],
  },
];

const transactions: Case[] = [
  {
    name: 'every transaction control statement',
    sql: "BEGIN; START TRANSACTION READ ONLY; SAVEPOINT s1; RELEASE SAVEPOINT s1; ROLLBACK TO s1; COMMIT; END; ROLLBACK; ABORT; COMMIT AND CHAIN; PREPARE TRANSACTION 'g'; COMMIT PREPARED 'g'; ROLLBACK PREPARED 'g'",
    facts: [
      { kind: 'transaction-control', operation: 'begin', at: 'BEGIN' },
      { kind: 'transaction-control', operation: 'begin', at: 'START TRANSACTION READ ONLY' },
      { kind: 'transaction-control', operation: 'savepoint', savepoint: 's1', at: 'SAVEPOINT s1' },
      { kind: 'transaction-control', operation: 'release-savepoint', savepoint: 's1', at: 'RELEASE SAVEPOINT s1' },
      { kind: 'transaction-control', operation: 'rollback-to-savepoint', savepoint: 's1', at: 'ROLLBACK TO s1' },
      { kind: 'transaction-control', operation: 'commit', at: ['COMMIT', 0] },
      { kind: 'transaction-control', operation: 'commit', at: 'END' },
      { kind: 'transaction-control', operation: 'rollback', at: ['ROLLBACK', 1] },
      { kind: 'transaction-control', operation: 'rollback', at: 'ABORT' },
      { kind: 'transaction-control', operation: 'commit', chain: true, at: 'COMMIT AND CHAIN' },
      { kind: 'transaction-control', operation: 'prepare-transaction', at: "PREPARE TRANSACTION 'g'" },
      { kind: 'transaction-control', operation: 'commit-prepared', at: "COMMIT PREPARED 'g'" },
      { kind: 'transaction-control', operation: 'rollback-prepared', at: "ROLLBACK PREPARED 'g'" },
    ],
  },
];

const sessionState: Case[] = [
  {
    name: 'session advisory locks and unlocks; the _xact_ variants are fine',
    sql: 'SELECT pg_advisory_lock(1), pg_try_advisory_lock_shared(2, 3), pg_advisory_xact_lock(4), pg_advisory_unlock(1), pg_advisory_unlock_all()',
    facts: [
      { kind: 'session-state', feature: 'advisory-lock', detail: 'pg_advisory_lock', at: 'pg_advisory_lock(1)' },
      { kind: 'session-state', feature: 'advisory-lock', detail: 'pg_try_advisory_lock_shared', at: 'pg_try_advisory_lock_shared(2, 3)' },
      { kind: 'session-state', feature: 'advisory-unlock', detail: 'pg_advisory_unlock', at: 'pg_advisory_unlock(1)' },
      { kind: 'session-state', feature: 'advisory-unlock', detail: 'pg_advisory_unlock_all', at: 'pg_advisory_unlock_all()' },
    ],
  },
  {
    name: 'LISTEN, UNLISTEN, PREPARE, DEALLOCATE, LOAD',
    sql: "LISTEN invoices; UNLISTEN *; PREPARE q(int) AS SELECT $1; DEALLOCATE q; LOAD 'auto_explain'",
    facts: [
      { kind: 'session-state', feature: 'listen', detail: 'invoices', at: 'LISTEN invoices' },
      { kind: 'session-state', feature: 'unlisten', detail: '*', at: 'UNLISTEN *' },
      { kind: 'session-state', feature: 'prepare', detail: 'q', at: 'PREPARE q(int) AS SELECT $1' },
      { kind: 'session-state', feature: 'deallocate', detail: 'q', at: 'DEALLOCATE q' },
      { kind: 'session-state', feature: 'load', detail: 'auto_explain', at: "LOAD 'auto_explain'" },
    ],
  },
  {
    name: 'temp tables without ON COMMIT DROP, in every form',
    sql: 'CREATE TEMP TABLE a (x int); CREATE TEMPORARY TABLE b AS SELECT 1; SELECT 1 INTO TEMP c; CREATE TEMP TABLE d (x int) ON COMMIT DROP; CREATE TABLE e (x int)',
    facts: [
      { kind: 'session-state', feature: 'temp-table', detail: 'a', at: 'CREATE TEMP TABLE a (x int)' },
      { kind: 'session-state', feature: 'temp-table', detail: 'b', at: 'CREATE TEMPORARY TABLE b AS SELECT 1' },
      { kind: 'session-state', feature: 'temp-table', detail: 'c', at: 'SELECT 1 INTO TEMP c' },
    ],
  },
  {
    name: 'cursors WITH HOLD outlive the transaction; plain ones do not',
    sql: 'DECLARE c1 CURSOR WITH HOLD FOR SELECT 1; DECLARE c2 CURSOR FOR SELECT 1',
    facts: [{ kind: 'session-state', feature: 'cursor-with-hold', detail: 'c1', at: 'DECLARE c1 CURSOR WITH HOLD FOR SELECT 1' }],
  },
  {
    name: 'DISCARD PLANS / TEMP / SEQUENCES',
    sql: 'DISCARD PLANS; DISCARD TEMP; DISCARD SEQUENCES',
    facts: [
      { kind: 'session-state', feature: 'discard', detail: 'plans', at: 'DISCARD PLANS' },
      { kind: 'session-state', feature: 'discard', detail: 'temp', at: 'DISCARD TEMP' },
      { kind: 'session-state', feature: 'discard', detail: 'sequences', at: 'DISCARD SEQUENCES' },
    ],
  },
];

const bodies: Case[] = [
  {
    name: 'DO block: PERFORM, assignment, EXECUTE literal, plain statements',
    sql: [
      'DO $$',
      'DECLARE v text := current_setting(\'app.a\', true);',
      'BEGIN',
      "  PERFORM set_config('app.tenant_id', 'x', false);",
      "  v := current_setting('app.b');",
      "  EXECUTE 'SET app.c = ''1''';",
      '  SET search_path = public;',
      '  PERFORM pg_advisory_lock(7);',
      'END $$;',
    ].join('\n'),
    facts: [
      { kind: 'guc-read', name: 'app.a', origin: 'do-block', at: "current_setting('app.a', true)" },
      { kind: 'guc-write', name: 'app.tenant_id', scope: 'session', origin: 'do-block', dynamic: false, at: "set_config('app.tenant_id', 'x', false)", nameAt: "'app.tenant_id'" },
      { kind: 'guc-read', name: 'app.b', missingOk: 'absent', origin: 'do-block', at: "current_setting('app.b')" },
      { kind: 'guc-write', name: 'app.c', scope: 'session', origin: 'do-block', dynamic: true, at: "SET app.c = ''1''", nameAt: 'app.c' },
      { kind: 'guc-write', name: 'search_path', origin: 'do-block', at: 'SET search_path = public' },
      { kind: 'session-state', feature: 'advisory-lock', origin: 'do-block', at: 'pg_advisory_lock(7)' },
    ],
  },
  {
    name: 'PL/pgSQL function body: facts carry the function name',
    sql: [
      "CREATE OR REPLACE FUNCTION app.enter_tenant(t uuid) RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $fn$",
      'BEGIN',
      "  IF current_setting('app.tenant_id', true) IS NULL THEN",
      "    PERFORM set_config('app.tenant_id', t::text, false);",
      '  END IF;',
      'END;',
      '$fn$;',
    ].join('\n'),
    facts: [
      { kind: 'guc-read', name: 'app.tenant_id', origin: 'function-body', functionName: 'app.enter_tenant', at: "current_setting('app.tenant_id', true)" },
      { kind: 'guc-write', name: 'app.tenant_id', scope: 'session', origin: 'function-body', functionName: 'app.enter_tenant', at: "set_config('app.tenant_id', t::text, false)", valueAt: 't::text', value: value('expression') },
    ],
  },
  {
    name: 'the same statement twice on one line maps to each occurrence',
    sql: "DO $$ BEGIN PERFORM pg_advisory_lock(1); PERFORM pg_advisory_lock(1); END $$",
    facts: [
      { kind: 'session-state', feature: 'advisory-lock', at: ['pg_advisory_lock(1)', 0] },
      { kind: 'session-state', feature: 'advisory-lock', at: ['pg_advisory_lock(1)', 1] },
    ],
  },
  {
    name: 'LANGUAGE sql function body in single quotes with doubled quotes',
    sql: "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS 'SELECT set_config(''app.tenant_id'', ''x'', false)'",
    facts: [{ kind: 'guc-write', name: 'app.tenant_id', scope: 'session', origin: 'function-body', functionName: 'f', at: "set_config(''app.tenant_id'', ''x'', false)", nameAt: "''app.tenant_id''" }],
  },
  {
    name: 'SQL-standard procedure body (BEGIN ATOMIC)',
    sql: "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC SELECT set_config('app.tenant_id', 'x', true); END",
    facts: [{ kind: 'guc-write', name: 'app.tenant_id', scope: 'transaction', origin: 'function-body', functionName: 'p', at: "set_config('app.tenant_id', 'x', true)" }],
  },
  {
    name: 'EXECUTE of a built string is not guessed; its parts are still read',
    sql: "DO $$ BEGIN EXECUTE format('SET app.x = %L', current_setting('app.y', true)); END $$",
    facts: [{ kind: 'guc-read', name: 'app.y', origin: 'do-block', at: "current_setting('app.y', true)" }],
  },
  {
    name: 'a function in another language is not read',
    sql: "CREATE FUNCTION f() RETURNS void LANGUAGE plpython3u AS $$ plpy.execute(\"SET app.x = '1'\") $$",
    facts: [],
  },
];

describe('analyzeSql', () => {
  for (const [group, cases] of Object.entries({ gucWrites, gucReads, transactions, sessionState, bodies })) {
    describe(group, () => {
      for (const c of cases) {
        it(c.name, () => {
          const analysis = analyzeSql(c.sql);
          expect(analysis.error).toBeNull();
          expectFacts(c.sql, analysis.facts, c.facts);
          if (analysis.facts.length > 0) expect(mayAffectSessionState(c.sql)).toBe(true);
        });
      }
    });
  }

  it('mayAffectSessionState is false only for text without any word a fact needs', () => {
    for (const sql of [
      'SELECT id, amount FROM invoices WHERE tenant_id = $1',
      'INSERT INTO invoices (tenant_id, amount) VALUES ($1, $2) RETURNING id',
      'WITH t AS (SELECT * FROM invoices) SELECT count(*) FROM t',
    ]) {
      expect(mayAffectSessionState(sql)).toBe(false);
      expect(analyzeSql(sql).facts).toEqual([]);
    }
    expect(mayAffectSessionState('UPDATE invoices SET paid = true')).toBe(true);
    expect(mayAffectSessionState('select U&"set\\005fconfig"(\'app.x\', \'1\', false)')).toBe(true);
    expect(mayAffectSessionState('begin')).toBe(true);
  });

  it('reports statements with trimmed ranges and their node types', () => {
    const sql = "  -- leading comment\nBEGIN ;\n/* c */ SELECT 1;\n\nCOMMIT";
    expect(analyzeSql(sql).statements).toEqual([
      { type: 'TransactionStmt', range: { start: sql.indexOf('BEGIN'), end: sql.indexOf('BEGIN') + 5 } },
      { type: 'SelectStmt', range: { start: sql.indexOf('SELECT'), end: sql.indexOf('SELECT 1') + 8 } },
      { type: 'TransactionStmt', range: { start: sql.indexOf('COMMIT'), end: sql.length } },
    ]);
  });
});
