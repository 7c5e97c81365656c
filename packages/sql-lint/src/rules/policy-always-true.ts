import { alwaysTrueReason } from '../policy-predicates.js';
import { defineRule, displayName, tenantColumnOf } from '../rule.js';
import type { RuleReport } from '../rule.js';

/** A permissive policy on a tenant table whose USING or WITH CHECK lets every row through. */
export const policyAlwaysTrue = defineRule({
  id: 'policy-always-true',
  meta: {
    severity: 'error',
    description: 'A permissive policy on a tenant table lets every row through: `true`, `1 = 1`, `OR true`, or a form that fails open when the context is missing.',
    help: "Make the policy fail closed: USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid) with no OR branch and no COALESCE fallback.",
    messages: {
      alwaysTrue: '{{clause}} of policy {{policy}} on {{table}} lets every row through: {{reason}}',
    },
  },
  check(context) {
    const reports: RuleReport[] = [];
    for (const table of context.model.tables.values()) {
      if (!tenantColumnOf(context, table)) continue;
      for (const policy of table.policies.values()) {
        if (!policy.permissive) continue;
        for (const [clause, expression] of [
          ['USING', policy.using],
          ['WITH CHECK', policy.withCheck],
        ] as const) {
          const reason = expression ? alwaysTrueReason(expression.node) : undefined;
          if (!expression || !reason) continue;
          reports.push({
            source: expression.source,
            messageId: 'alwaysTrue',
            data: { clause, policy: policy.name, table: displayName(table.schema, table.name), reason },
          });
        }
      }
    }
    return reports;
  },
});
