import type pg from 'pg';
import { recordingQueryFactory } from './recording-query.js';
import { statementBatchFactory, type BatchOutcome, type BatchStatement } from './statement-batch.js';

export type QueryConfig = string | pg.QueryConfig;

/** What a message of several statements did: the first error, and the tags and rows of the statements that completed before it. */
export interface Ended {
  error: Error | undefined;
  commands: string[];
  rows: Record<string, unknown>[][];
}

// `pipeline` is read-only in @types/pg but a plain field in pg 8.23; it is switched per checkout.
interface PipelineSwitch {
  pipeline: boolean;
}

const noop = (): void => undefined;

/**
 * The checked-out connection of one tenant transaction as the scope uses it: what is in flight on
 * it (node-postgres' pipeline mode is on while anything is, and switched back when nothing is),
 * and the ways the scope sends statements. The connection can be swapped for another (an arrival
 * that failed its checks) while nothing is in flight.
 */
export class ConnectionLane {
  client: pg.PoolClient;
  /** The error of the last statement that failed, for the message of an aborted transaction. */
  lastQueryError: unknown;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private pipelineAtCheckout = false;
  private released = false;

  constructor(
    client: pg.PoolClient,
    private readonly onConnectionError: (error: Error) => void,
  ) {
    this.client = client;
  }

  /** Nothing is waiting for an answer on the connection. */
  get idle(): boolean {
    return this.inFlight === 0;
  }

  /** Takes `client` as the connection and switches pipeline mode on for the round trip that enters. */
  attach(client: pg.PoolClient): void {
    this.client = client;
    this.released = false;
    this.pipelineAtCheckout = client.pipeline === true;
    client.on('error', this.onConnectionError);
    this.setPipeline(true);
  }

  /** Gives the connection back to the pool, destroyed when `doubt` says why it must not be reused. */
  release(doubt: Error | undefined): Error | undefined {
    // Released once: a connection swapped out after a failed arrival is already back in the pool.
    if (this.released) return doubt;
    this.released = true;
    const client = this.client;
    if (this.inFlight === 0) this.setPipeline(this.pipelineAtCheckout);
    else doubt ??= new Error('statements were still in flight when the scope ended');
    // A connection closed by the server or by the pool may still emit 'error' after it left the scope.
    if (doubt) client.on('error', noop);
    client.removeListener('error', this.onConnectionError);
    client.release(doubt);
    return doubt;
  }

  /** Holds the client's writes until the returned function runs, so pipelined messages leave in one write. */
  cork(): () => void {
    const stream = (this.client as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;
    if (typeof stream?.cork !== 'function' || typeof stream.uncork !== 'function') return noop;
    stream.cork();
    let corked = true;
    return () => {
      if (corked) stream.uncork?.();
      corked = false;
    };
  }

  /** BEGIN and the context statement under one Sync (after `parses`, named statements to parse); resolves to the context statement's result. */
  async enter(begin: string, enter: BatchStatement, parses: readonly BatchStatement[] = []): Promise<pg.QueryResult> {
    const outcome = await this.batch([...parses, { text: begin }, enter]);
    if (outcome.error) throw outcome.error;
    const entered = outcome.results[1];
    if (!entered) throw new Error('expected the results of BEGIN and the context statement');
    return entered;
  }

  /**
   * Statements under one Sync: the server skips everything after the first error. The outcome
   * carries that error (the promise rejects only for a value that cannot be sent, before
   * anything is sent). A client class without its own `Query` gets them as separate queries, in
   * order: the same outcome (the first error, what completed before it), in more round trips.
   */
  batch(statements: readonly BatchStatement[]): Promise<BatchOutcome> {
    const makeBatch = statementBatchFactory(this.client);
    if (makeBatch === null) {
      // Pipelined and corked, so that they still leave in one write.
      this.setPipeline(true);
      const uncork = this.cork();
      try {
        return this.track(this.oneByOne(statements));
      } finally {
        uncork();
      }
    }
    return new Promise((resolve, reject) => {
      let query: pg.Submittable;
      try {
        query = makeBatch(statements, (outcome) => {
          if (outcome.error) this.lastQueryError = outcome.error;
          this.settled();
          resolve(outcome);
        });
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      this.inFlight++;
      this.client.query(query);
    });
  }

  // Queued at once, in order (node-postgres sends each after the one before it): a statement
  // after a failed one fails too inside the transaction ("current transaction is aborted"), and a
  // COMMIT there rolls back.
  private async oneByOne(statements: readonly BatchStatement[]): Promise<BatchOutcome> {
    const sent = statements
      .filter((statement) => !statement.parseOnly)
      .map(({ text, values, name }) => this.client.query({ text, values: values === undefined ? undefined : [...values], name }));
    const settled = await Promise.allSettled(sent);
    const outcome: BatchOutcome = { error: undefined, commands: [], results: [] };
    for (const one of settled) {
      if (one.status === 'rejected') {
        outcome.error = one.reason instanceof Error ? one.reason : new Error(String(one.reason));
        this.lastQueryError = outcome.error;
        break;
      }
      outcome.commands.push(one.value.command);
      outcome.results.push(one.value);
    }
    return outcome;
  }

  /** Sends a statement on the connection, counting it in flight (pipeline mode ends when none is). */
  send(config: QueryConfig, values?: unknown[]): Promise<pg.QueryResult> {
    return this.track(values === undefined ? this.client.query(config) : this.client.query(config as string, values));
  }

  /** One simple-protocol message; its error does not throw, and the completed statements' tags and rows are kept. */
  sendRecording(text: string): Promise<Ended> {
    const factory = recordingQueryFactory(this.client);
    if (factory === null) {
      return this.send(text).then(
        (results) => {
          const all = [results].flat();
          return { error: undefined, commands: all.map((r) => r.command), rows: all.map((r) => r.rows as Record<string, unknown>[]) };
        },
        (error: unknown) => ({ error: error instanceof Error ? error : new Error(String(error)), commands: [], rows: [] }),
      );
    }
    return new Promise((resolve) => {
      this.inFlight++;
      const recorded = factory(text, (error) => {
        this.settled();
        resolve({ error: error ?? undefined, commands: recorded.commands, rows: recorded.rows });
      });
      this.client.query(recorded.query);
    });
  }

  /** Counts a Submittable in flight; call the returned function once it has finished. */
  submitted(): () => void {
    this.inFlight++;
    return () => this.settled();
  }

  /** Counts a query in flight until it settles. */
  track<R>(query: Promise<R>): Promise<R> {
    this.inFlight++;
    return query.then(
      (result) => {
        this.settled();
        return result;
      },
      (error: unknown) => {
        this.lastQueryError = error;
        this.settled();
        throw error;
      },
    );
  }

  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private settled(): void {
    if (--this.inFlight > 0) return;
    this.setPipeline(this.pipelineAtCheckout);
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  // Switched only while nothing is in flight, when node-postgres' queues are empty.
  private setPipeline(on: boolean): void {
    if (this.inFlight === 0) (this.client as unknown as PipelineSwitch).pipeline = on;
  }
}
