import { analyzeSql, type GucWrite, type SessionFact, type SessionStateUse } from '@tenant-scope/sql-analyzer';
import type { ViolationCode } from './tenant-scope-violation.js';

/** A problem visible in the text of one statement sent inside a tenant scope. */
export interface StatementViolation {
  code: Extract<ViolationCode, 'session-set' | 'transaction-control' | 'session-state'>;
  message: string;
  /**
   * For a session-level write of search_path, the role or an unknown setting: the RESET that undoes
   * it once the statement has run (context settings are cleared by the check after COMMIT).
   */
  reset?: string;
}

const RESETS: Partial<Record<GucWrite['target'], string>> = {
  'search-path': 'RESET search_path',
  role: 'RESET ROLE',
  'session-authorization': 'RESET SESSION AUTHORIZATION',
  all: 'RESET ALL; RESET ROLE; RESET SESSION AUTHORIZATION',
  unknown: 'RESET ALL; RESET ROLE; RESET SESSION AUTHORIZATION',
};

// Transaction control that keeps the tenant transaction open.
const SAVEPOINT_OPERATIONS = new Set(['savepoint', 'release-savepoint', 'rollback-to-savepoint']);
// Session state that outlives the transaction and so the scope (the others release or drop state).
const SESSION_FEATURES = new Set<SessionStateUse['feature']>(['advisory-lock', 'listen', 'prepare', 'temp-table', 'cursor-with-hold']);
// Settings whose session-level change changes what later tenants see or may do.
const SESSION_TARGETS = new Set<GucWrite['target']>(['search-path', 'role', 'session-authorization', 'all']);

/**
 * What in `sql` would break the tenant scope, read with the analyzer (cached by text). Facts from
 * a CREATE FUNCTION body do not run now and are skipped. SQL that does not parse yields nothing:
 * the server rejects it.
 */
export function statementViolations(sql: string, contextGucs: ReadonlySet<string>): StatementViolation[] {
  const analysis = analyzeSql(sql);
  if (analysis.facts.length === 0) return [];
  const violations: StatementViolation[] = [];
  for (const fact of analysis.facts) {
    if (fact.origin === 'function-body') continue;
    const violation = factViolation(fact, contextGucs);
    if (violation) violations.push(violation);
  }
  return violations;
}

function factViolation(fact: SessionFact, contextGucs: ReadonlySet<string>): StatementViolation | undefined {
  switch (fact.kind) {
    case 'guc-write':
      return sessionSet(fact, contextGucs);
    case 'transaction-control':
      if (SAVEPOINT_OPERATIONS.has(fact.operation)) return undefined;
      return {
        code: 'transaction-control',
        message: `${fact.operation.toUpperCase()}${fact.chain ? ' AND CHAIN' : ''} inside the scope ends or replaces the tenant transaction (savepoints are fine)`,
      };
    case 'session-state':
      if (!SESSION_FEATURES.has(fact.feature)) return undefined;
      return { code: 'session-state', message: `${fact.feature} (${fact.detail}) outlives the tenant transaction on a pooled connection` };
    case 'guc-read':
      return undefined;
  }
}

/**
 * A write counts when it changes a context setting, search_path, the role or everything (RESET ALL,
 * DISCARD ALL) beyond the transaction. A `set_config` whose `is_local` is not a literal, or whose
 * name is not a literal, counts as session-level: the text cannot show it is safe.
 */
function sessionSet(write: GucWrite, contextGucs: ReadonlySet<string>): StatementViolation | undefined {
  if (write.via === 'alter-role' || write.via === 'alter-database' || write.via === 'alter-system') return undefined;
  const named = write.name !== null && contextGucs.has(write.name);
  const relevant = named || SESSION_TARGETS.has(write.target) || write.target === 'unknown';
  if (!relevant) return undefined;
  const what = write.target === 'all' ? 'all settings' : write.name ?? 'a setting whose name is not a literal';
  if (write.via === 'reset' || write.via === 'discard-all') {
    return { code: 'session-set', message: `${write.via === 'reset' ? 'RESET' : 'DISCARD ALL'} of ${what} inside the scope` };
  }
  if (write.scope === 'transaction') return undefined;
  const how = write.scope === 'unknown' ? 'possibly at session level (is_local is not a literal)' : 'at session level';
  const violation: StatementViolation = { code: 'session-set', message: `sets ${what} ${how}; it would outlive the tenant transaction` };
  const reset = named ? undefined : RESETS[write.target];
  if (reset) violation.reset = reset;
  return violation;
}
