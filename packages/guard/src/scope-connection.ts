import type pg from 'pg';
import type { ArrivalCheck } from './arrival-check.js';
import { ConnectionLane, type Ended } from './connection-lane.js';
import type { AssertionMode, ContextGuc } from './scope-options.js';
import { statementViolations } from './statement-violations.js';
import { TenantScopeViolation, type ViolationCode } from './tenant-scope-violation.js';
import { CLOSE_SESSION_SQL, contextChangedFailure, nonEmptyValues, quoteLiteral, SESSION_STATE_PROBE_SQL, sessionCheckSql, verifySql } from './transaction-sql.js';

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

/** Where COMMIT's tag lands in the message of `endText()`, after the check before it. */
export const COMMIT_AT = 1;

// Words without which no statement's text declares a WITH HOLD cursor, LISTENs or PREPAREs (a DO block included).
const SESSION_STATE_WORDS = /\b(?:hold|listen|prepare)\b/i;

/**
 * What a tenant transaction (`withTenant`) and a tenant statement (`scope.query`) share: the
 * connection, the judgement of statement texts, the arrival retry, and the end: the check before
 * COMMIT, the session check after it, the rollback. The connection is destroyed on release while
 * `doubt` says why.
 */
export abstract class ScopeConnection {
  protected readonly lane: ConnectionLane;
  /** Why the connection must not go back to the pool; undefined while it is clean. */
  protected doubt: Error | undefined;
  /** The first violation seen in `throw` mode: it rolls the transaction back even if it was swallowed. */
  protected firstViolation: TenantScopeViolation | undefined;
  protected outsideReported = false;
  protected values: readonly string[] = [];
  /** The context values as SQL literals, for the guard's own statements. */
  protected literals: readonly string[] = [];
  /** RESETs that undo session-level search_path or role changes warn mode let through, sent after COMMIT. */
  private readonly sessionResets = new Set<string>();
  /** Whether a statement's text named WITH HOLD, LISTEN or PREPARE (every mode): then the session is probed after COMMIT. */
  private probeSessionState = false;
  /** The scope's value of each context setting, by setting name (for the statement checks). */
  private ownValues: Map<string, string> | undefined;
  private readonly onConnectionError = (error: Error): void => {
    this.doubt ??= error;
  };

  constructor(
    protected readonly runtime: ScopeRuntime,
    client: pg.PoolClient,
    protected readonly callSite: Error,
  ) {
    this.lane = new ConnectionLane(client, this.onConnectionError);
  }

  /**
   * Judges a statement's text (warn/throw): reports what it finds and returns the violation
   * that keeps it from being sent (throw mode). In every mode notes whether it may leave session
   * state (a regular-expression test), so the session is probed after COMMIT.
   */
  protected judge(sql: string | undefined, parameters?: readonly unknown[]): TenantScopeViolation | undefined {
    if (sql !== undefined && !this.probeSessionState && SESSION_STATE_WORDS.test(sql)) this.probeSessionState = true;
    if (this.runtime.mode === 'off' || sql === undefined) return undefined;
    let refusal: TenantScopeViolation | undefined;
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

  /**
   * After an arrival failure: ends the failed transaction and closes the session, reports, and
   * says whether to take another connection (then the lane is released and `attach` must
   * follow) or to fail with the returned violation.
   */
  protected async arrivalFailed(attempt: number): Promise<{ retry: true } | { retry: false; violation: TenantScopeViolation }> {
    await this.lane.whenIdle();
    this.doubt ??= new Error('the connection arrived with session state of its own');
    const verdict = await this.runtime.arrival.reset((sql) => this.lane.sendRecording(sql), this.lane.client, this.runtime.mode, attempt);
    const violation = new TenantScopeViolation({ code: verdict.code, message: verdict.message, fix: verdict.fix, contextKeys: this.runtime.keys, callSite: this.callSite });
    if (verdict.report) this.runtime.report(violation);
    if (!verdict.retry) return { retry: false, violation };
    this.lane.release(this.doubt);
    this.doubt = undefined;
    return { retry: true };
  }

  /** Takes the scope's context values for this transaction. */
  protected takeValues(values: readonly string[]): void {
    this.values = values;
    this.literals = values.map(quoteLiteral);
  }

  /** The message that starts the transaction on the current connection: BEGIN and the context statement. */
  protected enterText(begin: string): string {
    return this.runtime.arrival.enterSql(this.lane.client, begin, this.literals);
  }

  /**
   * The message that ends the transaction: the check before COMMIT, COMMIT (at index
   * `COMMIT_AT`) and what follows it, one simple-protocol message: the server skips the rest of
   * it after the first error, so a failed check leaves the transaction open and nothing committed.
   */
  protected endText(): string {
    return [verifySql(this.runtime.gucs.map((g) => g.guc), this.literals), 'COMMIT', ...this.afterEnd()].join('; ');
  }

  /** What follows COMMIT or ROLLBACK in the same message: the RESETs of what warn mode let through, the session check (warn/throw), the probe. */
  protected afterEnd(): string[] {
    const statements = [...this.sessionResets].flatMap((reset) => reset.split('; '));
    if (this.runtime.mode !== 'off') statements.push(sessionCheckSql(this.runtime.gucs.map((g) => g.guc)));
    if (this.probeSessionState) statements.push(SESSION_STATE_PROBE_SQL);
    return statements;
  }

  /**
   * What the message of `endText()` did: returns when the transaction committed and its session
   * is clean, throws otherwise (after rolling back and closing the session where the check before
   * COMMIT failed).
   */
  protected async settleCommit(ended: Ended): Promise<void> {
    if (ended.error === undefined) {
      if (ended.commands[COMMIT_AT] === 'ROLLBACK') throw abortedError(this.lane.lastQueryError);
      if (this.runtime.mode !== 'off') this.checkSurvivors(ended.rows.find((rows) => rows[0] !== undefined && 'survived_0' in rows[0])?.[0]);
      return;
    }
    this.doubt ??= ended.error;
    if (ended.commands.length > COMMIT_AT && ended.commands[COMMIT_AT] === 'COMMIT') return this.sessionStateLeft(ended.error);
    const changed = contextChangedFailure(ended.error);
    if (changed === undefined) throw ended.error;
    // Nothing was committed; the failed transaction still holds the server connection: roll back and close it.
    await this.lane.sendRecording(`ROLLBACK; ${CLOSE_SESSION_SQL}`);
    const message = `${changed} changed inside the scope (a statement or a function it called switched it); the transaction was rolled back, nothing was committed, and the session was closed`;
    const violation = this.violation('context-changed', message, undefined, this.callSite);
    this.runtime.report(violation);
    throw violation;
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

  /** The transaction was ended before its COMMIT (by a statement of the scope): reports it and closes the session. */
  protected async endedInside(): Promise<void> {
    this.doubt ??= new Error('the tenant transaction was ended inside the scope');
    if (!this.outsideReported) {
      this.outsideReported = true;
      this.raise(this.violation('outside-transaction', 'the tenant transaction was ended inside the scope, before its COMMIT', undefined, this.callSite));
    }
    // Statements ran outside the tenant transaction: whatever they left, the session is closed.
    await this.lane.sendRecording(CLOSE_SESSION_SQL);
  }

  protected async rollback(): Promise<void> {
    if (!isQueryable(this.lane.client)) {
      this.doubt ??= new Error('the tenant transaction could not be rolled back on this connection');
      return;
    }
    if (this.lane.client.getTransactionStatus() === 'I') {
      this.doubt ??= new Error('the tenant transaction was ended inside the scope');
      await this.lane.sendRecording(CLOSE_SESSION_SQL);
      return;
    }
    const ended = await this.lane.sendRecording(['ROLLBACK', ...this.afterEnd()].join('; '));
    if (ended.error !== undefined) this.doubt ??= ended.error;
  }

  protected violation(code: ViolationCode, message: string, sql: string | undefined, callSite: Error): TenantScopeViolation {
    return new TenantScopeViolation({ code, message, sql, contextKeys: this.runtime.keys, callSite });
  }

  /** Reports; in `throw` mode also returns the violation to be thrown and remembers it for the end. */
  protected raise(violation: TenantScopeViolation): TenantScopeViolation | undefined {
    this.runtime.report(violation);
    if (this.runtime.mode !== 'throw') return undefined;
    this.firstViolation ??= violation;
    return violation;
  }
}

export function isQueryable(client: pg.PoolClient): boolean {
  return (client as unknown as { _queryable?: boolean })._queryable !== false;
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

export function abortedError(cause: unknown): Error {
  return new Error('the tenant transaction was aborted by an earlier error that fn caught; it was rolled back, nothing was committed', { cause });
}
