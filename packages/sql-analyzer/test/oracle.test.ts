/**
 * The analyzer's verdicts checked against what PostgreSQL actually does. For each statement the
 * analyzer says whether a setting write lasts for the session or only for the transaction; a
 * real server then runs it and shows whether the value is still there in the next transaction.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres } from '@tenant-scope/pg-harness';
import type { PostgresServer } from '@tenant-scope/pg-harness';
import { analyzeSql, contextReadHazards, initAnalyzer, mayAffectSessionState } from '@tenant-scope/sql-analyzer';
import type { GucRead, GucWrite } from '@tenant-scope/sql-analyzer';

type Verdict = 'session' | 'transaction' | 'none';

interface OracleCase {
  name: string;
  /** Run first, on the same connection (functions, a session value to reset). Analyzed together with `sql`. */
  setup?: string;
  sql: string;
  /** The setting whose fate is checked, and the value that shows the write survived. */
  guc: string;
  value: string;
  /** For resets: the write survived when the prior session value `OLD` is gone. */
  reset?: boolean;
  /** Where the effect shows: the same connection (default) or a new connection as the role / to the database. */
  observe?: 'same-connection' | 'new-connection-as-role';
  expected: Verdict;
}

const ROLE = 'oracle_role';
const PASSWORD = 'oracle-password';
const OLD = "select set_config('app.x', 'OLD', false)";

const cases: OracleCase[] = [
  { name: 'SET', sql: "SET app.x = 'v'", guc: 'app.x', value: 'v', expected: 'session' },
  { name: 'SET SESSION', sql: "SET SESSION app.x = 'v'", guc: 'app.x', value: 'v', expected: 'session' },
  { name: 'SET LOCAL outside a transaction', sql: "SET LOCAL app.x = 'v'", guc: 'app.x', value: 'v', expected: 'transaction' },
  { name: 'SET inside BEGIN … COMMIT', sql: "BEGIN; SET app.x = 'v'; COMMIT", guc: 'app.x', value: 'v', expected: 'session' },
  { name: 'SET LOCAL inside BEGIN … COMMIT', sql: "BEGIN; SET LOCAL app.x = 'v'; COMMIT", guc: 'app.x', value: 'v', expected: 'transaction' },
  { name: 'quoted mixed-case name is the same setting', sql: `SET "App"."X" = 'v'`, guc: 'app.x', value: 'v', expected: 'session' },
  { name: 'set_config false', sql: "select set_config('app.x', 'v', false)", guc: 'app.x', value: 'v', expected: 'session' },
  { name: 'set_config true outside a transaction', sql: "select set_config('app.x', 'v', true)", guc: 'app.x', value: 'v', expected: 'transaction' },
  { name: 'set_config false inside BEGIN … COMMIT', sql: "BEGIN; select set_config('app.x', 'v', false); COMMIT", guc: 'app.x', value: 'v', expected: 'session' },
  { name: 'set_config true inside BEGIN … COMMIT', sql: "BEGIN; select set_config('app.x', 'v', true); COMMIT", guc: 'app.x', value: 'v', expected: 'transaction' },
  { name: "set_config is_local 'off'", sql: "select set_config('app.x', 'v', 'off')", guc: 'app.x', value: 'v', expected: 'session' },
  { name: "set_config is_local 'yes'", sql: "BEGIN; select set_config('app.x', 'v', 'yes'); COMMIT", guc: 'app.x', value: 'v', expected: 'transaction' },
  { name: "set_config is_local 't'::boolean", sql: "BEGIN; select set_config('app.x', 'v', 't'::boolean); COMMIT", guc: 'app.x', value: 'v', expected: 'transaction' },
  { name: "set_config is_local 'n'", sql: "select set_config('app.x', 'v', 'n')", guc: 'app.x', value: 'v', expected: 'session' },
  { name: 'set_config false in a scalar subquery', sql: "select (select set_config('app.x', 'v', false))::text", guc: 'app.x', value: 'v', expected: 'session' },
  { name: 'pg_catalog.set_config true', sql: "BEGIN; select pg_catalog.set_config('app.x', 'v', true); COMMIT", guc: 'app.x', value: 'v', expected: 'transaction' },
  { name: 'set_config false in a CTE', sql: "WITH s AS (SELECT set_config('app.x', 'v', false) AS v) SELECT v FROM s", guc: 'app.x', value: 'v', expected: 'session' },
  { name: 'set_config false in a WHERE clause', sql: "SELECT 1 WHERE set_config('app.x', 'v', false) IS NOT NULL", guc: 'app.x', value: 'v', expected: 'session' },
  { name: 'SET FROM CURRENT makes a local value the session value', sql: "BEGIN; SET LOCAL app.x = 'v'; SET app.x FROM CURRENT; COMMIT", guc: 'app.x', value: 'v', expected: 'session' },
  { name: 'SET LOCAL after SET: the local value does not survive', sql: "BEGIN; SET app.x = 'w'; SET LOCAL app.x = 'v'; COMMIT", guc: 'app.x', value: 'v', expected: 'transaction' },
  { name: 'DO: PERFORM set_config false', sql: "DO $$ BEGIN PERFORM set_config('app.x', 'v', false); END $$", guc: 'app.x', value: 'v', expected: 'session' },
  { name: 'DO: PERFORM set_config true', sql: "DO $$ BEGIN PERFORM set_config('app.x', 'v', true); END $$", guc: 'app.x', value: 'v', expected: 'transaction' },
  { name: 'DO: SET', sql: "DO $$ BEGIN SET app.x = 'v'; END $$", guc: 'app.x', value: 'v', expected: 'session' },
  { name: 'DO: SET LOCAL', sql: "DO $$ BEGIN SET LOCAL app.x = 'v'; END $$", guc: 'app.x', value: 'v', expected: 'transaction' },
  { name: "DO: EXECUTE 'SET …'", sql: "DO $$ BEGIN EXECUTE 'SET app.x = ''v'''; END $$", guc: 'app.x', value: 'v', expected: 'session' },
  { name: "DO: EXECUTE 'SET LOCAL …'", sql: "DO $$ BEGIN EXECUTE 'SET LOCAL app.x = ''v'''; END $$", guc: 'app.x', value: 'v', expected: 'transaction' },
  { name: 'DO: assignment from set_config false', sql: "DO $$ DECLARE r text; BEGIN r := set_config('app.x', 'v', false); END $$", guc: 'app.x', value: 'v', expected: 'session' },
  { name: 'DO: default of a declared variable', sql: "DO $$ DECLARE r text := set_config('app.x', 'v', false); BEGIN END $$", guc: 'app.x', value: 'v', expected: 'session' },
  {
    name: 'called PL/pgSQL function with set_config false',
    setup: "CREATE OR REPLACE FUNCTION pg_temp.enter_a() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN PERFORM set_config('app.x', 'v', false); END $f$",
    sql: 'select pg_temp.enter_a()',
    guc: 'app.x', value: 'v', expected: 'session',
  },
  {
    name: 'called PL/pgSQL function with set_config true',
    setup: "CREATE OR REPLACE FUNCTION pg_temp.enter_b() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN PERFORM set_config('app.x', 'v', true); END $f$",
    sql: 'BEGIN; select pg_temp.enter_b(); COMMIT',
    guc: 'app.x', value: 'v', expected: 'transaction',
  },
  {
    name: 'called SQL function with set_config false',
    setup: "CREATE OR REPLACE FUNCTION pg_temp.enter_c() RETURNS text LANGUAGE sql AS 'SELECT set_config(''app.x'', ''v'', false)'",
    sql: 'select pg_temp.enter_c()',
    guc: 'app.x', value: 'v', expected: 'session',
  },
  {
    name: 'called procedure with a BEGIN ATOMIC body',
    setup: "CREATE OR REPLACE PROCEDURE oracle_enter() LANGUAGE sql BEGIN ATOMIC SELECT set_config('app.x', 'v', false); END",
    sql: 'CALL oracle_enter()',
    guc: 'app.x', value: 'v', expected: 'session',
  },
  {
    name: "a function's own SET clause ends with the call",
    setup: "CREATE OR REPLACE FUNCTION pg_temp.with_clause() RETURNS int LANGUAGE sql SET app.x = 'v' AS 'SELECT 1'",
    sql: 'select pg_temp.with_clause()',
    guc: 'app.x', value: 'v', expected: 'none',
  },
  { name: 'SET search_path', sql: 'SET search_path = oracle_schema', guc: 'search_path', value: 'oracle_schema', expected: 'session' },
  { name: 'SET LOCAL search_path', sql: 'BEGIN; SET LOCAL search_path = oracle_schema; COMMIT', guc: 'search_path', value: 'oracle_schema', expected: 'transaction' },
  { name: 'SET SCHEMA', sql: "SET SCHEMA 'oracle_schema'", guc: 'search_path', value: 'oracle_schema', expected: 'session' },
  { name: 'set_config search_path false', sql: "select set_config('search_path', 'oracle_schema', false)", guc: 'search_path', value: 'oracle_schema', expected: 'session' },
  { name: 'SET ROLE', sql: `SET ROLE ${ROLE}`, guc: 'role', value: ROLE, expected: 'session' },
  { name: 'SET LOCAL ROLE', sql: `BEGIN; SET LOCAL ROLE ${ROLE}; COMMIT`, guc: 'role', value: ROLE, expected: 'transaction' },
  { name: "set_config('role', …, false)", sql: `select set_config('role', '${ROLE}', false)`, guc: 'role', value: ROLE, expected: 'session' },
  { name: "set_config('role', …, true)", sql: `BEGIN; select set_config('role', '${ROLE}', true); COMMIT`, guc: 'role', value: ROLE, expected: 'transaction' },
  { name: 'SET SESSION AUTHORIZATION', sql: `SET SESSION AUTHORIZATION ${ROLE}`, guc: 'session_authorization', value: ROLE, expected: 'session' },
  { name: 'SET TIME ZONE', sql: "SET TIME ZONE 'Asia/Tokyo'", guc: 'timezone', value: 'Asia/Tokyo', expected: 'session' },
  { name: 'SET SESSION CHARACTERISTICS', sql: 'SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY', guc: 'default_transaction_read_only', value: 'on', expected: 'session' },
  { name: 'ALTER ROLE … SET reaches new sessions of the role', sql: `ALTER ROLE ${ROLE} SET app.x = 'v'`, guc: 'app.x', value: 'v', observe: 'new-connection-as-role', expected: 'session' },
  { name: 'RESET inside BEGIN … COMMIT', setup: OLD, sql: 'BEGIN; RESET app.x; COMMIT', guc: 'app.x', value: '', reset: true, expected: 'session' },
  { name: 'SET TO DEFAULT inside BEGIN … COMMIT', setup: OLD, sql: 'BEGIN; SET app.x TO DEFAULT; COMMIT', guc: 'app.x', value: '', reset: true, expected: 'session' },
  { name: 'SET LOCAL TO DEFAULT inside BEGIN … COMMIT', setup: OLD, sql: 'BEGIN; SET LOCAL app.x TO DEFAULT; COMMIT', guc: 'app.x', value: '', reset: true, expected: 'transaction' },
  { name: 'RESET ALL', setup: OLD, sql: 'RESET ALL', guc: 'app.x', value: '', reset: true, expected: 'session' },
  { name: 'DISCARD ALL', setup: OLD, sql: 'DISCARD ALL', guc: 'app.x', value: '', reset: true, expected: 'session' },
  { name: 'DO: RESET', setup: OLD, sql: 'DO $$ BEGIN RESET app.x; END $$', guc: 'app.x', value: '', reset: true, expected: 'session' },
];

/** The analyzer's verdict: the scope of the last write that touches the setting (ALL included). */
function verdictOf(c: OracleCase): Verdict {
  const text = c.setup ? `${c.setup};\n${c.sql}` : c.sql;
  const analysis = analyzeSql(text);
  if (analysis.error) throw new Error(`${c.name}: ${analysis.error.message}`);
  const writes = analysis.facts.filter(
    (f): f is GucWrite => f.kind === 'guc-write' && (f.name === c.guc || f.target === 'all') && f.range.start >= (c.setup && !c.setup.startsWith('CREATE') ? c.setup.length : 0),
  );
  const last = writes[writes.length - 1];
  if (!last) return 'none';
  if (last.scope === 'unknown') throw new Error(`${c.name}: the analyzer could not tell`);
  return last.scope;
}

let postgres: PostgresServer;

beforeAll(async () => {
  await initAnalyzer();
  postgres = await startPostgres();
  const admin = await postgres.connect();
  await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'; CREATE SCHEMA oracle_schema`);
  await admin.end();
});

afterAll(async () => {
  await postgres?.stop();
});

async function valueOf(client: pg.Client, guc: string): Promise<string | null> {
  const { rows } = await client.query<{ value: string | null }>('select current_setting($1, true) as value', [guc]);
  return rows[0]?.value ?? null;
}

/** Runs the case on a fresh connection; true when the write is still in effect in the next transaction. */
async function survives(c: OracleCase): Promise<boolean> {
  const client = await postgres.connect();
  try {
    if (c.setup) await client.query(c.setup);
    await client.query(c.sql);
    expect(client.getTransactionStatus?.() ?? 'I').toBe('I');
    if (c.observe === 'new-connection-as-role') {
      const asRole = await postgres.connect({ user: ROLE, password: PASSWORD });
      try {
        return (await valueOf(asRole, c.guc)) === c.value;
      } finally {
        await asRole.end();
      }
    }
    const after = await valueOf(client, c.guc);
    return c.reset ? after !== 'OLD' : after === c.value;
  } finally {
    await client.end();
    if (c.observe === 'new-connection-as-role') {
      const admin = await postgres.connect();
      await admin.query(`ALTER ROLE ${ROLE} RESET ALL`);
      await admin.end();
    }
  }
}

describe('oracle: session or transaction, as PostgreSQL decides', () => {
  it('has at least 40 statements with both verdicts', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => c.expected))).toEqual(new Set(['session', 'transaction', 'none']));
  });

  for (const c of cases) {
    it(`${c.name}: ${c.sql}`, async () => {
      const verdict = verdictOf(c);
      expect(mayAffectSessionState(c.setup ? `${c.setup};${c.sql}` : c.sql)).toBe(true);
      const survived = await survives(c);
      expect({ verdict, survived }).toEqual({ verdict: c.expected, survived: c.expected === 'session' });
    });
  }
});

describe('oracle: unsafe reads of the context, as PostgreSQL decides', () => {
  // An expression is unsafe when it raises on a fresh pooled connection (never set) or on a reused
  // one (a transaction-local set has ended, so the setting reads ''). The analyzer must agree.
  const expressions = [
    "(select NULLIF(current_setting('app.tenant_id', true), '')::uuid)",
    "(select current_setting('app.tenant_id')::uuid)",
    "(select current_setting('app.tenant_id'))",
    "(select current_setting('app.tenant_id', false))",
    "(select current_setting('app.tenant_id', true)::uuid)",
    "(select CAST(current_setting('app.tenant_id', true) AS bigint))",
    "(select coalesce(current_setting('app.tenant_id', true), '')::uuid)",
    "(select current_setting('app.tenant_id', true)::text)",
    "(select current_setting('app.tenant_id', true)::varchar::uuid)",
    "(select NULLIF(current_setting('app.tenant_id', true), '')::int)",
  ];

  async function raises(client: pg.Client, expression: string): Promise<boolean> {
    try {
      await client.query(`SELECT ${expression}`);
      return false;
    } catch {
      return true;
    }
  }

  for (const expression of expressions) {
    it(expression, async () => {
      const read = analyzeSql(`SELECT ${expression}`).facts.find((f): f is GucRead => f.kind === 'guc-read');
      const unsafe = contextReadHazards(read as GucRead).some((h) => h !== 'evaluated-per-row');
      const fresh = await postgres.connect();
      const reused = await postgres.connect();
      try {
        await reused.query("BEGIN; SELECT set_config('app.tenant_id', '6f1c2d0e-0000-4000-8000-000000000001', true); COMMIT");
        expect(await valueOf(reused, 'app.tenant_id')).toBe('');
        const raisesSomewhere = (await raises(fresh, expression)) || (await raises(reused, expression));
        expect(unsafe).toBe(raisesSomewhere);
      } finally {
        await fresh.end();
        await reused.end();
      }
    });
  }
});
