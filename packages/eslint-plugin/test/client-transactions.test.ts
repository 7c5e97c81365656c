/**
 * Transactions on one client followed through the code paths of a function: a local set with no
 * BEGIN before it on that client ends with its statement; a RESET inside BEGIN … COMMIT is harmless.
 */
import noPoolTransaction from '../src/rules/no-pool-transaction.js';
import noSessionSet from '../src/rules/no-session-set.js';
import { ruleTester } from './rule-tester.js';

const pool = "import pg from 'pg';\nconst pool = new pg.Pool();\n";
const localSet = "select set_config('app.tenant_id', $1, true)";

ruleTester.run('no-pool-transaction: client transactions', noPoolTransaction, {
  valid: [
    { name: 'BEGIN before the local set', code: `${pool}async function f(id) {\n  const client = await pool.connect();\n  await client.query('BEGIN');\n  await client.query("${localSet}", [id]);\n}` },
    { name: 'BEGIN and the local set in one text', code: `${pool}async function f(id) {\n  const client = await pool.connect();\n  await client.query("BEGIN; ${localSet}", [id]);\n}` },
    { name: 'BEGIN on both branches', code: `${pool}async function f(id, ro) {\n  const client = await pool.connect();\n  if (ro) await client.query('BEGIN READ ONLY'); else await client.query('BEGIN');\n  await client.query("${localSet}", [id]);\n}` },
    { name: 'BEGIN on one branch only is not knowable', code: `${pool}async function f(id, tx) {\n  const client = await pool.connect();\n  if (tx) await client.query('BEGIN');\n  await client.query("${localSet}", [id]);\n}` },
    { name: 'a query of unknown text may open a transaction', code: `${pool}async function f(id) {\n  const client = await pool.connect();\n  await client.query(beginText);\n  await client.query("${localSet}", [id]);\n}` },
    { name: 'TypeORM startTransaction', code: "import { DataSource } from 'typeorm';\nconst ds = new DataSource(o);\nasync function f(id) {\n  const runner = ds.createQueryRunner();\n  await runner.startTransaction();\n  await runner.query(\"" + localSet + "\", [id]);\n}" },
    { name: 'a client used in a nested function is not followed', code: `${pool}async function f(id) {\n  const client = await pool.connect();\n  await client.query('BEGIN');\n  await Promise.all(ids.map((i) => client.query("${localSet}", [i])));\n}` },
    { name: 'a local set followed by a statement in the same text', code: `${pool}async function f(id) {\n  const client = await pool.connect();\n  await client.query("${localSet}; select * from invoices", [id]);\n}` },
  ],
  invalid: [
    {
      name: 'a local set on a client with no BEGIN',
      code: `${pool}async function f(id) {\n  const client = await pool.connect();\n  await client.query("${localSet}", [id]);\n  await client.query('select * from invoices');\n}`,
      errors: [{ messageId: 'clientLocalSet', data: { name: 'app.tenant_id', client: 'client' }, line: 5, column: 30 }],
    },
    {
      name: 'a local set after COMMIT',
      code: `${pool}async function f(id) {\n  const client = await pool.connect();\n  await client.query('BEGIN');\n  await client.query('COMMIT');\n  await client.query("SET LOCAL app.tenant_id = 'a'");\n}`,
      errors: [{ messageId: 'clientLocalSet', line: 7, column: 23 }],
    },
    {
      name: 'a local set in a loop after the transaction of the first round ends',
      code: `${pool}async function f(ids) {\n  const client = await pool.connect();\n  for (const id of ids) {\n    await client.query("${localSet}", [id]);\n    await client.query('BEGIN');\n    await client.query('COMMIT');\n  }\n}`,
      errors: [{ messageId: 'clientLocalSet', line: 6, column: 32 }],
    },
    {
      name: 'TypeORM query runner after commitTransaction',
      code: "import { DataSource } from 'typeorm';\nconst ds = new DataSource(o);\nasync function f(id) {\n  const runner = ds.createQueryRunner();\n  await runner.startTransaction();\n  await runner.commitTransaction();\n  await runner.query(\"" + localSet + "\", [id]);\n}",
      errors: [{ messageId: 'clientLocalSet', data: { name: 'app.tenant_id', client: 'runner' }, line: 7, column: 30 }],
    },
  ],
});

ruleTester.run('no-session-set: client transactions', noSessionSet, {
  valid: [
    { name: 'RESET in finally on a client with no transaction runs on every way out', code: `${pool}async function f() {\n  const client = await pool.connect();\n  try { await work(client); } finally { await client.query('RESET app.tenant_id'); client.release(); }\n}` },
    { name: 'RESET inside BEGIN … COMMIT after a local set', code: `${pool}async function f(id) {\n  const client = await pool.connect();\n  await client.query('BEGIN');\n  await client.query("${localSet}", [id]);\n  await client.query('RESET app.tenant_id');\n  await client.query('COMMIT');\n}` },
  ],
  invalid: [
    {
      name: 'RESET after COMMIT is a too-late cleanup',
      code: `${pool}async function f(id) {\n  const client = await pool.connect();\n  await client.query('BEGIN');\n  await client.query('COMMIT');\n  await client.query('RESET app.tenant_id');\n}`,
      errors: [{ messageId: 'sessionReset', line: 7, column: 23 }],
    },
    {
      name: 'RESET on a client with no transaction',
      code: `${pool}async function f() {\n  const client = await pool.connect();\n  try { await work(client); await client.query('RESET app.tenant_id'); } finally { client.release(); }\n}`,
      errors: [{ messageId: 'sessionReset', line: 5, column: 49 }],
    },
  ],
});
