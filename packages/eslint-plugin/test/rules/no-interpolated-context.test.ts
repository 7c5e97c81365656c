import rule from '../../src/rules/no-interpolated-context.js';
import { ruleTester } from '../rule-tester.js';

ruleTester.run('no-interpolated-context', rule, {
  valid: [
    { name: 'bound parameter', code: "await client.query(\"select set_config('app.tenant_id', $1, true)\", [tenantId]);" },
    { name: 'query object with values', code: "await client.query({ text: \"select set_config('app.tenant_id', $1, true)\", values: [tenantId] });" },
    { name: 'sql tag binds its holes', code: "await db.execute(sql`select set_config('app.tenant_id', ${tenantId}, true)`);" },
    { name: 'Prisma $executeRaw binds its holes', code: "await prisma.$executeRaw`select set_config('app.tenant_id', ${tenantId}, true)`;" },
    { name: 'Prisma.sql binds its holes', code: "await prisma.$executeRaw(Prisma.sql`select set_config('app.tenant_id', ${tenantId}, true)`);" },
    { name: 'postgres.js handle binds its holes', code: "const db = postgres(url);\nawait db`select set_config('app.tenant_id', ${tenantId}, true)`;" },
    { name: 'a constant spliced into the text', code: "const TENANT = 'system';\nawait client.query(`SET LOCAL app.tenant_id = '${TENANT}'`);" },
    { name: 'a literal concatenation', code: "await client.query(\"SET LOCAL app.tenant_id = '\" + 'system' + \"'\");" },
    { name: 'interpolation outside a SET', code: 'await client.query(`select * from ${table} where id = $1`, [id]);' },
    { name: 'a spliced value in a WHERE clause is another problem', code: "await client.query(`select * from t where tenant_id = '${tenantId}'`);" },
    { name: 'sql.raw of a constant', code: "await db.execute(sql`SET LOCAL app.tenant_id = ${sql.raw(\"'system'\")}`);" },
    { name: 'literal SET', code: "await client.query(\"SET LOCAL app.tenant_id = 'a'\");" },
    { name: 'text built at runtime is not guessed', code: 'await client.query(setTenantSql(tenantId));' },
    { name: 'not a query method', code: "logger.info(`SET app.tenant_id = '${tenantId}'`);" },
    { name: 'a spliced name when names are not checked', code: "await client.query(`select set_config('${name}', $1, true)`, [v]);", options: [{ checkNames: false }] },
    { name: 'set_config with a parameter for the name', code: 'await client.query("select set_config($1, $2, true)", [name, v]);' },
  ],
  invalid: [
    {
      name: 'template hole inside quotes',
      code: "await client.query(`SET LOCAL app.tenant_id = '${tenantId}'`);",
      errors: [{ messageId: 'interpolatedContext', line: 1, column: 50, endColumn: 58 }],
    },
    {
      name: 'template hole without quotes',
      code: 'await client.query(`SET app.tenant_id = ${tenantId}`);',
      errors: [{ messageId: 'interpolatedContext', line: 1, column: 43, endColumn: 51 }],
    },
    {
      name: 'template hole in set_config',
      code: "await pool.query(`select set_config('app.tenant_id', '${tenantId}', true)`);",
      errors: [{ messageId: 'interpolatedContext', line: 1, column: 57 }],
    },
    {
      name: 'concatenation',
      code: "await client.query(\"SET LOCAL app.tenant_id = '\" + tenantId + \"'\");",
      errors: [{ messageId: 'interpolatedContext', line: 1, column: 52, endColumn: 60 }],
    },
    {
      name: 'concatenation of a member',
      code: "await client.query(\"select set_config('app.tenant_id', '\" + req.user.tenantId + \"', true)\");",
      errors: [{ messageId: 'interpolatedContext', line: 1, column: 61, endColumn: 78 }],
    },
    {
      name: 'Prisma $executeRawUnsafe with a template',
      code: "await prisma.$executeRawUnsafe(`SET LOCAL app.tenant_id = '${tenantId}'`);",
      errors: [{ messageId: 'interpolatedContext', line: 1, column: 62 }],
    },
    {
      name: 'Prisma $queryRawUnsafe with concatenation',
      code: "await prisma.$queryRawUnsafe(\"select set_config('app.tenant_id', '\" + tenantId + \"', true)\");",
      errors: [{ messageId: 'interpolatedContext', line: 1, column: 71 }],
    },
    {
      name: 'drizzle sql.raw hole',
      code: 'await db.execute(sql`SET LOCAL app.tenant_id = ${sql.raw(tenantId)}`);',
      errors: [{ messageId: 'interpolatedContext', line: 1, column: 50, endColumn: 67 }],
    },
    {
      name: 'drizzle sql.raw of a whole template',
      code: "await db.execute(sql.raw(`SET LOCAL app.tenant_id = '${tenantId}'`));",
      errors: [{ messageId: 'interpolatedContext', line: 1, column: 56 }],
    },
    {
      name: 'sql.raw on its own',
      code: "const statement = sql.raw(`SET LOCAL app.tenant_id = '${tenantId}'`);",
      errors: [{ messageId: 'interpolatedContext', line: 1, column: 57 }],
    },
    {
      name: 'Prisma.raw hole',
      code: "await prisma.$executeRaw`select set_config('app.tenant_id', ${Prisma.raw(tenantId)}, true)`;",
      errors: [{ messageId: 'interpolatedContext', line: 1, column: 63 }],
    },
    {
      name: 'postgres.js unsafe',
      code: "await sql.unsafe(`SET LOCAL app.tenant_id = '${tenantId}'`);",
      errors: [{ messageId: 'interpolatedContext', line: 1, column: 48 }],
    },
    {
      name: 'Knex raw',
      code: "await knex.raw(`SET LOCAL app.tenant_id = '${tenantId}'`);",
      errors: [{ messageId: 'interpolatedContext', line: 1, column: 46 }],
    },
    {
      name: 'search_path spliced',
      code: 'await client.query(`SET LOCAL search_path = ${schema}`);',
      errors: [{ messageId: 'interpolatedContext', line: 1, column: 47 }],
    },
    {
      name: 'setting name spliced into set_config',
      code: "await client.query(`select set_config('${name}', $1, true)`, [v]);",
      errors: [{ messageId: 'interpolatedName', line: 1, column: 42 }],
    },
    {
      name: 'query object with a template',
      code: "await client.query({ text: `SET LOCAL app.tenant_id = '${tenantId}'` });",
      errors: [{ messageId: 'interpolatedContext', line: 1, column: 58 }],
    },
    {
      name: 'const template spliced',
      code: "const setTenant = `SET LOCAL app.tenant_id = '${tenantId}'`;\nawait client.query(setTenant);",
      errors: [{ messageId: 'interpolatedContext', line: 1, column: 49 }],
    },
    {
      name: 'two holes in two statements',
      code: "await client.query(`SET LOCAL app.tenant_id = '${t}'; SET LOCAL app.user_id = '${u}'`);",
      errors: [
        { messageId: 'interpolatedContext', line: 1, column: 50 },
        { messageId: 'interpolatedContext', line: 1, column: 82 },
      ],
    },
  ],
});
