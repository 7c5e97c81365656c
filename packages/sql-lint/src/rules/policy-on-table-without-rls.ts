import { defineRule, displayName } from '../rule.js';
import type { RuleReport } from '../rule.js';

/** A policy on a table whose row-level security is off. */
export const policyOnTableWithoutRls = defineRule({
  id: 'policy-on-table-without-rls',
  meta: {
    severity: 'error',
    description: 'A policy is created on a table whose row-level security is off, so the policy does nothing.',
    help: 'ALTER TABLE … ENABLE ROW LEVEL SECURITY (and FORCE ROW LEVEL SECURITY) on the table.',
    messages: {
      policyIgnored: 'policy {{policy}} does nothing: row-level security on {{table}} is off',
    },
  },
  check(context) {
    const reports: RuleReport[] = [];
    for (const table of context.model.tables.values()) {
      // A table whose RLS was switched off again is reported once, by rls-weakened; one the history
      // never created (made by a dump or another tool) may have it on already: unknown, not off.
      if (table.rowSecurity.enabled || table.rowSecurity.disabledBy || !table.createdInHistory) continue;
      for (const policy of table.policies.values()) {
        reports.push({ source: policy.source, messageId: 'policyIgnored', data: { policy: policy.name, table: displayName(table.schema, table.name) } });
      }
    }
    return reports;
  },
});
