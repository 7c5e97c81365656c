import { analyzeSql, transactionControlHazards } from '@tenant-scope/sql-analyzer';

/** What a statement an ORM sends to manage its own transaction asks for. */
export type TransactionCommand = 'begin' | 'commit' | 'rollback';

// A cheap gate before asking the analyzer: the ORMs send these commands alone ('BEGIN', 'begin',
// 'BEGIN;', 'start transaction isolation level …', 'commit', 'ROLLBACK'), so only short texts
// starting with one of these words are parsed (once per distinct text: the analyzer caches).
const MAX_LENGTH = 120;
const FIRST_WORD = /^\s*(?:begin|start|commit|end|rollback|abort)\b/i;

/**
 * `begin`, `commit` or `rollback` when `sql` is one statement that begins or ends the
 * transaction (the analyzer's `transactionControlHazards`: `begins-transaction`, or
 * `ends-transaction` without AND CHAIN, not PREPARE TRANSACTION), else undefined. Inside a scope
 * the tenant transaction is already open, so these become SAVEPOINT, RELEASE SAVEPOINT and
 * ROLLBACK TO SAVEPOINT.
 */
export function transactionCommand(sql: string): TransactionCommand | undefined {
  if (sql.length > MAX_LENGTH || !FIRST_WORD.test(sql)) return undefined;
  const { statements, facts } = analyzeSql(sql);
  const fact = facts[0];
  if (statements.length !== 1 || facts.length !== 1 || fact?.kind !== 'transaction-control') return undefined;
  const hazards = transactionControlHazards(fact);
  if (hazards.includes('begins-transaction')) return 'begin';
  if (!hazards.includes('ends-transaction') || hazards.includes('chains')) return undefined;
  if (fact.operation === 'commit') return 'commit';
  return fact.operation === 'rollback' ? 'rollback' : undefined;
}

/**
 * The savepoints standing in for the BEGINs of ORM transactions inside one scope, innermost last:
 * rewrites BEGIN to SAVEPOINT, and the matching COMMIT/ROLLBACK to RELEASE/ROLLBACK TO.
 */
export class NestedTransactions {
  private readonly open: string[] = [];
  private count = 0;

  /** The statement to send instead of `sql`, or undefined to send `sql` as it is. */
  rewrite(sql: string): string | undefined {
    const command = transactionCommand(sql);
    if (command === undefined) return undefined;
    if (command === 'begin') {
      const name = `tenant_scope_${++this.count}`;
      this.open.push(name);
      return `SAVEPOINT ${name}`;
    }
    // A COMMIT or ROLLBACK with no BEGIN of the scope before it ends the tenant transaction: left as it is.
    const name = this.open.pop();
    if (name === undefined) return undefined;
    return command === 'commit' ? `RELEASE SAVEPOINT ${name}` : `ROLLBACK TO SAVEPOINT ${name}`;
  }
}
