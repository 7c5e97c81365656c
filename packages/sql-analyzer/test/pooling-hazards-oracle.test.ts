/**
 * The hazard verdicts checked against what PostgreSQL does. For each statement the analyzer's
 * verdict (`contextWriteHazards`, `sessionStateHazards`, `transactionControlHazards`) is compared
 * with what a real server shows afterwards on the same connection, or on a new one.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres } from '@tenant-scope/pg-harness';
import type { PostgresServer } from '@tenant-scope/pg-harness';
import { analyzeSql, contextReadHazards, contextWriteHazards, initAnalyzer, sessionStateHazards, transactionControlHazards } from '@tenant-scope/sql-analyzer';
import type { GucRead, GucWrite, SessionStateUse, TransactionControl } from '@tenant-scope/sql-analyzer';

const ROLE = 'hazard_role';
const PASSWORD = 'hazard-password';
let postgres: PostgresServer;

beforeAll(async () => {
  await initAnalyzer();
  postgres = await startPostgres();
  const admin = await postgres.connect();
  await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'; GRANT ${ROLE} TO CURRENT_USER`);
  await admin.end();
});

afterAll(async () => {
  await postgres?.stop();
});

async function withClient<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await postgres.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function one(client: pg.Client, sql: string, params: unknown[] = []): Promise<unknown> {
  const { rows } = await client.query<{ v: unknown }>(sql, params);
  return rows[0]?.v;
}

function writeHazards(sql: string): string[] {
  const write = analyzeSql(sql).facts.find((f): f is GucWrite => f.kind === 'guc-write');
  if (!write) throw new Error(`no setting write in ${sql}`);
  return contextWriteHazards(write, { contextGucs: null });
}

describe('contextWriteHazards, as PostgreSQL decides', () => {
  it('is_local not a literal: the same text is session-level with one value and not with another, so the verdict is session-level', async () => {
    const sql = "select set_config('app.x', 'v', $1)";
    expect(writeHazards(sql)).toEqual(['session-level', 'lifetime-unknown']);
    const after = async (isLocal: boolean) =>
      withClient(async (client) => {
        await client.query(sql, [isLocal]);
        return one(client, "select current_setting('app.x', true) as v");
      });
    expect([await after(false), await after(true)]).toEqual(['v', '']);
  });

  it('is_local written as (select false) is session-level', async () => {
    const sql = "select set_config('app.x', 'v', (select false))";
    expect(writeHazards(sql)).toEqual(['session-level', 'lifetime-unknown']);
    const after = await withClient(async (client) => {
      await client.query(sql);
      return one(client, "select current_setting('app.x', true) as v");
    });
    expect(after).toBe('v');
  });

  it('a transaction-local write switches the context for the rest of the transaction, then ends with it', async () => {
    const sql = "SET LOCAL app.x = 'B'";
    expect(writeHazards(sql)).toEqual(['switches-context']);
    const seen = await withClient(async (client) => {
      await client.query("BEGIN; select set_config('app.x', 'A', true)");
      await client.query(sql);
      const inside = await one(client, "select current_setting('app.x', true) as v");
      await client.query('COMMIT');
      return [inside, await one(client, "select current_setting('app.x', true) as v")];
    });
    expect(seen).toEqual(['B', '']);
  });

  it('SET LOCAL ROLE switches the role inside the transaction only', async () => {
    const sql = `SET LOCAL ROLE ${ROLE}`;
    expect(writeHazards(sql)).toEqual(['switches-context']);
    const seen = await withClient(async (client) => {
      await client.query('BEGIN');
      await client.query(sql);
      const inside = await one(client, 'select current_user as v');
      await client.query('COMMIT');
      return [inside === ROLE, (await one(client, 'select current_user as v')) === ROLE];
    });
    expect(seen).toEqual([true, false]);
  });

  it('SET ROLE NONE resets to the login role for the session (a reset, no other role left behind)', async () => {
    expect(writeHazards('SET ROLE NONE')).toEqual(['session-level', 'resets']);
    const seen = await withClient(async (client) => {
      await client.query(`SET ROLE ${ROLE}`);
      await client.query('BEGIN; SET ROLE NONE; COMMIT');
      return one(client, 'select current_user = session_user as v');
    });
    expect(seen).toBe(true);
  });

  it('ALTER ROLE … RESET removes the default: a new session of the role has no value (no hazard)', async () => {
    expect(writeHazards(`ALTER ROLE ${ROLE} RESET app.x`)).toEqual([]);
    expect(writeHazards(`ALTER ROLE ${ROLE} SET app.x = 'v'`)).toEqual(['session-default']);
    const asRole = async () => {
      const client = await postgres.connect({ user: ROLE, password: PASSWORD });
      try {
        return await one(client, "select current_setting('app.x', true) as v");
      } finally {
        await client.end();
      }
    };
    await withClient((client) => client.query(`ALTER ROLE ${ROLE} SET app.x = 'v'`));
    const withDefault = await asRole();
    await withClient((client) => client.query(`ALTER ROLE ${ROLE} RESET app.x`));
    expect([withDefault, await asRole()]).toEqual(['v', null]);
  });
});

describe('sessionStateHazards, as PostgreSQL decides', () => {
  // Each statement runs inside BEGIN … COMMIT; `left` shows whether its state is still there after COMMIT.
  const cases: Array<{ sql: string; left: string; outlives: boolean }> = [
    { sql: 'select pg_advisory_lock(42)', left: "select count(*)::int as v from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()", outlives: true },
    { sql: 'select pg_advisory_xact_lock(42)', left: "select count(*)::int as v from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()", outlives: false },
    { sql: 'LISTEN jobs', left: 'select count(*)::int as v from pg_listening_channels()', outlives: true },
    { sql: 'PREPARE q AS select 1', left: 'select count(*)::int as v from pg_prepared_statements', outlives: true },
    { sql: 'CREATE TEMP TABLE t (x int)', left: "select (to_regclass('pg_temp.t') is not null)::int as v", outlives: true },
    { sql: 'CREATE TEMP TABLE t (x int) ON COMMIT DROP', left: "select (to_regclass('pg_temp.t') is not null)::int as v", outlives: false },
    { sql: 'DECLARE c CURSOR WITH HOLD FOR select 1', left: 'select count(*)::int as v from pg_cursors', outlives: true },
    { sql: 'DECLARE c CURSOR FOR select 1', left: 'select count(*)::int as v from pg_cursors', outlives: false },
  ];
  for (const c of cases) {
    it(`${c.sql}: ${c.outlives ? 'outlives' : 'ends with'} the transaction`, async () => {
      const use = analyzeSql(c.sql).facts.find((f): f is SessionStateUse => f.kind === 'session-state');
      const verdict = use ? sessionStateHazards(use).includes('outlives-transaction') : false;
      const left = await withClient(async (client) => {
        await client.query(`BEGIN; ${c.sql}; COMMIT`);
        return one(client, c.left);
      });
      expect({ verdict, left: left === 1 }).toEqual({ verdict: c.outlives, left: c.outlives });
    });
  }
});

describe('transactionControlHazards, as PostgreSQL decides', () => {
  function controlHazards(sql: string): string[] {
    const control = analyzeSql(sql).facts.find((f): f is TransactionControl => f.kind === 'transaction-control');
    if (!control) throw new Error(`no transaction control in ${sql}`);
    return transactionControlHazards(control, { allowSavepoints: true });
  }
  const context = "select current_setting('app.x', true) as v";

  it('COMMIT AND CHAIN: a transaction is open again, without the transaction-local context', async () => {
    expect(controlHazards('COMMIT AND CHAIN')).toEqual(['ends-transaction', 'needs-same-connection', 'chains']);
    // SAVEPOINT fails outside a transaction block: it succeeds only when a transaction is open.
    const inTransaction = (client: pg.Client) => client.query('SAVEPOINT probe').then(() => true, () => false);
    const seen = await withClient(async (client) => {
      await client.query("BEGIN; select set_config('app.x', 'A', true)");
      await client.query('COMMIT AND CHAIN');
      const chained = [await inTransaction(client), await one(client, context)];
      await client.query('COMMIT');
      return [...chained, await inTransaction(client)];
    });
    expect(seen).toEqual([true, '', false]);
  });

  it('savepoints keep the transaction and its context (the option allowSavepoints)', async () => {
    for (const sql of ['SAVEPOINT a', 'RELEASE SAVEPOINT a', 'ROLLBACK TO SAVEPOINT a']) expect(controlHazards(sql)).toEqual([]);
    const seen = await withClient(async (client) => {
      await client.query("BEGIN; select set_config('app.x', 'A', true)");
      await client.query('SAVEPOINT a; ROLLBACK TO SAVEPOINT a; RELEASE SAVEPOINT a');
      const value = await one(client, context);
      await client.query('COMMIT');
      return value;
    });
    expect(seen).toBe('A');
  });
});

describe('contextReadHazards, as PostgreSQL decides', () => {
  it("a cast of '' inside a block whose handler answers NULL or false fails closed; a handler that raises again, catches other errors or answers a value does not make it safe", async () => {
    const handlers: Record<string, string> = {
      others_null: 'when others then return null',
      data_error_null: 'when invalid_text_representation then return null::uuid',
      reraise: 'when others then raise',
      other_error: 'when division_by_zero then return null',
      fails_open: "when others then return '00000000-0000-0000-0000-000000000001'::uuid",
    };
    const verdicts: Record<string, boolean> = {};
    const outcomes: Record<string, string> = {};
    await withClient(async (client) => {
      for (const [name, handler] of Object.entries(handlers)) {
        const sql = `create function read_${name}() returns uuid language plpgsql stable as $$ begin return current_setting('app.tenant_id', true)::uuid; exception ${handler}; end $$`;
        const read = analyzeSql(sql).facts.find((f): f is GucRead => f.kind === 'guc-read');
        if (!read) throw new Error(`no setting read in ${sql}`);
        verdicts[name] = contextReadHazards(read).includes('cast-without-nullif');
        await client.query(sql);
      }
      // A transaction-local set that has ended: the setting now reads '' on this connection.
      await client.query("begin; select set_config('app.tenant_id', 'tenant-a', true); commit");
      for (const name of Object.keys(handlers)) {
        try {
          const value = await one(client, `select read_${name}() as v`);
          outcomes[name] = value === null ? 'closed' : 'open';
        } catch {
          outcomes[name] = 'raises';
        }
      }
    });
    expect(outcomes).toEqual({ others_null: 'closed', data_error_null: 'closed', reraise: 'raises', other_error: 'raises', fails_open: 'open' });
    expect(verdicts).toEqual({ others_null: false, data_error_null: false, reraise: true, other_error: true, fails_open: true });
  });
});
