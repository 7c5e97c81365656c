import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startPostgres, type PostgresServer } from '@tenant-scope/pg-harness';
import type { AssertionMode, TenantScopeViolation } from '@tenant-scope/guard';
import { createRedTeamDatabase, redTeamScope, settledWithin, type RedTeamDatabase } from './red-team-fixture.js';
import { sideEffects } from './tenant-database.js';

// Issue #14 class 8: role defaults every new session starts with get their real cause, and valid
// but deeply nested SQL is sent in warn mode.

const MODES: AssertionMode[] = ['off', 'warn', 'throw'];

let postgres: PostgresServer;
let database: RedTeamDatabase;

beforeAll(async () => {
  postgres = await startPostgres();
  database = await createRedTeamDatabase(postgres);
});

afterAll(async () => {
  await database?.drop();
  await postgres?.stop();
});

async function alterAppRole(sql: string): Promise<void> {
  const admin = await database.admin();
  try {
    await admin.query(`alter role ${admin.escapeIdentifier(database.app.user)} ${sql}`);
  } finally {
    await admin.end();
  }
}

describe('a role default every new session starts with', () => {
  test.each([
    ['set app.tenant_id', `set app.tenant_id = '00000000-0000-0000-0000-000000000009'`, 'reset app.tenant_id', 'app.tenant_id'],
    ['set role', 'set role = ROLE', 'reset role', 'role'],
  ])('%s: every scope fails with a message naming the default, in every mode, and fn never runs', async (_name, set, reset, setting) => {
    await alterAppRole(set.replace('ROLE', `"${database.bypassRole}"`));
    try {
      for (const mode of MODES) {
        const pool = database.appPool({ max: 1 });
        const { scope, violations } = redTeamScope(pool, mode);
        let ran = false;
        const outcome = await settledWithin(
          scope.withTenant({ tenantId: database.tenants[0]! }, () => {
            ran = true;
          }),
          15_000,
          'withTenant',
        );
        // scope.query: the statement, in the same batch after the failing context statement, never runs.
        const queried = await settledWithin(scope.query({ tenantId: database.tenants[0]! }, `insert into side_effects (note) values ('role-default')`), 15_000, 'scope.query');
        await pool.end();

        expect(queried.status).toBe('rejected');
        const refused = (queried as PromiseRejectedResult).reason as TenantScopeViolation;
        expect([refused.code, violations.length]).toEqual(['leaked-context', 2]);
        expect(refused.message).toContain(`every new session of this role starts with ${setting} set by a role or database default`);
        expect(await sideEffects(database, 'role-default')).toBe(0);
        violations.pop();

        expect(outcome.status).toBe('rejected');
        const violation = (outcome as PromiseRejectedResult).reason as TenantScopeViolation;
        expect([violation.code, violations.length]).toEqual(['leaked-context', 1]);
        expect(violation.message).toContain(`every new session of this role starts with ${setting} set by a role or database default`);
        expect(violation.message).toContain(`ALTER ROLE <application role> RESET ${setting}`);
        // fn was called (its statements were pipelined) but sent nothing that ran.
        expect(ran).toBe(true);
      }
    } finally {
      await alterAppRole(reset);
    }
  });
});

describe('deeply nested SQL', () => {
  test.each(MODES)('%s: 2,000 nested coalesce calls are sent and answered, not refused with a RangeError', async (mode) => {
    const pool = database.appPool({ max: 1 });
    const { scope, violations } = redTeamScope(pool, mode);
    const sql = `select ${'coalesce('.repeat(2000)}1${', 0)'.repeat(2000)} as n`;

    const n = await scope.withTenant({ tenantId: database.tenants[0]! }, async (client) => (await client.query<{ n: number }>(sql)).rows[0]?.n);
    const queried = await scope.query<{ n: number }>({ tenantId: database.tenants[0]! }, sql);
    await pool.end();

    expect([n, queried.rows[0]?.n]).toEqual([1, 1]);
    expect(violations).toEqual([]);
  });
});
