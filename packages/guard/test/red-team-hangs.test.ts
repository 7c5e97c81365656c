import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type pg from 'pg';
import Cursor from 'pg-cursor';
import QueryStream from 'pg-query-stream';
import { pgbouncerAvailability } from '@tenant-scope/pg-harness';
import type { TenantScopeViolation} from '@tenant-scope/guard';
import { type AssertionMode } from '@tenant-scope/guard';
import { cleanState, nextTenantState, redTeamScope, scrub, settledWithin, startRedTeamTarget, type RedTeamDatabase, type RedTeamTarget } from './red-team-fixture.js';

// Issue #14 class 7: whatever fn does with Submittables, callbacks and nested scopes, withTenant
// settles within a bound, no rejection goes unhandled, and the next tenant finds a clean session.

const pgbouncer = pgbouncerAvailability();
const MODES: AssertionMode[] = ['off', 'warn', 'throw'];
const HANG_MS = 15_000;
const TARGETS = [
  { name: 'direct' as const, skip: false },
  { name: 'pgbouncer' as const, skip: !pgbouncer.available },
];

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

describe.each(TARGETS)('red team (hangs and crashes), $name', ({ name, skip }) => {
  let target: RedTeamTarget | undefined;
  let database: RedTeamDatabase;
  let pool: pg.Pool;
  let tenantA: string;
  let tenantB: string;

  beforeAll(async () => {
    if (skip) return;
    target = await startRedTeamTarget(name);
    ({ database, pool } = target);
    [tenantA, tenantB] = database.tenants as [string, string];
  });

  afterAll(async () => {
    await target?.stop();
  });

  beforeEach(() => {
    unhandled = [];
    process.on('unhandledRejection', onUnhandled);
  });

  afterEach(async () => {
    process.off('unhandledRejection', onUnhandled);
    if (!skip) await scrub(pool);
  });

  async function expectCleanNext(): Promise<void> {
    const next = await settledWithin(nextTenantState(pool, tenantB), HANG_MS, 'the next tenant');
    expect(next).toEqual({ status: 'fulfilled', value: cleanState(database, tenantB) });
    expect(unhandled).toEqual([]);
  }

  test.skipIf(skip).each(MODES)('a refused or accepted QueryStream answers through its own events, never a Promise (%s)', async (mode) => {
    const { scope } = redTeamScope(pool, mode);
    const sql = `select set_config('app.tenant_id', '${tenantB}', false)`;

    const outcome = await settledWithin(
      scope.withTenant({ tenantId: tenantA }, async (client) => {
        await client.query('select 1');
        const stream = client.query(new QueryStream(sql));
        expect(stream).toBeInstanceOf(QueryStream);
        const ended = Promise.race([once(stream, 'error').then(([error]) => (error as TenantScopeViolation).code), once(stream, 'end').then(() => 'end')]);
        stream.resume();
        return ended;
      }),
      HANG_MS,
      'withTenant',
    );

    if (mode === 'throw') {
      // The stream got the refusal; the scope rolls back because of the violation.
      expect(outcome.status).toBe('rejected');
      expect(((outcome as PromiseRejectedResult).reason as TenantScopeViolation).code).toBe('session-set');
    } else {
      expect(outcome.status).toBe('rejected');
      expect(((outcome as PromiseRejectedResult).reason as TenantScopeViolation).code).toBe('context-changed');
    }
    await expectCleanNext();
  });

  test.skipIf(skip).each(MODES)('fn returns an unconsumed QueryStream: the scope settles, nothing hangs (%s)', async (mode) => {
    const { scope } = redTeamScope(pool, mode);

    const outcome = await settledWithin(
      scope.withTenant({ tenantId: tenantA }, async (client) => {
        await client.query('select 1');
        return { stream: client.query(new QueryStream('select tenant_id::text from items, generate_series(1, 1000)', [], { batchSize: 10 })) };
      }),
      HANG_MS,
      'withTenant',
    );

    expect(outcome.status).toBe('rejected');
    expect(String((outcome as PromiseRejectedResult).reason)).toMatch(/still open when fn returned/);
    await expectCleanNext();
  });

  test.skipIf(skip).each(MODES)('a pg-cursor left open after one read: the scope settles, nothing hangs (%s)', async (mode) => {
    const { scope } = redTeamScope(pool, mode);

    const outcome = await settledWithin(
      scope.withTenant({ tenantId: tenantA }, async (client) => {
        await client.query('select 1');
        const cursor = client.query(new Cursor<{ tenant_id: string }>('select tenant_id::text from items'));
        const rows = await cursor.read(1);
        return rows.map((row) => row.tenant_id);
      }),
      HANG_MS,
      'withTenant',
    );

    expect(outcome.status).toBe('rejected');
    expect(String((outcome as PromiseRejectedResult).reason)).toMatch(/still open when fn returned/);
    await expectCleanNext();
  });

  test.skipIf(skip).each(MODES)('a cursor closed by fn is fine (%s)', async (mode) => {
    const { scope } = redTeamScope(pool, mode);

    const outcome = await settledWithin(
      scope.withTenant({ tenantId: tenantA }, async (client) => {
        await client.query('select 1');
        const cursor = client.query(new Cursor<{ tenant_id: string }>('select tenant_id::text from items'));
        const rows = await cursor.read(10);
        await cursor.close();
        return rows.map((row) => row.tenant_id);
      }),
      HANG_MS,
      'withTenant',
    );

    expect(outcome).toEqual({ status: 'fulfilled', value: [tenantA, tenantA, tenantA] });
    await expectCleanNext();
  });

  test.skipIf(skip).each(MODES)('client.query({ text, callback }) and query(text, values, callback) answer through the callback (%s)', async (mode) => {
    const { scope } = redTeamScope(pool, mode);

    const outcome = await settledWithin(
      scope.withTenant({ tenantId: tenantA }, async (client) => {
        const first = await new Promise<string[]>((resolve, reject) => {
          const returned: unknown = client.query({
            text: 'select tenant_id::text from items',
            callback: (error: Error | null, result: pg.QueryResult<{ tenant_id: string }>) =>
              error ? reject(error) : resolve(result.rows.map((row) => row.tenant_id)),
          } as pg.QueryConfig);
          expect(returned).toBeUndefined();
        });
        const second = await new Promise<number>((resolve, reject) => {
          client.query<{ n: number }>('select $1::int as n', [7], (error, result) => (error ? reject(error) : resolve(result.rows[0]!.n)));
        });
        return { first, second };
      }),
      HANG_MS,
      'withTenant',
    );

    expect(outcome).toEqual({ status: 'fulfilled', value: { first: [tenantA, tenantA, tenantA], second: 7 } });
    await expectCleanNext();
  });

  const NESTED: Record<string, (scope: ReturnType<typeof redTeamScope>['scope']) => Promise<unknown>> = {
    withTenant: (scope) => scope.withTenant({ tenantId: tenantB }, async (inner) => (await inner.query('select 1')).rows),
    'scope.query': (scope) => scope.query({ tenantId: tenantB }, 'select 1'),
  };

  test.skipIf(skip).each(MODES.flatMap((mode) => Object.keys(NESTED).map((nested) => [mode, nested] as const)))('%s: nested %s for another tenant is refused at once, never a deadlock', async (mode, nested) => {
    const { scope, violations } = redTeamScope(pool, mode);

    const outcome = await settledWithin(
      scope.withTenant({ tenantId: tenantA }, async () => {
        await NESTED[nested]!(scope);
        return 'ran';
      }),
      HANG_MS,
      'withTenant',
    );

    expect(outcome.status).toBe('rejected');
    const reason = (outcome as PromiseRejectedResult).reason as TenantScopeViolation;
    expect(reason.code).toBe('nested-tenant');
    expect(violations.map((v) => v.code)).toEqual(['nested-tenant']);
    await expectCleanNext();
  });

  test.skipIf(skip).each(MODES)('scope.query for the same tenant inside its scope runs on that scope’s connection and transaction (%s)', async (mode) => {
    const { scope, violations } = redTeamScope(pool, mode);
    const backend = 'select pg_backend_pid() as pid, pg_current_xact_id()::text as xact';

    const outcome = await settledWithin(
      scope.withTenant({ tenantId: tenantA }, async (client) => {
        const outer = (await client.query(backend)).rows[0];
        const inner = (await scope.query({ tenantId: tenantA }, backend)).rows[0];
        return [outer, inner];
      }),
      HANG_MS,
      'withTenant',
    );

    expect(outcome.status).toBe('fulfilled');
    const [outer, inner] = (outcome as PromiseFulfilledResult<unknown[]>).value;
    expect(inner).toEqual(outer);
    expect(violations).toEqual([]);
    await expectCleanNext();
  });
});
