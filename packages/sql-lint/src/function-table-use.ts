/**
 * Which of a set of tables a function body uses: from its parse tree for SQL bodies, by name for
 * other languages (an unqualified name counts when the table's schema is on the body's search path
 * or is the function's own). The index keeps that linear in the history: a body is matched only
 * against the tables whose names are words of it.
 */
import type { FunctionModel, TableModel } from './model/schema-model.js';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A table name that, unquoted in a body, is one whole run of identifier characters. */
const PLAIN_NAME = /^[\w$]+$/;

/** Whether a function body uses a table. */
function usesTable(fn: FunctionModel, key: string, table: TableModel): boolean {
  if (fn.bodyRelations.includes(key)) return true;
  if (fn.language === 'sql') return false;
  const part = (name: string): string => `(?:"${escapeRegExp(name)}"|${escapeRegExp(name)}(?![\\w$]))`;
  const qualified = `${part(table.schema)}\\s*\\.\\s*${part(table.name)}`;
  const unqualifiedReaches = fn.bodySearchPath.includes(table.schema) || table.schema === fn.schema;
  const pattern = unqualifiedReaches ? `(?:${qualified}|${part(table.name)})` : qualified;
  return new RegExp(`(?<![\\w.$"])${pattern}`, 'i').test(fn.bodyText);
}

/** Finds, for a function, the first of `tables` (in their order) its body uses. */
export type FirstTableUsed = (fn: FunctionModel) => TableModel | undefined;

/** An index over `tables` (keyed `schema.name`, in the order findings should name them). */
export function tableUseIndex(tables: readonly (readonly [string, TableModel])[]): FirstTableUsed {
  const order = new Map(tables.map(([key], i) => [key, i]));
  const byName = new Map<string, number[]>();
  const unusualNames: number[] = [];
  tables.forEach(([, table], i) => {
    if (!PLAIN_NAME.test(table.name)) unusualNames.push(i);
    else byName.set(table.name.toLowerCase(), [...(byName.get(table.name.toLowerCase()) ?? []), i]);
  });
  return (fn) => {
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
    const used = [...candidates].sort((a, b) => a - b).map((i) => tables[i]!).find(([key, table]) => usesTable(fn, key, table));
    return used?.[1];
  };
}
