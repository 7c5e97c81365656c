/**
 * Which tenant checks a policy enforces: for each command it applies to, whether the rows it
 * reads (USING) and the rows it writes (WITH CHECK) are tied to the context (see policy-scope.ts).
 */
import { alwaysTrueReason } from './policy-predicates.js';
import { constrainsTenantColumn, rowScope } from './policy-scope.js';
import type { ScopeTarget } from './policy-scope.js';
import type { RuleContext } from './rule.js';
import type { PolicyExpression, PolicyModel, TableModel } from './model/schema-model.js';

/** A clause a policy is missing a tenant tie in. */
export type MissingTenantClause = 'USING' | 'WITH CHECK';

/**
 * The clauses of a permissive policy on a tenant table that do not tie rows to the context.
 * FOR ALL and FOR UPDATE use USING as the check when WITH CHECK is absent; FOR INSERT has only a check.
 * Rows a policy reads, updates or deletes may be tied to the tenant or to the identity in context
 * (an own-row policy, `user_id = auth.uid()`). A row being inserted must be tied to the tenant: an
 * own-row check alone lets the user file rows under any tenant (unless another condition of the
 * check constrains the tenant column, which the linter does not judge).
 */
export function clausesWithoutTenantTie(context: RuleContext, policy: PolicyModel, table: TableModel, tenantColumn: string): MissingTenantClause[] {
  const target: ScopeTarget = { table, tenantColumn };
  const scoped = (expression: PolicyExpression | null): boolean => expression !== null && rowScope(context, expression.node, target) !== undefined;
  const missing: MissingTenantClause[] = [];
  if (policy.command !== 'insert' && !scoped(policy.using)) missing.push('USING');
  if (policy.command === 'insert' || policy.command === 'all' || policy.command === 'update') {
    const check = policy.withCheck ?? (policy.command === 'insert' ? null : policy.using);
    const scope = check ? rowScope(context, check.node, target) : undefined;
    const inserts = policy.command !== 'update';
    const tied = scope === 'tenant' || scope === 'closed' || (scope === 'own-row' && (!inserts || constrainsTenantColumn(context, check?.node, target)));
    if (!tied) missing.push('WITH CHECK');
  }
  return missing;
}

/** Whether any of the policy's expressions lets every row through. */
export function isAlwaysTrue(policy: PolicyModel): boolean {
  return [policy.using, policy.withCheck].some((e) => e !== null && alwaysTrueReason(e.node) !== undefined);
}

/** Whether some permissive policy of `policies` enforces the tenant tie for the commands `command` applies to. */
export function tenantCovered(
  context: RuleContext,
  policies: Iterable<PolicyModel>,
  command: PolicyModel['command'],
  table: TableModel,
  tenantColumn: string,
): boolean {
  const needed = command === 'all' ? ['select', 'insert', 'update', 'delete'] : [command];
  const covered = new Set<string>();
  for (const policy of policies) {
    if (!policy.permissive || isAlwaysTrue(policy)) continue;
    if (clausesWithoutTenantTie(context, policy, table, tenantColumn).length > 0) continue;
    if (policy.command === 'all') needed.forEach((c) => covered.add(c));
    else covered.add(policy.command);
  }
  return needed.every((c) => covered.has(c));
}
