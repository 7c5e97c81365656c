import { contextReadHazards } from '@tenant-scope/sql-analyzer';
import { defineRule, displayName } from '../rule.js';
import type { RuleReport } from '../rule.js';

/** A current_setting call in a policy that is not wrapped in a scalar subquery. */
export const policyPerRowSetting = defineRule({
  id: 'policy-per-row-setting',
  meta: {
    severity: 'warn',
    strictOnly: true,
    description: 'A policy calls current_setting outside a scalar subquery, so it may be evaluated once per row instead of once per query.',
    help: "Wrap the read in a scalar subquery: tenant_id = (select NULLIF(current_setting('app.tenant_id', true), '')::uuid).",
    messages: {
      perRow: "`current_setting('{{name}}')` in policy {{policy}} on {{table}} is not wrapped in (select …) and may run once per row",
    },
  },
  check(context) {
    const reports: RuleReport[] = [];
    for (const table of context.model.tables.values()) {
      for (const policy of table.policies.values()) {
        for (const expression of [policy.using, policy.withCheck]) {
          for (const read of expression?.reads ?? []) {
            if (!contextReadHazards(read).includes('evaluated-per-row')) continue;
            reports.push({
              source: { file: expression?.source.file ?? '', range: read.range },
              messageId: 'perRow',
              data: { name: read.name ?? '?', policy: policy.name, table: displayName(table.schema, table.name) },
            });
          }
        }
      }
    }
    return reports;
  },
});
