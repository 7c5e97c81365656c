/**
 * The ORM transaction cases with type information: handles imported from another module
 * (test/fixtures/typed-orm/orm-db.ts) are known only by their type, from the ORMs' real declarations.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuleTester } from '@typescript-eslint/rule-tester';
import noPoolTransaction from '../../src/rules/no-pool-transaction.js';
import noSessionSet from '../../src/rules/no-session-set.js';
import requireTenantScope from '../../src/rules/require-tenant-scope.js';

// RuleTester's hooks are set to Vitest's in ../rule-tester.js.
import { inTenantApp } from '../rule-tester.js';

const typedRuleTester = new RuleTester({
  languageOptions: {
    parserOptions: { projectService: true, tsconfigRootDir: join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'typed-orm') },
  },
});

const handles = "import { dataSource, drizzleDb, em, knexDb, kysely, sequelize, sql as pgsql } from './orm-db.js';\nimport { CompiledQuery } from 'kysely';\ndeclare const id: string;\n";
/** The `sql` tag of one ORM, on the line after the handles. */
const kyselySql = "import { sql } from 'kysely';\n";
const drizzleSql = "import { sql } from 'drizzle-orm';\n";
const localSet = "select set_config('app.tenant_id', $1, true)";

typedRuleTester.run('no-pool-transaction: ORM transactions with types', noPoolTransaction, {
  valid: [
    { name: 'Kysely transaction', code: `${handles}${kyselySql}await kysely.transaction().execute(async (trx) => { await sql\`select set_config('app.tenant_id', \${id}, true)\`.execute(trx); });` },
    { name: 'Kysely Transaction parameter', code: `${handles}import type { Transaction } from 'kysely';\nexport async function f(trx: Transaction<Record<string, never>>) { await trx.executeQuery(CompiledQuery.raw("${localSet}", [id])); }` },
    { name: 'Knex transaction', code: `${handles}await knexDb.transaction(async (trx) => { await trx.raw("select set_config('app.tenant_id', ?, true)", [id]); });` },
    { name: 'Knex.Transaction parameter', code: `${handles}import type { Knex } from 'knex';\nexport async function f(trx: Knex.Transaction) { await trx.raw("select set_config('app.tenant_id', ?, true)", [id]); }` },
    { name: 'Drizzle transaction', code: `${handles}${drizzleSql}await drizzleDb.transaction(async (tx) => { await tx.execute(sql\`select set_config('app.tenant_id', \${id}, true)\`); });` },
    { name: 'TypeORM transaction', code: `${handles}await dataSource.transaction(async (manager) => { await manager.query("${localSet}", [id]); });` },
    { name: 'Sequelize transaction option', code: `${handles}await sequelize.transaction(async (t) => { await sequelize.query("${localSet}", { bind: [id], transaction: t }); });` },
    { name: 'MikroORM transactional', code: `${handles}await em.transactional(async (tem) => { await tem.execute("${localSet}", [id]); });` },
    { name: 'postgres.js begin', code: `${handles}await pgsql.begin(async (tx) => { await tx.unsafe("${localSet}", [id]); });` },
  ],
  invalid: [
    { name: 'Kysely sql`…`.execute(db)', code: `${handles}${kyselySql}await sql\`select set_config('app.tenant_id', \${id}, true)\`.execute(kysely);`, errors: [{ messageId: 'poolLocalSet', line: 5, column: 18 }] },
    { name: 'Knex raw', code: `${handles}await knexDb.raw("select set_config('app.tenant_id', ?, true)", [id]);`, errors: [{ messageId: 'poolLocalSet', line: 4, column: 26 }] },
    { name: 'Drizzle execute', code: `${handles}${drizzleSql}await drizzleDb.execute(sql\`select set_config('app.tenant_id', \${id}, true)\`);`, errors: [{ messageId: 'poolLocalSet', line: 5, column: 36 }] },
    { name: 'TypeORM dataSource.query', code: `${handles}await dataSource.query("${localSet}", [id]);`, errors: [{ messageId: 'poolLocalSet', line: 4, column: 32 }] },
    { name: 'Sequelize query', code: `${handles}await sequelize.query("${localSet}", { bind: [id] });`, errors: [{ messageId: 'poolLocalSet', line: 4, column: 31 }] },
    { name: 'MikroORM execute', code: `${handles}await em.execute("${localSet}", [id]);`, errors: [{ messageId: 'poolLocalSet', line: 4, column: 26 }] },
    { name: 'postgres.js unsafe', code: `${handles}await pgsql.unsafe("${localSet}", [id]);`, errors: [{ messageId: 'poolLocalSet', line: 4, column: 28 }] },
  ],
});

typedRuleTester.run('require-tenant-scope: ORM handles with types', requireTenantScope, {
  valid: [
    { name: 'Kysely query on the transaction', code: `${handles}${kyselySql}await kysely.transaction().execute(async (trx) => sql\`select * from invoices\`.execute(trx));` },
    { name: 'a TypeORM query runner is one connection', code: `${handles}const runner = dataSource.createQueryRunner();\ntry { await runner.query('select 1'); } finally { await runner.release(); }` },
  ],
  invalid: inTenantApp([
    { name: 'Kysely executeQuery on the database', code: `${handles}await kysely.executeQuery(CompiledQuery.raw('select * from invoices'));`, errors: [{ messageId: 'unscopedQuery', line: 4, column: 7 }] },
    { name: 'Drizzle execute on the database', code: `${handles}${drizzleSql}await drizzleDb.execute(sql\`select * from invoices\`);`, errors: [{ messageId: 'unscopedQuery', line: 5, column: 7 }] },
    { name: 'postgres.js handle as a tag', code: `${handles}await pgsql\`select * from invoices\`;`, errors: [{ messageId: 'unscopedQuery', line: 4, column: 7 }] },
  ]),
});

typedRuleTester.run('no-session-set: RESET in ORM transactions with types', noSessionSet, {
  valid: [
    { name: 'RESET inside a Kysely transaction', code: `${handles}await kysely.transaction().execute(async (trx) => { await trx.executeQuery(CompiledQuery.raw('RESET app.tenant_id')); });` },
  ],
  invalid: [
    { name: 'RESET on the Kysely database', code: `${handles}await kysely.executeQuery(CompiledQuery.raw('RESET app.tenant_id'));`, errors: [{ messageId: 'sessionReset', line: 4, column: 46 }] },
  ],
});
