import { createRequire } from 'node:module';
import type pg from 'pg';

/** One statement of a {@link StatementBatch}. */
export interface BatchStatement {
  text: string;
  /** Bound parameters (`$1`, …), mapped to wire values the way node-postgres maps them. */
  values?: readonly unknown[];
  /** A named prepared statement: parsed once per connection, then only bound. */
  name?: string;
  /** Only parse it now (a named statement a later batch binds), do not run it. */
  parseOnly?: boolean;
}

/** What a batch did: the first error, the tags of the statements that completed before it, and their results. */
export interface BatchOutcome {
  error: Error | undefined;
  /** Command tags (`BEGIN`, `SELECT`, …) of the statements that completed, in order. */
  commands: string[];
  /** One result per statement that completed, in order (parse-only statements have none). */
  results: pg.QueryResult[];
}

/** Sends `statements` as one extended-protocol batch with a single Sync; throws (before sending anything) for a value that cannot be sent. */
export type StatementBatch = (statements: readonly BatchStatement[], done: (outcome: BatchOutcome) => void) => pg.Submittable;

/** What node-postgres' `Query` (8.23) offers a subclass that writes its own protocol messages. */
interface QueryBase {
  prepare(connection: WireConnection): void;
  handleCommandComplete(message: { text?: string }, connection: unknown): void;
  handleEmptyQuery(connection: unknown): void;
  handleError(error: Error, connection: unknown): void;
}
interface QueryConstructor {
  new (text: string, values: undefined, callback: (error: Error | null, results?: pg.QueryResult | pg.QueryResult[]) => void): QueryBase;
}
interface WireConnection {
  parsedStatements: Record<string, string | undefined>;
  parse(message: { text: string; name?: string }): void;
  bind(message: { statement?: string; values?: readonly unknown[] }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(message: { portal: string }): void;
  sync(): void;
}

// node-postgres exports its lib folder (`pg/lib/*`); prepareValue is how it turns a JS value into a parameter.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue: (value: unknown) => unknown };

const factories = new WeakMap<object, StatementBatch | null>();

/**
 * A factory of batches for one client class: several statements in one extended-protocol
 * message sequence with one Sync, so the server answers them with one ReadyForQuery and skips
 * everything after the first error. Named statements the connection has not seen are parsed at
 * the start of the batch, before anything runs: a batch whose first statement completed had
 * them all parsed. It subclasses the client's own `Query` class (node-postgres' pipeline mode
 * accepts custom submittables only when they are instances of it). Null for a client class
 * without one.
 */
export function statementBatchFactory(client: pg.PoolClient): StatementBatch | null {
  const key = (Object.getPrototypeOf(client) as { constructor?: { Query?: unknown } } | null)?.constructor;
  if (key === undefined) return null;
  const known = factories.get(key);
  if (known !== undefined) return known;
  const factory = makeFactory(key.Query);
  factories.set(key, factory);
  return factory;
}

function makeFactory(base: unknown): StatementBatch | null {
  const prototype = typeof base === 'function' ? (base.prototype as Partial<QueryBase> | undefined) : undefined;
  if (typeof prototype?.prepare !== 'function' || typeof prototype.handleCommandComplete !== 'function' || typeof prototype.handleEmptyQuery !== 'function') return null;
  const Query = base as QueryConstructor;
  class StatementBatchQuery extends Query {
    readonly commands: string[] = [];
    readonly completed: pg.QueryResult[] = [];
    private parsed: [string, string][] = [];
    private connection: WireConnection | undefined;

    constructor(
      private readonly statements: readonly BatchStatement[],
      done: (outcome: BatchOutcome) => void,
    ) {
      super(statements[0]?.text ?? '', undefined, (error) => {
        // Named statements are known to the server once anything after their Parse completed.
        if (this.commands.length > 0 && this.connection) for (const [name, text] of this.parsed) this.connection.parsedStatements[name] = text;
        done({ error: error ?? undefined, commands: this.commands, results: this.completed });
      });
    }

    // A server error arrives before the ReadyForQuery that ends the batch; the outcome waits for it, so
    // that the client's transaction status is current when the caller reads it.
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

    requiresPreparation(): boolean {
      return true;
    }

    override handleCommandComplete(message: { text?: string }, connection: unknown): void {
      this.commands.push((message.text ?? '').split(' ')[0] ?? '');
      super.handleCommandComplete(message, connection);
      // node-postgres collects each statement's rows in `_result` until its CommandComplete.
      this.completed.push((this as unknown as { _result: pg.QueryResult })._result);
    }

    // A statement text with nothing in it (only a comment) completes without a tag.
    override handleEmptyQuery(connection: unknown): void {
      this.commands.push('');
      this.completed.push({ command: '', rowCount: null, oid: 0, rows: [], fields: [] });
      super.handleEmptyQuery(connection);
    }

    // node-postgres calls this with the stream corked: every message leaves in one write.
    override prepare(connection: WireConnection): void {
      this.connection = connection;
      for (const { name, text } of this.statements) {
        if (name === undefined || connection.parsedStatements[name] === text || this.parsed.some(([n]) => n === name)) continue;
        connection.parse({ text, name });
        this.parsed.push([name, text]);
      }
      for (const statement of this.statements) {
        if (statement.parseOnly) continue;
        if (statement.name === undefined) connection.parse({ text: statement.text });
        connection.bind({ statement: statement.name ?? '', values: statement.values ?? [] });
        // Described like node-postgres' own queries: rows can be read, and a statement without rows answers NoData.
        connection.describe({ type: 'P', name: '' });
        connection.execute({ portal: '' });
      }
      connection.sync();
    }
  }
  // Values are mapped before anything is written: a value node-postgres cannot send throws here, not mid-batch.
  return (statements, done) => {
    const mapped = statements.map((statement) => (statement.values === undefined ? statement : { ...statement, values: statement.values.map((value) => prepareValue(value)) }));
    return new StatementBatchQuery(mapped, done) as unknown as pg.Submittable;
  };
}
