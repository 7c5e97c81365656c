import rule from '../../src/rules/no-pool-transaction.js';
import { ruleTester } from '../rule-tester.js';

const pool = "import pg from 'pg';\nconst pool = new pg.Pool();\n";

ruleTester.run('no-pool-transaction', rule, {
  valid: [
    { name: 'BEGIN on a client from pool.connect()', code: `${pool}const client = await pool.connect();\nawait client.query('BEGIN');` },
    { name: 'SET LOCAL on a client after BEGIN', code: `${pool}const client = await pool.connect();\nawait client.query('BEGIN');\nawait client.query("SET LOCAL app.tenant_id = 'a'");` },
    { name: 'withTenant callback client', code: `${pool}await withTenant(pool, id, async (db) => { await db.query('BEGIN'); });` },
    { name: 'one text with its own transaction', code: `${pool}await pool.query("BEGIN; SET LOCAL app.tenant_id = 'a'; insert into t values (1); COMMIT");` },
    { name: 'local set followed by a statement in the same text', code: `${pool}await pool.query("select set_config('app.tenant_id', 'a', true); select * from invoices");` },
    { name: 'a plain query on the pool', code: `${pool}await pool.query('select 1');` },
    { name: 'unknown receiver is not judged', code: "await db.query('BEGIN');" },
    { name: 'function parameter is not known to be a pool', code: "async function run(p) { await p.query('BEGIN'); }" },
    { name: 'session set is another rule', code: `${pool}await pool.query("SET app.tenant_id = 'a'");` },
    { name: 'a transaction inside a function body runs when called', code: `${pool}await pool.query("CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$");` },
    { name: 'postgres.js begin callback', code: "const sql = postgres(url);\nawait sql.begin(async (tx) => { await tx`SET LOCAL app.tenant_id = ${id}`; });" },
    { name: 'drizzle transaction callback', code: "const db = drizzle(pool);\nawait db.transaction(async (tx) => { await tx.execute(sql`select set_config('app.tenant_id', ${id}, true)`); });" },
    { name: 'standalone pg.Client is one connection', code: "const client = new pg.Client();\nawait client.query('BEGIN');" },
    { name: 'configured pool name with a plain select', code: "await db.query('select 1');", settings: { 'tenant-scope': { pools: ['db'] } } },
    { name: 'text built at runtime', code: `${pool}await pool.query(statementFor(step));` },
    { name: 'COMMIT PREPARED works from any connection', code: `${pool}await pool.query("COMMIT PREPARED 'tx1'");` },
  ],
  invalid: [
    { name: 'BEGIN on a new Pool', code: `${pool}await pool.query('BEGIN');`, errors: [{ messageId: 'poolTransaction', data: { operation: 'BEGIN' }, line: 3, column: 19, endColumn: 24 }] },
    { name: 'PREPARE TRANSACTION on a pool', code: `${pool}await pool.query("PREPARE TRANSACTION 'tx1'");`, errors: [{ messageId: 'poolTransaction', data: { operation: 'PREPARE TRANSACTION' }, line: 3, column: 19 }] },
    { name: 'COMMIT on a pool', code: `${pool}await pool.query('COMMIT');`, errors: [{ messageId: 'poolTransaction', line: 3, column: 19 }] },
    { name: 'ROLLBACK on a pool', code: `${pool}await pool.query('ROLLBACK');`, errors: [{ messageId: 'poolTransaction', line: 3, column: 19 }] },
    { name: 'SAVEPOINT on a pool', code: `${pool}await pool.query('SAVEPOINT s1');`, errors: [{ messageId: 'poolTransaction', line: 3, column: 19 }] },
    { name: 'START TRANSACTION on a pool', code: `${pool}await pool.query('START TRANSACTION');`, errors: [{ messageId: 'poolTransaction', data: { operation: 'BEGIN' }, line: 3, column: 19, endColumn: 36 }] },
    { name: 'SET LOCAL on a pool', code: `${pool}await pool.query("SET LOCAL app.tenant_id = 'a'");`, errors: [{ messageId: 'poolLocalSet', line: 3, column: 19 }] },
    { name: 'set_config true on a pool', code: `${pool}await pool.query("select set_config('app.tenant_id', $1, true)", [id]);`, errors: [{ messageId: 'poolLocalSet', line: 3, column: 26 }] },
    { name: 'new Pool imported by name', code: "import { Pool } from 'pg';\nconst pool = new Pool();\nawait pool.query('BEGIN');", errors: [{ messageId: 'poolTransaction', line: 3, column: 19 }] },
    { name: 'postgres.js handle as tag', code: 'const sql = postgres(url);\nawait sql`BEGIN`;', errors: [{ messageId: 'poolTransaction', line: 2, column: 11 }] },
    { name: 'postgres.js unsafe', code: "const sql = postgres(url);\nawait sql.unsafe('BEGIN');", errors: [{ messageId: 'poolTransaction', line: 2, column: 19 }] },
    { name: 'drizzle handle', code: 'const db = drizzle(pool);\nawait db.execute(sql`BEGIN`);', errors: [{ messageId: 'poolTransaction', line: 2, column: 22 }] },
    { name: 'configured pool name', code: "await db.query('BEGIN');", settings: { 'tenant-scope': { pools: ['db'] } }, errors: [{ messageId: 'poolTransaction', line: 1, column: 17 }] },
    { name: 'configured pool regex on a member', code: "await this.readPool.query('COMMIT');", settings: { 'tenant-scope': { pools: ['/Pool$/'] } }, errors: [{ messageId: 'poolTransaction', line: 1, column: 28 }] },
    { name: 'query object', code: `${pool}await pool.query({ text: 'BEGIN' });`, errors: [{ messageId: 'poolTransaction', line: 3, column: 27 }] },
    { name: 'const binding', code: `${pool}const BEGIN = 'BEGIN';\nawait pool.query(BEGIN);`, errors: [{ messageId: 'poolTransaction', line: 4, column: 18 }] },
    { name: 'alias of a pool', code: `${pool}const db = pool;\nawait db.query('BEGIN');`, errors: [{ messageId: 'poolTransaction', line: 4, column: 17 }] },
    {
      name: 'BEGIN and a set without COMMIT',
      code: `${pool}await pool.query("BEGIN; SET LOCAL app.tenant_id = 'a'");`,
      errors: [
        { messageId: 'poolTransaction', line: 3, column: 19 },
        { messageId: 'poolLocalSet', line: 3, column: 26 },
      ],
    },
    { name: 'outer pool inside withTenant', code: `${pool}await withTenant(pool, id, async () => { await pool.query('BEGIN'); });`, errors: [{ messageId: 'poolTransaction', line: 3, column: 60 }] },
  ],
});
