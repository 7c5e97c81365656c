import { defineRule, displayName } from '../rule.js';
import type { RuleReport } from '../rule.js';
import { tableUseIndex } from '../function-table-use.js';
import { exposedDefiners, forgeableFunctions } from '../untrusted-functions.js';

/** A SECURITY DEFINER function that reads or writes a table with row-level security. */
export const securityDefinerRlsBypass = defineRule({
  id: 'security-definer-rls-bypass',
  meta: {
    severity: 'warn',
    description: 'A SECURITY DEFINER function reads or writes a table with row-level security: it runs as its owner, who usually bypasses the policies.',
    help: 'Make it SECURITY INVOKER, or filter by the tenant context inside it and make sure its owner does not own the table or have BYPASSRLS.',
    messages: {
      definerUsesRlsTable: 'SECURITY DEFINER function {{function}} uses {{table}}, which has row-level security: it runs as its owner and may see every tenant\'s rows',
    },
  },
  check(context) {
    const reports: RuleReport[] = [];
    const firstRlsTable = tableUseIndex([...context.model.tables].filter(([, table]) => table.rowSecurity.enabled));
    // A function untrusted roles can call is reported once, by security-definer-public-execute or forgeable-context.
    const exposed = new Set([...exposedDefiners(context), ...forgeableFunctions(context)].map((e) => e.fn));
    for (const fn of context.model.functions.values()) {
      if (!fn.securityDefiner || exposed.has(fn)) continue;
      // The first table in model order, as the report names one table per function.
      const table = firstRlsTable(fn);
      if (!table) continue;
      reports.push({
        source: fn.source,
        messageId: 'definerUsesRlsTable',
        data: { function: displayName(fn.schema, fn.name), table: displayName(table.schema, table.name) },
      });
    }
    return reports;
  },
});
