/**
 * Which tenant checks a policy enforces: for each command it applies to, whether the rows it
 * reads (USING) and the rows it writes (WITH CHECK) are tied to the tenant context.
 */
import { alwaysTrueReason, tiesTenantColumn } from './policy-predicates.js';
import type { RuleContext } from './rule.js';
import type { PolicyExpression, PolicyModel } from './model/schema-model.js';

/** A clause a policy is missing a tenant tie in. */
export type MissingTenantClause = 'USING' | 'WITH CHECK';

/**
 * The clauses of a permissive policy that do not tie `tenantColumn` to the tenant context.
 * FOR ALL and FOR UPDATE use USING as the check when WITH CHECK is absent; FOR INSERT has only a check.
 */
export function clausesWithoutTenantTie(context: RuleContext, policy: PolicyModel, tenantColumn: string): MissingTenantClause[] {
  const ties = (expression: PolicyExpression | null): boolean =>
    expression !== null && tiesTenantColumn(context, expression.node, tenantColumn);
  const missing: MissingTenantClause[] = [];
  if (policy.command !== 'insert' && !ties(policy.using)) missing.push('USING');
  if (policy.command === 'insert' || policy.command === 'all' || policy.command === 'update') {
    if (!ties(policy.withCheck ?? (policy.command === 'insert' ? null : policy.using))) missing.push('WITH CHECK');
  }
  return missing;
}

/** Whether any of the policy's expressions lets every row through. */
export function isAlwaysTrue(policy: PolicyModel): boolean {
  return [policy.using, policy.withCheck].some((e) => e !== null && alwaysTrueReason(e.node) !== undefined);
}

/** Whether some permissive policy left on the table enforces the tenant tie for the command `command` applies to. */
export function tenantCovered(context: RuleContext, policies: Iterable<PolicyModel>, command: PolicyModel['command'], tenantColumn: string): boolean {
  const needed = command === 'all' ? ['select', 'insert', 'update', 'delete'] : [command];
  const covered = new Set<string>();
  for (const policy of policies) {
    if (!policy.permissive || isAlwaysTrue(policy)) continue;
    if (clausesWithoutTenantTie(context, policy, tenantColumn).length > 0) continue;
    if (policy.command === 'all') needed.forEach((c) => covered.add(c));
    else covered.add(policy.command);
  }
  return needed.every((c) => covered.has(c));
}
