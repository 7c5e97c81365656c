import type pg from 'pg';
import { recordingQueryFactory } from './recording-query.js';

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

  /** The message that starts the transaction (BEGIN and the context statement); resolves to the context statement's rows. */
  async enter(text: string): Promise<Record<string, unknown>[]> {
    const ended = await this.sendRecording(text);
    if (ended.error) throw ended.error;
    const rows = ended.rows[1];
    if (!rows) throw new Error('expected the results of BEGIN and the context statement');
    return rows;
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
        if (error) this.lastQueryError = error;
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
