import { defineRule, displayName } from '../rule.js';
import type { RuleReport } from '../rule.js';
import type { FunctionModel, TableModel } from '../model/schema-model.js';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A table name that, unquoted in a body, is one whole run of identifier characters. */
const PLAIN_NAME = /^[\w$]+$/;

/**
 * Whether a function body uses a table: from its parse tree for SQL bodies, by name for other
 * languages (where an unqualified name counts when the table's schema is on the body's search
 * path, or is the function's own).
 */
function usesTable(fn: FunctionModel, key: string, table: TableModel): boolean {
  if (fn.bodyRelations.includes(key)) return true;
  if (fn.language === 'sql') return false;
  const part = (name: string): string => `(?:"${escapeRegExp(name)}"|${escapeRegExp(name)}(?![\\w$]))`;
  const qualified = `${part(table.schema)}\\s*\\.\\s*${part(table.name)}`;
  const unqualifiedReaches = fn.bodySearchPath.includes(table.schema) || table.schema === fn.schema;
  const pattern = unqualifiedReaches ? `(?:${qualified}|${part(table.name)})` : qualified;
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
    const tables = [...context.model.tables].filter(([, table]) => table.rowSecurity.enabled);
    const order = new Map(tables.map(([key], i) => [key, i]));
    // Only a table whose name is a word of the body (or a quoted identifier in it) can be used by
    // name, so each body is matched against those few tables, not against every table.
    const byName = new Map<string, number[]>();
    const unusualNames: number[] = [];
    tables.forEach(([, table], i) => {
      if (!PLAIN_NAME.test(table.name)) unusualNames.push(i);
      else byName.set(table.name.toLowerCase(), [...(byName.get(table.name.toLowerCase()) ?? []), i]);
    });
    for (const fn of context.model.functions.values()) {
      if (!fn.securityDefiner) continue;
      const candidates = new Set<number>();
      for (const key of fn.bodyRelations) {
        const i = order.get(key);
        if (i !== undefined) candidates.add(i);
      }
      if (fn.language !== 'sql') {
        for (const word of fn.bodyText.match(/[\w$]+/g) ?? []) byName.get(word.toLowerCase())?.forEach((i) => candidates.add(i));
        if (fn.bodyText.includes('"')) {
          const lower = fn.bodyText.toLowerCase();
          for (const [name, indexes] of byName) if (lower.includes(`"${name}"`)) indexes.forEach((i) => candidates.add(i));
        }
        unusualNames.forEach((i) => candidates.add(i));
      }
      // The first table in model order, as the report names one table per function.
      const used = [...candidates].sort((a, b) => a - b).map((i) => tables[i]!).find(([key, table]) => usesTable(fn, key, table));
      if (!used) continue;
      const [, table] = used;
      reports.push({
        source: fn.source,
        messageId: 'definerUsesRlsTable',
        data: { function: displayName(fn.schema, fn.name), table: displayName(table.schema, table.name) },
      });
    }
    return reports;
  },
});
