import { defineRule, displayName } from '../rule.js';
import type { RuleReport } from '../rule.js';

/** Row-level security enabled and no permissive policy. */
export const rlsEnabledNoPolicy = defineRule({
  id: 'rls-enabled-no-policy',
  meta: {
    severity: 'warn',
    description: 'Row-level security is enabled but the table has no policy, so every query by a non-owner sees no rows.',
    help: 'CREATE POLICY … USING (tenant_id = NULLIF(current_setting(\'app.tenant_id\', true), \'\')::uuid) on the table.',
    messages: {
      noPolicy: 'row-level security on {{table}} is enabled but the table has no permissive policy: every query by a role other than its owner sees no rows',
    },
  },
  check(context) {
    const reports: RuleReport[] = [];
    for (const table of context.model.tables.values()) {
      const rls = table.rowSecurity;
      if (!rls.enabled || !rls.enabledBy || [...table.policies.values()].some((p) => p.permissive)) continue;
      reports.push({ source: rls.enabledBy, messageId: 'noPolicy', data: { table: displayName(table.schema, table.name) } });
    }
    return reports;
  },
});
