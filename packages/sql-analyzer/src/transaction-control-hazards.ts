/**
 * The judgement "what does this transaction control statement do to the transaction that carries
 * tenant context?", kept here once so that the ESLint plugin and the guard agree.
 */
import type { TransactionControl } from './session-facts.js';

/**
 * - `ends-transaction`: COMMIT, ROLLBACK (END, ABORT) and PREPARE TRANSACTION end the transaction
 *   and every transaction-local setting in it; with AND CHAIN the next transaction starts without
 *   them (see `chains`).
 * - `chains`: `COMMIT AND CHAIN` / `ROLLBACK AND CHAIN`: a new transaction begins on the same
 *   connection at once, without the transaction-local context of the old one.
 * - `begins-transaction`: BEGIN / START TRANSACTION.
 * - `savepoint`: SAVEPOINT, RELEASE SAVEPOINT, ROLLBACK TO SAVEPOINT: the transaction stays open
 *   (`ROLLBACK TO` undoes transaction-local sets made after the savepoint).
 * - `needs-same-connection`: it acts on the transaction open on this connection, so sending it
 *   through a pool, where each query may take another connection, does not do what it says.
 *   COMMIT PREPARED and ROLLBACK PREPARED work from any connection and do not have it.
 * - `acts-on-prepared`: COMMIT PREPARED / ROLLBACK PREPARED finish a transaction prepared earlier,
 *   possibly by another session; they cannot run inside a transaction.
 */
export type TransactionControlHazard = 'ends-transaction' | 'chains' | 'begins-transaction' | 'savepoint' | 'needs-same-connection' | 'acts-on-prepared';

/** Deliberate differences between the tools, as options of the one judgement. */
export interface TransactionControlOptions {
  /**
   * Savepoints keep the transaction open, so a tool that only cares whether the transaction
   * carrying tenant context survives (the guard) allows them: `savepoint` and
   * `needs-same-connection` are left out and a savepoint statement has no hazard. Default: false.
   */
  allowSavepoints?: boolean;
}

const HAZARDS: Record<TransactionControl['operation'], readonly TransactionControlHazard[]> = {
  begin: ['begins-transaction', 'needs-same-connection'],
  commit: ['ends-transaction', 'needs-same-connection'],
  rollback: ['ends-transaction', 'needs-same-connection'],
  'prepare-transaction': ['ends-transaction', 'needs-same-connection'],
  savepoint: ['savepoint', 'needs-same-connection'],
  'release-savepoint': ['savepoint', 'needs-same-connection'],
  'rollback-to-savepoint': ['savepoint', 'needs-same-connection'],
  'commit-prepared': ['acts-on-prepared'],
  'rollback-prepared': ['acts-on-prepared'],
};

/** What a transaction control statement does to the transaction it runs in. */
export function transactionControlHazards(control: TransactionControl, options: TransactionControlOptions = {}): TransactionControlHazard[] {
  const hazards = HAZARDS[control.operation];
  if (options.allowSavepoints === true && hazards.includes('savepoint')) return [];
  return control.chain === true ? [...hazards, 'chains'] : [...hazards];
}
