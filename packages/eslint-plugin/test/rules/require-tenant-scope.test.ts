import rule from '../../src/rules/require-tenant-scope.js';
import { ruleTester, inTenantApp } from '../rule-tester.js';

const pool = "import pg from 'pg';\nconst pool = new pg.Pool();\n";

ruleTester.run('require-tenant-scope', rule, {
  valid: [
    { name: 'query on the callback client', code: `${pool}await withTenant(pool, tenantId, async (client) => { await client.query('select * from invoices'); });` },
    { name: 'method form of the wrapper', code: `${pool}await tenants.withTenant(tenantId, async (db) => db.query('select 1'));` },
    { name: 'function expression callback', code: `${pool}await withTenant(pool, t, async function (client) { return client.query('select 1'); });` },
    { name: 'escape hatch for admin work', code: `${pool}await withoutTenant(async () => { await pool.query('select count(*) from tenants'); });` },
    { name: 'configured wrapper', code: `${pool}await inTenant(t, async (c) => { await c.query('select 1'); });`, settings: { 'tenant-scope': { wrappers: ['inTenant'] } } },
    { name: 'configured escape hatch', code: `${pool}await asAdmin(async () => { await pool.query('select 1'); });`, settings: { 'tenant-scope': { unscopedWrappers: ['asAdmin'] } } },
    { name: 'a client from pool.connect()', code: `${pool}const client = await pool.connect();\nawait client.query('select 1');` },
    { name: 'unknown receiver', code: "await db.query('select 1');" },
    { name: 'function parameter', code: "async function list(db) { return db.query('select 1'); }" },
    { name: 'pool.connect itself is not a query', code: `${pool}const client = await pool.connect();` },
    { name: 'pool.end is not a query', code: `${pool}await pool.end();` },
    { name: 'nested callback inside the wrapper', code: `${pool}await withTenant(pool, t, async (client) => { await Promise.all(ids.map((id) => client.query('select $1::int', [id]))); });` },
    { name: 'postgres.js transaction client', code: 'const sql = postgres(url);\nawait withTenant(sql, t, async (tx) => { await tx`select 1`; });' },
    { name: 'a standalone pg.Client', code: "const client = new pg.Client();\nawait client.query('select 1');" },
    { name: 'sql tag that is not a handle', code: 'const fragment = sql`select 1`;' },
    { name: 'escape hatch nested in a wrapper', code: `${pool}await withTenant(pool, t, async () => withoutTenant(async () => pool.query('select 1')));` },
    { name: 'instance member given a pool in one place and a client in another', code: "class Invoices {\n  constructor() { this.db = new Pool(); }\n  use(client) { this.db = client; }\n  list() { return this.db.query('select 1'); }\n}" },
    { name: 'instance member set from a constructor parameter', code: "class Invoices {\n  constructor(db) { this.db = db; }\n  list() { return this.db.query('select 1'); }\n}" },
    { name: 'this of a plain function inside a method is not the instance', code: "class Invoices {\n  db = new Pool();\n  later() { return function () { return this.db.query('select 1'); }; }\n}" },
    { name: 'a private pool used through the wrapper', code: "class Invoices {\n  #pool = new Pool();\n  list(t) { return withTenant(this.#pool, t, (client) => client.query('select 1')); }\n}" },
    { name: 'a member of another class with the same name', code: "class A { #db = new Pool(); }\nclass B {\n  #db = makeClient();\n  list() { return this.#db.query('select 1'); }\n}" },
  ],
  invalid: inTenantApp([
    { name: 'query on a new Pool', code: `${pool}await pool.query('select * from invoices');`, errors: [{ messageId: 'unscopedQuery', line: 3, column: 7, endColumn: 43 }] },
    { name: 'query with dynamic text', code: `${pool}await pool.query(text, values);`, errors: [{ messageId: 'unscopedQuery', line: 3, column: 7 }] },
    { name: 'outer pool inside the wrapper', code: `${pool}await withTenant(pool, t, async (client) => { await pool.query('select 1'); });`, errors: [{ messageId: 'poolInsideScope', data: { method: 'query', wrapper: 'withTenant' }, line: 3, column: 53 }] },
    { name: 'outer pool inside a method-form wrapper', code: `${pool}await tenants.withTenant(t, async (db) => { await db.query('select 1'); await pool.query('select 2'); });`, errors: [{ messageId: 'poolInsideScope', data: { method: 'query', wrapper: 'withTenant' }, line: 3, column: 79 }] },
    { name: 'postgres.js handle as tag', code: 'const sql = postgres(url);\nawait sql`select * from invoices`;', errors: [{ messageId: 'unscopedQuery', line: 2, column: 7 }] },
    { name: 'postgres.js unsafe', code: "const sql = postgres(url);\nawait sql.unsafe('select 1');", errors: [{ messageId: 'unscopedQuery', line: 2, column: 7 }] },
    { name: 'drizzle execute', code: 'const db = drizzle(pool);\nawait db.execute(sql`select 1`);', errors: [{ messageId: 'unscopedQuery', line: 2, column: 7 }] },
    { name: 'Prisma raw on a new client', code: 'const prisma = new PrismaClient();\nawait prisma.$queryRaw`select 1`;', errors: [{ messageId: 'unscopedQuery', line: 2, column: 7 }] },
    { name: 'Knex raw', code: "const db = knex(config);\nawait db.raw('select 1');", errors: [{ messageId: 'unscopedQuery', line: 2, column: 7 }] },
    { name: 'configured pool name', code: "await db.query('select 1');", settings: { 'tenant-scope': { pools: ['db'] } }, errors: [{ messageId: 'unscopedQuery', line: 1, column: 7 }] },
    { name: 'configured pool regex', code: "await this.primaryPool.execute('select 1');", settings: { 'tenant-scope': { pools: ['/pool$/i'] } }, errors: [{ messageId: 'unscopedQuery', line: 1, column: 7 }] },
    { name: 'query in a route handler', code: `${pool}app.get('/invoices', async (req, res) => {\n  res.json(await pool.query('select * from invoices'));\n});`, errors: [{ messageId: 'unscopedQuery', line: 4, column: 18 }] },
    { name: 'wrapper name that is configured away', code: `${pool}await withTenant(pool, t, async () => pool.query('select 1'));`, settings: { 'tenant-scope': { wrappers: ['scoped'] } }, errors: [{ messageId: 'unscopedQuery', line: 3, column: 39 }] },
    { name: 'pool in a private field', code: "class Invoices {\n  #pool = new Pool();\n  list() { return this.#pool.query('select * from invoices'); }\n}", errors: [{ messageId: 'unscopedQuery', line: 3, column: 19 }] },
    { name: 'pool assigned in the constructor', code: "class Invoices {\n  constructor() { this.pool = new pg.Pool(); }\n  async list() { return this.pool.query('select 1'); }\n}", errors: [{ messageId: 'unscopedQuery', line: 3, column: 25 }] },
    { name: 'pool created lazily with ??=', code: "class Invoices {\n  get db() { return this.pool; }\n  init() { this.pool ??= new Pool(); }\n  list() { return this.pool.query('select 1'); }\n}", errors: [{ messageId: 'unscopedQuery', line: 4, column: 19 }] },
    { name: 'drizzle handle in a field, queried from an arrow property', code: 'class Api {\n  db = drizzle(pool);\n  handler = async () => this.db.execute(sql`select 1`);\n}', errors: [{ messageId: 'unscopedQuery', line: 3, column: 25 }] },
    { name: 'configured name matches a private field', code: "class Invoices {\n  constructor(pool) { this.#pool = pool; }\n  #pool;\n  list() { return this.#pool.query('select 1'); }\n}", settings: { 'tenant-scope': { pools: ['pool'] } }, errors: [{ messageId: 'unscopedQuery', line: 4, column: 19 }] },
    { name: 'alias of a pool', code: `${pool}const db = pool;\nawait db.query('select 1');`, errors: [{ messageId: 'unscopedQuery', line: 4, column: 7 }] },
    { name: 'query at module level', code: `${pool}export const rows = await pool.query('select 1');`, errors: [{ messageId: 'unscopedQuery', line: 3, column: 27 }] },
    { name: 'callback not passed to the wrapper', code: `${pool}const run = async () => pool.query('select 1');\nawait withTenant(pool, t, run);`, errors: [{ messageId: 'unscopedQuery', line: 3, column: 25 }] },
    {
      name: 'two queries, one scoped',
      code: `${pool}await pool.query('select 1');\nawait withTenant(pool, t, async (c) => c.query('select 2'));\nawait pool.query('select 3');`,
      errors: [
        { messageId: 'unscopedQuery', line: 3, column: 7 },
        { messageId: 'unscopedQuery', line: 5, column: 7 },
      ],
    },
  ]),
});

// Without settings that declare the tenant model, an unscoped pool query is judged only in a file
// that shows tenant context in use: a context write (on any handle) or a wrapper call, before or after it.
ruleTester.run('require-tenant-scope: the file shows whether its pool serves tenants', rule, {
  valid: [
    { name: 'a job queue that never sets tenant context', code: `${pool}await pool.query('select * from jobs where run_at <= now()');` },
    { name: 'a seed script on a postgres.js handle', code: "const sql = postgres(url, { max: 1 });\nawait sql`insert into plans (name) values ('free')`;\nawait sql.unsafe('truncate plans');" },
    { name: 'a catalog lookup in a test helper', code: `${pool}const { rows } = await pool.query("select 1 from pg_roles where rolname = 'app'");` },
    { name: 'a setting that is not tenant context', code: `${pool}await pool.query("select set_config('statement_timeout', '5s', false)");\nawait pool.query('select * from jobs');` },
    { name: 'a constant custom setting in a driver test', code: "const sql = postgres(options);\nawait sql`select set_config('driver.test', 'testing', true)`;\nawait sql`select * from test`;" },
    {
      name: 'a health check beside tenant work reads no table',
      code: `${pool}export const health = () => pool.query('select 1');\nexport const now = () => pool.query('SELECT now(), version()');\nawait withTenant(pool, t, async (client) => client.query('select * from invoices'));`,
    },
    {
      name: 'catalog lookups beside tenant work',
      code: `${pool}await pool.query('select 1 from pg_roles where rolname = $1', [role]);\nawait pool.query('select exists (select 1 from information_schema.tables where table_name = $1)', [name]);\nawait pool.query('SHOW server_version');\nawait withTenant(pool, t, async (client) => client.query('select 1'));`,
    },
    { name: 'only sqlTags configured', code: `${pool}await pool.query('select * from invoices');`, settings: { 'tenant-scope': { sqlTags: ['sql', 'SQL'] } } },
  ],
  invalid: [
    {
      name: 'a context write later in the file',
      code: `${pool}export const list = () => pool.query('select * from invoices');\nexport async function scoped(t) {\n  const client = await pool.connect();\n  await client.query('begin');\n  await client.query("select set_config('app.tenant_id', $1, true)", [t]);\n}`,
      errors: [{ messageId: 'unscopedQuery', line: 3, column: 27 }],
    },
    {
      name: 'a wrapper call beside it',
      code: `${pool}await pool.query('select * from invoices');\nawait withTenant(pool, t, async (client) => client.query('select * from invoices'));`,
      errors: [{ messageId: 'unscopedQuery', line: 3, column: 7 }],
    },
    {
      name: 'a configured escape hatch beside it',
      code: `${pool}await asAdmin(async () => pool.query('select count(*) from tenants'));\nawait pool.query('select * from invoices');`,
      settings: { 'tenant-scope': { unscopedWrappers: ['asAdmin'] } },
      errors: [{ messageId: 'unscopedQuery', line: 4, column: 7 }],
    },
    {
      name: 'a session-level context write on the pool itself',
      code: `${pool}await pool.query("select set_config('app.tenant_id', $1, false)", [t]);\nawait pool.query('select * from invoices');`,
      errors: [{ messageId: 'unscopedQuery', line: 4, column: 7 }],
    },
    {
      name: 'a function of the application beside tenant work may read tenant rows',
      code: `${pool}await pool.query('select invoice_total($1)', [id]);\nawait withTenant(pool, t, async (client) => client.query('select 1'));`,
      errors: [{ messageId: 'unscopedQuery', line: 3, column: 7 }],
    },
    {
      name: 'a table beside a catalog',
      code: `${pool}await pool.query('select 1 from pg_roles, invoices');\nawait withTenant(pool, t, async (client) => client.query('select 1'));`,
      errors: [{ messageId: 'unscopedQuery', line: 3, column: 7 }],
    },
    {
      name: 'only pools configured',
      code: "await db.query('select * from invoices');",
      settings: { 'tenant-scope': { pools: ['db'] } },
      errors: [{ messageId: 'unscopedQuery', line: 1, column: 7 }],
    },
  ],
});
