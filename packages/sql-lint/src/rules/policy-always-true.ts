import { alwaysTrueReason } from '../policy-predicates.js';
import { defineRule, displayName, tenantColumnOf } from '../rule.js';
import type { RuleContext, RuleReport } from '../rule.js';
import type { PolicyModel, TableModel } from '../model/schema-model.js';

/**
 * Which always-true forms a policy is judged for: every form on a tenant table and on a platform's
 * shared table (for the platform's clients); on any other table with row-level security only the
 * forms that fail open when the context is missing, which no table wants.
 */
function judgesEveryForm(context: RuleContext, key: string, table: TableModel, policy: PolicyModel): boolean {
  if (tenantColumnOf(context, table)) return true;
  const platform = context.platform;
  return platform !== null && platform.sharedTables.includes(key) && policy.roles.some((role) => platform.clientRoles.includes(role));
}

/** A permissive policy whose USING or WITH CHECK lets every row through. */
export const policyAlwaysTrue = defineRule({
  id: 'policy-always-true',
  meta: {
    severity: 'error',
    description:
      'A permissive policy lets every row through: `true`, `1 = 1` or `OR true` on a tenant table or a platform\'s shared table, or, on any table, a form that fails open when the context is missing.',
    help: "Make the policy fail closed: USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid) with no OR branch and no COALESCE fallback.",
    messages: {
      alwaysTrue: '{{clause}} of policy {{policy}} on {{table}} lets every row through: {{reason}}',
    },
  },
  check(context) {
    const reports: RuleReport[] = [];
    for (const [key, table] of context.model.tables) {
      if (!table.rowSecurity.enabled && !tenantColumnOf(context, table)) continue;
      for (const policy of table.policies.values()) {
        if (!policy.permissive) continue;
        const everyForm = judgesEveryForm(context, key, table, policy);
        for (const [clause, expression] of [
          ['USING', policy.using],
          ['WITH CHECK', policy.withCheck],
        ] as const) {
          const found = expression ? alwaysTrueReason(expression.node) : undefined;
          if (!expression || !found || (!everyForm && !found.whenContextMissing)) continue;
          reports.push({
            source: expression.source,
            messageId: 'alwaysTrue',
            data: { clause, policy: policy.name, table: displayName(table.schema, table.name), reason: found.reason },
          });
        }
      }
    }
    return reports;
  },
});
