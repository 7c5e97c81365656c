import { defineRule, displayName, tenantColumnOf } from '../rule.js';
import type { RuleReport } from '../rule.js';

/** A tenant column without NOT NULL. */
export const tenantColumnNullable = defineRule({
  id: 'tenant-column-nullable',
  meta: {
    severity: 'warn',
    description: 'A tenant column allows NULL: rows without a tenant belong to nobody, and a NULL-tolerant policy may show them to everybody.',
    help: 'Declare the tenant column NOT NULL (ALTER TABLE … ALTER COLUMN tenant_id SET NOT NULL).',
    messages: {
      nullable: 'tenant column {{column}} of {{table}} allows NULL',
    },
  },
  check(context) {
    const reports: RuleReport[] = [];
    for (const table of context.model.tables.values()) {
      const name = tenantColumnOf(context, table);
      const column = name ? table.columns.get(name) : undefined;
      if (!column || column.notNull || column.inherited) continue;
      reports.push({ source: column.source, messageId: 'nullable', data: { column: column.name, table: displayName(table.schema, table.name) } });
    }
    return reports;
  },
});
