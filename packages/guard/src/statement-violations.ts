import {
  analyzeSql,
  contextWriteHazards,
  contextWriteTarget,
  sessionStateHazards,
  transactionControlHazards,
  type ContextTarget,
  type GucWrite,
  type SessionFact,
} from '@tenant-scope/sql-analyzer';
import type { ViolationCode } from './tenant-scope-violation.js';

/** A problem visible in the text of one statement sent inside a tenant scope. */
export interface StatementViolation {
  code: Extract<ViolationCode, 'session-set' | 'transaction-control' | 'session-state' | 'context-changed'>;
  message: string;
  /**
   * For a session-level write of search_path, the role or an unknown setting: the RESET that undoes
   * it once the statement has run (context settings are cleared by the check after COMMIT).
   */
  reset?: string;
}

const RESETS: Partial<Record<ContextTarget, string>> = {
  'search-path': 'RESET search_path',
  role: 'RESET ROLE',
  'session-authorization': 'RESET SESSION AUTHORIZATION',
  all: 'RESET ALL; RESET ROLE; RESET SESSION AUTHORIZATION',
  unknown: 'RESET ALL; RESET ROLE; RESET SESSION AUTHORIZATION',
};

/** What the running scope set: each context setting's value, and the statement's bound parameters. */
export interface ScopeValues {
  values: ReadonlyMap<string, string>;
  parameters: readonly unknown[] | undefined;
}

/**
 * What in `sql` would break the tenant scope, read with the analyzer (cached by text). Facts from
 * a CREATE FUNCTION body do not run now and are skipped. SQL that does not parse yields nothing:
 * the server rejects it.
 */
export function statementViolations(sql: string, contextGucs: ReadonlySet<string>, scope?: ScopeValues): StatementViolation[] {
  const analysis = analyzeSql(sql);
  if (analysis.facts.length === 0) return [];
  const violations: StatementViolation[] = [];
  for (const fact of analysis.facts) {
    if (fact.origin === 'function-body') continue;
    const violation = factViolation(fact, contextGucs, scope);
    if (violation) violations.push(violation);
  }
  return violations;
}

function factViolation(fact: SessionFact, contextGucs: ReadonlySet<string>, scope: ScopeValues | undefined): StatementViolation | undefined {
  switch (fact.kind) {
    case 'guc-write':
      return sessionSet(fact, contextGucs) ?? contextSwitch(fact, contextGucs, scope);
    case 'transaction-control':
      // Savepoints keep the tenant transaction open: the guard allows them.
      if (transactionControlHazards(fact, { allowSavepoints: true }).length === 0) return undefined;
      return {
        code: 'transaction-control',
        message: `${fact.operation.toUpperCase()}${fact.chain ? ' AND CHAIN' : ''} inside the scope ends or replaces the tenant transaction (savepoints are fine)`,
      };
    case 'session-state':
      if (!sessionStateHazards(fact).includes('outlives-transaction')) return undefined;
      return { code: 'session-state', message: `${fact.feature} (${fact.detail}) outlives the tenant transaction on a pooled connection` };
    case 'guc-read':
      return undefined;
  }
}

/**
 * A write counts when it changes tenant context (a context setting, search_path, the role,
 * everything, or a setting named at run time) beyond the transaction, or gives a context setting,
 * search_path or the role a default for every new session. The verdict is the analyzer's
 * `contextWriteHazards`.
 */
function sessionSet(write: GucWrite, contextGucs: ReadonlySet<string>): StatementViolation | undefined {
  const settings = { contextGucs };
  const hazards = contextWriteHazards(write, settings);
  const target = contextWriteTarget(write, settings);
  const what = target === 'all' ? 'all settings' : write.name ?? 'a setting whose name is not a literal';
  const owner = write.via === 'alter-role' ? 'ROLE' : write.via === 'alter-database' ? 'DATABASE' : 'SYSTEM';
  if (hazards.includes('session-default')) {
    return { code: 'session-set', message: `ALTER ${owner} … SET gives ${what} a default: every new session starts inside one tenant` };
  }
  if (hazards.includes('access-default')) {
    return { code: 'session-set', message: `ALTER ${owner} … SET gives ${what} a default from inside a tenant transaction: every new session of the pool starts with other tables or rights` };
  }
  if (!hazards.includes('session-level') || target === null) return undefined;
  if (write.via === 'reset' || write.via === 'discard-all') {
    return { code: 'session-set', message: `${write.via === 'reset' ? 'RESET' : 'DISCARD ALL'} of ${what} inside the scope` };
  }
  const how = hazards.includes('lifetime-unknown') ? 'possibly at session level (is_local is not a literal)' : 'at session level';
  const violation: StatementViolation = { code: 'session-set', message: `sets ${what} ${how}; it would outlive the tenant transaction` };
  const reset = target === 'context-setting' ? undefined : RESETS[target];
  if (reset) violation.reset = reset;
  return violation;
}

/**
 * A transaction-local write (the analyzer's `switches-context`) that gives a context setting a
 * value other than the scope's, or switches the role or the session authorization: the rest of
 * the transaction would run as another tenant or another role. A transaction-local search_path
 * (schema per tenant) and a write of the scope's own value are fine.
 */
function contextSwitch(write: GucWrite, contextGucs: ReadonlySet<string>, scope: ScopeValues | undefined): StatementViolation | undefined {
  const settings = { contextGucs };
  if (!contextWriteHazards(write, settings).includes('switches-context')) return undefined;
  const target = contextWriteTarget(write, settings);
  if (target === 'context-setting' && write.name !== null) {
    // Without the scope's values the text cannot show whether the value is another tenant's.
    if (scope === undefined) return undefined;
    const own = scope.values.get(write.name);
    const value = write.value?.kind === 'literal' ? write.value.text : write.value?.kind === 'parameter' ? scope.parameters?.[(write.value.parameter ?? 0) - 1] : undefined;
    if (own !== undefined && value === own) return undefined;
    return { code: 'context-changed', message: `switches ${write.name} for the rest of the tenant transaction (SET LOCAL / set_config(…, true)) to a value that is not the scope's own` };
  }
  if (target === 'role' || target === 'session-authorization') {
    if (write.value?.kind === 'literal' && write.value.text?.toLowerCase() === 'none') return undefined;
    const what = target === 'role' ? 'the role' : 'the session authorization';
    return { code: 'context-changed', message: `switches ${what} for the rest of the tenant transaction (SET LOCAL ROLE, set_config('role', …, true)): it would read and write with another role's rights` };
  }
  return undefined;
}
