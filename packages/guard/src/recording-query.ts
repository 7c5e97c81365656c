import type pg from 'pg';

type QueryCallback = (error: Error | null, results?: pg.QueryResult[]) => void;

/** What node-postgres' `Query` (8.23) offers a subclass that records what completed. */
interface QueryBase {
  text: string;
  handleCommandComplete(message: { text?: string }, connection: unknown): void;
  handleError(error: Error, connection: unknown): void;
}
interface QueryConstructor {
  new (text: string, values: unknown[], callback: QueryCallback): QueryBase;
}

const recorders = new WeakMap<object, RecordingQueryFactory | null>();

/**
 * A simple-protocol query whose completed command tags (`COMMIT`, `SELECT`, …) are kept as they
 * arrive, and whose error is reported once the server said it is ready again.
 */
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

      // A server error arrives before the ReadyForQuery that ends the message; the callback waits
      // for it, so that the client's transaction status is current when the caller reads it.
      override handleError(error: Error, connection: unknown): void {
        const events = connection as Partial<Pick<NodeJS.EventEmitter, 'once' | 'removeListener'>> | undefined;
        if ((error as { severity?: unknown }).severity === undefined || typeof events?.once !== 'function' || typeof events.removeListener !== 'function') {
          super.handleError(error, connection);
          return;
        }
        const finish = (): void => {
          for (const event of ['readyForQuery', 'end', 'error']) events.removeListener?.(event, finish);
          super.handleError(error, connection);
        };
        for (const event of ['readyForQuery', 'end', 'error']) events.once(event, finish);
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
