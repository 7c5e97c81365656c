import rule from '../../src/rules/no-session-set.js';
import { ruleTester } from '../rule-tester.js';

ruleTester.run('no-session-set', rule, {
  valid: [
    { name: 'a backfill in a migration runs on no request', code: "export async function up(knex) {\n  await knex.raw(\"select set_config('app.tenant_id', ?, false)\", [id]);\n}" },
    {
      name: 'a script on a client it opens and ends',
      code: "async function seed(tenantId) {\n  const client = new pg.Client();\n  await client.connect();\n  await client.query(\"select set_config('app.tenant_id', $1, false)\", [tenantId]);\n  await insertFixtures(client);\n  await client.end();\n}",
    },
    {
      name: 'RESET ALL in finally, after the rollback, before the release',
      code: "const pool = new Pool();\nconst client = await pool.connect();\ntry {\n  await client.query('BEGIN');\n  await work(client);\n} finally {\n  await client.query('ROLLBACK');\n  await client.query('RESET ALL');\n  client.release();\n}",
    },
    { name: 'DISCARD ALL in finally on a handle of unknown kind', code: "try {\n  await work(client);\n} finally {\n  await client.query('DISCARD ALL');\n}" },
    { name: 'SET LOCAL ends with the transaction', code: "await client.query(\"SET LOCAL app.tenant_id = 'a'\");" },
    { name: 'set_config with is_local true', code: "await client.query(\"select set_config('app.tenant_id', $1, true)\", [id]);" },
    { name: 'a builtin setting is not tenant context', code: "await pool.query('SET statement_timeout = 5000');" },
    { name: 'contextGucs option narrows the settings', code: "await pool.query(\"SET app.locale = 'de'\");", options: [{ contextGucs: ['app.tenant_id'] }] },
    { name: 'contextGucs shared setting narrows the settings', code: "await pool.query(\"SET app.locale = 'de'\");", settings: { 'tenant-scope': { contextGucs: ['app.tenant_id'] } } },
    { name: 'a plain select', code: "await pool.query('select * from invoices where id = $1', [id]);" },
    { name: 'reading the setting is fine', code: "await pool.query(\"select current_setting('app.tenant_id', true)\");" },
    { name: 'not a query method', code: "console.log(\"SET app.tenant_id = 'a'\");" },
    { name: 'text built at runtime is not guessed', code: 'await pool.query(buildSql(tenant));' },
    { name: 'a let binding may change and is not read', code: "let text = \"SET app.tenant_id = 'a'\"; text = other(); await pool.query(text);" },
    { name: 'text that does not parse is skipped by default', code: "await pool.query('SET app.tenant_id =');" },
    {
      name: 'function bodies can be left out',
      code: "await pool.query(\"CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ select set_config('app.tenant_id', 'x', false) $$\");",
      options: [{ checkFunctionBodies: false }],
    },
    { name: 'RESET of a builtin setting', code: "await pool.query('RESET statement_timeout');" },
    { name: 'one text with BEGIN, SET LOCAL and COMMIT', code: "await pool.query(\"BEGIN; SET LOCAL app.tenant_id = 'a'; COMMIT\");" },
    { name: 'a template tag that is not SQL', code: 'const page = html`SET app.tenant_id = ${id}`;' },
    { name: 'sql tagged template with a local set_config', code: "await db.execute(sql`select set_config('app.tenant_id', ${id}, true)`);" },
    { name: 'a query object with SET LOCAL', code: "await client.query({ text: 'SET LOCAL app.tenant_id = $1', values: [id] });" },
  ],
  invalid: [
    {
      name: 'ALTER ROLE SET in a migration is a default of every later session',
      code: "await db.query(\"ALTER ROLE app_user SET app.tenant_id = ''\");",
      filename: 'db/migrations/0002_roles.ts',
      errors: [{ messageId: 'sessionSetDefault', line: 1, column: 17 }],
    },
    {
      name: 'a client checked out of a pool and released goes back to it',
      code: "const pool = new Pool();\nasync function f(tenantId) {\n  const client = await pool.connect();\n  await client.query(\"select set_config('app.tenant_id', $1, false)\", [tenantId]);\n  client.release();\n}",
      errors: [{ messageId: 'sessionSet', line: 4, column: 30, suggestions: [{ messageId: 'useSetConfigLocal', output: "const pool = new Pool();\nasync function f(tenantId) {\n  const client = await pool.connect();\n  await client.query(\"select set_config('app.tenant_id', $1, true)\", [tenantId]);\n  client.release();\n}" }] }],
    },
    {
      name: 'SET in a string literal',
      code: "await pool.query(\"SET app.tenant_id = 'a'\");",
      errors: [
        {
          messageId: 'sessionSet',
          line: 1,
          column: 19,
          endColumn: 42,
          suggestions: [{ messageId: 'useSetLocal', output: "await pool.query(\"SET LOCAL app.tenant_id = 'a'\");" }],
        },
      ],
    },
    {
      name: 'SET SESSION',
      code: "await pool.query(\"SET SESSION app.tenant_id = 'a'\");",
      errors: [
        {
          messageId: 'sessionSet',
          line: 1,
          column: 19,
          suggestions: [{ messageId: 'useSetLocal', output: "await pool.query(\"SET LOCAL app.tenant_id = 'a'\");" }],
        },
      ],
    },
    {
      name: 'set_config with is_local false',
      code: "await db.query(\"select set_config('app.tenant_id', $1, false)\", [id]);",
      errors: [
        {
          messageId: 'sessionSet',
          line: 1,
          column: 24,
          endColumn: 62,
          suggestions: [{ messageId: 'useSetConfigLocal', output: "await db.query(\"select set_config('app.tenant_id', $1, true)\", [id]);" }],
        },
      ],
    },
    {
      name: 'set_config with is_local as a parameter may be session-level (the guard agrees)',
      code: "await db.query(\"select set_config('app.tenant_id', $1, $2)\", [id, local]);",
      errors: [
        {
          messageId: 'maybeSessionSet',
          line: 1,
          column: 24,
          endColumn: 59,
          suggestions: [{ messageId: 'useSetConfigLocal', output: "await db.query(\"select set_config('app.tenant_id', $1, true)\", [id, local]);" }],
        },
      ],
    },
    {
      name: 'set_config with the name and is_local as parameters may set tenant context for the session',
      code: "await client.query('select set_config($1, $2, $3)', args);",
      errors: [
        {
          messageId: 'maybeSessionSet',
          data: { name: '$1' },
          line: 1,
          column: 28,
          endColumn: 50,
          suggestions: [{ messageId: 'useSetConfigLocal', output: "await client.query('select set_config($1, $2, true)', args);" }],
        },
      ],
    },
    {
      name: 'template literal with a hole',
      code: "await client.query(`SET app.tenant_id = '${id}'`);",
      errors: [
        {
          messageId: 'sessionSet',
          line: 1,
          column: 21,
          suggestions: [{ messageId: 'useSetLocal', output: "await client.query(`SET LOCAL app.tenant_id = '${id}'`);" }],
        },
      ],
    },
    {
      name: 'sql tagged template sent with execute',
      code: "await db.execute(sql`select set_config('app.tenant_id', ${id}, false)`);",
      errors: [
        {
          messageId: 'sessionSet',
          line: 1,
          column: 29,
          suggestions: [{ messageId: 'useSetConfigLocal', output: "await db.execute(sql`select set_config('app.tenant_id', ${id}, true)`);" }],
        },
      ],
    },
    {
      name: 'query object with text',
      code: "await client.query({ text: \"select set_config('app.tenant_id', $1, 'off')\", values: [id] });",
      errors: [
        {
          messageId: 'sessionSet',
          line: 1,
          column: 36,
          suggestions: [{ messageId: 'useSetConfigLocal', output: "await client.query({ text: \"select set_config('app.tenant_id', $1, true)\", values: [id] });" }],
        },
      ],
    },
    {
      name: 'const binding is reported where it is sent',
      code: "const setTenant = \"SET app.tenant_id = 'a'\";\nawait pool.query(setTenant);",
      errors: [{ messageId: 'sessionSet', line: 2, column: 18, endColumn: 27, suggestions: [] }],
    },
    {
      name: 'concatenation is reported on the whole expression',
      code: "await pool.query(\"SET app.tenant_id = '\" + id + \"'\");",
      errors: [{ messageId: 'sessionSet', line: 1, column: 18, endColumn: 52, suggestions: [] }],
    },
    {
      name: 'Prisma $executeRawUnsafe',
      code: "await prisma.$executeRawUnsafe(\"select set_config('app.tenant_id', $1, false)\", id);",
      errors: [
        {
          messageId: 'sessionSet',
          line: 1,
          column: 40,
          suggestions: [{ messageId: 'useSetConfigLocal', output: "await prisma.$executeRawUnsafe(\"select set_config('app.tenant_id', $1, true)\", id);" }],
        },
      ],
    },
    {
      name: 'Prisma $executeRaw tagged template',
      code: "await prisma.$executeRaw`SET app.tenant_id = ${id}`;",
      errors: [
        {
          messageId: 'sessionSet',
          line: 1,
          column: 26,
          suggestions: [{ messageId: 'useSetLocal', output: "await prisma.$executeRaw`SET LOCAL app.tenant_id = ${id}`;" }],
        },
      ],
    },
    {
      name: 'Knex raw',
      code: "await knex.raw(\"SET app.tenant_id = 'a'\");",
      errors: [{ messageId: 'sessionSet', line: 1, column: 17, suggestions: [{ messageId: 'useSetLocal', output: "await knex.raw(\"SET LOCAL app.tenant_id = 'a'\");" }] }],
    },
    {
      name: 'Sequelize query',
      code: "await sequelize.query(\"SET app.tenant_id = 'a'\");",
      errors: [{ messageId: 'sessionSet', line: 1, column: 24, suggestions: [{ messageId: 'useSetLocal', output: "await sequelize.query(\"SET LOCAL app.tenant_id = 'a'\");" }] }],
    },
    {
      name: 'postgres.js handle used as a tag',
      code: "const db = postgres(url);\nawait db`SET app.tenant_id = ${id}`;",
      errors: [{ messageId: 'sessionSet', line: 2, column: 10, suggestions: [{ messageId: 'useSetLocal', output: "const db = postgres(url);\nawait db`SET LOCAL app.tenant_id = ${id}`;" }] }],
    },
    {
      name: 'ALTER ROLE SET makes a session default',
      code: "await pool.query(\"ALTER ROLE app_user SET app.tenant_id = 'a'\");",
      errors: [{ messageId: 'sessionSetDefault', line: 1, column: 19, endColumn: 62 }],
    },
    {
      name: 'RESET ALL after the work, where an exception skips it',
      code: "const pool = new Pool();\nconst client = await pool.connect();\ntry {\n  await work(client);\n  await client.query('RESET ALL');\n} finally {\n  client.release();\n}",
      errors: [{ messageId: 'sessionReset', line: 5, column: 23 }],
    },
    {
      name: 'RESET in a callback written inside finally runs whenever it is called',
      code: "try {\n  await work(client);\n} finally {\n  later(() => client.query('RESET ALL'));\n}",
      errors: [{ messageId: 'sessionReset', line: 4, column: 29 }],
    },
    {
      name: 'RESET ALL to clean up',
      code: "await client.query('RESET ALL');",
      errors: [{ messageId: 'sessionReset', line: 1, column: 21, endColumn: 30 }],
    },
    {
      name: 'DISCARD ALL to clean up',
      code: "await client.query('DISCARD ALL');",
      errors: [{ messageId: 'sessionReset', line: 1, column: 21, endColumn: 32 }],
    },
    {
      name: 'RESET of the context setting',
      code: "await client.query('RESET app.tenant_id');",
      errors: [{ messageId: 'sessionReset', line: 1, column: 21 }],
    },
    {
      name: 'contextGucs option names the setting',
      code: "await pool.query(\"SET app.org_id = 'a'\");",
      options: [{ contextGucs: ['app.org_id'] }],
      errors: [{ messageId: 'sessionSet', line: 1, column: 19, suggestions: [{ messageId: 'useSetLocal', output: "await pool.query(\"SET LOCAL app.org_id = 'a'\");" }] }],
    },
    {
      name: 'a write inside a function body happens when it is called',
      code: "await pool.query(\"CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ select set_config('app.tenant_id', 'x', false) $$\");",
      errors: [
        {
          messageId: 'sessionSet',
          line: 1,
          column: 78,
          suggestions: [
            {
              messageId: 'useSetConfigLocal',
              output: "await pool.query(\"CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ select set_config('app.tenant_id', 'x', true) $$\");",
            },
          ],
        },
      ],
    },
    {
      name: 'escaped quotes are reported on the whole literal',
      code: "await pool.query('SET app.tenant_id = \\'a\\'');",
      errors: [{ messageId: 'sessionSet', line: 1, column: 18, endColumn: 45, suggestions: [] }],
    },
    {
      name: 'multi-line template reports the right line',
      code: 'await client.query(`\n  select 1;\n  SET app.tenant_id = ${id};\n`);',
      errors: [{ messageId: 'sessionSet', line: 3, column: 3, suggestions: [{ messageId: 'useSetLocal', output: 'await client.query(`\n  select 1;\n  SET LOCAL app.tenant_id = ${id};\n`);' }] }],
    },
    {
      name: 'CRLF line endings and a hole with spaces keep exact columns',
      code: 'await client.query(`select 1;\r\nSET app.tenant_id = ${ id };`);',
      errors: [{ messageId: 'sessionSet', line: 2, column: 1, endColumn: 28, suggestions: [{ messageId: 'useSetLocal', output: 'await client.query(`select 1;\r\nSET LOCAL app.tenant_id = ${ id };`);' }] }],
    },
    {
      name: 'reportParseErrors reports text that does not parse even without any session word',
      code: "await pool.query('SELEC id FROM invoices');",
      options: [{ reportParseErrors: true }],
      errors: [{ messageId: 'unparsableSql', line: 1, column: 7 }],
    },
    {
      name: 'reportParseErrors reports text that does not parse',
      code: "await pool.query('SET app.tenant_id =');",
      options: [{ reportParseErrors: true }],
      errors: [{ messageId: 'unparsableSql', line: 1, column: 7 }],
    },
  ],
});
