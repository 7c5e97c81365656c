/**
 * Handles recognised without type information from their type annotation and its import: a
 * framework-injected `constructor(private readonly db: Pool)`, a parameter `db: Kysely<DB>`.
 */
import requireTenantScope from '../src/rules/require-tenant-scope.js';
import { ruleTester, inTenantApp } from './rule-tester.js';

ruleTester.run('require-tenant-scope: handles by annotation', requireTenantScope, {
  valid: [
    { name: 'a Pool type that is not imported from pg', code: "interface Pool { query(t: string): unknown }\nexport function f(db: Pool) { return db.query('select 1'); }" },
    { name: 'a Pool imported from the application', code: "import type { Pool } from './db';\nexport function f(db: Pool) { return db.query('select 1'); }" },
    { name: 'a PoolClient parameter is one connection', code: "import type { PoolClient } from 'pg';\nexport function f(client: PoolClient) { return client.query('select 1'); }" },
    { name: 'a Kysely Transaction parameter', code: "import type { Transaction } from 'kysely';\nexport function f(trx: Transaction<DB>) { return trx.executeQuery(q); }" },
    { name: 'a Knex.Transaction parameter', code: "import { Knex } from 'knex';\nexport function f(trx: Knex.Transaction) { return trx.raw('select 1'); }" },
    { name: 'a Prisma.TransactionClient parameter', code: "import { Prisma } from '@prisma/client';\nexport function f(tx: Prisma.TransactionClient) { return tx.$queryRaw`select 1`; }" },
    { name: 'a union type is not guessed', code: "import type { Pool, PoolClient } from 'pg';\nexport function f(db: Pool | PoolClient) { return db.query('select 1'); }" },
  ],
  invalid: inTenantApp([
    {
      name: 'NestJS constructor(private readonly db: Pool)',
      code: "import { Pool } from 'pg';\nexport class Invoices {\n  constructor(private readonly db: Pool) {}\n  list() { return this.db.query('select * from invoices'); }\n}",
      errors: [{ messageId: 'unscopedQuery', line: 4, column: 19 }],
    },
    {
      name: 'a field declared with an imported type',
      code: "import type { Pool as PgPool } from 'pg';\nexport class Invoices {\n  private db!: PgPool;\n  list() { return this.db.query('select 1'); }\n}",
      errors: [{ messageId: 'unscopedQuery', line: 4, column: 19 }],
    },
    { name: 'a pg namespace import', code: "import * as pg from 'pg';\nexport function f(db: pg.Pool) { return db.query('select 1'); }", errors: [{ messageId: 'unscopedQuery', line: 2, column: 41 }] },
    { name: 'a Kysely parameter with executeQuery', code: "import { Kysely } from 'kysely';\nexport function f(db: Kysely<DB>) { return db.executeQuery(q); }", errors: [{ messageId: 'unscopedQuery', line: 2, column: 44 }] },
    { name: 'a Drizzle database type from a driver entry point', code: "import type { NodePgDatabase } from 'drizzle-orm/node-postgres';\nexport function f(db: NodePgDatabase) { return db.execute(q); }", errors: [{ messageId: 'unscopedQuery', line: 2, column: 48 }] },
    { name: 'a postgres.js Sql parameter as a tag', code: "import type { Sql } from 'postgres';\nexport function f(sql: Sql) { return sql`select * from invoices`; }", errors: [{ messageId: 'unscopedQuery', line: 2, column: 38 }] },
    { name: 'an injected TypeORM DataSource', code: "import { DataSource } from 'typeorm';\nexport class S {\n  constructor(private dataSource: DataSource) {}\n  list() { return this.dataSource.query('select 1'); }\n}", errors: [{ messageId: 'unscopedQuery', line: 4, column: 19 }] },
    { name: 'an injected Sequelize', code: "import { Sequelize } from 'sequelize';\nexport class S {\n  constructor(private sequelize: Sequelize) {}\n  list() { return this.sequelize.query('select 1'); }\n}", errors: [{ messageId: 'unscopedQuery', line: 4, column: 19 }] },
    { name: 'a declared variable', code: "import type { PrismaClient } from '@prisma/client';\ndeclare const prisma: PrismaClient;\nawait prisma.$queryRawUnsafe('select 1');", errors: [{ messageId: 'unscopedQuery', line: 3, column: 7 }] },
  ]),
});
