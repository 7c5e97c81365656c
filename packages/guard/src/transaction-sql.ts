import type { TenantTransactionOptions } from './scope-options.js';

// Setting names are checked against a strict pattern when the scope is created, so quoting them
// as literals is safe; context values are never written into SQL, only bound.
function literal(name: string): string {
  return `'${name.replaceAll("'", "''")}'`;
}

/** `BEGIN` with the requested transaction modes; only fixed keywords are written into it. */
export function beginSql(options: TenantTransactionOptions = {}): string {
  const modes: string[] = [];
  if (options.isolationLevel !== undefined) {
    const level = { 'read committed': 'READ COMMITTED', 'repeatable read': 'REPEATABLE READ', serializable: 'SERIALIZABLE' }[options.isolationLevel];
    if (level === undefined) throw new TypeError(`unknown isolation level ${JSON.stringify(options.isolationLevel)}`);
    modes.push(`ISOLATION LEVEL ${level}`);
  }
  if (options.readOnly !== undefined) modes.push(options.readOnly ? 'READ ONLY' : 'READ WRITE');
  if (options.deferrable !== undefined) modes.push(options.deferrable ? 'DEFERRABLE' : 'NOT DEFERRABLE');
  return modes.length === 0 ? 'BEGIN' : `BEGIN ${modes.join(', ')}`;
}

/**
 * One statement that reads each setting's value as the connection arrived (`prior_<i>`) and then
 * sets it for this transaction from bound parameter `$<i+1>`. PostgreSQL evaluates a target list
 * in order, so each read happens before the write that follows it.
 */
export function enterSql(gucs: readonly string[]): string {
  const columns = gucs.map((guc, i) => `current_setting(${literal(guc)}, true) AS prior_${i}, set_config(${literal(guc)}, $${i + 1}, true) AS set_${i}`);
  return `SELECT ${columns.join(', ')}`;
}

/**
 * Reads each setting's session-level value (`survived_<i>`; run it right after the transaction
 * ended) and then empties it, so a leaked value does not reach the next user of the server
 * connection. A target list is evaluated in order, so each read comes before its clear; clearing
 * an empty value changes nothing a policy can see ('' either way). Sent in the same
 * simple-protocol message as COMMIT/ROLLBACK, so it runs on the same server connection
 * (PgBouncer releases it only at the message's ReadyForQuery).
 */
export function sessionValuesSql(gucs: readonly string[]): string {
  const columns = gucs.map((guc, i) => `current_setting(${literal(guc)}, true) AS survived_${i}, set_config(${literal(guc)}, '', false) AS cleared_${i}`);
  return `SELECT ${columns.join(', ')}`;
}

/** The non-empty values in a row of `enterSql` (`prior_`) or `sessionValuesSql` (`survived_`), by setting index. */
export function nonEmptyValues(row: Record<string, unknown> | undefined, prefix: 'prior_' | 'survived_', count: number): number[] {
  const found: number[] = [];
  for (let i = 0; i < count; i++) {
    const value = row?.[`${prefix}${i}`];
    if (typeof value === 'string' && value !== '') found.push(i);
  }
  return found;
}
