import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sql as drizzleSql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { Kysely, PostgresDialect, sql as kyselySql } from 'kysely';
import knex from 'knex';
import type pg from 'pg';
import { pgbouncerAvailability, startPgBouncer, startPostgres, type PgBouncerServer, type PostgresServer } from '@tenant-scope/pg-harness';
import type { AssertionMode, TenantScope } from '@tenant-scope/guard';
import { appRole, createTenantDatabase, sideEffects, type TenantDatabase } from './tenant-database.js';
import { codes, recordingScope } from './scope-fixture.js';

// Issue #14 class 5: an ORM's own transaction() inside withTenant sends BEGIN/COMMIT/ROLLBACK on
// the scoped client; they become a savepoint of the tenant transaction in every mode, so the ORM
// transaction commits or rolls back its own work and the rest of fn keeps the tenant context.

const pgbouncer = pgbouncerAvailability();
const MODES: AssertionMode[] = ['off', 'warn', 'throw'];

/** One ORM transaction that commits (note `kept`) and one that throws (note `undone`), then what fn still sees. */
type OrmRun = (scope: TenantScope<'tenantId'>, client: pg.PoolClient, notes: { kept: string; undone: string }) => Promise<void>;

const ORMS: Array<[string, OrmRun]> = [
  [
    'drizzle-orm db.transaction() on drizzle(scope.pool)',
    async (scope, _client, notes) => {
      const db = drizzle(scope.pool);
      await db.transaction(async (tx) => {
        await tx.execute(drizzleSql`insert into side_effects (note) values (${notes.kept})`);
      });
      await db
        .transaction(async (tx) => {
          await tx.execute(drizzleSql`insert into side_effects (note) values (${notes.undone})`);
          throw new Error('undo');
        })
        .catch(() => undefined);
    },
  ],
  [
    'kysely db.transaction().execute() on PostgresDialect({ pool: scope.pool })',
    async (scope, _client, notes) => {
      const db = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool: scope.pool }) });
      await db.transaction().execute(async (trx) => {
        await kyselySql`insert into side_effects (note) values (${notes.kept})`.execute(trx);
      });
      await db
        .transaction()
        .execute(async (trx) => {
          await kyselySql`insert into side_effects (note) values (${notes.undone})`.execute(trx);
          throw new Error('undo');
        })
        .catch(() => undefined);
    },
  ],
  [
    'knex transaction() with the scoped client as its connection',
    async (_scope, client, notes) => {
      const db = knex({ client: 'pg' });
      try {
        await db.transaction(async (trx) => {
          await trx.raw('insert into side_effects (note) values (?)', [notes.kept]);
        }, { connection: client });
        await db
          .transaction(async (trx) => {
            await trx.raw('insert into side_effects (note) values (?)', [notes.undone]);
            throw new Error('undo');
          }, { connection: client })
          .catch(() => undefined);
      } finally {
        await db.destroy();
      }
    },
  ],
];

const TARGETS = [
  { name: 'direct' as const, skip: false },
  { name: 'pgbouncer' as const, skip: !pgbouncer.available },
];

describe.each(TARGETS)('ORM transactions inside withTenant, $name', ({ name, skip }) => {
  let postgres: PostgresServer;
  let bouncer: PgBouncerServer | undefined;
  let database: TenantDatabase;
  let pool: pg.Pool;
  let tenantA: string;
  let counter = 0;

  beforeAll(async () => {
    if (skip) return;
    postgres = await startPostgres();
    const app = appRole();
    database = await createTenantDatabase(postgres, app);
    tenantA = database.tenants[0] as string;
    if (name === 'pgbouncer') {
      bouncer = await startPgBouncer(postgres, { poolMode: 'transaction', poolSize: 1, users: [app] });
      pool = database.appPoolThrough(bouncer, { max: 2 });
    } else {
      pool = database.appPool({ max: 1 });
    }
  });

  afterAll(async () => {
    await pool?.end();
    await bouncer?.stop();
    await database?.drop();
    await postgres?.stop();
  });

  for (const [orm, runOrm] of ORMS) {
    test.skipIf(skip).each(MODES)(`${orm} (%s): commits and rolls back as a savepoint; the rest of fn keeps its tenant`, async (mode) => {
      const { scope, violations } = recordingScope(pool, mode);
      const notes = { kept: `orm-kept-${name}-${++counter}`, undone: `orm-undone-${name}-${counter}` };

      const after = await scope.withTenant({ tenantId: tenantA }, async (client) => {
        await runOrm(scope, client, notes);
        const { rows } = await client.query<{ tenant_id: string }>('select tenant_id from items');
        return { status: client.getTransactionStatus(), tenants: rows.map((row) => row.tenant_id) };
      });

      expect(after).toEqual({ status: 'T', tenants: Array.from({ length: database.rowsPerTenant }, () => tenantA) });
      expect(codes(violations)).toEqual([]);
      expect([await sideEffects(database, notes.kept), await sideEffects(database, notes.undone)]).toEqual([1, 0]);
    });
  }
});
