import type pg from 'pg';
import type { TenantTransactionOptions } from './scope-options.js';
import { abortedError, asError, ScopeConnection, type ScopeRuntime } from './scope-connection.js';
import { closeSubmittable, isSubmittable, refuseSubmittable, whenSubmittableDone } from './scope-submittables.js';
import { TenantScopeViolation } from './tenant-scope-violation.js';
import type { QueryConfig } from './connection-lane.js';
import { NestedTransactions } from './transaction-commands.js';
import { arrivalFailure, beginSql } from './transaction-sql.js';

export type { ScopeRuntime } from './scope-connection.js';

type QueryCallback = (error: Error | null, result?: pg.QueryResult) => void;

/** A statement of fn sent before the context statement answered: re-sent if the connection is swapped. */
interface EarlyQuery {
  config: QueryConfig;
  values: unknown[] | undefined;
  result: Promise<pg.QueryResult> | undefined;
}

const noop = (): void => undefined;

/**
 * One tenant transaction: BEGIN and the context (with the arrival checks), the scoped client
 * handed to `fn`, and the end: the verification pipelined before COMMIT and the session check
 * after it. The connection is released when `run` settles, destroyed if its state is in doubt.
 */
export class TenantTransaction extends ScopeConnection {
  /** The client `fn` gets: the checked-out client with `query` guarded and `release` a no-op. */
  readonly scopedClient: pg.PoolClient;
  private ended = false;
  private ready: Promise<void> = Promise.resolve();
  private readySettled = false;
  private early: EarlyQuery[] = [];
  private reentering = false;
  /** Cursors and streams of fn not yet finished on the connection. */
  private readonly openSubmittables = new Set<pg.Submittable>();
  /** ORM transactions inside the scope, sent as savepoints of the tenant transaction (every mode). */
  private readonly nested = new NestedTransactions();

  constructor(runtime: ScopeRuntime, client: pg.PoolClient, callSite: Error) {
    super(runtime, client, callSite);
    this.scopedClient = new Proxy(client, {
      get: (_target, property) => {
        if (property === 'query') return this.scopedQuery;
        if (property === 'release') return releasedByScope;
        const current = this.lane.client;
        const value: unknown = Reflect.get(current, property, current);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(current) : value;
      },
    });
  }

  /** True once `fn` has settled: later statements on the scoped client are refused. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Records a violation seen outside the client (a nested scope) so that `throw` mode rolls back. */
  noteViolation(violation: TenantScopeViolation): void {
    if (this.runtime.mode === 'throw') this.firstViolation ??= violation;
  }

  /** Runs `fn` in the tenant transaction and ends it; resolves to what `fn` returns. */
  async run<T>(values: readonly string[], fn: (client: pg.PoolClient) => Promise<T> | T, options: TenantTransactionOptions | undefined): Promise<T> {
    this.takeValues(values);
    const begin = beginSql(options);
    this.lane.attach(this.lane.client);
    // BEGIN, the context and fn's first statement go out pipelined, in one write.
    let uncork = this.lane.cork();
    try {
      this.ready = this.enterChecked(begin, () => {
        uncork = this.lane.cork();
        return uncork;
      });
      this.ready.then(
        () => (this.readySettled = true),
        (error: unknown) => {
          this.readySettled = true;
          if (!(error instanceof TenantScopeViolation)) this.doubt ??= asError(error);
        },
      );

      let outcome: { ok: true; value: T } | { ok: false; error: unknown };
      try {
        let returned: Promise<T> | T;
        try {
          returned = fn(this.scopedClient);
        } finally {
          uncork();
        }
        outcome = { ok: true, value: await returned };
      } catch (error) {
        outcome = { ok: false, error };
      }
      if (this.openSubmittables.size > 0) return this.abandon(outcome);
      await this.lane.whenIdle();
      try {
        await this.ready;
      } catch (error) {
        if (outcome.ok || error instanceof TenantScopeViolation) outcome = { ok: false, error };
      }
      if (outcome.ok && this.firstViolation) outcome = { ok: false, error: this.firstViolation };
      this.ended = true;

      if (!outcome.ok) {
        await this.rollback();
        throw outcome.error;
      }
      await this.commit();
      return outcome.value;
    } finally {
      uncork();
      this.ended = true;
      this.lane.release(this.doubt);
    }
  }

  /**
   * BEGIN and the context statement, retried on another connection when the arrival checks
   * fail: fn's statements sent meanwhile failed without running and are sent again there.
   */
  private async enterChecked(begin: string, recork: () => () => void): Promise<void> {
    let entering = this.enter(begin);
    for (let attempt = 1; ; attempt++) {
      let failure: unknown;
      try {
        this.runtime.arrival.learn((await entering)[0]);
        this.early = [];
        return;
      } catch (error) {
        failure = error;
      }
      if (arrivalFailure(failure) === undefined) throw failure;
      this.reentering = true;
      const next = await this.arrivalFailed(attempt);
      if (!next.retry) {
        this.reentering = false;
        throw next.violation;
      }
      // Take another connection; send BEGIN, the context and fn's early statements again.
      this.lane.attach(await this.runtime.connect(this.callSite));
      const uncork = recork();
      entering = this.enter(begin);
      for (const query of this.early) query.result = quiet(this.lane.send(query.config, query.values));
      this.reentering = false;
      uncork();
    }
  }

  /** BEGIN and the context statement with its arrival checks; resolves to the context statement's rows. */
  private enter(begin: string): Promise<Record<string, unknown>[]> {
    return this.lane.enter(this.enterText(begin));
  }

  private readonly scopedQuery = (config: QueryConfig | pg.Submittable, values?: unknown[] | QueryCallback, callback?: QueryCallback): unknown => {
    if (typeof values === 'function') {
      callback = values;
      values = undefined;
    }
    if (isSubmittable(config)) return this.submit(config, callback);
    if (typeof config === 'object' && config !== null && typeof (config as { callback?: unknown }).callback === 'function') {
      callback ??= (config as unknown as { callback: QueryCallback }).callback;
      config = { ...config, callback: undefined } as pg.QueryConfig;
    }
    const text = typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text;
    let sql = typeof text === 'string' ? text : undefined;
    const nested = sql === undefined ? undefined : this.nested.rewrite(sql);
    if (nested !== undefined) {
      sql = nested;
      config = typeof config === 'string' ? nested : { ...config, text: nested };
    }
    const parameters = Array.isArray(values) ? values : (config as { values?: unknown } | null)?.values;
    const refusal = this.checkStatement(sql, Array.isArray(parameters) ? parameters : undefined);
    if (refusal) return settle(Promise.reject(refusal), callback);

    let result: Promise<pg.QueryResult>;
    if (this.readySettled) {
      result = this.lane.send(config, values);
    } else {
      const early: EarlyQuery = { config, values, result: undefined };
      // While the connection is being swapped, the statement waits to be sent on the next one.
      if (!this.reentering) early.result = quiet(this.lane.send(config, values));
      this.early.push(early);
      result = this.ready.then(() => early.result as Promise<pg.QueryResult>);
    }
    return settle(result, callback);
  };

  /** A cursor or stream: checked like any statement; refusals reach it through its own interface. */
  private submit(submittable: pg.Submittable, callback: QueryCallback | undefined): pg.Submittable {
    // pg-query-stream keeps its text on the cursor it wraps.
    const text = (submittable as { text?: unknown }).text ?? (submittable as { cursor?: { text?: unknown } }).cursor?.text;
    let refusal: Error | undefined = this.checkStatement(typeof text === 'string' ? text : undefined);
    if (!refusal && !this.readySettled) {
      refusal = new Error(
        'a cursor or stream cannot be the first statement of a tenant transaction (it cannot share the pipelined round trip); run any query before it',
      );
    }
    if (refusal) return refuseSubmittable(submittable, refusal, callback);
    const finished = this.lane.submitted();
    this.openSubmittables.add(submittable);
    whenSubmittableDone(submittable, () => {
      this.openSubmittables.delete(submittable);
      finished();
    });
    return (this.lane.client.query as (...args: unknown[]) => pg.Submittable)(submittable, ...(callback ? [callback] : []));
  }

  /** The violation that keeps `sql` from being sent, if any; reports every violation it sees. */
  private checkStatement(sql: string | undefined, parameters?: readonly unknown[]): TenantScopeViolation | undefined {
    if (this.ended) {
      const violation = this.violation('outside-transaction', 'the scoped client was used after its tenant scope ended; the statement was not sent', sql, new Error());
      this.runtime.report(violation);
      return violation;
    }
    let refusal = this.judge(sql, parameters);
    // The status is only current when nothing is in flight; it costs nothing to read, so every mode checks it.
    if (!this.outsideReported && this.lane.idle && this.readySettled && this.lane.client.getTransactionStatus() === 'I') {
      this.outsideReported = true;
      const message = 'the connection is no longer in the tenant transaction (it was ended inside the scope); this statement runs without tenant context';
      refusal ??= this.raise(this.violation('outside-transaction', message, sql, new Error()));
    }
    return refusal;
  }

  /** fn returned while a cursor or stream was still open: COMMIT would queue behind it forever. */
  private abandon(outcome: { ok: true; value: unknown } | { ok: false; error: unknown }): never {
    this.ended = true;
    this.doubt ??= new Error('a cursor or stream was still open when fn returned');
    for (const submittable of this.openSubmittables) closeSubmittable(submittable);
    const error = new Error(
      'a cursor or stream was still open when fn returned: the tenant transaction was not committed and its connection was closed (read cursors to the end or close() them, and consume streams, inside fn)',
      outcome.ok ? undefined : { cause: outcome.error },
    );
    throw error;
  }

  private async commit(): Promise<void> {
    const status = this.lane.client.getTransactionStatus();
    if (status === 'I') {
      await this.endedInside();
      if (this.firstViolation) throw this.firstViolation;
      return;
    }
    if (status === 'E') {
      await this.rollback();
      throw abortedError(this.lane.lastQueryError);
    }
    await this.settleCommit(await this.lane.sendRecording(this.endText()));
  }
}

function releasedByScope(): void {
  // The scope releases its connection when fn settles; ORMs that release after each query are fine.
}

function settle(result: Promise<pg.QueryResult>, callback: QueryCallback | undefined): Promise<pg.QueryResult> | undefined {
  if (!callback) return result;
  result.then(
    (value) => callback(null, value),
    (error: unknown) => callback(asError(error)),
  );
  return undefined;
}

/** A promise whose rejection is handled here too (its statement may be re-sent elsewhere). */
function quiet<R>(promise: Promise<R>): Promise<R> {
  promise.catch(noop);
  return promise;
}
