import { defineRule, displayName, tenantColumnOf } from '../rule.js';
import type { RuleReport } from '../rule.js';
import { tenantCovered } from '../tenant-policy-coverage.js';

/** A statement that leaves row-level security of a table off, unforced, or without an equivalent tenant policy. */
export const rlsWeakened = defineRule({
  id: 'rls-weakened',
  meta: {
    severity: 'error',
    description:
      'DISABLE ROW LEVEL SECURITY, NO FORCE ROW LEVEL SECURITY, or DROP POLICY leaves a tenant table less protected at the end of the history than before.',
    help: 'Re-enable (ENABLE/FORCE ROW LEVEL SECURITY) later in the same migration, or create the replacement policy before dropping the old one.',
    messages: {
      disabled: 'row-level security on {{table}} is disabled here and never enabled again: every tenant reads every row',
      unforced: 'row-level security on {{table}} stops being forced here and is never forced again: its owner bypasses every policy',
      policyDropped: 'dropping policy {{policy}} leaves {{table}} without a tenant policy for {{command}}',
    },
  },
  check(context) {
    const reports: RuleReport[] = [];
    const lastDrop = new Map<string, (typeof context.model.weakenings)[number]>();
    for (const weakening of context.model.weakenings) {
      if (weakening.kind === 'drop-policy' && weakening.policy) lastDrop.set(`${weakening.table}|${weakening.policy.name}`, weakening);
    }
    for (const weakening of context.model.weakenings) {
      const table = context.model.tables.get(weakening.table);
      if (!table) continue;
      const name = displayName(table.schema, table.name);
      const rls = table.rowSecurity;
      if (weakening.kind === 'disable' && !rls.enabled && rls.disabledBy === weakening.source) {
        reports.push({ source: weakening.source, messageId: 'disabled', data: { table: name } });
      }
      if (weakening.kind === 'no-force' && rls.enabled && !rls.forced && rls.unforcedBy === weakening.source) {
        reports.push({ source: weakening.source, messageId: 'unforced', data: { table: name } });
      }
      if (weakening.kind === 'drop-policy' && weakening.policy && weakening.policy.permissive) {
        const column = tenantColumnOf(context, table);
        if (!column || !rls.enabled) continue;
        // Dropping a policy that did not enforce the tenant takes no protection away.
        // A policy dropped again later is judged at its last drop; one rebuilt under its name is
        // judged as it stands by the policy rules.
        if (lastDrop.get(`${weakening.table}|${weakening.policy.name}`) !== weakening || table.policies.has(weakening.policy.name)) continue;
        if (!tenantCovered(context, [weakening.policy], weakening.policy.command, table, column)) continue;
        if (tenantCovered(context, table.policies.values(), weakening.policy.command, table, column)) continue;
        reports.push({
          source: weakening.source,
          messageId: 'policyDropped',
          data: { policy: weakening.policy.name, table: name, command: weakening.policy.command.toUpperCase() },
        });
      }
    }
    return reports;
  },
});
