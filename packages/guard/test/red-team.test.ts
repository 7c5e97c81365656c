import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type pg from 'pg';
import QueryStream from 'pg-query-stream';
import { pgbouncerAvailability } from '@tenant-scope/pg-harness';
import type { AssertionMode } from '@tenant-scope/guard';
import {
  cleanState,
  foreignRowsReturned,
  foreignRowsWritten,
  nextTenantState,
  redTeamScope,
  scrub,
  settledWithin,
  startRedTeamTarget,
  type RedTeamDatabase,
  type RedTeamTarget,
  type RedTeamTargetName,
} from './red-team-fixture.js';

// Hostile or buggy code controls fn's SQL and the functions it calls. Whatever it does, in every
// mode: nothing fn did is committed under another tenant's context or role, withTenant does not
// return another tenant's rows, and the next tenant on the same server connection (PgBouncer with
// one server connection, or a direct pool of one) finds a clean session.

const pgbouncer = pgbouncerAvailability();
const MODES: AssertionMode[] = ['off', 'warn', 'throw'];
const HANG_MS = 15_000;

/**
 * How withTenant settles and which violation codes it reports, in order; after `'next:'`, what the
 * next tenant's scope reports on arrival.
 */
type Outcome = ['fulfilled' | 'rejected', ...string[]];

interface Attack {
  /** Issue #14 class and what fn does. */
  name: string;
  expected: Record<AssertionMode, Outcome>;
  /** Unscoped code that ran on the connection before the scope (a leak the scope inherits). */
  before?: (raw: pg.Pool, ctx: AttackContext) => Promise<void>;
  /** fn: may write rows labelled `ctx.label` for tenant B, returns the tenant ids it read. */
  fn: (client: pg.PoolClient, ctx: AttackContext) => Promise<string[]>;
  /** The attack as the one statement of `scope.query`, where one statement can carry it. */
  statement?: (ctx: AttackContext) => { text: string; values?: unknown[] };
  /** What `scope.query` does with it, where that differs from `expected`. */
  queryExpected?: Record<AssertionMode, Outcome>;
}

interface AttackContext {
  tenantA: string;
  tenantB: string;
  bypassRole: string;
  label: string;
  quote: (name: string) => string;
}

/** After switching: write a row for tenant B and read everything visible. */
async function writeForeignAndRead(client: pg.PoolClient, ctx: AttackContext): Promise<string[]> {
  await client.query('insert into items (tenant_id, label) values ($1, $2)', [ctx.tenantB, ctx.label]);
  const { rows } = await client.query<{ tenant_id: string }>('select tenant_id::text from items');
  return rows.map((row) => row.tenant_id);
}

const READ_ALL = 'select tenant_id::text from items';
const escape = (value: string): string => `'${value.replaceAll("'", "''")}'`;

async function readAll(client: pg.PoolClient): Promise<string[]> {
  const { rows } = await client.query<{ tenant_id: string }>('select tenant_id::text from items');
  return rows.map((row) => row.tenant_id);
}

/** Consumes a QueryStream to its end. */
async function drain(stream: QueryStream): Promise<void> {
  for await (const row of stream) void row;
}

const ATTACKS: Attack[] = [
  {
    name: '1: a called function runs set_config(role, bypassing role, false)',
    expected: { off: ['rejected', 'context-changed'], warn: ['rejected', 'context-changed'], throw: ['rejected', 'context-changed'] },
    // The switch would outlive the statement: the check before COMMIT fails the transaction.
    statement: (ctx) => ({ text: 'select escalate($1)', values: [ctx.bypassRole] }),
    fn: async (client, ctx) => {
      await client.query('select escalate($1)', [ctx.bypassRole]);
      return writeForeignAndRead(client, ctx);
    },
  },
  {
    name: '1: a DO block EXECUTEs SET ROLE',
    expected: { off: ['rejected', 'context-changed'], warn: ['rejected', 'context-changed'], throw: ['rejected', 'context-changed'] },
    statement: (ctx) => ({ text: `do $$ begin execute 'set role ' || ${escape(ctx.quote(ctx.bypassRole))}; end $$` }),
    fn: async (client, ctx) => {
      await client.query(`do $$ begin execute 'set role ' || ${client.escapeLiteral(ctx.quote(ctx.bypassRole))}; end $$`);
      return writeForeignAndRead(client, ctx);
    },
  },
  {
    name: '1: SET ROLE sent through pg-query-stream',
    expected: { off: ['rejected', 'context-changed'], warn: ['rejected', 'session-set', 'context-changed'], throw: ['rejected', 'session-set'] },
    fn: async (client, ctx) => {
      await client.query('select 1');
      await drain(client.query(new QueryStream(`set role ${ctx.quote(ctx.bypassRole)}`)));
      return writeForeignAndRead(client, ctx);
    },
  },
  {
    name: '1: a plain SET ROLE',
    expected: { off: ['rejected', 'context-changed'], warn: ['rejected', 'session-set', 'context-changed'], throw: ['rejected', 'session-set'] },
    statement: (ctx) => ({ text: `set role ${ctx.quote(ctx.bypassRole)}` }),
    fn: async (client, ctx) => {
      await client.query(`set role ${ctx.quote(ctx.bypassRole)}`);
      return writeForeignAndRead(client, ctx);
    },
  },
  {
    name: '1: a role left at session level by unscoped code before the scope',
    expected: { off: ['fulfilled', 'leaked-context'], warn: ['fulfilled', 'leaked-context'], throw: ['rejected', 'leaked-context'] },
    statement: () => ({ text: READ_ALL }),
    before: async (raw, ctx) => {
      await raw.query(`set role ${ctx.quote(ctx.bypassRole)}`);
    },
    fn: (client) => readAll(client),
  },
  {
    name: '2: a search_path left by unscoped code puts look-alikes of set_config/current_setting first',
    expected: { off: ['fulfilled', 'leaked-context'], warn: ['fulfilled', 'leaked-context'], throw: ['rejected', 'leaked-context'] },
    statement: () => ({ text: READ_ALL }),
    before: async (raw, ctx) => {
      await raw.query(`
        create or replace function evil.set_config(text, text, boolean) returns text language sql
          as $$ select pg_catalog.set_config($1, '${ctx.tenantB}', $3) $$;
        create or replace function evil.current_setting(text, boolean) returns text language sql as $$ select ''::text $$;
        set search_path = evil, pg_catalog, public`);
    },
    fn: (client) => readAll(client),
  },
  {
    name: '3: a SECURITY DEFINER function switches the tenant with set_config(…, false)',
    expected: { off: ['rejected', 'context-changed'], warn: ['rejected', 'context-changed'], throw: ['rejected', 'context-changed'] },
    // Switches and writes another tenant's row in the same statement: the check before COMMIT rolls it back.
    statement: (ctx) => ({
      text: 'with switched as (select leaky_set_tenant($1)) insert into items (tenant_id, label) select $1::uuid, $2 from switched returning tenant_id::text',
      values: [ctx.tenantB, ctx.label],
    }),
    fn: async (client, ctx) => {
      await client.query('select leaky_set_tenant($1)', [ctx.tenantB]);
      return writeForeignAndRead(client, ctx);
    },
  },
  {
    name: '3: SET LOCAL app.tenant_id to another tenant',
    expected: { off: ['rejected', 'context-changed'], warn: ['rejected', 'context-changed', 'context-changed'], throw: ['rejected', 'context-changed'] },
    statement: (ctx) => ({ text: `set local app.tenant_id = ${escape(ctx.tenantB)}` }),
    fn: async (client, ctx) => {
      await client.query(`set local app.tenant_id = ${client.escapeLiteral(ctx.tenantB)}`);
      return writeForeignAndRead(client, ctx);
    },
  },
  {
    name: '3: a function switches the tenant with set_config(…, true)',
    expected: { off: ['rejected', 'context-changed'], warn: ['rejected', 'context-changed'], throw: ['rejected', 'context-changed'] },
    statement: (ctx) => ({ text: 'select local_set_tenant($1)', values: [ctx.tenantB] }),
    fn: async (client, ctx) => {
      await client.query('select local_set_tenant($1)', [ctx.tenantB]);
      return writeForeignAndRead(client, ctx);
    },
  },
  {
    name: '3: SET LOCAL ROLE to the bypassing role',
    expected: { off: ['rejected', 'context-changed'], warn: ['rejected', 'context-changed', 'context-changed'], throw: ['rejected', 'context-changed'] },
    statement: (ctx) => ({ text: `set local role ${ctx.quote(ctx.bypassRole)}` }),
    fn: async (client, ctx) => {
      await client.query(`set local role ${ctx.quote(ctx.bypassRole)}`);
      return writeForeignAndRead(client, ctx);
    },
  },
  {
    name: '3: a function switches the role with set_config(role, …, true)',
    expected: { off: ['rejected', 'context-changed'], warn: ['rejected', 'context-changed'], throw: ['rejected', 'context-changed'] },
    statement: (ctx) => ({ text: 'select escalate_locally($1)', values: [ctx.bypassRole] }),
    fn: async (client, ctx) => {
      await client.query('select escalate_locally($1)', [ctx.bypassRole]);
      return writeForeignAndRead(client, ctx);
    },
  },
  {
    name: '4: tenant B leaked at session level, then fn commits early and reads on',
    expected: { off: ['fulfilled', 'leaked-context', 'outside-transaction'], warn: ['fulfilled', 'transaction-control', 'leaked-context', 'outside-transaction'], throw: ['rejected', 'transaction-control', 'leaked-context'] },
    statement: () => ({ text: 'commit' }),
    // Refused before anything is sent, so the leak stays for the next scope's arrival checks.
    queryExpected: { off: ['fulfilled', 'leaked-context', 'outside-transaction'], warn: ['fulfilled', 'transaction-control', 'leaked-context', 'outside-transaction'], throw: ['rejected', 'transaction-control', 'next:', 'leaked-context'] },
    before: async (raw, ctx) => {
      await raw.query(`select set_config('app.tenant_id', $1, false)`, [ctx.tenantB]);
    },
    fn: async (client) => {
      await client.query('commit');
      return readAll(client);
    },
  },
  {
    name: '6: a temp table made from the tenant’s rows',
    expected: { off: ['fulfilled', 'next:', 'session-state'], warn: ['fulfilled', 'session-state', 'next:', 'session-state'], throw: ['rejected', 'session-state'] },
    statement: () => ({ text: 'create temp table stash as select * from items' }),
    fn: async (client) => {
      await client.query('create temp table stash as select * from items');
      return readAll(client);
    },
  },
  {
    name: '6: a temp table made by a called function',
    expected: { off: ['fulfilled', 'next:', 'session-state'], warn: ['fulfilled', 'next:', 'session-state'], throw: ['fulfilled', 'next:', 'session-state'] },
    statement: () => ({ text: 'select stash_rows()' }),
    fn: async (client) => {
      await client.query('select stash_rows()');
      return readAll(client);
    },
  },
  {
    name: '6: a WITH HOLD cursor over the tenant’s rows',
    expected: { off: ['fulfilled', 'session-state'], warn: ['fulfilled', 'session-state', 'session-state'], throw: ['rejected', 'session-state'] },
    statement: () => ({ text: 'declare held cursor with hold for select tenant_id::text from items' }),
    fn: async (client) => {
      await client.query('declare held cursor with hold for select tenant_id::text from items');
      return readAll(client);
    },
  },
  {
    name: '6: a session advisory lock taken by a called function',
    expected: { off: ['fulfilled'], warn: ['fulfilled'], throw: ['fulfilled'] },
    statement: () => ({ text: 'select take_lock()' }),
    fn: async (client) => {
      await client.query('select take_lock()');
      return readAll(client);
    },
  },
  {
    name: '6: a session advisory lock',
    expected: { off: ['fulfilled'], warn: ['fulfilled', 'session-state'], throw: ['rejected', 'session-state'] },
    statement: () => ({ text: 'select pg_advisory_lock(4243)' }),
    fn: async (client) => {
      await client.query('select pg_advisory_lock(4243)');
      return readAll(client);
    },
  },
  {
    name: '6: LISTEN',
    expected: { off: ['fulfilled', 'session-state'], warn: ['fulfilled', 'session-state', 'session-state'], throw: ['rejected', 'session-state'] },
    statement: () => ({ text: 'listen tenant_events' }),
    fn: async (client) => {
      await client.query('listen tenant_events');
      return readAll(client);
    },
  },
  {
    name: '6: a prepared SQL statement',
    expected: { off: ['fulfilled', 'session-state'], warn: ['fulfilled', 'session-state', 'session-state'], throw: ['rejected', 'session-state'] },
    statement: () => ({ text: 'prepare stashed as select tenant_id::text from items' }),
    fn: async (client) => {
      await client.query('prepare stashed as select tenant_id::text from items');
      return readAll(client);
    },
  },
];

interface TargetSetup {
  name: RedTeamTargetName;
  skip: boolean;
}

const TARGETS: TargetSetup[] = [
  { name: 'direct', skip: false },
  { name: 'pgbouncer', skip: !pgbouncer.available },
];

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

describe.each(TARGETS)('red team, $name', ({ name, skip }) => {
  let target: RedTeamTarget | undefined;
  let database: RedTeamDatabase;
  let pool: pg.Pool;
  let ctx: AttackContext;
  let counter = 0;

  beforeAll(async () => {
    if (skip) return;
    target = await startRedTeamTarget(name);
    ({ database, pool } = target);
  });

  afterAll(async () => {
    await target?.stop();
  });

  beforeEach(() => {
    if (skip) return;
    const [tenantA, tenantB] = database.tenants as [string, string];
    ctx = { tenantA, tenantB, bypassRole: database.bypassRole, label: `red-team-${name}-${++counter}`, quote: (n) => `"${n.replaceAll('"', '""')}"` };
    unhandled = [];
    process.on('unhandledRejection', onUnhandled);
  });

  afterEach(async () => {
    process.off('unhandledRejection', onUnhandled);
    if (!skip) await scrub(pool);
  });

  for (const attack of ATTACKS) {
    test.skipIf(skip).each(MODES)(`${attack.name} (%s): nothing foreign is returned or committed, the next tenant finds a clean session`, async (mode) => {
      const { scope, violations } = redTeamScope(pool, mode);
      if (attack.before) await attack.before(pool, ctx);

      const outcome = await settledWithin(
        scope.withTenant({ tenantId: ctx.tenantA }, (client) => attack.fn(client, ctx)),
        HANG_MS,
        'withTenant',
      );
      const next = await settledWithin(nextTenantState(pool, ctx.tenantB), HANG_MS, 'the next tenant');

      const nextArrival = next.status === 'fulfilled' ? next.value.arrival : [];
      const seen = [outcome.status, ...violations.map((v) => v.code), ...(nextArrival.length > 0 ? ['next:', ...nextArrival] : [])];
      if (process.env.RED_TEAM_DEBUG) console.log('OUTCOME', name, mode, attack.name, JSON.stringify(seen));
      expect(seen).toEqual(attack.expected[mode]);
      expect(foreignRowsReturned(outcome, ctx.tenantA)).toEqual([]);
      expect(await foreignRowsWritten(database, ctx.label, ctx.tenantA)).toBe(0);
      expect(next).toEqual({ status: 'fulfilled', value: cleanState(database, ctx.tenantB, nextArrival) });
      expect(unhandled).toEqual([]);
    });
  }

  for (const attack of ATTACKS.filter((one) => one.statement !== undefined)) {
    test.skipIf(skip).each(MODES)(`scope.query: ${attack.name} (%s): nothing foreign is returned or committed, the next tenant finds a clean session`, async (mode) => {
      const { scope, violations } = redTeamScope(pool, mode);
      if (attack.before) await attack.before(pool, ctx);
      const { text, values } = attack.statement!(ctx);

      const result = await settledWithin(scope.query({ tenantId: ctx.tenantA }, text, values), HANG_MS, 'scope.query');
      const outcome: PromiseSettledResult<unknown> =
        result.status === 'fulfilled' ? { status: 'fulfilled', value: result.value.rows.flatMap((row) => ('tenant_id' in row ? [row.tenant_id] : [])) } : result;
      const next = await settledWithin(nextTenantState(pool, ctx.tenantB), HANG_MS, 'the next tenant');

      const nextArrival = next.status === 'fulfilled' ? next.value.arrival : [];
      const seen = [outcome.status, ...violations.map((v) => v.code), ...(nextArrival.length > 0 ? ['next:', ...nextArrival] : [])];
      if (process.env.RED_TEAM_DEBUG) console.log('OUTCOME query', name, mode, attack.name, JSON.stringify(seen));
      expect(seen).toEqual((attack.queryExpected ?? attack.expected)[mode]);
      expect(foreignRowsReturned(outcome, ctx.tenantA)).toEqual([]);
      expect(await foreignRowsWritten(database, ctx.label, ctx.tenantA)).toBe(0);
      expect(next).toEqual({ status: 'fulfilled', value: cleanState(database, ctx.tenantB, nextArrival) });
      expect(unhandled).toEqual([]);
    });
  }
});
