import { defineRule, displayName } from '../rule.js';
import type { RuleContext, RuleReport } from '../rule.js';
import type { TableModel } from '../model/schema-model.js';

/** The first table with row-level security a relation reads, through any number of views. */
function rlsTableBehind(context: RuleContext, relations: string[], seen = new Set<string>()): TableModel | undefined {
  for (const key of relations) {
    if (seen.has(key)) continue;
    seen.add(key);
    const table = context.model.tables.get(key);
    if (table?.rowSecurity.enabled) return table;
    const view = context.model.views.get(key);
    if (view) {
      const behind = rlsTableBehind(context, view.relations, seen);
      if (behind) return behind;
    }
  }
  return undefined;
}

/** A view over a table with row-level security that runs with its owner's rights. */
export const viewBypassesRls = defineRule({
  id: 'view-bypasses-rls',
  meta: {
    severity: 'error',
    description: 'A view reads a table with row-level security without `security_invoker = true`, so it runs as its owner and skips the policies.',
    help: 'CREATE VIEW … WITH (security_invoker = true) AS … (or ALTER VIEW … SET (security_invoker = true)); PostgreSQL 15+.',
    messages: {
      ownerRights: 'view {{view}} reads {{table}}, which has row-level security, but runs with its owner\'s rights (no security_invoker = true): the policies are skipped',
      materialized: 'materialized view {{view}} stores rows of {{table}}, which has row-level security, and serves them to every reader without the policies',
    },
  },
  check(context) {
    const reports: RuleReport[] = [];
    for (const view of context.model.views.values()) {
      if (view.securityInvoker) continue;
      const table = rlsTableBehind(context, view.relations);
      if (!table) continue;
      reports.push({
        source: view.source,
        messageId: view.materialized ? 'materialized' : 'ownerRights',
        data: { view: displayName(view.schema, view.name), table: displayName(table.schema, table.name) },
      });
    }
    return reports;
  },
});
