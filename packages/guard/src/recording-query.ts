import type pg from 'pg';

type QueryCallback = (error: Error | null, results?: pg.QueryResult[]) => void;

/** What node-postgres' `Query` (8.23) offers a subclass that records what completed. */
interface QueryBase {
  text: string;
  handleCommandComplete(message: { text?: string }, connection: unknown): void;
}
interface QueryConstructor {
  new (text: string, values: unknown[], callback: QueryCallback): QueryBase;
}

const recorders = new WeakMap<object, RecordingQueryFactory | null>();

/** A simple-protocol query whose completed command tags (`COMMIT`, `SELECT`, …) are kept as they arrive. */
export interface RecordingQuery {
  query: pg.Submittable;
  /** Tags of the statements that completed, in order; read them when the query failed part way. */
  commands: string[];
  /** Rows of each completed statement, in the same order. */
  rows: Record<string, unknown>[][];
}
/** Makes a {@link RecordingQuery} for one client. */
export type RecordingQueryFactory = (text: string, callback: QueryCallback) => RecordingQuery;

/**
 * A multi-statement message whose callback only reports the first error: the command tags tell
 * which statements ran before it (e.g. whether COMMIT completed before the check after it ended
 * the server connection). Returns null for a client class without its own `Query`.
 */
export function recordingQueryFactory(client: pg.PoolClient): RecordingQueryFactory | null {
  const key = (Object.getPrototypeOf(client) as { constructor?: { Query?: unknown } } | null)?.constructor;
  if (key === undefined) return null;
  const known = recorders.get(key);
  if (known !== undefined) return known;
  const base = key.Query;
  let factory: RecordingQueryFactory | null = null;
  if (typeof base === 'function' && typeof (base.prototype as Partial<QueryBase> | undefined)?.handleCommandComplete === 'function') {
    const Query = base as QueryConstructor;
    class CommandRecordingQuery extends Query {
      readonly commands: string[] = [];
      // Not `rows`: node-postgres reads that field as a portal's row limit.
      readonly statementRows: Record<string, unknown>[][] = [];
      override handleCommandComplete(message: { text?: string }, connection: unknown): void {
        // The tag's first word: 'COMMIT', 'ROLLBACK', 'SELECT', …
        this.commands.push((message.text ?? '').split(' ')[0] ?? '');
        // node-postgres collects the current statement's rows in `_result` until its CommandComplete.
        const current = (this as unknown as { _result?: { rows?: unknown } })._result?.rows;
        this.statementRows.push(Array.isArray(current) ? [...(current as Record<string, unknown>[])] : []);
        super.handleCommandComplete(message, connection);
      }
    }
    factory = (text, callback) => {
      const query = new CommandRecordingQuery(text, undefined as unknown as unknown[], callback);
      return { query: query as unknown as pg.Submittable, commands: query.commands, rows: query.statementRows };
    };
  }
  recorders.set(key, factory);
  return factory;
}
