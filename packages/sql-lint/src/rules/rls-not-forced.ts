import { defineRule, displayName } from '../rule.js';
import type { RuleReport } from '../rule.js';

/** Row-level security enabled but not forced, so the table owner bypasses every policy. */
export const rlsNotForced = defineRule({
  id: 'rls-not-forced',
  meta: {
    severity: 'error',
    description: 'Row-level security is enabled but not forced, so the table owner (often the application role) bypasses every policy.',
    help: 'ALTER TABLE … FORCE ROW LEVEL SECURITY.',
    messages: {
      notForced: 'row-level security on {{table}} is enabled but not forced: its owner, often the role the application connects as, bypasses every policy',
    },
  },
  check(context) {
    const reports: RuleReport[] = [];
    for (const table of context.model.tables.values()) {
      const rls = table.rowSecurity;
      // NO FORCE after FORCE is reported by rls-weakened.
      if (!rls.enabled || rls.forced || rls.unforcedBy || !rls.enabledBy) continue;
      reports.push({ source: rls.enabledBy, messageId: 'notForced', data: { table: displayName(table.schema, table.name) } });
    }
    return reports;
  },
});
