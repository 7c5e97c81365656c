import { defineRule, displayName, rlsTenantParent, tenantColumnOf } from '../rule.js';
import type { RuleReport } from '../rule.js';

/** A table with a tenant column whose row-level security is never enabled. */
export const rlsNotEnabled = defineRule({
  id: 'rls-not-enabled',
  meta: {
    severity: 'error',
    description: 'A table with a tenant column never has row-level security enabled, so every tenant sees every row.',
    help: 'ALTER TABLE … ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY, and add a policy on the tenant column.',
    messages: {
      notEnabled: 'table {{table}} has tenant column {{column}} but row-level security is never enabled: every tenant reads every row',
    },
  },
  check(context) {
    const reports: RuleReport[] = [];
    for (const table of context.model.tables.values()) {
      const column = tenantColumnOf(context, table);
      if (!column || table.rowSecurity.enabled || table.rowSecurity.disabledBy) continue;
      // A table the history never created (it only adds the tenant column) may have RLS on already: unknown.
      if (!table.createdInHistory) continue;
      // A partition of an RLS table is reported by partition-without-rls.
      if (rlsTenantParent(context, table)) continue;
      reports.push({ source: table.source, messageId: 'notEnabled', data: { table: displayName(table.schema, table.name), column } });
    }
    return reports;
  },
});
