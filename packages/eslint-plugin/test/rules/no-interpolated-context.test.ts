import rule from '../../src/rules/no-interpolated-context.js';
import { ruleTester } from '../rule-tester.js';

ruleTester.run('no-interpolated-context', rule, {
  valid: [
    { name: 'a built-in setting that selects no tenant', code: "await db.execute(sql`set time zone '${sql.raw(zone)}'`);" },
    { name: 'statement_timeout spliced', code: 'await client.query(`SET statement_timeout = ${ms}`);' },
    { name: 'a custom setting outside the configured contextGucs', code: "await client.query(`SET LOCAL app.locale = '${locale}'`);", settings: { 'tenant-scope': { contextGucs: ['app.tenant_id'] } } },
    { name: "node-postgres' escapeIdentifier", code: 'await client.query(`SET search_path TO ${client.escapeIdentifier(schema)}, public`);' },
    { name: "node-postgres' escapeLiteral", code: 'await client.query(`SET LOCAL app.tenant_id = ${escapeLiteral(tenantId)}`);' },
    { name: "pg-format's format.ident", code: 'await client.query(`SET search_path TO ${format.ident(schema)}`);' },
    { name: "pg-format's %I", code: "await client.query(`SET LOCAL ROLE ${format('%I', role)}`);" },
    { name: 'double quotes doubled inside double quotes', code: 'await client.query(`SET search_path TO "${schema.replace(/"/g, \'""\')}"`);' },
    { name: 'single quotes doubled inside single quotes', code: "await client.query(`SET LOCAL app.tenant_id = '${tenantId.replaceAll(\"'\", \"''\")}'`);" },
    { name: 'a parameter declared as a number', code: "async function scope(db, tenantId: number) {\n  await db.execute(sql.raw(`SET LOCAL app.tenant_id = '${tenantId}'`));\n}" },
    { name: 'a parameter declared as a union of role names', code: "async function asRole(db, role: 'authenticated' | 'anon') {\n  await db.execute(sql.raw(`SET LOCAL ROLE ${role}`));\n}" },
    { name: 'a const made a number, then a string', code: "const safeOrgId = Math.trunc(orgId);\nawait tx.execute(sql.raw(`SET LOCAL app.org_id = '${String(safeOrgId)}'`));" },
    { name: 'Number() of a request value', code: "await client.query(`SET LOCAL app.tenant_id = ${Number(req.params.id)}`);" },
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
      name: 'a custom setting without configured contextGucs may be tenant context',
      code: "await client.query(`SET LOCAL app.locale = '${locale}'`);",
      errors: [{ messageId: 'interpolatedContext', line: 1, column: 47 }],
    },
    {
      name: 'an escaped literal inside quotes of its own',
      code: "await client.query(`SET LOCAL app.tenant_id = '${escapeLiteral(tenantId)}'`);",
      errors: [{ messageId: 'interpolatedContext', line: 1, column: 50 }],
    },
    {
      name: 'double quotes doubled inside single quotes',
      code: "await client.query(`SET LOCAL app.tenant_id = '${tenantId.replace(/\"/g, '\"\"')}'`);",
      errors: [{ messageId: 'interpolatedContext', line: 1, column: 50 }],
    },
    {
      name: 'quotes replaced without the global flag',
      code: "await client.query(`SET LOCAL app.tenant_id = '${tenantId.replace(\"'\", \"''\")}'`);",
      errors: [{ messageId: 'interpolatedContext', line: 1, column: 50 }],
    },
    {
      name: "pg-format's %s splices as it is",
      code: "await client.query(`SET LOCAL app.tenant_id = ${format('%s', tenantId)}`);",
      errors: [{ messageId: 'interpolatedContext', line: 1, column: 49 }],
    },
    {
      name: 'a parameter declared as a string',
      code: "async function scope(db, tenantId: string) {\n  await db.execute(sql.raw(`SET LOCAL app.tenant_id = '${tenantId}'`));\n}",
      errors: [{ messageId: 'interpolatedContext', line: 2, column: 58 }],
    },
    {
      name: 'a let made a number can be given another value',
      code: "let id = Number(raw);\nid = raw;\nawait client.query(`SET LOCAL app.tenant_id = '${id}'`);",
      errors: [{ messageId: 'interpolatedContext', line: 3, column: 50 }],
    },
    {
      name: 'a union with a literal that holds a quote',
      code: "async function asRole(db, role: 'anon' | \"x' or '1\") {\n  await db.execute(sql.raw(`SET LOCAL ROLE ${role}`));\n}",
      errors: [{ messageId: 'interpolatedRole', line: 2, column: 46 }],
    },
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
