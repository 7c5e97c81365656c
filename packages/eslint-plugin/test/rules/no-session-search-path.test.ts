import rule from '../../src/rules/no-session-search-path.js';
import { ruleTester } from '../rule-tester.js';

ruleTester.run('no-session-search-path', rule, {
  valid: [
    {
      name: "a TypeORM migration's up",
      code: "export class AddClinics1749200000000 implements MigrationInterface {\n  public async up(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query('SET search_path TO clinics, public');\n  }\n}",
    },
    { name: 'a Knex migration assigned to exports.up', code: "exports.up = async function (knex) {\n  await knex.raw('SET search_path TO app');\n};" },
    { name: 'a file in a migrations folder', code: "await db.query('SET search_path TO app');", filename: 'db/migrations/0001_init.ts' },
    {
      name: 'a migration script on a client it opens and ends',
      code: "async function migrate(schema) {\n  const client = new Client(config);\n  await client.connect();\n  try {\n    await client.query(`SET search_path TO ${client.escapeIdentifier(schema)}`);\n    await run(client);\n  } finally {\n    await client.end();\n  }\n}",
    },
    {
      name: 'a DataSource made per tenant and destroyed',
      code: "async function migrateAll(schemas) {\n  for (const schema of schemas) {\n    let ds = null;\n    try {\n      ds = new DataSource({ ...options, schema });\n      await ds.initialize();\n      await ds.query('SET search_path TO tenant_a, public');\n      await ds.runMigrations();\n    } finally {\n      await ds?.destroy();\n    }\n  }\n}",
    },
    { name: 'every new pool connection gets the same search_path', code: "const pool = new Pool();\npool.on('connect', (client) => {\n  client.query('SET search_path TO app, public');\n});" },
    { name: 'an async connect listener', code: "pool.on('connect', async (client) => { await client.query(`SET search_path TO ${schema}`); });" },
    { name: "Knex's afterCreate pool hook", code: "const db = knex({ client: 'pg', pool: { afterCreate(conn, done) { conn.query('SET search_path TO app', (err) => done(err, conn)); } } });" },
    { name: "Knex's afterCreate as an arrow property", code: "const db = knex({ pool: { afterCreate: (conn, done) => conn.query('SET search_path TO app', done) } });" },
    { name: "Sequelize's afterConnect hook", code: "sequelize.addHook('afterConnect', async (connection) => { await connection.query('SET search_path TO app'); });" },
    { name: "Slonik's afterPoolConnection interceptor", code: 'const interceptor = { afterPoolConnection: async (context, connection) => { await connection.query(sql`SET search_path TO app`); return null; } };' },
    { name: 'a standalone client configured at start-up', code: "const client = new Client(config);\nclient.connect();\nclient.query(`set search_path to 'app'`);" },
    { name: 'SET LOCAL search_path', code: 'await client.query("SET LOCAL search_path = tenant_a, public");' },
    { name: 'set_config with is_local true', code: "await client.query(\"select set_config('search_path', $1, true)\", [schema]);" },
    { name: 'schema-qualified query', code: 'await pool.query("select * from tenant_a.invoices");' },
    { name: 'other session settings belong to other rules', code: "await pool.query(\"SET app.tenant_id = 'a'\");" },
    { name: 'reading search_path', code: "await pool.query(\"select current_setting('search_path')\");" },
    { name: 'SHOW search_path', code: 'await pool.query("SHOW search_path");' },
    { name: 'a function SET clause applies only while it runs', code: 'await pool.query("CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path = pg_catalog AS $$ select 1 $$");' },
    { name: 'ALTER ROLE SET search_path is role configuration', code: 'await pool.query("ALTER ROLE app SET search_path = app");' },
    { name: 'text built at runtime', code: 'await pool.query(makeSearchPath(schema));' },
    { name: 'not a query method', code: 'log.info("SET search_path = tenant_a");' },
    { name: 'text that does not parse', code: 'await pool.query("SET search_path =");' },
    { name: 'SET LOCAL in a sql tagged template', code: 'await db.execute(sql`SET LOCAL search_path = tenant_a`);' },
    { name: 'set_config with is_local true in Knex raw', code: "await knex.raw(\"select set_config('search_path', ?, true)\", [schema]);" },
    { name: 'a query object with SET LOCAL', code: 'await client.query({ text: "SET LOCAL search_path = tenant_a" });' },
    {
      name: 'function bodies can be left out',
      code: "await pool.query(\"CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ select set_config('search_path', 'x', false) $$\");",
      options: [{ checkFunctionBodies: false }],
    },
    { name: 'a const holding SET LOCAL', code: 'const scoped = "SET LOCAL search_path = tenant_a";\nawait client.query(scoped);' },
  ],
  invalid: [
    {
      name: 'a method that is not a migration step',
      code: "class Invoices {\n  async update(client) {\n    await client.query('SET search_path TO tenant_a');\n  }\n}",
      errors: [{ messageId: 'sessionSearchPath', line: 3, column: 25, suggestions: [{ messageId: 'useSetLocal', output: "class Invoices {\n  async update(client) {\n    await client.query('SET LOCAL search_path TO tenant_a');\n  }\n}" }] }],
    },
    {
      name: 'a file whose name only mentions migrations',
      code: "await db.query('SET search_path TO tenant_a');",
      filename: 'src/migrations-report.ts',
      errors: [{ messageId: 'sessionSearchPath', line: 1, column: 17, suggestions: [{ messageId: 'useSetLocal', output: "await db.query('SET LOCAL search_path TO tenant_a');" }] }],
    },
    {
      name: 'a client the function opens but hands out without ending',
      code: "async function connectTo(schema) {\n  const client = new Client(config);\n  await client.connect();\n  await client.query('SET search_path TO tenant_a');\n  return client;\n}",
      errors: [{ messageId: 'sessionSearchPath', line: 4, column: 23, suggestions: [{ messageId: 'useSetLocal', output: "async function connectTo(schema) {\n  const client = new Client(config);\n  await client.connect();\n  await client.query('SET LOCAL search_path TO tenant_a');\n  return client;\n}" }] }],
    },
    {
      name: 'a shared pool ended by a shutdown function',
      code: "const pool = new Pool();\nasync function shutdown() {\n  await pool.query('SET search_path TO tenant_a');\n  await pool.end();\n}",
      errors: [{ messageId: 'sessionSearchPath', line: 3, column: 21, suggestions: [{ messageId: 'useSetLocal', output: "const pool = new Pool();\nasync function shutdown() {\n  await pool.query('SET LOCAL search_path TO tenant_a');\n  await pool.end();\n}" }] }],
    },
    {
      name: 'a listener of another event',
      code: "pool.on('acquire', (client) => { client.query('SET search_path TO tenant_a'); });",
      errors: [{ messageId: 'sessionSearchPath', line: 1, column: 48, suggestions: [{ messageId: 'useSetLocal', output: "pool.on('acquire', (client) => { client.query('SET LOCAL search_path TO tenant_a'); });" }] }],
    },
    {
      name: 'a connect listener setting it on another handle',
      code: "pool.on('connect', () => { pool.query('SET search_path TO tenant_a'); });",
      errors: [{ messageId: 'sessionSearchPath', line: 1, column: 40, suggestions: [{ messageId: 'useSetLocal', output: "pool.on('connect', () => { pool.query('SET LOCAL search_path TO tenant_a'); });" }] }],
    },
    {
      name: 'a standalone client set inside a request handler',
      code: "const client = new Client();\napp.get('/', async (req) => {\n  await client.query(`SET search_path TO ${req.schema}`);\n});",
      errors: [{ messageId: 'sessionSearchPath', line: 3, column: 23, suggestions: [{ messageId: 'useSetLocal', output: "const client = new Client();\napp.get('/', async (req) => {\n  await client.query(`SET LOCAL search_path TO ${req.schema}`);\n});" }] }],
    },
    {
      name: 'a pool set once at start-up',
      code: "const pool = new Pool();\npool.query('SET search_path TO app');",
      errors: [{ messageId: 'sessionSearchPath', line: 2, column: 13, suggestions: [{ messageId: 'useSetLocal', output: "const pool = new Pool();\npool.query('SET LOCAL search_path TO app');" }] }],
    },
    {
      name: 'SET search_path',
      code: 'await pool.query("SET search_path = tenant_a");',
      errors: [
        {
          messageId: 'sessionSearchPath',
          line: 1,
          column: 19,
          endColumn: 45,
          suggestions: [{ messageId: 'useSetLocal', output: 'await pool.query("SET LOCAL search_path = tenant_a");' }],
        },
      ],
    },
    {
      name: 'SET SESSION search_path',
      code: 'await pool.query("SET SESSION search_path TO tenant_a");',
      errors: [{ messageId: 'sessionSearchPath', line: 1, column: 19, suggestions: [{ messageId: 'useSetLocal', output: 'await pool.query("SET LOCAL search_path TO tenant_a");' }] }],
    },
    {
      name: 'set_config with is_local false',
      code: "await client.query(\"select set_config('search_path', $1, false)\", [schema]);",
      errors: [
        {
          messageId: 'sessionSearchPath',
          line: 1,
          column: 28,
          suggestions: [{ messageId: 'useSetConfigLocal', output: "await client.query(\"select set_config('search_path', $1, true)\", [schema]);" }],
        },
      ],
    },
    {
      name: 'RESET search_path',
      code: 'await client.query("RESET search_path");',
      errors: [{ messageId: 'sessionSearchPath', line: 1, column: 21, endColumn: 38, suggestions: [] }],
    },
    {
      name: 'template literal',
      code: 'await client.query(`SET search_path = ${schema}`);',
      errors: [{ messageId: 'sessionSearchPath', line: 1, column: 21, suggestions: [{ messageId: 'useSetLocal', output: 'await client.query(`SET LOCAL search_path = ${schema}`);' }] }],
    },
    {
      name: 'sql tagged template',
      code: "await db.execute(sql`select set_config('search_path', ${schema}, false)`);",
      errors: [
        {
          messageId: 'sessionSearchPath',
          line: 1,
          column: 29,
          suggestions: [{ messageId: 'useSetConfigLocal', output: "await db.execute(sql`select set_config('search_path', ${schema}, true)`);" }],
        },
      ],
    },
    {
      name: 'query object',
      code: 'await client.query({ text: "SET search_path = tenant_a" });',
      errors: [{ messageId: 'sessionSearchPath', line: 1, column: 29, suggestions: [{ messageId: 'useSetLocal', output: 'await client.query({ text: "SET LOCAL search_path = tenant_a" });' }] }],
    },
    {
      name: 'const binding',
      code: 'const USE_TENANT = "SET search_path = tenant_a";\nawait pool.query(USE_TENANT);',
      errors: [{ messageId: 'sessionSearchPath', line: 2, column: 18, endColumn: 28, suggestions: [] }],
    },
    {
      name: 'concatenation',
      code: 'await pool.query("SET search_path = " + schema);',
      errors: [{ messageId: 'sessionSearchPath', line: 1, column: 18, endColumn: 47, suggestions: [] }],
    },
    {
      name: 'static concatenation is resolved',
      code: 'const schema = "tenant_a";\nawait pool.query("SET search_path = " + schema);',
      errors: [{ messageId: 'sessionSearchPath', line: 2, column: 18, endColumn: 47, suggestions: [] }],
    },
    {
      name: 'Prisma $executeRawUnsafe',
      code: 'await prisma.$executeRawUnsafe(`SET search_path = ${schema}`);',
      errors: [{ messageId: 'sessionSearchPath', line: 1, column: 33, suggestions: [{ messageId: 'useSetLocal', output: 'await prisma.$executeRawUnsafe(`SET LOCAL search_path = ${schema}`);' }] }],
    },
    {
      name: 'Knex raw',
      code: 'await knex.raw("SET search_path = tenant_a");',
      errors: [{ messageId: 'sessionSearchPath', line: 1, column: 17, suggestions: [{ messageId: 'useSetLocal', output: 'await knex.raw("SET LOCAL search_path = tenant_a");' }] }],
    },
    {
      name: 'TypeORM data source query',
      code: 'await dataSource.query("SET search_path = tenant_a");',
      errors: [{ messageId: 'sessionSearchPath', line: 1, column: 25, suggestions: [{ messageId: 'useSetLocal', output: 'await dataSource.query("SET LOCAL search_path = tenant_a");' }] }],
    },
    {
      name: 'postgres.js unsafe',
      code: 'await sql.unsafe("SET search_path = tenant_a");',
      errors: [{ messageId: 'sessionSearchPath', line: 1, column: 19, suggestions: [{ messageId: 'useSetLocal', output: 'await sql.unsafe("SET LOCAL search_path = tenant_a");' }] }],
    },
    {
      name: 'inside a function body',
      code: "await pool.query(\"CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN SET search_path = x; END $$\");",
      errors: [{ messageId: 'sessionSearchPath', line: 1, column: 81, suggestions: [{ messageId: 'useSetLocal', output: "await pool.query(\"CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN SET LOCAL search_path = x; END $$\");" }] }],
    },
    {
      name: 'allowLocal false also reports SET LOCAL',
      code: 'await client.query("SET LOCAL search_path = tenant_a");',
      options: [{ allowLocal: false }],
      errors: [{ messageId: 'localSearchPath', line: 1, column: 21, endColumn: 53 }],
    },
    {
      name: 'allowLocal false reports a session change without suggesting SET LOCAL',
      code: 'await client.query("SET search_path = tenant_a");',
      options: [{ allowLocal: false }],
      errors: [{ messageId: 'sessionSearchPath', line: 1, column: 21, suggestions: [] }],
    },
  ],
});
