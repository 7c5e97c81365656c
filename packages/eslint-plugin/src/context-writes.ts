/**
 * Tenant-context writes as the rules see them, from the analyzer's verdicts (`contextWriteTarget`,
 * `contextWriteHazards`) under the shared settings.
 */
import type { GucWrite, SqlAnalysis } from '@tenant-scope/sql-analyzer';
import { contextWriteHazards, contextWriteTarget } from '@tenant-scope/sql-analyzer';
import type { TenantScopeSettings } from './settings.js';
import { contextSettings } from './settings.js';

/** The writes that give a tenant-context setting a value, top-level statements only (not function bodies). */
export function contextWrites(analysis: SqlAnalysis, settings: TenantScopeSettings): GucWrite[] {
  const context = contextSettings(settings);
  return analysis.facts.filter(
    (fact): fact is GucWrite =>
      fact.kind === 'guc-write' &&
      fact.origin === 'statement' &&
      contextWriteTarget(fact, context) === 'context-setting' &&
      !contextWriteHazards(fact, context).includes('resets') &&
      !contextWriteHazards(fact, context).includes('session-default'),
  );
}

/**
 * Whether every statement of the text sets up the connection and nothing else (a context write,
 * a RESET, transaction control): it reads and writes no rows, so it needs no tenant scope.
 */
export function onlySetsUpConnection(analysis: SqlAnalysis, settings: TenantScopeSettings): boolean {
  if (analysis.statements.length === 0) return false;
  const context = contextSettings(settings);
  const writing = new Set(
    analysis.facts
      .filter(
        (fact) =>
          fact.origin === 'statement' &&
          (fact.kind === 'transaction-control' || (fact.kind === 'guc-write' && (fact.via === 'reset' || contextWriteTarget(fact, context) !== null))),
      )
      .map((fact) => fact.statementIndex),
  );
  return analysis.statements.every((_, index) => writing.has(index));
}
