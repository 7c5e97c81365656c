/**
 * The judgement "does this session feature break under connection pooling?", kept here once (one
 * list) so that the ESLint plugin and the guard agree.
 */
import type { SessionStateUse } from './session-facts.js';

/**
 * - `outlives-transaction`: the state stays on the connection after COMMIT (a session-level
 *   advisory lock, LISTEN, a prepared statement, a temporary table without ON COMMIT DROP, a
 *   WITH HOLD cursor), so the next user of a pooled connection inherits it, and under transaction
 *   pooling the statements that rely on it may run on another connection.
 * - `releases-elsewhere`: it releases such state (an advisory unlock, UNLISTEN, DEALLOCATE,
 *   DISCARD of temporary tables, plans or sequences), which under transaction pooling may run on a
 *   connection that does not hold it.
 */
export type SessionStateHazard = 'outlives-transaction' | 'releases-elsewhere';

const HAZARDS: Record<SessionStateUse['feature'], SessionStateHazard | null> = {
  'advisory-lock': 'outlives-transaction',
  listen: 'outlives-transaction',
  prepare: 'outlives-transaction',
  'temp-table': 'outlives-transaction',
  'cursor-with-hold': 'outlives-transaction',
  'advisory-unlock': 'releases-elsewhere',
  unlisten: 'releases-elsewhere',
  deallocate: 'releases-elsewhere',
  discard: 'releases-elsewhere',
  // A library loaded with LOAD stays loaded, but it carries no data of a tenant.
  load: null,
};

/** What a session feature does on a pooled connection. */
export function sessionStateHazards(use: SessionStateUse): SessionStateHazard[] {
  const hazard = HAZARDS[use.feature];
  return hazard ? [hazard] : [];
}
