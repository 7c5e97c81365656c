/**
 * Transaction semantics of each ORM, without type information: a transaction-local context write
 * is right inside that ORM's transaction (batch or interactive) and reported outside one.
 */
import noPoolTransaction from '../../src/rules/no-pool-transaction.js';
import noSessionSet from '../../src/rules/no-session-set.js';
import requireTenantScope from '../../src/rules/require-tenant-scope.js';
import { ruleTester, inTenantApp } from '../rule-tester.js';

const prisma = "import { PrismaClient } from '@prisma/client';\nconst prisma = new PrismaClient();\n";
const drizzle = "import { drizzle } from 'drizzle-orm/node-postgres';\nimport { sql } from 'drizzle-orm';\nconst db = drizzle(pool);\n";
const kysely = "import { Kysely, CompiledQuery, sql } from 'kysely';\nconst db = new Kysely({ dialect });\n";
const knex = "import knex from 'knex';\nconst db = knex(config);\n";
const typeorm = "import { DataSource } from 'typeorm';\nconst dataSource = new DataSource(options);\n";
const sequelize = "import { Sequelize } from 'sequelize';\nconst sequelize = new Sequelize(url);\n";
const mikro = "import { EntityManager } from '@mikro-orm/postgresql';\n";
const postgres = "import postgres from 'postgres';\nconst sql = postgres(url);\n";
const localSet = "select set_config('app.tenant_id', $1, true)";
/** Drizzle made over a client checked out of the pool: one connection, in the client's transaction. */
const drizzleOnClient = (body: string): string =>
  `import pg from 'pg';\nimport { drizzle } from 'drizzle-orm/node-postgres';\nimport { sql } from 'drizzle-orm';\nconst pool = new pg.Pool();\nexport async function run(id) {\n  const client = await pool.connect();\n  try {\n${body}\n  } finally {\n    client.release();\n  }\n}`;

ruleTester.run('no-pool-transaction: ORM transactions', noPoolTransaction, {
  valid: [
    {
      name: 'Drizzle over a checked-out client, inside its BEGIN',
      code: drizzleOnClient("    await client.query('BEGIN');\n    const db = drizzle(client);\n    await db.execute(sql`select set_config('app.tenant_id', ${id}, true)`);\n    await client.query('COMMIT');"),
    },
    {
      name: 'drizzle({ client }) inside BEGIN',
      code: drizzleOnClient("    await client.query('BEGIN');\n    const db = drizzle({ client });\n    await db.execute(sql`select set_config('app.tenant_id', ${id}, true)`);\n    await client.query('COMMIT');"),
    },
    { name: 'Prisma batch $transaction starting with set_config(…, true)', code: `${prisma}await prisma.$transaction([prisma.$executeRaw\`select set_config('app.tenant_id', \${id}, true)\`, prisma.invoice.findMany()]);` },
    { name: 'Prisma interactive $transaction', code: `${prisma}await prisma.$transaction(async (tx) => { await tx.$executeRawUnsafe("SET LOCAL app.tenant_id = 'a'"); return tx.invoice.findMany(); });` },
    { name: 'Drizzle db.transaction', code: `${drizzle}await db.transaction(async (tx) => { await tx.execute(sql\`select set_config('app.tenant_id', \${id}, true)\`); });` },
    { name: 'Kysely transaction().execute with sql`…`.execute(trx)', code: `${kysely}await db.transaction().execute(async (trx) => { await sql\`select set_config('app.tenant_id', \${id}, true)\`.execute(trx); });` },
    { name: 'Kysely executeQuery on the transaction', code: `${kysely}await db.transaction().setIsolationLevel('serializable').execute(async (trx) => { await trx.executeQuery(CompiledQuery.raw("${localSet}", [id])); });` },
    { name: 'Knex transaction callback', code: `${knex}await db.transaction(async (trx) => { await trx.raw("${localSet}", [id]); });` },
    { name: 'Knex raw bound with .transacting(trx)', code: `${knex}const trx = await db.transaction();\nawait db.raw("${localSet}", [id]).transacting(trx);` },
    { name: 'TypeORM dataSource.transaction', code: `${typeorm}await dataSource.transaction(async (manager) => { await manager.query("${localSet}", [id]); });` },
    { name: 'TypeORM manager.transaction', code: `${typeorm}await dataSource.manager.transaction(async (manager) => { await manager.query("${localSet}", [id]); });` },
    { name: 'Sequelize query given { transaction }', code: `${sequelize}await sequelize.transaction(async (t) => { await sequelize.query("${localSet}", { bind: [id], transaction: t }); });` },
    { name: 'MikroORM em.transactional', code: `${mikro}class S { constructor(private readonly em: EntityManager) {}\n  run() { return this.em.transactional(async (em) => { await em.execute("${localSet}", [id]); }); } }` },
    { name: 'postgres.js sql.begin', code: `${postgres}await sql.begin(async (tx) => { await tx.unsafe("${localSet}", [id]); });` },
  ],
  invalid: [
    {
      name: 'Drizzle over a checked-out client with no BEGIN',
      code: drizzleOnClient("    const db = drizzle(client);\n    await db.execute(sql`select set_config('app.tenant_id', ${id}, true)`);"),
      errors: [{ messageId: 'clientLocalSet', data: { name: 'app.tenant_id', client: 'db' }, line: 9, column: 33 }],
    },
    { name: 'Prisma $executeRaw of set_config(…, true) outside $transaction', code: `${prisma}await prisma.$executeRaw\`select set_config('app.tenant_id', \${id}, true)\`;`, errors: [{ messageId: 'poolLocalSet', line: 3, column: 33 }] },
    { name: 'Prisma $executeRawUnsafe of SET LOCAL outside $transaction', code: `${prisma}await prisma.$executeRawUnsafe("SET LOCAL app.tenant_id = 'a'");`, errors: [{ messageId: 'poolLocalSet', line: 3, column: 33 }] },
    { name: 'Drizzle db.execute', code: `${drizzle}await db.execute(sql\`select set_config('app.tenant_id', \${id}, true)\`);`, errors: [{ messageId: 'poolLocalSet', line: 4, column: 29 }] },
    { name: 'Kysely sql`…`.execute(db)', code: `${kysely}await sql\`select set_config('app.tenant_id', \${id}, true)\`.execute(db);`, errors: [{ messageId: 'poolLocalSet', line: 3, column: 18 }] },
    { name: 'Kysely executeQuery on the database', code: `${kysely}await db.executeQuery(CompiledQuery.raw("SET LOCAL app.tenant_id = 'a'"));`, errors: [{ messageId: 'poolLocalSet', line: 3, column: 42 }] },
    { name: 'Knex db.raw', code: `${knex}await db.raw("select set_config('app.tenant_id', ?, true)", [id]);`, errors: [{ messageId: 'poolLocalSet', line: 3, column: 22 }] },
    { name: 'TypeORM dataSource.query', code: `${typeorm}await dataSource.query("${localSet}", [id]);`, errors: [{ messageId: 'poolLocalSet', line: 3, column: 32 }] },
    { name: 'TypeORM dataSource.manager.query', code: `${typeorm}await dataSource.manager.query("${localSet}", [id]);`, errors: [{ messageId: 'poolLocalSet', line: 3, column: 40 }] },
    { name: 'Sequelize query without a transaction', code: `${sequelize}await sequelize.query("SET LOCAL app.tenant_id = 'a'");`, errors: [{ messageId: 'poolLocalSet', line: 3, column: 24 }] },
    { name: 'MikroORM em.execute on an injected EntityManager', code: `${mikro}class S { constructor(private readonly em: EntityManager) {}\n  run() { return this.em.execute("${localSet}", [id]); } }`, errors: [{ messageId: 'poolLocalSet', line: 3, column: 42 }] },
    { name: 'postgres.js sql.unsafe', code: `${postgres}await sql.unsafe("${localSet}", [id]);`, errors: [{ messageId: 'poolLocalSet', line: 3, column: 26 }] },
    { name: 'postgres.js sql`…`', code: `${postgres}await sql\`select set_config('app.tenant_id', \${id}, true)\`;`, errors: [{ messageId: 'poolLocalSet', line: 3, column: 18 }] },
  ],
});

ruleTester.run('require-tenant-scope: ORM transactions', requireTenantScope, {
  valid: [
    {
      name: 'a query through Drizzle over the checked-out client is no pool query',
      code: drizzleOnClient("    await client.query('BEGIN');\n    await client.query(\"select set_config('app.tenant_id', $1, true)\", [id]);\n    const db = drizzle(client);\n    await db.execute(sql`select * from invoices`);\n    await client.query('COMMIT');"),
    },
    { name: 'Prisma batch: the query after the context write is scoped', code: `${prisma}await prisma.$transaction([prisma.$executeRaw\`select set_config('app.tenant_id', \${id}, true)\`, prisma.$queryRaw\`select * from invoices\`]);` },
    { name: 'a context write alone is judged by no-pool-transaction', code: `${prisma}await prisma.$executeRaw\`select set_config('app.tenant_id', \${id}, true)\`;` },
    { name: 'Kysely query run on the transaction', code: `${kysely}await db.transaction().execute(async (trx) => { await sql\`select set_config('app.tenant_id', \${id}, true)\`.execute(trx); return sql\`select * from invoices\`.execute(trx); });` },
    { name: 'Sequelize query given { transaction }', code: `${sequelize}await sequelize.query('select * from invoices', { transaction: t });` },
    { name: 'a client used after the context write', code: "import pg from 'pg';\nconst pool = new pg.Pool();\nconst client = await pool.connect();\ntry { await client.query(\"select set_config('app.tenant_id', $1, false)\", [id]); await client.query('select * from invoices'); } finally { client.release(); }" },
    { name: 'a query runner handed to the work', code: `${typeorm}const runner = dataSource.createQueryRunner();\ntry { await runner.query("${localSet}", [id]); await work(runner); } finally { await runner.release(); }` },
    { name: 'a transaction callback that goes on using its handle', code: `${prisma}await prisma.$transaction(async (tx) => { await tx.$executeRaw\`select set_config('app.tenant_id', \${id}, true)\`; return tx.invoice.findMany(); });` },
  ],
  invalid: inTenantApp([
    { name: 'Prisma batch without a context write', code: `${prisma}await prisma.$transaction([prisma.$queryRaw\`select * from invoices\`]);`, errors: [{ messageId: 'unscopedQuery', line: 3, column: 28 }] },
    { name: 'Prisma batch: a query before the context write', code: `${prisma}await prisma.$transaction([prisma.$queryRaw\`select * from invoices\`, prisma.$executeRaw\`select set_config('app.tenant_id', \${id}, true)\`]);`, errors: [{ messageId: 'unscopedQuery', line: 3, column: 28 }] },
    { name: 'Kysely sql`…`.execute(db) on the database', code: `${kysely}await sql\`select * from invoices\`.execute(db);`, errors: [{ messageId: 'unscopedQuery', line: 3, column: 7 }] },
    {
      name: 'a query runner released right after the context write (TypeORM, NestJS interceptor)',
      code: `${typeorm}class I { constructor(private dataSource: DataSource) {}\n  async intercept(next) {\n    const runner = this.dataSource.createQueryRunner();\n    await runner.connect();\n    try { await runner.query("select set_config('app.tenant_id', $1, false)", [id]); }\n    finally { await runner.release(); }\n    return next.handle();\n  } }`,
      errors: [{ messageId: 'contextReleasedUnused', data: { handle: 'runner', name: 'app.tenant_id', wrapper: 'withTenant' }, line: 8, column: 21 }],
    },
    {
      name: 'a pg client released right after the context write',
      code: "import { Pool } from 'pg';\nconst pool = new Pool();\nconst client = await pool.connect();\nawait client.query(\"select set_config('app.tenant_id', $1, false)\", [id]);\nclient.release();",
      errors: [{ messageId: 'contextReleasedUnused', line: 5, column: 1 }],
    },
    {
      name: 'a transaction that ends right after the context write',
      code: `${prisma}await prisma.$transaction(async (tx) => { await tx.$executeRaw\`select set_config('app.tenant_id', \${id}, true)\`; });\nawait prisma.invoice.findMany();`,
      errors: [{ messageId: 'contextTransactionUnused', data: { handle: 'tx', name: 'app.tenant_id' }, line: 3, column: 49 }],
    },
  ]),
});

ruleTester.run('no-session-set: ORM transactions', noSessionSet, {
  valid: [
    { name: 'RESET inside a Kysely transaction', code: `${kysely}await db.transaction().execute(async (tx) => { try { return await work(tx); } finally { await tx.executeQuery(CompiledQuery.raw('RESET app.tenant_id')); } });` },
    { name: 'RESET inside a Prisma batch', code: `${prisma}await prisma.$transaction([prisma.$executeRawUnsafe('RESET app.tenant_id'), prisma.invoice.findMany()]);` },
    { name: 'RESET on the client of withTenant', code: "await withTenant(pool, t, async (client) => { await client.query('RESET app.tenant_id'); });" },
  ],
  invalid: [
    { name: 'Knex db.raw of set_config(…, false)', code: `${knex}await db.raw("select set_config('app.tenant_id', ?, false)", [id]);`, errors: [{ messageId: 'sessionSet', line: 3, column: 22, suggestions: [{ messageId: 'useSetConfigLocal', output: `${knex}await db.raw("select set_config('app.tenant_id', ?, true)", [id]);` }] }] },
    { name: 'RESET on the pool is still a too-late cleanup', code: `${prisma}await prisma.$executeRawUnsafe('RESET app.tenant_id');`, errors: [{ messageId: 'sessionReset', line: 3, column: 33 }] },
    { name: 'a session SET inside a Prisma batch still outlives it', code: `${prisma}await prisma.$transaction([prisma.$executeRawUnsafe("SET app.tenant_id = 'a'"), prisma.invoice.findMany()]);`, errors: [{ messageId: 'sessionSet', line: 3, column: 54, suggestions: [{ messageId: 'useSetLocal', output: `${prisma}await prisma.$transaction([prisma.$executeRawUnsafe("SET LOCAL app.tenant_id = 'a'"), prisma.invoice.findMany()]);` }] }] },
  ],
});
