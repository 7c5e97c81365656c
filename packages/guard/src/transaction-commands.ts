/** What a statement an ORM sends to manage its own transaction asks for. */
export type TransactionCommand = 'begin' | 'commit' | 'rollback';

// Short statements only: the ORMs send these commands alone ('BEGIN', 'begin', 'BEGIN;',
// 'start transaction isolation level …'); anything longer is left to the analyzer.
const MAX_LENGTH = 120;
const BEGIN = /^(?:begin|start\s+transaction)(?:\s+(?:work|transaction)\b)?(?:\s+(?:isolation\s+level\s+[a-z ]+|read\s+(?:only|write)|(?:not\s+)?deferrable)(?:\s*,?\s*)?)*$/;
const COMMIT = /^(?:commit|end)(?:\s+(?:work|transaction))?$/;
const ROLLBACK = /^(?:rollback|abort)(?:\s+(?:work|transaction))?$/;

/**
 * `begin`, `commit` or `rollback` when `sql` is one plain transaction-control statement (no
 * savepoint, no AND CHAIN, no PREPARED), else undefined. Inside a scope the tenant transaction is
 * already open, so these become SAVEPOINT, RELEASE SAVEPOINT and ROLLBACK TO SAVEPOINT.
 */
export function transactionCommand(sql: string): TransactionCommand | undefined {
  if (sql.length > MAX_LENGTH) return undefined;
  const statement = sql.trim().replace(/;\s*$/, '').trim().toLowerCase().replace(/\s+/g, ' ');
  if (statement.includes(';') || statement.includes('--') || statement.includes('/*')) return undefined;
  if (BEGIN.test(statement)) return 'begin';
  if (COMMIT.test(statement)) return 'commit';
  if (ROLLBACK.test(statement)) return 'rollback';
  return undefined;
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
