import { defineRule, displayName, tenantColumnOf } from '../rule.js';
import type { RuleReport } from '../rule.js';
import { clausesWithoutTenantTie, isAlwaysTrue } from '../tenant-policy-coverage.js';

/** A permissive policy on a tenant table that does not tie the tenant column to the context. */
export const policyMissingTenantPredicate = defineRule({
  id: 'policy-missing-tenant-predicate',
  meta: {
    severity: 'error',
    description: 'A permissive policy on a tenant table does not tie its rows to the tenant context (or, for rows it reads, to the identity in context) in USING or WITH CHECK.',
    help: "Compare the tenant column with the context: USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid), and the same WITH CHECK.",
    messages: {
      missingTenantPredicate:
        'policy {{policy}} on {{table}} does not tie {{column}} to the tenant context in {{clauses}}: rows of other tenants pass it',
    },
  },
  check(context) {
    const reports: RuleReport[] = [];
    for (const table of context.model.tables.values()) {
      const column = tenantColumnOf(context, table);
      if (!column) continue;
      for (const policy of table.policies.values()) {
        // Restrictive policies only narrow what permissive ones allow; always-true ones have their own rule.
        if (!policy.permissive || isAlwaysTrue(policy)) continue;
        const missing = clausesWithoutTenantTie(context, policy, table, column);
        if (missing.length === 0) continue;
        reports.push({
          source: policy.source,
          messageId: 'missingTenantPredicate',
          data: { policy: policy.name, table: displayName(table.schema, table.name), column, clauses: missing.join(' and ') },
        });
      }
    }
    return reports;
  },
});
