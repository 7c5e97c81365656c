import rule from '../../src/rules/no-session-state.js';
import { ruleTester } from '../rule-tester.js';

ruleTester.run('no-session-state', rule, {
  valid: [
    { name: 'every new pool connection runs as the same role', code: "pool.on('connect', (client) => client.query('SET ROLE app_user'));" },
    { name: 'transaction-level advisory lock', code: 'await client.query("select pg_advisory_xact_lock($1)", [key]);' },
    { name: 'unlocking alone leaves nothing behind', code: 'await client.query("select pg_advisory_unlock($1)", [key]);' },
    { name: 'temp table dropped on commit', code: 'await client.query("CREATE TEMP TABLE staging (id int) ON COMMIT DROP");' },
    { name: 'SET LOCAL ROLE', code: 'await client.query("SET LOCAL ROLE app_user");' },
    { name: 'set_config of role with is_local true', code: "await client.query(\"select set_config('role', 'app_user', true)\");" },
    { name: 'SET ROLE NONE returns to the login role', code: 'await client.query("SET ROLE NONE");' },
    { name: 'RESET ROLE', code: 'await client.query("RESET ROLE");' },
    { name: 'cursor without WITH HOLD', code: 'await client.query("DECLARE c CURSOR FOR select * from invoices");' },
    { name: 'NOTIFY needs no session', code: "await pool.query(\"NOTIFY invoices, 'changed'\");" },
    { name: 'allow listen for a dedicated client', code: 'await listener.query("LISTEN invoices");', options: [{ allow: ['listen'] }] },
    { name: 'allow several features', code: 'await c.query("PREPARE q AS select 1; select pg_advisory_lock(1)");', options: [{ allow: ['prepare', 'advisory-lock'] }] },
    { name: 'plain query', code: 'await pool.query("select * from invoices");' },
    { name: 'runtime text', code: 'await pool.query(lockSql(key));' },
    { name: 'not a query method', code: 'emitter.listen("LISTEN invoices");' },
    { name: 'function bodies can be left out', code: 'await pool.query("CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ select pg_advisory_lock(1) $$");', options: [{ checkFunctionBodies: false }] },
    { name: 'a permanent table', code: 'await pool.query("CREATE TABLE t (a int)");' },
  ],
  invalid: [
    {
      name: 'session advisory lock',
      code: 'await client.query("select pg_advisory_lock($1)", [key]);',
      errors: [{ messageId: 'advisoryLock', line: 1, column: 28, endColumn: 48 }],
    },
    {
      name: 'try advisory lock',
      code: 'await pool.query(`select pg_try_advisory_lock(${key})`);',
      errors: [{ messageId: 'advisoryLock', line: 1, column: 26 }],
    },
    { name: 'LISTEN', code: 'await client.query("LISTEN invoices");', errors: [{ messageId: 'listen', line: 1, column: 21, endColumn: 36 }] },
    { name: 'PREPARE', code: 'await client.query("PREPARE q (int) AS select * from t where id = $1");', errors: [{ messageId: 'prepare', line: 1, column: 21 }] },
    { name: 'temp table', code: 'await client.query("CREATE TEMP TABLE staging (id int)");', errors: [{ messageId: 'tempTable', line: 1, column: 21 }] },
    { name: 'temp table from a select', code: 'await client.query("CREATE TEMPORARY TABLE ids AS select id from t");', errors: [{ messageId: 'tempTable', line: 1, column: 21 }] },
    { name: 'cursor WITH HOLD', code: 'await client.query("DECLARE c CURSOR WITH HOLD FOR select 1");', errors: [{ messageId: 'cursorWithHold', line: 1, column: 21 }] },
    { name: 'SET ROLE', code: 'await client.query("SET ROLE tenant_admin");', errors: [{ messageId: 'sessionRole', line: 1, column: 21, endColumn: 42 }] },
    { name: 'set_config of role with is_local false', code: "await client.query(\"select set_config('role', 'tenant_admin', false)\");", errors: [{ messageId: 'sessionRole', line: 1, column: 28 }] },
    { name: 'SET SESSION AUTHORIZATION', code: 'await client.query("SET SESSION AUTHORIZATION alice");', errors: [{ messageId: 'sessionAuthorization', line: 1, column: 21 }] },
    { name: 'sql tagged template', code: 'await db.execute(sql`select pg_advisory_lock(${key})`);', errors: [{ messageId: 'advisoryLock', line: 1, column: 29 }] },
    { name: 'query object', code: 'await client.query({ text: "LISTEN jobs" });', errors: [{ messageId: 'listen', line: 1, column: 29 }] },
    { name: 'const binding', code: 'const LOCK = "select pg_advisory_lock(42)";\nawait client.query(LOCK);', errors: [{ messageId: 'advisoryLock', line: 2, column: 20, endColumn: 24 }] },
    { name: 'Prisma $queryRaw', code: 'await prisma.$queryRaw`select pg_advisory_lock(${key})`;', errors: [{ messageId: 'advisoryLock', line: 1, column: 31 }] },
    { name: 'Knex raw', code: 'await knex.raw("LISTEN jobs");', errors: [{ messageId: 'listen', line: 1, column: 17 }] },
    {
      name: 'several features in one text',
      code: 'await client.query("LISTEN jobs; SET ROLE admin");',
      errors: [
        { messageId: 'listen', line: 1, column: 21 },
        { messageId: 'sessionRole', line: 1, column: 34 },
      ],
    },
    { name: 'allow leaves the other features reported', code: 'await client.query("PREPARE q AS select 1; LISTEN jobs");', options: [{ allow: ['prepare'] }], errors: [{ messageId: 'listen', line: 1, column: 44 }] },
    {
      name: 'lock inside a function body',
      code: 'await pool.query("CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ select pg_advisory_lock(1) $$");',
      errors: [{ messageId: 'advisoryLock', line: 1, column: 78 }],
    },
  ],
});
