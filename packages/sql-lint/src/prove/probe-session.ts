/**
 * A probe transaction as the application role: `BEGIN`, `SET LOCAL ROLE <app role>`, then the
 * context set exactly as @tenant-scope/guard sets it (`pg_catalog.set_config(<setting>, $1, true)`
 * inside the transaction), and always `ROLLBACK` at the end. Each probe runs after a savepoint, so
 * an expected failure (a refused INSERT) costs one round trip and does not end the transaction.
 * (The guard's statement builder is not imported: the guard has an optional peer dependency on
 * sql-lint, and the reverse would make a cycle. The statement is the same one the guard sends.)
 */
import type pg from 'pg';
import { quoteIdent, quoteLiteral } from './catalog-tables.js';

/** How a probe transaction sets context. */
export interface ContextSetting {
  /** The settings the guard would set, each to `value(tenant)`. */
  settings: readonly string[];
}

/** The result of one probe statement: its last result, or the error PostgreSQL raised. */
export type ProbeResult = { ok: true; rows: Record<string, unknown>[]; rowCount: number } | { ok: false; code: string; message: string };

/** A transaction in which probes run as the application role. */
export class ProbeTransaction {
  private dirty = false;

  private constructor(private readonly client: pg.ClientBase) {}

  /** Opens the transaction: role and the history's search_path, then context values (null: no context set in it). */
  static async open(client: pg.ClientBase, role: string, settings: readonly string[], values: readonly string[] | null, searchPath: readonly string[]): Promise<ProbeTransaction> {
    await client.query(`BEGIN; SET LOCAL ROLE ${quoteIdent(role)}; SET LOCAL search_path TO ${searchPath.map(quoteIdent).join(', ')}`);
    if (values !== null && settings.length > 0) {
      await client.query(`SELECT ${settings.map((s, i) => `pg_catalog.set_config(${quoteLiteral(s)}, $${i + 1}, true)`).join(', ')}`, [...values]);
    }
    await client.query('SAVEPOINT probe');
    return new ProbeTransaction(client);
  }

  /** Runs one probe statement (simple query protocol, so it may hold several statements); its effects are undone before the next probe. */
  async run(sql: string, keep = false): Promise<ProbeResult> {
    const prefix = this.dirty ? 'ROLLBACK TO SAVEPOINT probe; ' : '';
    this.dirty = !keep;
    try {
      const result = (await this.client.query(`${prefix}${sql}`)) as unknown as pg.QueryResult | pg.QueryResult[];
      const last = Array.isArray(result) ? result[result.length - 1] : result;
      return { ok: true, rows: (last?.rows ?? []) as Record<string, unknown>[], rowCount: last?.rowCount ?? 0 };
    } catch (error) {
      this.dirty = true;
      const { code, message } = error as { code?: string; message?: string };
      return { ok: false, code: code ?? '', message: message ?? String(error) };
    }
  }

  /** Ends the transaction; nothing it did stays. */
  async close(): Promise<void> {
    await this.client.query('ROLLBACK');
  }
}

/** Ends a transaction that set the context, leaving the connection the way a pooled connection is after a tenant's request (`''`). */
export async function leaveEndedContext(client: pg.ClientBase, settings: readonly string[], values: readonly string[]): Promise<void> {
  await client.query('BEGIN');
  await client.query(`SELECT ${settings.map((s, i) => `pg_catalog.set_config(${quoteLiteral(s)}, $${i + 1}, true)`).join(', ')}`, [...values]);
  await client.query('COMMIT');
}
