import { defineRule, displayName } from '../rule.js';
import type { RuleReport } from '../rule.js';
import type { FunctionModel, TableModel } from '../schema-model.js';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether a function body uses a table: from its parse tree for SQL bodies, by name for other languages. */
function usesTable(fn: FunctionModel, key: string, table: TableModel): boolean {
  if (fn.bodyRelations.includes(key)) return true;
  if (fn.language === 'sql') return false;
  const part = (name: string): string => `(?:"${escapeRegExp(name)}"|${escapeRegExp(name)}(?![\\w$]))`;
  const qualified = `${part(table.schema)}\\s*\\.\\s*${part(table.name)}`;
  const pattern = table.schema === 'public' || table.schema === fn.schema ? `(?:${qualified}|${part(table.name)})` : qualified;
  return new RegExp(`(?<![\\w.$"])${pattern}`, 'i').test(fn.bodyText);
}

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
    for (const fn of context.model.functions.values()) {
      if (!fn.securityDefiner) continue;
      for (const [key, table] of context.model.tables) {
        if (!table.rowSecurity.enabled || !usesTable(fn, key, table)) continue;
        reports.push({
          source: fn.source,
          messageId: 'definerUsesRlsTable',
          data: { function: displayName(fn.schema, fn.name), table: displayName(table.schema, table.name) },
        });
        break;
      }
    }
    return reports;
  },
});
