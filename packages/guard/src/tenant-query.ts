import type pg from 'pg';
import type { TenantTransactionOptions } from './scope-options.js';
import { ScopeConnection } from './scope-connection.js';
import { arrivalFailure, beginSql } from './transaction-sql.js';

// Where each statement's tag lands in the batch `BEGIN, context, statement, check, COMMIT, …`.
const ENTER_AT = 1;
const STATEMENT_AT = 2;
const COMMIT_AT = 4;

/**
 * One statement in its own tenant transaction, in one round trip: BEGIN, the context statement
 * (with the arrival checks), the statement, the check before COMMIT, COMMIT and what follows it
 * go out as one batch with one Sync. The server skips everything after the first error, so a
 * failing statement or check leaves an aborted transaction and nothing committed.
 */
export class TenantQuery extends ScopeConnection {
  /** Runs `text` with `parameters` under `values`; resolves to the statement's result. */
  async run(values: readonly string[], text: string, parameters: readonly unknown[] | undefined, options: TenantTransactionOptions | undefined): Promise<pg.QueryResult> {
    this.values = values;
    const begin = beginSql(options);
    this.lane.attach(this.lane.client);
    try {
      const refusal = this.judge(text, parameters);
      if (refusal) throw refusal;
      for (let attempt = 1; ; attempt++) {
        const enter = { text: this.runtime.arrival.enterSql, values: [...values, ...this.runtime.arrival.parameters(this.lane.client)] };
        const statements = [{ text: begin }, enter, { text, values: parameters }, this.verifyStatement(), { text: 'COMMIT' }, ...this.afterEnd().map((sql) => ({ text: sql }))];
        const ended = await this.lane.batch(statements);
        const failedAt = ended.error === undefined ? undefined : ended.commands.length;
        if (failedAt === ENTER_AT) {
          if (arrivalFailure(ended.error) !== undefined) {
            const next = await this.arrivalFailed(attempt);
            if (!next.retry) throw next.violation;
            this.lane.attach(await this.runtime.connect(this.callSite));
            continue;
          }
        }
        if (failedAt === undefined || failedAt > ENTER_AT) this.runtime.arrival.learn(ended.results[ENTER_AT]?.rows[0]);
        if (failedAt !== undefined && failedAt <= STATEMENT_AT) {
          // BEGIN, the context statement or the statement failed: the transaction is rolled back, the connection kept if clean.
          this.doubt ??= failedAt < STATEMENT_AT ? ended.error : undefined;
          await this.rollback();
          throw ended.error;
        }
        const result = ended.results[STATEMENT_AT] as pg.QueryResult;
        // Only an error from the server comes with a current transaction status (a lost connection leaves the last one).
        const fromServer = (ended.error as { severity?: unknown } | undefined)?.severity !== undefined;
        if (failedAt !== undefined && failedAt < COMMIT_AT && fromServer && this.lane.client.getTransactionStatus() === 'I') {
          // The statement itself ended the tenant transaction (COMMIT, ROLLBACK): it ran under the scope's context.
          await this.endedInside();
          if (this.firstViolation) throw this.firstViolation;
          return result;
        }
        await this.settleCommit(ended, COMMIT_AT);
        if (this.firstViolation) throw this.firstViolation;
        return result;
      }
    } finally {
      this.lane.release(this.doubt);
    }
  }
}
