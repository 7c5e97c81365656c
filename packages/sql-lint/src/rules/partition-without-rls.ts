import { defineRule, displayName, rlsTenantParent } from '../rule.js';
import type { RuleReport } from '../rule.js';

/** A partition or inheritance child of a tenant table with row-level security that has none itself. */
export const partitionWithoutRls = defineRule({
  id: 'partition-without-rls',
  meta: {
    severity: 'error',
    description:
      'A partition or inheritance child of a tenant table with row-level security has none of its own: queries through the parent are filtered, queries that name the child are not.',
    help: 'ALTER TABLE <child> ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY, and give it the parent\'s policies.',
    messages: {
      childWithoutRls: '{{child}} is a partition or child of {{parent}}, which has row-level security, but has none itself: selecting from {{child}} directly returns every tenant\'s rows',
    },
  },
  check(context) {
    const reports: RuleReport[] = [];
    for (const table of context.model.tables.values()) {
      if (table.rowSecurity.enabled) continue;
      const parent = rlsTenantParent(context, table);
      if (!parent) continue;
      reports.push({
        source: table.source,
        messageId: 'childWithoutRls',
        data: { child: displayName(table.schema, table.name), parent: displayName(parent.schema, parent.name) },
      });
    }
    return reports;
  },
});
