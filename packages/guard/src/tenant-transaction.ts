import type pg from 'pg';
import type { AssertionMode, ContextGuc, TenantTransactionOptions } from './scope-options.js';
import { closeSubmittable, isSubmittable, refuseSubmittable, whenSubmittableDone } from './scope-submittables.js';
import { statementViolations } from './statement-violations.js';
import { TenantScopeViolation, type ViolationCode } from './tenant-scope-violation.js';
import { ConnectionLane, type QueryConfig } from './connection-lane.js';
import { NestedTransactions } from './transaction-commands.js';
import { arrivalFailure, beginSql, CLOSE_SESSION_SQL, contextChangedFailure, nonEmptyValues, SESSION_STATE_PROBE_SQL, sessionCheckSql, verifySql } from './transaction-sql.js';
import type { ArrivalCheck } from './arrival-check.js';

/** What a transaction needs from the scope that runs it. */
export interface ScopeRuntime {
  readonly mode: AssertionMode;
  readonly gucs: readonly ContextGuc[];
  readonly gucNames: ReadonlySet<string>;
  readonly keys: readonly string[];
  readonly arrival: ArrivalCheck;
  /** A connection in no transaction from the pool. */
  connect(callSite: Error): Promise<pg.PoolClient>;
  report(violation: TenantScopeViolation): void;
  /** Logs in `warn`/`throw` mode. */
  note(message: string): void;
}

type QueryCallback = (error: Error | null, result?: pg.QueryResult) => void;

/** A statement of fn sent before the context statement answered: re-sent if the connection is swapped. */
interface EarlyQuery {
  config: QueryConfig;
  values: unknown[] | undefined;
  result: Promise<pg.QueryResult> | undefined;
}

const noop = (): void => undefined;
// Words without which no statement's text declares a WITH HOLD cursor, LISTENs or PREPAREs (a DO block included).
const SESSION_STATE_WORDS = /\b(?:hold|listen|prepare)\b/i;

/**
 * One tenant transaction: BEGIN and the context (with the arrival checks), the scoped client
 * handed to `fn`, and the end: the verification pipelined before COMMIT and the session check
 * after it. The connection is released when `run` settles, destroyed if its state is in doubt.
 */
export class TenantTransaction {
  /** The client `fn` gets: the checked-out client with `query` guarded and `release` a no-op. */
  readonly scopedClient: pg.PoolClient;
  private readonly lane: ConnectionLane;
  private ended = false;
  private ready: Promise<void> = Promise.resolve();
  private readySettled = false;
  private early: EarlyQuery[] = [];
  private reentering = false;
  /** Cursors and streams of fn not yet finished on the connection. */
  private readonly openSubmittables = new Set<pg.Submittable>();
  /** ORM transactions inside the scope, sent as savepoints of the tenant transaction (every mode). */
  private readonly nested = new NestedTransactions();
  /** RESETs that undo session-level search_path or role changes warn mode let through, sent after COMMIT. */
  private readonly sessionResets = new Set<string>();
  /** Why the connection must not go back to the pool; undefined while it is clean. */
  private doubt: Error | undefined;
  /** The first violation seen in `throw` mode: it rolls the transaction back even if `fn` swallowed it. */
  private firstViolation: TenantScopeViolation | undefined;
  private outsideReported = false;
  private values: readonly string[] = [];
  /** Whether a statement's text named WITH HOLD, LISTEN or PREPARE (every mode): then the session is probed after COMMIT. */
  private probeSessionState = false;
  /** The scope's value of each context setting, by setting name (for the statement checks). */
  private ownValues: Map<string, string> | undefined;
  private readonly onConnectionError = (error: Error): void => {
    this.doubt ??= error;
  };

  constructor(
    private readonly runtime: ScopeRuntime,
    client: pg.PoolClient,
    private readonly callSite: Error,
  ) {
    this.lane = new ConnectionLane(client, this.onConnectionError);
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
    this.values = values;
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
        this.runtime.arrival.learn((await entering).rows[0]);
        this.early = [];
        return;
      } catch (error) {
        failure = error;
      }
      const found = arrivalFailure(failure);
      if (found === undefined) throw failure;
      this.reentering = true;
      await this.lane.whenIdle();
      this.doubt ??= new Error('the connection arrived with session state of its own');
      const verdict = await this.runtime.arrival.reset((sql) => this.lane.sendRecording(sql), found, this.runtime.mode, attempt);
      const violation = new TenantScopeViolation({ code: verdict.code, message: verdict.message, fix: verdict.fix, contextKeys: this.runtime.keys, callSite: this.callSite });
      if (verdict.report) this.runtime.report(violation);
      if (!verdict.retry) {
        this.reentering = false;
        throw violation;
      }
      // Take another connection; send BEGIN, the context and fn's early statements again.
      this.lane.release(this.doubt);
      this.doubt = undefined;
      this.lane.attach(await this.runtime.connect(this.callSite));
      const uncork = recork();
      entering = this.enter(begin);
      for (const query of this.early) query.result = quiet(this.lane.send(query.config, query.values));
      this.reentering = false;
      uncork();
    }
  }

  /** BEGIN and the context statement with its arrival checks; resolves to the context statement's result. */
  private enter(begin: string): Promise<pg.QueryResult> {
    const values = [...this.values, ...this.runtime.arrival.parameters(this.lane.client)];
    return this.lane.enter(begin, this.runtime.arrival.enterSql, values);
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
    // Costs a regular-expression test: a statement that may leave a WITH HOLD cursor, a LISTEN or an SQL prepared statement gets the probe after COMMIT.
    if (sql !== undefined && !this.probeSessionState && SESSION_STATE_WORDS.test(sql)) this.probeSessionState = true;
    let refusal: TenantScopeViolation | undefined;
    if (this.runtime.mode !== 'off' && sql !== undefined) {
      const resets: string[] = [];
      for (const found of this.analyze(sql, parameters)) {
        const message = this.runtime.mode === 'throw' ? `${found.message}; the statement was not sent` : `${found.message}; the statement was sent (warn mode)`;
        refusal ??= this.raise(this.violation(found.code, message, sql, new Error()));
        if (found.reset) resets.push(found.reset);
      }
      if (!refusal && resets.length > 0) {
        // The statement goes out (warn mode): undo it right after COMMIT, on the same server connection, and discard the client.
        for (const reset of resets) this.sessionResets.add(reset);
        this.doubt ??= new Error('a session-level search_path or role change ran inside the scope');
      }
    }
    // The status is only current when nothing is in flight; it costs nothing to read, so every mode checks it.
    if (!this.outsideReported && this.lane.idle && this.readySettled && this.lane.client.getTransactionStatus() === 'I') {
      this.outsideReported = true;
      const message = 'the connection is no longer in the tenant transaction (it was ended inside the scope); this statement runs without tenant context';
      refusal ??= this.raise(this.violation('outside-transaction', message, sql, new Error()));
    }
    return refusal;
  }

  private analyze(sql: string, parameters: readonly unknown[] | undefined): ReturnType<typeof statementViolations> {
    try {
      this.ownValues ??= new Map(this.runtime.gucs.map((g, i) => [g.guc, this.values[i] ?? ''] as const));
      return statementViolations(sql, this.runtime.gucNames, { values: this.ownValues, parameters });
    } catch (error) {
      // Valid SQL too deep for the parser's JSON (thousands of nested calls): the server judges it,
      // and the checks before and after COMMIT still see what it did.
      this.runtime.note(`a statement could not be analyzed (${asError(error).message}); it was sent unchecked`);
      return [];
    }
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
      this.doubt ??= new Error('the tenant transaction was ended inside the scope');
      if (!this.outsideReported) {
        this.outsideReported = true;
        this.raise(this.violation('outside-transaction', 'the tenant transaction was ended inside the scope, before its COMMIT', undefined, this.callSite));
      }
      // fn ran statements outside the tenant transaction: whatever they left, the session is closed.
      await this.lane.sendRecording(CLOSE_SESSION_SQL);
      if (this.firstViolation) throw this.firstViolation;
      return;
    }
    if (status === 'E') {
      await this.rollback();
      throw abortedError(this.lane.lastQueryError);
    }
    const verify = verifySql(
      this.runtime.gucs.map((g) => g.guc),
      this.values,
      (value) => this.lane.client.escapeLiteral(value),
    );
    const ended = await this.lane.sendRecording(`${verify}; COMMIT${this.sessionCheck()}`);
    if (ended.error === undefined) {
      if (ended.commands[1] === 'ROLLBACK') throw abortedError(this.lane.lastQueryError);
      if (this.runtime.mode !== 'off') this.checkSurvivors(ended.rows.find((rows) => rows[0] !== undefined && 'survived_0' in rows[0])?.[0]);
      return;
    }
    this.doubt ??= ended.error;
    if (ended.commands[1] === 'COMMIT') return this.sessionStateLeft(ended.error);
    const changed = contextChangedFailure(ended.error);
    if (changed === undefined) throw ended.error;
    // Nothing was committed; the failed transaction still holds the server connection: roll back and close it.
    await this.lane.sendRecording(`ROLLBACK; ${CLOSE_SESSION_SQL}`);
    const message = `${changed} changed inside the scope (a statement or a function it called switched it); the transaction was rolled back, nothing was committed, and the session was closed`;
    const violation = this.violation('context-changed', message, undefined, this.callSite);
    this.runtime.report(violation);
    throw violation;
  }

  /** After COMMIT/ROLLBACK in the same message: the RESETs of what warn mode let through, and in warn/throw the session check. */
  private sessionCheck(): string {
    const resets = [...this.sessionResets].map((reset) => `; ${reset}`).join('');
    const probe = this.probeSessionState ? `; ${SESSION_STATE_PROBE_SQL}` : '';
    if (this.runtime.mode === 'off') return `${resets}${probe}`;
    return `${resets}; ${sessionCheckSql(this.runtime.gucs.map((g) => g.guc))}${probe}`;
  }

  /** The transaction committed; the probe after it closed the session (57P01), or a check after it failed. */
  private sessionStateLeft(error: Error): void {
    if ((error as { code?: unknown }).code !== '57P01') {
      this.runtime.note(`the check after COMMIT failed (${error.message}); the connection was closed`);
      return;
    }
    const message =
      'the transaction left a WITH HOLD cursor, a LISTEN or an SQL prepared statement on its session; it was committed, and the server closed that session so no later user sees it';
    const violation = this.raise(this.violation('session-state', message, undefined, this.callSite));
    if (violation) throw violation;
  }

  private checkSurvivors(row: Record<string, unknown> | undefined): void {
    const survived = nonEmptyValues(row, 'survived_', this.runtime.gucs.length);
    if (survived.length === 0) return;
    this.doubt ??= new Error('tenant context survived COMMIT');
    const names = survived.map((i) => this.runtime.gucs[i]?.guc).join(', ');
    const message = `after COMMIT the connection still carried ${names} at session level (something in the transaction set it with set_config(…, false) or SET, to the scope's own value); the transaction was committed under the scope's values, the value cleared and the connection discarded`;
    const violation = this.raise(this.violation('context-survived-commit', message, undefined, this.callSite));
    if (violation) throw violation;
  }

  private async rollback(): Promise<void> {
    if (!isQueryable(this.lane.client)) {
      this.doubt ??= new Error('the tenant transaction could not be rolled back on this connection');
      return;
    }
    if (this.lane.client.getTransactionStatus() === 'I') {
      this.doubt ??= new Error('the tenant transaction was ended inside the scope');
      await this.lane.sendRecording(CLOSE_SESSION_SQL);
      return;
    }
    const ended = await this.lane.sendRecording(`ROLLBACK${this.sessionCheck()}`);
    if (ended.error !== undefined) this.doubt ??= ended.error;
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

function isQueryable(client: pg.PoolClient): boolean {
  return (client as unknown as { _queryable?: boolean })._queryable !== false;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function abortedError(cause: unknown): Error {
  return new Error('the tenant transaction was aborted by an earlier error that fn caught; it was rolled back, nothing was committed', { cause });
}
