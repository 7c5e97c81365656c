import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { bigserial, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { Kysely, PostgresDialect, type Generated } from 'kysely';
import type pg from 'pg';
import { startPostgres, type PostgresServer } from '@tenant-scope/pg-harness';
import { TenantScopeViolation } from '@tenant-scope/guard';
import { appRole, createTenantDatabase, type TenantDatabase } from './tenant-database.js';
import { codes, recordingScope, rejection } from './scope-fixture.js';

// ORMs on the scoped client: their statements run in the tenant transaction and are checked.

const items = pgTable('items', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  tenantId: uuid('tenant_id').notNull(),
  label: text('label').notNull(),
});

interface Database {
  items: { id: Generated<string>; tenant_id: string; label: string };
}

let postgres: PostgresServer;
let database: TenantDatabase;
let pool: pg.Pool;
let tenantA: string;
let tenantB: string;

beforeAll(async () => {
  postgres = await startPostgres();
  database = await createTenantDatabase(postgres, appRole());
  [tenantA, tenantB] = database.tenants as [string, string];
  pool = database.appPool({ max: 2 });
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
  await postgres?.stop();
});

describe('Drizzle (node-postgres driver)', () => {
  test('on the scoped client: reads only its tenant, writes under the policy, and a foreign insert is rejected by RLS', async () => {
    const { scope, violations } = recordingScope(pool, 'throw');

    const result = await scope.withTenant({ tenantId: tenantA }, async (client) => {
      const db = drizzle(client);
      await db.insert(items).values({ tenantId: tenantA, label: 'drizzle' });
      const rows = await db.select({ tenantId: items.tenantId, label: items.label }).from(items).where(eq(items.label, 'drizzle'));
      const all = await db.select({ tenantId: items.tenantId }).from(items);
      return { rows, tenants: [...new Set(all.map((row) => row.tenantId))] };
    });
    const foreign = await rejection(scope.withTenant({ tenantId: tenantA }, (client) => drizzle(client).insert(items).values({ tenantId: tenantB, label: 'x' })));

    expect(result).toEqual({ rows: [{ tenantId: tenantA, label: 'drizzle' }], tenants: [tenantA] });
    // Drizzle wraps driver errors; the cause is PostgreSQL's row-level security refusal.
    expect(((foreign as Error).cause as { code?: string }).code).toBe('42501');
    expect(violations).toEqual([]);
  });

  test('drizzle(scope.pool) inside withTenant runs on the tenant transaction; a raw session-level set through it is refused', async () => {
    const { scope, violations } = recordingScope(pool, 'throw');
    const db = drizzle(scope.pool);

    const tenants = await scope.withTenant({ tenantId: tenantB }, async () => (await db.select({ tenantId: items.tenantId }).from(items)).map((row) => row.tenantId));
    const error = await rejection(scope.withTenant({ tenantId: tenantB }, () => db.execute(`select set_config('app.tenant_id', 'x', false)`)));

    expect(tenants).toEqual([tenantB, tenantB, tenantB]);
    expect((error as Error).cause).toBeInstanceOf(TenantScopeViolation);
    expect(((error as Error).cause as TenantScopeViolation).code).toBe('session-set');
    expect(codes(violations)).toEqual(['session-set']);
  });
});

describe('Kysely', () => {
  test('with PostgresDialect over the guarded pool: queries inside withTenant run in the tenant transaction; outside they are unscoped', async () => {
    const { scope, violations } = recordingScope(pool, 'throw');
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: scope.pool }) });

    const seen = await scope.withTenant({ tenantId: tenantB }, async () => {
      await db.insertInto('items').values({ tenant_id: tenantB, label: 'kysely' }).execute();
      return db.selectFrom('items').select(['tenant_id', 'label']).where('label', '=', 'kysely').execute();
    });
    const outside = await rejection(db.selectFrom('items').selectAll().execute());

    expect(seen).toEqual([{ tenant_id: tenantB, label: 'kysely' }]);
    expect((outside as TenantScopeViolation).code).toBe('unscoped-query');
    expect(codes(violations)).toEqual(['unscoped-query']);
  });

  test('on the scoped client handed to fn', async () => {
    const { scope, violations } = recordingScope(pool, 'throw');

    const tenants = await scope.withTenant({ tenantId: tenantA }, async (client) => {
      const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: { connect: async () => client, end: async () => {}, options: {} } }) });
      const rows = await db.selectFrom('items').select('tenant_id').distinct().execute();
      return rows.map((row) => row.tenant_id);
    });

    expect(tenants).toEqual([tenantA]);
    expect(violations).toEqual([]);
  });
});
