import rule from '../../src/rules/require-client-release.js';
import { ruleTester } from '../rule-tester.js';

const pool = "import pg from 'pg';\nconst pool = new pg.Pool();\n";

ruleTester.run('require-client-release', rule, {
  valid: [
    { name: 'released in finally', code: `${pool}async function f() {\n  const client = await pool.connect();\n  try {\n    await client.query('select 1');\n  } finally {\n    client.release();\n  }\n}` },
    { name: 'released in finally after an early return', code: `${pool}async function f(x) {\n  const client = await pool.connect();\n  try {\n    if (x) return null;\n    return await client.query('select 1');\n  } finally {\n    client.release();\n  }\n}` },
    { name: 'released with an error in finally', code: `${pool}async function f() {\n  const client = await pool.connect();\n  let failed;\n  try { await client.query('select 1'); } catch (e) { failed = e; throw e; } finally { client.release(failed); }\n}` },
    { name: 'returned to the caller', code: `${pool}async function take() {\n  const client = await pool.connect();\n  return client;\n}` },
    { name: 'handed to another function', code: `${pool}async function f() {\n  const client = await pool.connect();\n  await runInTransaction(client);\n}` },
    { name: 'stored on an object', code: `${pool}async function f(ctx) {\n  const client = await pool.connect();\n  ctx.client = client;\n}` },
    { name: 'put in an object literal', code: `${pool}async function f() {\n  const client = await pool.connect();\n  return { client, done: () => client.release() };\n}` },
    { name: 'callback form of connect', code: `${pool}pool.connect((err, client, done) => { done(); });` },
    { name: 'connect on something not known to be a pool', code: "async function f(db) {\n  const client = await db.connect();\n  await client.query('select 1');\n}" },
    { name: 'a standalone pg.Client', code: "const client = new pg.Client();\nawait client.connect();" },
    { name: 'connect with a configured pool name, released in finally', code: "const c = await db.connect();\ntry { await c.query('select 1'); } finally { c.release(); }", settings: { 'tenant-scope': { pools: ['db'] } } },
    { name: 'arrow returning the client', code: `${pool}const take = async () => { const client = await pool.connect(); return client; };` },
    { name: 'module-level release in finally', code: `${pool}const client = await pool.connect();\ntry { await client.query('select 1'); } finally { client.release(); }` },
    { name: 'postgres.js handle has no connect', code: "const sql = postgres(url);\nawait sql`select 1`;" },
    { name: 'assigned to another binding', code: `${pool}async function f() {\n  const client = await pool.connect();\n  const lease = client;\n  lease.release();\n}` },
  ],
  invalid: [
    { name: 'never released', code: `${pool}async function f() {\n  const client = await pool.connect();\n  await client.query('select 1');\n}`, errors: [{ messageId: 'clientNotReleased', line: 4, column: 9, endColumn: 38 }] },
    { name: 'released without finally', code: `${pool}async function f() {\n  const client = await pool.connect();\n  await client.query('select 1');\n  client.release();\n}`, errors: [{ messageId: 'releaseNotInFinally', line: 6, column: 3, endColumn: 9 }] },
    { name: 'released only in try', code: `${pool}async function f() {\n  const client = await pool.connect();\n  try {\n    await client.query('select 1');\n    client.release();\n  } catch (e) {\n    log(e);\n  }\n}`, errors: [{ messageId: 'releaseNotInFinally', line: 7, column: 5 }] },
    { name: 'early return skips the release', code: `${pool}async function f(x) {\n  const client = await pool.connect();\n  if (x) return null;\n  client.release();\n}`, errors: [{ messageId: 'releaseNotInFinally', line: 6, column: 3 }] },
    { name: 'released in catch only', code: `${pool}async function f() {\n  const client = await pool.connect();\n  try { await client.query('select 1'); } catch (e) { client.release(); throw e; }\n}`, errors: [{ messageId: 'releaseNotInFinally', line: 5, column: 55 }] },
    { name: 'client from a pool kept in a private field', code: "class Jobs {\n  #pool = new Pool();\n  async run() {\n    const client = await this.#pool.connect();\n    await client.query('select 1');\n  }\n}", errors: [{ messageId: 'clientNotReleased', line: 4, column: 11 }] },
    { name: 'new Pool by name', code: "import { Pool } from 'pg';\nconst pool = new Pool();\nconst client = await pool.connect();\nawait client.query('select 1');", errors: [{ messageId: 'clientNotReleased', line: 3, column: 7 }] },
    { name: 'configured pool name', code: "const c = await db.connect();\nawait c.query('select 1');", settings: { 'tenant-scope': { pools: ['db'] } }, errors: [{ messageId: 'clientNotReleased', line: 1, column: 7 }] },
    { name: 'configured pool regex', code: "const c = await this.pgPool.connect();", settings: { 'tenant-scope': { pools: ['/Pool$/'] } }, errors: [{ messageId: 'clientNotReleased', line: 1, column: 7 }] },
    { name: 'let binding', code: `${pool}let client = await pool.connect();\nawait client.query('select 1');`, errors: [{ messageId: 'clientNotReleased', line: 3, column: 5 }] },
    { name: 'arrow function', code: `${pool}const f = async () => {\n  const c = await pool.connect();\n  await c.query('select 1');\n  c.release();\n};`, errors: [{ messageId: 'releaseNotInFinally', line: 6, column: 3 }] },
    { name: 'finally in a nested function does not count', code: `${pool}async function f() {\n  const c = await pool.connect();\n  const cleanup = () => { try { } finally { } c.release(); };\n  await c.query('select 1');\n  cleanup();\n}`, errors: [{ messageId: 'releaseNotInFinally', line: 5, column: 47 }] },
    { name: 'used only for queries', code: `${pool}const c = await pool.connect();\nawait c.query('BEGIN');\nawait c.query('COMMIT');`, errors: [{ messageId: 'clientNotReleased', line: 3, column: 7 }] },
    { name: 'in a class method', code: `${pool}class Repo {\n  async list() {\n    const c = await pool.connect();\n    return (await c.query('select 1')).rows;\n  }\n}`, errors: [{ messageId: 'clientNotReleased', line: 5, column: 11 }] },
    { name: 'with a type assertion', code: `${pool}const c = (await pool.connect()) as PoolClient;\nawait c.query('select 1');`, errors: [{ messageId: 'clientNotReleased', line: 3, column: 7 }] },
    { name: 'released in a then callback only', code: `${pool}const c = await pool.connect();\nc.query('select 1').then(() => c.release());`, errors: [{ messageId: 'releaseNotInFinally', line: 4, column: 32 }] },
  ],
});
