/**
 * Transaction control and session state that breaks under transaction pooling: session advisory
 * locks, LISTEN, PREPARE, temp tables without ON COMMIT DROP, WITH HOLD cursors, LOAD, DISCARD.
 */
import type { CreateStmt, DeclareCursorStmt, DiscardStmt, IntoClause, RangeVar, TransactionStmt } from '@pgsql/types';
import type { SessionStateUse, TransactionControl } from './session-facts.js';
import { visitDiscardAll } from './setting-writes.js';
import { callRanges, push, statementRange } from './walk-state.js';
import type { FactFields, WalkState } from './walk-state.js';

const TRANSACTION_OPERATIONS: Record<NonNullable<TransactionStmt['kind']>, TransactionControl['operation']> = {
  TRANS_STMT_BEGIN: 'begin',
  TRANS_STMT_START: 'begin',
  TRANS_STMT_COMMIT: 'commit',
  TRANS_STMT_ROLLBACK: 'rollback',
  TRANS_STMT_SAVEPOINT: 'savepoint',
  TRANS_STMT_RELEASE: 'release-savepoint',
  TRANS_STMT_ROLLBACK_TO: 'rollback-to-savepoint',
  TRANS_STMT_PREPARE: 'prepare-transaction',
  TRANS_STMT_COMMIT_PREPARED: 'commit-prepared',
  TRANS_STMT_ROLLBACK_PREPARED: 'rollback-prepared',
};

/** Session-level advisory lock functions; the `_xact_` variants end with the transaction and are fine. */
const ADVISORY_FUNCTIONS: Record<string, SessionStateUse['feature']> = {
  pg_advisory_lock: 'advisory-lock',
  pg_advisory_lock_shared: 'advisory-lock',
  pg_try_advisory_lock: 'advisory-lock',
  pg_try_advisory_lock_shared: 'advisory-lock',
  pg_advisory_unlock: 'advisory-unlock',
  pg_advisory_unlock_shared: 'advisory-unlock',
  pg_advisory_unlock_all: 'advisory-unlock',
};

// DeclareCursorStmt.options bit for WITH HOLD (CURSOR_OPT_HOLD in parsenodes.h).
const CURSOR_OPT_HOLD = 0x20;

/** Records a use of session state over the whole statement. */
export function sessionState(state: WalkState, feature: SessionStateUse['feature'], detail: string): void {
  const fact: FactFields<SessionStateUse> = { kind: 'session-state', feature, detail, range: statementRange(state) };
  push(state, fact);
}

/** BEGIN, COMMIT [AND CHAIN], ROLLBACK, savepoints, two-phase commit. */
export function visitTransaction(stmt: TransactionStmt, state: WalkState): void {
  const operation = stmt.kind ? TRANSACTION_OPERATIONS[stmt.kind] : undefined;
  if (!operation) return;
  const fact: FactFields<TransactionControl> = { kind: 'transaction-control', operation, range: statementRange(state) };
  if (stmt.chain === true) fact.chain = true;
  if (typeof stmt.savepoint_name === 'string') fact.savepoint = stmt.savepoint_name;
  push(state, fact);
}

/** DISCARD ALL resets every setting (a write); DISCARD PLANS/TEMP/SEQUENCES drop session state. */
export function visitDiscard(stmt: DiscardStmt, state: WalkState): void {
  const target = String(stmt.target ?? '');
  if (target === 'DISCARD_ALL') visitDiscardAll(state);
  else sessionState(state, 'discard', target.replace('DISCARD_', '').toLowerCase());
}

/** A call of a session-level advisory lock function (`name` lowercased, in pg_catalog). */
export function visitAdvisoryCall(name: string, call: { location?: number }, state: WalkState): void {
  const feature = ADVISORY_FUNCTIONS[name];
  if (!feature) return;
  const ranges = callRanges(call, state);
  const fact: FactFields<SessionStateUse> = { kind: 'session-state', feature, detail: name, range: ranges?.range ?? statementRange(state) };
  push(state, fact);
}

/** DECLARE … WITH HOLD: the cursor survives COMMIT. */
export function visitDeclareCursor(stmt: DeclareCursorStmt, state: WalkState): void {
  if (((stmt.options ?? 0) & CURSOR_OPT_HOLD) !== 0) sessionState(state, 'cursor-with-hold', String(stmt.portalname ?? ''));
}

function qualifiedName(rel: RangeVar): string {
  return [rel.schemaname, rel.relname].filter((p) => typeof p === 'string').join('.');
}

/** CREATE TEMP TABLE, CREATE TEMP TABLE … AS, SELECT … INTO TEMP: without ON COMMIT DROP they outlive the transaction. */
export function visitTempTable(relation: RangeVar | undefined, onCommit: CreateStmt['oncommit'] | IntoClause['onCommit'], state: WalkState): void {
  if (relation?.relpersistence === 't' && onCommit !== 'ONCOMMIT_DROP') sessionState(state, 'temp-table', qualifiedName(relation));
}
