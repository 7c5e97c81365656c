import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type pg from 'pg';
import { startPostgres, type PostgresServer } from '@tenant-scope/pg-harness';
import { createTenantScope, TenantValueError, withTenant } from '@tenant-scope/guard';
import { appRole, createTenantDatabase, sideEffects, type TenantDatabase } from './tenant-database.js';
import { recordingScope, rejection } from './scope-fixture.js';

let postgres: PostgresServer;
let database: TenantDatabase;
let pool: pg.Pool;
let tenantA: string;

beforeAll(async () => {
  postgres = await startPostgres();
  database = await createTenantDatabase(postgres, appRole());
  tenantA = database.tenants[0]!;
  pool = database.appPool({ max: 2 });
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
  await postgres?.stop();
});

describe('withTenant', () => {
  test('returns what fn returns, in a transaction with every context key set', async () => {
    const scope = createTenantScope(pool, { context: { tenantId: 'app.tenant_id', userId: 'App.User_Id' }, assertions: 'throw' });

    const seen = await scope.withTenant({ tenantId: tenantA, userId: 'user-7' }, async (client) => {
      const { rows } = await client.query(`select current_setting('app.tenant_id') as tenant, current_setting('app.user_id') as "user", now() = statement_timestamp() as autocommit`);
      return rows[0];
    });

    expect(seen).toEqual({ tenant: tenantA, user: 'user-7', autocommit: false });
  });

  test('values are bound, never spliced: quotes and SQL in a value arrive unchanged', async () => {
    const scope = createTenantScope(pool, { context: { tenantId: 'app.tenant_id' }, assertions: 'throw' });
    const hostile = `x'); select set_config('app.tenant_id', 'pwned', false); --`;

    const seen = await scope.withTenant({ tenantId: hostile }, async (client) => (await client.query(`select current_setting('app.tenant_id') as tenant`)).rows[0]?.tenant);

    expect(seen).toBe(hostile);
  });

  test('readOnly and isolationLevel reach BEGIN', async () => {
    const scope = createTenantScope(pool, { context: { tenantId: 'app.tenant_id' }, assertions: 'throw' });

    const modes = await scope.withTenant(
      { tenantId: tenantA },
      async (client) => (await client.query(`select current_setting('transaction_read_only') as ro, current_setting('transaction_isolation') as iso`)).rows[0],
      { readOnly: true, isolationLevel: 'repeatable read' },
    );
    const write = await rejection(scope.withTenant({ tenantId: tenantA }, (client) => client.query(`insert into side_effects (note) values ('ro')`), { readOnly: true }));

    expect(modes).toEqual({ ro: 'on', iso: 'repeatable read' });
    expect((write as { code?: string }).code).toBe('25006');
  });

  test.each([
    [{ tenantId: '' }, 'context value tenantId must be a non-empty string, got an empty string (pass every context key)'],
    [{ tenantId: 'not-a-uuid' }, 'context value tenantId is not a UUID: "not-a-uuid" (check where the value comes from)'],
    [{}, 'context value tenantId must be a non-empty string, got undefined (pass every context key)'],
    [{ tenantId: '00000000-0000-0000-0000-000000000001', orgId: 'x' }, 'unknown context key "orgId" (the scope\'s keys are tenantId)'],
    [{ tenantId: 'a\0b' }, 'context value tenantId contains a NUL byte, which PostgreSQL text cannot hold (check where the value comes from)'],
  ])('context %j is rejected before a connection is taken', async (context, message) => {
    const fresh = database.appPool({ max: 1 });
    const { scope } = recordingScope(fresh, 'throw');

    const error = await rejection(scope.withTenant(context as { tenantId: string }, () => 'never'));
    const queried = await rejection(scope.query(context as { tenantId: string }, 'select 1'));

    expect(error).toBeInstanceOf(TenantValueError);
    expect((error as Error).message).toBe(message);
    // A bad value is the request's fault: Express and Fastify answer it with this status.
    expect([(error as TenantValueError).status, (error as TenantValueError).statusCode]).toEqual([400, 400]);
    expect(queried).toEqual(error);
    expect(queried).toBeInstanceOf(TenantValueError);
    expect(fresh.totalCount).toBe(0);
    await fresh.end();
  });

  test('the shortcut withTenant(pool, tenantId, fn) sets app.tenant_id', async () => {
    const seen = await withTenant(pool, tenantA, async (client) => (await client.query('select distinct tenant_id from items')).rows);
    expect(seen).toEqual([{ tenant_id: tenantA }]);
  });

  test('withoutTenant runs without context and its connection is not reused', async () => {
    const fresh = database.appPool({ max: 1 });
    const events: string[] = [];
    const scope = createTenantScope(fresh, { context: { tenantId: 'app.tenant_id' }, assertions: 'throw', onWithoutTenant: ({ callSite }) => events.push(callSite.split('\n')[0] ?? '') });

    const rows = await scope.withoutTenant(async (client) => (await client.query(`select count(*)::int as n, current_setting('app.tenant_id', true) as tenant from items`)).rows[0]);

    expect(rows).toEqual({ n: 0, tenant: null });
    expect(events).toHaveLength(1);
    expect(events[0]).toContain('with-tenant.test.ts');
    // Discarded, not returned to the pool.
    expect(fresh.totalCount).toBe(0);
    await fresh.end();
  });
});

describe('scope.query', () => {
  test('returns the statement’s result, run in a transaction with every context key set; values are bound', async () => {
    const scope = createTenantScope(pool, { context: { tenantId: 'app.tenant_id', userId: 'App.User_Id' }, assertions: 'throw' });
    const hostile = `x'); select set_config('app.tenant_id', 'pwned', false); --`;

    const result = await scope.query(
      { tenantId: tenantA, userId: hostile },
      `select current_setting('app.tenant_id') as tenant, current_setting('app.user_id') as "user", $1::int + 1 as n, now() = statement_timestamp() as autocommit`,
      [41],
    );

    expect(result.rows).toEqual([{ tenant: tenantA, user: hostile, n: 42, autocommit: false }]);
    expect([result.command, result.rowCount, result.fields.map((field) => field.name)]).toEqual(['SELECT', 1, ['tenant', 'user', 'n', 'autocommit']]);
  });

  test('readOnly and isolationLevel reach BEGIN', async () => {
    const scope = createTenantScope(pool, { context: { tenantId: 'app.tenant_id' }, assertions: 'throw' });

    const modes = await scope.query({ tenantId: tenantA }, `select current_setting('transaction_read_only') as ro, current_setting('transaction_isolation') as iso`, [], {
      readOnly: true,
      isolationLevel: 'serializable',
    });
    const write = await rejection(scope.query({ tenantId: tenantA }, `insert into side_effects (note) values ('ro')`, [], { readOnly: true }));

    expect(modes.rows).toEqual([{ ro: 'on', iso: 'serializable' }]);
    expect((write as { code?: string }).code).toBe('25006');
  });

  test('a write commits; the shortcut withTenant.query(pool, tenantId, text, values) sets app.tenant_id', async () => {
    const inserted = await withTenant.query(pool, tenantA, `insert into side_effects (note) values ($1) returning note`, ['query-commits']);
    const seen = await withTenant.query<{ tenant_id: string }>(pool, tenantA, 'select distinct tenant_id from items');

    expect([inserted.command, inserted.rows]).toEqual(['INSERT', [{ note: 'query-commits' }]]);
    expect(await sideEffects(database, 'query-commits')).toBe(1);
    expect(seen.rows).toEqual([{ tenant_id: tenantA }]);
  });

  test('a statement with nothing to run (only a comment) answers an empty result, as node-postgres does', async () => {
    const scope = createTenantScope(pool, { context: { tenantId: 'app.tenant_id' }, assertions: 'off' });

    const result = await scope.query({ tenantId: tenantA }, '-- nothing');

    expect([result.command, result.rows]).toEqual([null, []]);
  });
});

describe('context values written into the guard\'s own statements', () => {
  // The guard sends its statements as text with the values quoted as literals: whatever a value
  // holds, the server must read exactly that value, also when the session reads backslashes in
  // plain literals as escapes (standard_conforming_strings off).
  const odd = "it's a \\ and a \\' and $$ and $q$ and '' and E'\\x41' and é and ✓";
  test.each(['on', 'off'])('reach the server exactly with standard_conforming_strings %s', async (conforming) => {
    const quirky = database.appPool({ max: 1, options: `-c standard_conforming_strings=${conforming}` });
    try {
      const scope = createTenantScope(quirky, { context: { tenantId: 'app.tenant_id', userId: 'app.user_id' }, assertions: 'throw' });
      const values = { tenantId: odd, userId: `${odd}\\` };
      const read = `select current_setting('app.tenant_id') as tenant, current_setting('app.user_id') as "user", current_setting('standard_conforming_strings') as conforming`;

      const inScope = await scope.withTenant(values, async (client) => (await client.query(read)).rows[0]);
      const inQuery = (await scope.query(values, read)).rows[0];

      const expected = { tenant: odd, user: `${odd}\\`, conforming };
      expect([inScope, inQuery]).toEqual([expected, expected]);
    } finally {
      await quirky.end();
    }
  });
});

describe('assertion mode', () => {
  test('comes from TENANT_SCOPE_ASSERT when the option is not given, else is off', () => {
    const saved = process.env.TENANT_SCOPE_ASSERT;
    try {
      process.env.TENANT_SCOPE_ASSERT = 'WARN';
      expect(createTenantScope(pool, { context: { tenantId: 'app.tenant_id' } }).assertions).toBe('warn');
      expect(createTenantScope(pool, { context: { tenantId: 'app.tenant_id' }, assertions: 'throw' }).assertions).toBe('throw');
      delete process.env.TENANT_SCOPE_ASSERT;
      expect(createTenantScope(pool, { context: { tenantId: 'app.tenant_id' } }).assertions).toBe('off');
      process.env.TENANT_SCOPE_ASSERT = 'loud';
      expect(() => createTenantScope(pool, { context: { tenantId: 'app.tenant_id' } })).toThrow('unknown assertion mode in TENANT_SCOPE_ASSERT=loud (use one of off, warn, throw)');
    } finally {
      if (saved === undefined) delete process.env.TENANT_SCOPE_ASSERT;
      else process.env.TENANT_SCOPE_ASSERT = saved;
    }
  });

  test('a context setting must be a dotted custom setting', () => {
    expect(() => createTenantScope(pool, { context: { tenantId: 'search_path' } })).toThrow(
      `context.tenantId is not a custom setting name: "search_path" (use a dotted name such as 'app.tenant_id')`,
    );
  });
});
