import type pg from 'pg';
import type { Ended } from './connection-lane.js';
import type { TenantTransactionOptions } from './scope-options.js';
import { COMMIT_AT, ScopeConnection } from './scope-connection.js';
import { arrivalFailure, beginSql } from './transaction-sql.js';

/** What one message of the round trip did: its result, or the error it failed with. */
type Outcome<R> = { ok: true; value: R } | { ok: false; error: Error };

/**
 * One statement in its own tenant transaction, in one round trip: three messages pipelined in one
 * write: BEGIN and the context statement (with the arrival checks); the statement, bound on its
 * own (the extended protocol: one statement, its parameters never spliced into text); and the
 * check before COMMIT, COMMIT and what follows it. After an error the transaction is aborted, so
 * every later statement of the round trip fails too and nothing is committed.
 */
export class TenantQuery extends ScopeConnection {
  /** Runs `text` with `parameters` under `values`; resolves to the statement's result. */
  async run(values: readonly string[], text: string, parameters: readonly unknown[] | undefined, options: TenantTransactionOptions | undefined): Promise<pg.QueryResult> {
    this.takeValues(values);
    const begin = beginSql(options);
    this.lane.attach(this.lane.client);
    try {
      const refusal = this.judge(text, parameters);
      if (refusal) throw refusal;
      for (let attempt = 1; ; attempt++) {
        const [entered, statement, ended] = await this.roundTrip(begin, text, parameters);
        if (entered.error !== undefined) {
          if (arrivalFailure(entered.error) !== undefined) {
            const next = await this.arrivalFailed(attempt);
            if (!next.retry) throw next.violation;
            this.lane.attach(await this.runtime.connect(this.callSite));
            continue;
          }
          // BEGIN or the context statement failed: the transaction is rolled back and the connection discarded.
          this.doubt ??= entered.error;
          await this.rollback();
          throw entered.error;
        }
        this.runtime.arrival.learn(entered.rows[1]?.[0]);
        if (!statement.ok) {
          await this.rollback();
          throw statement.error;
        }
        // Only an error from the server comes with a current transaction status (a lost connection leaves the last one).
        const fromServer = (ended.error as { severity?: unknown } | undefined)?.severity !== undefined;
        if (ended.error !== undefined && ended.commands.length < COMMIT_AT && fromServer && this.lane.client.getTransactionStatus() === 'I') {
          // The statement itself ended the tenant transaction (COMMIT, ROLLBACK): it ran under the scope's context.
          await this.endedInside();
          if (this.firstViolation) throw this.firstViolation;
          return statement.value;
        }
        await this.settleCommit(ended);
        if (this.firstViolation) throw this.firstViolation;
        return statement.value;
      }
    } finally {
      this.lane.release(this.doubt);
    }
  }

  /** The three messages, corked into one write; resolves once all three are answered. */
  private roundTrip(begin: string, text: string, parameters: readonly unknown[] | undefined): Promise<[Ended, Outcome<pg.QueryResult>, Ended]> {
    const uncork = this.lane.cork();
    try {
      const entered = this.lane.sendRecording(this.enterText(begin));
      // `queryMode: 'extended'` (node-postgres 8.23, not in @types/pg): bound even without parameters, so the text is one statement.
      const config = { text, values: parameters === undefined ? undefined : [...parameters], queryMode: 'extended' } as pg.QueryConfig;
      const statement = this.lane.send(config).then(
        (value): Outcome<pg.QueryResult> => ({ ok: true, value }),
        (error: unknown): Outcome<pg.QueryResult> => ({ ok: false, error: error instanceof Error ? error : new Error(String(error)) }),
      );
      const ended = this.lane.sendRecording(this.endText());
      return Promise.all([entered, statement, ended]);
    } finally {
      uncork();
    }
  }
}
