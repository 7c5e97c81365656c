import type pg from 'pg';
import type { AssertionMode, ContextGuc, TenantTransactionOptions } from './scope-options.js';
import { statementViolations } from './statement-violations.js';
import { TenantScopeViolation, type ViolationCode } from './tenant-scope-violation.js';
import { enterQueryFactory } from './enter-query.js';
import { beginSql, nonEmptyValues } from './transaction-sql.js';

/** What a transaction needs from the scope that runs it. */
export interface ScopeRuntime {
  readonly mode: AssertionMode;
  readonly gucs: readonly ContextGuc[];
  readonly gucNames: ReadonlySet<string>;
  readonly keys: readonly string[];
  readonly enterSql: string;
  readonly sessionValuesSql: string;
  report(violation: TenantScopeViolation): void;
}

type QueryConfig = string | pg.QueryConfig;
type QueryCallback = (error: Error | null, result?: pg.QueryResult) => void;

// `pipeline` is read-only in @types/pg but a plain field in pg 8.23; it is switched per checkout.
interface PipelineSwitch {
  pipeline: boolean;
}

function isSubmittable(config: unknown): config is pg.Submittable {
  return typeof config === 'object' && config !== null && typeof (config as { submit?: unknown }).submit === 'function';
}

/**
 * One tenant transaction on one checked-out connection: BEGIN and the context, the scoped client
 * handed to `fn`, and the end (COMMIT or ROLLBACK) with its checks. The connection is released
 * when `run` settles, destroyed if its state is in doubt.
 */
export class TenantTransaction {
  /** The client `fn` gets: the checked-out client with `query` guarded and `release` a no-op. */
  readonly scopedClient: pg.PoolClient;
  private ended = false;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly pipelineAtCheckout: boolean;
  private ready: Promise<void> = Promise.resolve();
  private readySettled = false;
  /** Why the connection must not go back to the pool; undefined while it is clean. */
  private doubt: Error | undefined;
  /** The first violation seen in `throw` mode: it rolls the transaction back even if `fn` swallowed it. */
  private firstViolation: TenantScopeViolation | undefined;
  /** Leaked session-level values the connection arrived with, by setting index. */
  private priorLeaks = new Map<number, string>();
  /** RESETs that undo session-level search_path or role changes the scope let through (warn mode). */
  private readonly sessionResets = new Set<string>();
  private outsideReported = false;
  private lastQueryError: unknown;
  private readonly onConnectionError = (error: Error): void => {
    this.doubt ??= error;
  };

  constructor(
    private readonly runtime: ScopeRuntime,
    private readonly client: pg.PoolClient,
    private readonly callSite: Error,
  ) {
    this.pipelineAtCheckout = client.pipeline === true;
    this.scopedClient = new Proxy(client, {
      get: (target, property) => {
        if (property === 'query') return this.scopedQuery;
        if (property === 'release') return releasedByScope;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
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
    this.client.on('error', this.onConnectionError);
    // BEGIN, the context and fn's first statement go out pipelined, in one write.
    this.setPipeline(true);
    const uncork = cork(this.client);
    try {
      this.ready = this.enter(beginSql(options), values).then((entered) => this.checkArrival(entered.rows[0]));
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
      await this.whenIdle();
      try {
        await this.ready;
      } catch (error) {
        if (outcome.ok) outcome = { ok: false, error };
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
      this.release();
    }
  }

  private readonly scopedQuery = (config: QueryConfig | pg.Submittable, values?: unknown[] | QueryCallback, callback?: QueryCallback): unknown => {
    if (typeof values === 'function') {
      callback = values;
      values = undefined;
    }
    const text = typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text;
    const sql = typeof text === 'string' ? text : undefined;
    const refusal = this.checkStatement(sql);
    if (refusal) return settle(Promise.reject(refusal), callback);

    if (isSubmittable(config)) {
      if (this.client.pipeline && !this.pipelineAtCheckout) {
        throw new Error(
          'a cursor or stream cannot be the first statement of a tenant transaction (it cannot share the pipelined round trip); run any query before it',
        );
      }
      return this.client.query(config);
    }
    let result = this.send(config, values);
    if (!this.readySettled) result = Promise.all([this.ready, result]).then(([, queried]) => queried);
    return settle(result, callback);
  };

  /** The violation that keeps `sql` from being sent, if any; reports every violation it sees. */
  private checkStatement(sql: string | undefined): TenantScopeViolation | undefined {
    if (this.ended) {
      const violation = this.violation('outside-transaction', 'the scoped client was used after its tenant scope ended; the statement was not sent', sql, new Error());
      this.runtime.report(violation);
      return violation;
    }
    let refusal: TenantScopeViolation | undefined;
    const resets: string[] = [];
    if (this.runtime.mode !== 'off' && sql !== undefined) {
      for (const found of statementViolations(sql, this.runtime.gucNames)) {
        refusal ??= this.raise(this.violation(found.code, found.message, sql, new Error()));
        if (found.reset) resets.push(found.reset);
      }
    }
    if (!refusal && resets.length > 0) {
      // The statement goes out (warn mode): undo it after COMMIT, on the same server connection, and discard the connection.
      for (const reset of resets) this.sessionResets.add(reset);
      this.doubt ??= new Error('a session-level search_path or role change ran inside the scope');
    }
    // The status is only current when nothing is in flight; it costs nothing to read, so every mode checks it.
    if (!this.outsideReported && this.inFlight === 0 && this.readySettled && this.client.getTransactionStatus() === 'I') {
      this.outsideReported = true;
      const message = 'the connection is no longer in the tenant transaction (it was ended inside the scope); this statement would run without tenant context';
      refusal ??= this.raise(this.violation('outside-transaction', message, sql, new Error()));
    }
    return refusal;
  }

  private checkArrival(row: Record<string, unknown> | undefined): void {
    const leaked = nonEmptyValues(row, 'prior_', this.runtime.gucs.length);
    if (leaked.length === 0) return;
    for (const index of leaked) this.priorLeaks.set(index, String(row?.[`prior_${index}`]));
    this.doubt ??= new Error('the connection carried a leaked session-level tenant context');
    const names = leaked.map((i) => this.runtime.gucs[i]?.guc).join(', ');
    const message = `the connection arrived carrying a session-level value for ${names} (set earlier outside a transaction-local set_config); it was overridden for this transaction and is cleared, and the connection is discarded`;
    const violation = this.raise(this.violation('leaked-context', message, undefined, this.callSite));
    if (violation) throw violation;
  }

  private async commit(): Promise<void> {
    const status = this.client.getTransactionStatus();
    if (status === 'I') {
      this.doubt ??= new Error('the tenant transaction was ended inside the scope');
      if (!this.outsideReported) {
        this.outsideReported = true;
        this.raise(this.violation('outside-transaction', 'the tenant transaction was ended inside the scope, before its COMMIT', undefined, this.callSite));
      }
      if (this.firstViolation) throw this.firstViolation;
      return;
    }
    if (status === 'E') {
      await this.rollback();
      throw abortedError(this.lastQueryError);
    }
    const checkSession = this.runtime.mode !== 'off' || this.priorLeaks.size > 0 || this.sessionResets.size > 0;
    if (!checkSession) {
      const committed = await this.endWith('COMMIT');
      if (committed.command === 'ROLLBACK') throw abortedError(this.lastQueryError);
      return;
    }
    const [committed, session] = await this.endBatch('COMMIT');
    if (committed.command === 'ROLLBACK') throw abortedError(this.lastQueryError);
    const survived = nonEmptyValues(session.rows[0], 'survived_', this.runtime.gucs.length).filter(
      (i) => this.priorLeaks.get(i) !== session.rows[0]?.[`survived_${i}`],
    );
    if (survived.length === 0 || this.runtime.mode === 'off') return;
    this.doubt ??= new Error('tenant context survived COMMIT');
    const names = survived.map((i) => this.runtime.gucs[i]?.guc).join(', ');
    const message = `after COMMIT the connection still carried ${names} at session level (something in the transaction set it with set_config(…, false) or SET); the transaction was committed, the value cleared and the connection discarded`;
    const violation = this.raise(this.violation('context-survived-commit', message, undefined, this.callSite));
    if (violation) throw violation;
  }

  private async rollback(): Promise<void> {
    if (this.client.getTransactionStatus() === 'I' || !isQueryable(this.client)) {
      this.doubt ??= new Error('the tenant transaction could not be rolled back on this connection');
      return;
    }
    try {
      if (this.priorLeaks.size > 0 || this.sessionResets.size > 0) await this.endBatch('ROLLBACK');
      else await this.endWith('ROLLBACK');
    } catch (error) {
      this.doubt ??= asError(error);
    }
  }

  private async endWith(statement: string): Promise<pg.QueryResult> {
    try {
      return await this.send(statement);
    } catch (error) {
      this.doubt ??= asError(error);
      throw error;
    }
  }

  /** COMMIT or ROLLBACK and the session-values check, in one simple-protocol message: one round trip. */
  private async endBatch(end: 'COMMIT' | 'ROLLBACK'): Promise<[pg.QueryResult, pg.QueryResult]> {
    let results: unknown;
    try {
      const resets = [...this.sessionResets].map((reset) => `${reset}; `).join('');
      results = await this.send(`${end}; ${resets}${this.runtime.sessionValuesSql}`);
    } catch (error) {
      this.doubt ??= asError(error);
      throw error;
    }
    const all = results as unknown as pg.QueryResult[];
    const [ended, session] = [all[0], all[all.length - 1]];
    if (!ended || !session) throw new Error(`expected two results from ${end} and the session check`);
    return [ended, session];
  }

  /** BEGIN and the context statement; resolves to the context statement's result. */
  private enter(begin: string, values: readonly string[]): Promise<pg.QueryResult> {
    const makeQuery = enterQueryFactory(this.client);
    if (makeQuery === null) {
      const began = this.send(begin);
      return Promise.all([began, this.send(this.runtime.enterSql, [...values])]).then(([, entered]) => entered);
    }
    return this.track(
      new Promise<pg.QueryResult[]>((resolve, reject) => {
        this.client.query(makeQuery(begin, this.runtime.enterSql, [...values], (error, results) => (error ? reject(error) : resolve(results ?? []))));
      }),
    ).then((results) => {
      const entered = results[1];
      if (!entered) throw new Error('expected the results of BEGIN and the context statement');
      return entered;
    });
  }

  /** Sends a statement on the connection, counting it in flight (pipeline mode ends when none is). */
  private send(config: QueryConfig, values?: unknown[]): Promise<pg.QueryResult> {
    return this.track(values === undefined ? this.client.query(config) : this.client.query(config as string, values));
  }

  /** Counts a query in flight until it settles. */
  private track<R>(query: Promise<R>): Promise<R> {
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

  private settled(): void {
    if (--this.inFlight > 0) return;
    this.setPipeline(this.pipelineAtCheckout);
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  private whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  // Switched only while nothing is in flight, when node-postgres' queues are empty.
  private setPipeline(on: boolean): void {
    if (this.inFlight === 0) (this.client as unknown as PipelineSwitch).pipeline = on;
  }

  private release(): void {
    this.client.removeListener('error', this.onConnectionError);
    if (this.inFlight === 0) this.setPipeline(this.pipelineAtCheckout);
    else this.doubt ??= new Error('statements were still in flight when the scope ended');
    this.client.release(this.doubt);
  }

  private violation(code: ViolationCode, message: string, sql: string | undefined, callSite: Error): TenantScopeViolation {
    return new TenantScopeViolation({ code, message, sql, contextKeys: this.runtime.keys, callSite });
  }

  /** Reports; in `throw` mode also returns the violation to be thrown and remembers it for the end. */
  private raise(violation: TenantScopeViolation): TenantScopeViolation | undefined {
    this.runtime.report(violation);
    if (this.runtime.mode !== 'throw') return undefined;
    this.firstViolation ??= violation;
    return violation;
  }
}

/** Holds the client's writes until the returned function runs, so pipelined messages leave in one write. */
function cork(client: pg.PoolClient): () => void {
  const stream = (client as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;
  if (typeof stream?.cork !== 'function' || typeof stream.uncork !== 'function') return () => undefined;
  stream.cork();
  let corked = true;
  return () => {
    if (corked) stream.uncork?.();
    corked = false;
  };
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

function isQueryable(client: pg.PoolClient): boolean {
  return (client as unknown as { _queryable?: boolean })._queryable !== false;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function abortedError(cause: unknown): Error {
  return new Error('the tenant transaction was aborted by an earlier error that fn caught; it was rolled back, nothing was committed', { cause });
}
