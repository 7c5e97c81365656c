import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type pg from 'pg';
import { startPostgres, type PostgresServer } from '@tenant-scope/pg-harness';
import { createTenantScope, TenantScopeViolation, type TenantScope } from '@tenant-scope/guard';
import { appRole, createTenantDatabase, sideEffects, type TenantDatabase } from './tenant-database.js';
import { codes, recordingScope, rejection } from './scope-fixture.js';

// Every violation code, each with the buggy code that shows it and the same code written correctly.
// Pools have one connection, so "the backend afterwards" is the backend the scope used.

let postgres: PostgresServer;
let database: TenantDatabase;
let tenantA: string;
let tenantB: string;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
  database = await createTenantDatabase(postgres, appRole());
  [tenantA, tenantB] = database.tenants as [string, string];
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await database?.drop();
  await postgres?.stop();
});

function onePool(): pg.Pool {
  const pool = database.appPool({ max: 1 });
  pools.push(pool);
  return pool;
}

async function sessionTenant(pool: pg.Pool): Promise<string | null> {
  const { rows } = await pool.query<{ tenant: string | null }>(`select current_setting('app.tenant_id', true) as tenant`);
  return rows[0]?.tenant ?? null;
}

/** The two ways to run one statement in a tenant scope: both must judge and check it alike. */
const RUNNERS = ['withTenant', 'scope.query'] as const;
type Runner = (typeof RUNNERS)[number];

function runOne(runner: Runner, scope: TenantScope<'tenantId'>, tenant: string, sql: string, values?: unknown[]): Promise<unknown> {
  if (runner === 'scope.query') return scope.query({ tenantId: tenant }, sql, values);
  return scope.withTenant({ tenantId: tenant }, (client) => client.query(sql, values));
}

async function tenantsSeen(client: pg.PoolClient): Promise<string[]> {
  const { rows } = await client.query<{ tenant_id: string }>('select tenant_id from items order by id');
  return rows.map((row) => row.tenant_id);
}

describe('leaked-context', () => {
  async function leakSessionTenant(pool: pg.Pool, tenant: string): Promise<void> {
    const client = await pool.connect();
    await client.query(`select set_config('app.tenant_id', $1, false)`, [tenant]);
    client.release();
  }

  test.each(RUNNERS)('throw (%s): a connection carrying a session-level tenant fails the scope, rolls back its work and is discarded', async (runner) => {
    const pool = onePool();
    const { scope, violations } = recordingScope(pool, 'throw');
    await leakSessionTenant(pool, tenantB);

    const error = await rejection(runOne(runner, scope, tenantA, `insert into side_effects (note) values ('leaked-throw')`));

    expect(error).toBeInstanceOf(TenantScopeViolation);
    expect((error as TenantScopeViolation).code).toBe('leaked-context');
    expect(codes(violations)).toEqual(['leaked-context']);
    expect(violations[0]?.contextKeys).toEqual(['tenantId']);
    expect(violations[0]?.callSite.split('\n')[0]).toContain('violations.test.ts');
    expect(await sideEffects(database, 'leaked-throw')).toBe(0);
    // The connection was destroyed: the next one is new and never had the setting.
    expect(await sessionTenant(pool)).toBeNull();
  });

  test.each(RUNNERS)('off (%s): detected at no extra cost and reported; the transaction still sees only its own tenant', async (runner) => {
    const pool = onePool();
    const { scope, violations, logged } = recordingScope(pool, 'off');
    await leakSessionTenant(pool, tenantB);

    const seen =
      runner === 'withTenant'
        ? await scope.withTenant({ tenantId: tenantA }, tenantsSeen)
        : (await scope.query<{ tenant_id: string }>({ tenantId: tenantA }, 'select tenant_id from items order by id')).rows.map((row) => row.tenant_id);

    expect(seen).toEqual(Array.from({ length: database.rowsPerTenant }, () => tenantA));
    expect(codes(violations)).toEqual(['leaked-context']);
    // onViolation listens, so the call site is captured in off mode too.
    expect(violations[0]?.callSite.split('\n')[0]).toContain('violations.test.ts');
    expect(logged).toEqual([]);
    // The leaking connection was reset and closed; fn ran on a new one, whose transaction-local value is gone.
    expect(await sessionTenant(pool)).toBe('');
  });

  test('off without onViolation: nobody hears of it (no call site is captured), but the connection is still reset, closed and replaced before fn runs', async () => {
    const pool = onePool();
    const scope = createTenantScope(pool, { context: { tenantId: 'app.tenant_id' }, assertions: 'off' });
    await leakSessionTenant(pool, tenantB);

    const seen = await scope.withTenant({ tenantId: tenantA }, tenantsSeen);

    expect(seen).toEqual(Array.from({ length: database.rowsPerTenant }, () => tenantA));
    expect(await sessionTenant(pool)).toBe('');
  });

  test('correct: a transaction-local set by earlier code leaves nothing to report', async () => {
    const pool = onePool();
    const { scope, violations } = recordingScope(pool, 'throw');
    const client = await pool.connect();
    await client.query('begin');
    await client.query(`select set_config('app.tenant_id', $1, true)`, [tenantB]);
    await client.query('commit');
    client.release();

    const seen = await scope.withTenant({ tenantId: tenantA }, tenantsSeen);

    expect(seen).toEqual(Array.from({ length: database.rowsPerTenant }, () => tenantA));
    expect(violations).toEqual([]);
    expect(await sessionTenant(pool)).toBe('');
  });
});

describe('session-set', () => {
  test.each(RUNNERS)('throw (%s): a session-level set_config of the tenant is never sent', async (runner) => {
    const pool = onePool();
    const { scope, violations } = recordingScope(pool, 'throw');

    const error = await rejection(runOne(runner, scope, tenantA, `select set_config('app.tenant_id', $1, false)`, [tenantB]));

    expect((error as TenantScopeViolation).code).toBe('session-set');
    expect((error as TenantScopeViolation).sql).toBe(`select set_config('app.tenant_id', $1, false)`);
    expect(codes(violations)).toEqual(['session-set']);
    // scope.query refuses before sending anything, so the session never even saw the setting.
    expect(await sessionTenant(pool)).toBe(runner === 'scope.query' ? null : '');
  });

  test('throw: SET search_path at session level is never sent', async () => {
    const pool = onePool();
    const { scope } = recordingScope(pool, 'throw');
    const before = (await pool.query<{ path: string }>(`select current_setting('search_path') as path`)).rows[0]?.path;

    const error = await rejection(scope.withTenant({ tenantId: tenantA }, (client) => client.query('set search_path = pg_catalog')));

    expect((error as TenantScopeViolation).code).toBe('session-set');
    expect((await pool.query<{ path: string }>(`select current_setting('search_path') as path`)).rows[0]?.path).toBe(before);
  });

  test.each(
    [
      `set app.tenant_id = 'x'`,
      'reset app.tenant_id',
      'reset all',
      'discard all',
      'set role postgres',
      'set session authorization postgres',
      `select set_config('app.tenant_id', 'x', $1)`,
      `select set_config($1, 'x', false)`,
      `do $$ begin perform set_config('app.tenant_id', 'x', false); end $$`,
      // A role default of the role or search_path would reach every later session of the pool.
      'alter role current_user set role = postgres',
      'alter role current_user set search_path = pg_catalog',
    ].flatMap((sql) => RUNNERS.map((runner) => [sql, runner] as const)),
  )('throw: %s is refused as session-set (%s)', async (sql, runner) => {
    const { scope, violations } = recordingScope(onePool(), 'throw');
    const error = await rejection(runOne(runner, scope, tenantA, sql));
    expect((error as TenantScopeViolation).code).toBe('session-set');
    expect(codes(violations)).toEqual(['session-set']);
  });

  test('warn: a session-level set of another tenant is sent and reported; the check before COMMIT rolls the transaction back', async () => {
    const pool = onePool();
    const { scope, violations, logged } = recordingScope(pool, 'warn');

    const error = await rejection(
      scope.withTenant({ tenantId: tenantA }, async (client) => {
        await client.query(`insert into side_effects (note) values ('switched-warn')`);
        await client.query(`select set_config('app.tenant_id', $1, false)`, [tenantB]);
      }),
    );

    expect((error as TenantScopeViolation).code).toBe('context-changed');
    expect(codes(violations)).toEqual(['session-set', 'context-changed']);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toContain('session-set');
    expect(await sideEffects(database, 'switched-warn')).toBe(0);
    // Rolled back (so the session-level value too) and the connection closed: no later user of the pool gets it.
    expect(await sessionTenant(pool)).toBeNull();
  });

  test.each(RUNNERS)('warn (%s): a session-level set of the scope’s own tenant is committed, reported after COMMIT and cleared', async (runner) => {
    const pool = onePool();
    const { scope, violations } = recordingScope(pool, 'warn');

    await runOne(runner, scope, tenantA, `select set_config('app.tenant_id', $1, false)`, [tenantA]);

    expect(codes(violations)).toEqual(['session-set', 'context-survived-commit']);
    expect(await sessionTenant(pool)).toBeNull();
  });

  test('correct: transaction-local sets of the tenant and search_path report nothing', async () => {
    const pool = onePool();
    const { scope, violations } = recordingScope(pool, 'throw');

    const seen = await scope.withTenant({ tenantId: tenantA }, async (client) => {
      await client.query(`set local search_path = public`);
      await client.query(`select set_config('app.tenant_id', $1, true)`, [tenantA]);
      // A function body is not executed by CREATE FUNCTION.
      await client.query(`create function pg_temp.later() returns void language plpgsql as $$ begin perform set_config('app.tenant_id', 'x', false); end $$`);
      return tenantsSeen(client);
    });

    expect(seen).toEqual(Array.from({ length: database.rowsPerTenant }, () => tenantA));
    expect(violations).toEqual([]);
    expect(await sessionTenant(pool)).toBe('');
  });
});

describe('transaction-control', () => {
  test('throw: COMMIT inside the scope is never sent and the work is rolled back, even when fn swallows the violation', async () => {
    const { scope, violations } = recordingScope(onePool(), 'throw');

    const error = await rejection(
      scope.withTenant({ tenantId: tenantA }, async (client) => {
        await client.query(`insert into side_effects (note) values ('commit-throw')`);
        await client.query('commit').catch(() => undefined);
        return 'swallowed';
      }),
    );

    expect((error as TenantScopeViolation).code).toBe('transaction-control');
    expect(codes(violations)).toEqual(['transaction-control']);
    expect(await sideEffects(database, 'commit-throw')).toBe(0);
  });

  test.each([['rollback'], ['end'], ['commit and chain']])('throw: %s outside an ORM transaction is refused', async (sql) => {
    const { scope } = recordingScope(onePool(), 'throw');
    const error = await rejection(scope.withTenant({ tenantId: tenantA }, (client) => client.query(sql)));
    expect((error as TenantScopeViolation).code).toBe('transaction-control');
  });

  test.each(['off', 'warn', 'throw'] as const)('%s: BEGIN … ROLLBACK and BEGIN … COMMIT on the scoped client become a savepoint inside the tenant transaction', async (mode) => {
    const { scope, violations } = recordingScope(onePool(), mode);

    const inside = await scope.withTenant({ tenantId: tenantA }, async (client) => {
      await client.query('begin');
      await client.query(`insert into side_effects (note) values ('nested-undone-${mode}')`);
      await client.query('rollback');
      await client.query('START TRANSACTION ISOLATION LEVEL READ COMMITTED;');
      await client.query(`insert into side_effects (note) values ('nested-kept-${mode}')`);
      await client.query('commit');
      return { status: client.getTransactionStatus(), tenants: await tenantsSeen(client) };
    });

    expect(inside).toEqual({ status: 'T', tenants: Array.from({ length: database.rowsPerTenant }, () => tenantA) });
    expect(violations).toEqual([]);
    expect([await sideEffects(database, `nested-undone-${mode}`), await sideEffects(database, `nested-kept-${mode}`)]).toEqual([0, 1]);
  });

  test('correct: savepoints keep the tenant transaction and report nothing', async () => {
    const { scope, violations } = recordingScope(onePool(), 'throw');

    await scope.withTenant({ tenantId: tenantA }, async (client) => {
      await client.query('savepoint before_insert');
      await client.query(`insert into side_effects (note) values ('savepoint-undone')`);
      await client.query('rollback to savepoint before_insert');
      await client.query(`insert into side_effects (note) values ('savepoint-kept')`);
      await client.query('release savepoint before_insert');
    });

    expect(violations).toEqual([]);
    expect([await sideEffects(database, 'savepoint-undone'), await sideEffects(database, 'savepoint-kept')]).toEqual([0, 1]);
  });
});

describe('session-state', () => {
  async function advisoryLocks(): Promise<number> {
    const admin = await database.admin();
    const { rows } = await admin.query<{ count: string }>(`select count(*) from pg_locks where locktype = 'advisory' and objid = 4242`);
    await admin.end();
    return Number(rows[0]?.count);
  }

  test.each(RUNNERS)('throw (%s): a session advisory lock is never taken', async (runner) => {
    const pool = onePool();
    const { scope, violations } = recordingScope(pool, 'throw');

    const error = await rejection(runOne(runner, scope, tenantA, 'select pg_advisory_lock(4242)'));

    expect((error as TenantScopeViolation).code).toBe('session-state');
    expect(codes(violations)).toEqual(['session-state']);
    expect(await advisoryLocks()).toBe(0);
  });

  test('warn (scope.query): the lock is taken and reported, and released in the same round trip, right after COMMIT', async () => {
    const pool = onePool();
    const { scope, violations } = recordingScope(pool, 'warn');

    const taken = await scope.query({ tenantId: tenantA }, 'select pg_advisory_lock(4242)');

    expect([taken.command, taken.rowCount]).toEqual(['SELECT', 1]);
    expect(codes(violations)).toEqual(['session-state']);
    expect(await advisoryLocks()).toBe(0);
  });

  test('warn: the lock is taken and reported, and released on the same server connection right after COMMIT', async () => {
    const pool = onePool();
    const { scope, violations } = recordingScope(pool, 'warn');

    const held = await scope.withTenant({ tenantId: tenantA }, async (client) => {
      await client.query('select pg_advisory_lock(4242)');
      return advisoryLocks();
    });

    expect(codes(violations)).toEqual(['session-state']);
    expect([held, await advisoryLocks()]).toEqual([1, 0]);
  });

  test.each(
    ['listen tenant_events', 'prepare tenant_rows as select 1', 'create temp table scratch (x int)', 'declare held cursor with hold for select 1'].flatMap((sql) =>
      RUNNERS.map((runner) => [sql, runner] as const),
    ),
  )('throw: %s is refused (%s)', async (sql, runner) => {
    const pool = onePool();
    const { scope } = recordingScope(pool, 'throw');
    const error = await rejection(runOne(runner, scope, tenantA, sql));
    expect((error as TenantScopeViolation).code).toBe('session-state');
    const { rows } = await pool.query<{ channels: number; prepared: number; temp: number; cursors: number }>(
      `select (select count(*) from pg_listening_channels())::int as channels, (select count(*) from pg_prepared_statements)::int as prepared,
              (select count(*) from pg_class where relname = 'scratch')::int as temp, (select count(*) from pg_cursors)::int as cursors`,
    );
    expect(rows[0]).toEqual({ channels: 0, prepared: 0, temp: 0, cursors: 0 });
  });

  test('correct: a transaction advisory lock and an ON COMMIT DROP temp table report nothing and leave nothing', async () => {
    const pool = onePool();
    const { scope, violations } = recordingScope(pool, 'throw');

    await scope.withTenant({ tenantId: tenantA }, async (client) => {
      await client.query('select pg_advisory_xact_lock(4242)');
      await client.query('create temp table scratch (x int) on commit drop');
    });

    expect(violations).toEqual([]);
    expect(await advisoryLocks()).toBe(0);
    expect((await pool.query<{ count: number }>(`select count(*)::int from pg_class where relname = 'scratch'`)).rows[0]?.count).toBe(0);
  });
});

describe('outside-transaction', () => {
  test('off: the scoped client used after its scope ended is refused in every mode; nothing is sent', async () => {
    const { scope, violations } = recordingScope(onePool(), 'off');
    let kept: pg.PoolClient | undefined;
    await scope.withTenant({ tenantId: tenantA }, (client) => {
      kept = client;
    });

    const error = await rejection(kept!.query(`insert into side_effects (note) values ('after-scope')`));

    expect((error as TenantScopeViolation).code).toBe('outside-transaction');
    expect(codes(violations)).toEqual(['outside-transaction']);
    expect(await sideEffects(database, 'after-scope')).toBe(0);
  });

  test('warn: after a COMMIT inside the scope, the next statement is reported as running outside the tenant transaction', async () => {
    const { scope, violations } = recordingScope(onePool(), 'warn');

    await scope.withTenant({ tenantId: tenantA }, async (client) => {
      await client.query('commit');
      await client.query(`insert into side_effects (note) values ('after-commit')`).catch(() => undefined);
    });

    expect(codes(violations)).toEqual(['transaction-control', 'outside-transaction']);
  });

  test('correct: statements awaited inside fn report nothing', async () => {
    const { scope, violations } = recordingScope(onePool(), 'throw');
    await scope.withTenant({ tenantId: tenantA }, async (client) => {
      await client.query(`insert into side_effects (note) values ('awaited')`);
    });
    expect(violations).toEqual([]);
    expect(await sideEffects(database, 'awaited')).toBe(1);
  });
});

describe('context-survived-commit', () => {
  test('throw: a SECURITY DEFINER function that sets the scope’s own tenant at session level is caught after COMMIT and the value cleared', async () => {
    const pool = onePool();
    const { scope, violations } = recordingScope(pool, 'throw');

    const error = await rejection(
      scope.withTenant({ tenantId: tenantA }, async (client) => {
        await client.query(`insert into side_effects (note) values ('survived')`);
        await client.query('select leaky_set_tenant($1)', [tenantA]);
      }),
    );

    expect((error as TenantScopeViolation).code).toBe('context-survived-commit');
    expect(codes(violations)).toEqual(['context-survived-commit']);
    // The SQL text showed nothing and the value was the scope's own, so the transaction committed.
    expect(await sideEffects(database, 'survived')).toBe(1);
    expect(await sessionTenant(pool)).toBeNull();
  });

  test.each(['throw', 'off'] as const)('scope.query (%s): the function in the statement sets the own tenant (committed, caught after COMMIT) or another one (nothing committed)', async (mode) => {
    const pool = onePool();
    const { scope, violations } = recordingScope(pool, mode);
    const write = `with written as (insert into side_effects (note) values ($2) returning 1) select leaky_set_tenant($1) from written`;

    const own = await scope.query({ tenantId: tenantA }, write, [tenantA, `survived-query-${mode}`]).then(
      () => 'committed',
      (error: unknown) => (error as TenantScopeViolation).code,
    );
    const other = await rejection(scope.query({ tenantId: tenantA }, write, [tenantB, `switched-query-${mode}`]));

    // throw: caught right after COMMIT and cleared; off: left for the next arrival, which finds it.
    expect([own, (other as TenantScopeViolation).code]).toEqual([mode === 'throw' ? 'context-survived-commit' : 'committed', 'context-changed']);
    expect(codes(violations)).toEqual(mode === 'throw' ? ['context-survived-commit', 'context-changed'] : ['leaked-context', 'context-changed']);
    expect([await sideEffects(database, `survived-query-${mode}`), await sideEffects(database, `switched-query-${mode}`)]).toEqual([1, 0]);
    expect(await sessionTenant(pool)).toBeNull();
  });

  test('off: the same function setting another tenant fails the check before COMMIT: nothing is committed', async () => {
    const pool = onePool();
    const { scope, violations } = recordingScope(pool, 'off');

    const error = await rejection(
      scope.withTenant({ tenantId: tenantA }, async (client) => {
        await client.query(`insert into side_effects (note) values ('switched-off')`);
        await client.query('select leaky_set_tenant($1)', [tenantB]);
      }),
    );
    const seen = await scope.withTenant({ tenantId: tenantA }, tenantsSeen);

    expect((error as TenantScopeViolation).code).toBe('context-changed');
    expect(codes(violations)).toEqual(['context-changed']);
    expect(await sideEffects(database, 'switched-off')).toBe(0);
    expect(seen).toEqual(Array.from({ length: database.rowsPerTenant }, () => tenantA));
  });

  test('correct: the same function with is_local = true reports nothing', async () => {
    const pool = onePool();
    const { scope, violations } = recordingScope(pool, 'throw');
    await scope.withTenant({ tenantId: tenantA }, (client) => client.query('select local_set_tenant($1)', [tenantA]));
    expect(violations).toEqual([]);
    expect(await sessionTenant(pool)).toBe('');
  });
});

describe('unscoped-query', () => {
  test('throw: a query and a connect() on the guarded pool outside a scope are refused; nothing is sent', async () => {
    const { scope, violations } = recordingScope(onePool(), 'throw');

    const queryError = await rejection(scope.pool.query(`insert into side_effects (note) values ('unscoped')`));
    const connectError = await rejection(scope.pool.connect());

    expect([(queryError as TenantScopeViolation).code, (connectError as TenantScopeViolation).code]).toEqual(['unscoped-query', 'unscoped-query']);
    expect(codes(violations)).toEqual(['unscoped-query', 'unscoped-query']);
    expect(await sideEffects(database, 'unscoped')).toBe(0);
  });

  test('warn: the query runs and is reported', async () => {
    const { scope, violations } = recordingScope(onePool(), 'warn');
    await scope.pool.query(`insert into side_effects (note) values ('unscoped-warn')`);
    expect(codes(violations)).toEqual(['unscoped-query']);
    expect(await sideEffects(database, 'unscoped-warn')).toBe(1);
  });

  test('correct: inside withTenant the guarded pool runs on the tenant transaction; inside withoutTenant it is allowed', async () => {
    const { scope, violations } = recordingScope(onePool(), 'throw');

    const [fromPool, fromClient] = await scope.withTenant({ tenantId: tenantA }, async (client) => {
      const viaPool = await scope.pool.query<{ tx: string; tenant: string }>(`select txid_current()::text as tx, current_setting('app.tenant_id') as tenant`);
      const viaClient = await client.query<{ tx: string; tenant: string }>(`select txid_current()::text as tx, current_setting('app.tenant_id') as tenant`);
      return [viaPool.rows[0], viaClient.rows[0]];
    });
    const admin = await scope.withoutTenant(() => scope.pool.query<{ one: number }>('select 1 as one'));

    expect(fromPool).toEqual(fromClient);
    expect(fromPool?.tenant).toBe(tenantA);
    expect(admin.rows).toEqual([{ one: 1 }]);
    expect(violations).toEqual([]);
  });
});

describe('nested-tenant', () => {
  test('throw: withTenant for another tenant inside a scope is refused before its fn runs', async () => {
    const { scope, violations } = recordingScope(database.appPool({ max: 2 }), 'throw');

    const error = await rejection(
      scope.withTenant({ tenantId: tenantA }, () =>
        scope.withTenant({ tenantId: tenantB }, (client) => client.query(`insert into side_effects (note) values ('nested')`)),
      ),
    );

    expect((error as TenantScopeViolation).code).toBe('nested-tenant');
    expect(codes(violations)).toEqual(['nested-tenant']);
    expect(await sideEffects(database, 'nested')).toBe(0);
    await scope.pool.end();
  });

  test('correct: the same tenant re-enters the running scope: one backend, one transaction', async () => {
    const { scope, violations } = recordingScope(onePool(), 'throw');
    const ids = `select pg_backend_pid() as pid, txid_current()::text as tx`;

    const [outer, inner] = await scope.withTenant({ tenantId: tenantA }, async (client) => {
      const outerRow = (await client.query(ids)).rows[0];
      const innerRow = await scope.withTenant({ tenantId: tenantA }, async (nested) => (await nested.query(ids)).rows[0]);
      return [outerRow, innerRow];
    });

    expect(inner).toEqual(outer);
    expect(violations).toEqual([]);
  });
});
