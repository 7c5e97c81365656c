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

/**
 * The pattern a body is searched with for a table: the name, quoted or as a whole word, after a
 * character that cannot continue a name; qualified by its schema, or alone where that reaches it.
 * Case-insensitive, anywhere in the body (comments and strings too).
 */
export function tableMentionPattern(schema: string, name: string, unqualifiedReaches: boolean): RegExp {
  const part = (text: string): string => `(?:"${escapeRegExp(text)}"|${escapeRegExp(text)}(?![\\w$]))`;
  const qualified = `${part(schema)}\\s*\\.\\s*${part(name)}`;
  const pattern = unqualifiedReaches ? `(?:${qualified}|${part(name)})` : qualified;
  return new RegExp(`(?<![\\w.$"])${pattern}`, 'i');
}

/** `text` with A-Z lowered and nothing else changed (same length: offsets stay). */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (run) => run.toLowerCase());
}

/** A body searched without building a pattern per table (see `mentions`). */
interface SearchableBody {
  text: string;
  /** `text` with ASCII letters lowered, as the pattern's `i` flag compares a plain name's letters. */
  lower: string;
}

const WORD_OR_DOLLAR = /[\w$]/;
const BEFORE_NAME = /[\w.$"]/;
const SPACE = /\s/;

/** Where `part(x)` of the pattern ends when it starts at `at`, or -1 (`x` plain and lowercase). */
function partEnd(body: SearchableBody, at: number, x: string): number {
  const { text, lower } = body;
  if (text[at] === '"') return lower.startsWith(x, at + 1) && text[at + 1 + x.length] === '"' ? at + x.length + 2 : -1;
  if (!lower.startsWith(x, at)) return -1;
  const next = text[at + x.length];
  return next !== undefined && WORD_OR_DOLLAR.test(next) ? -1 : at + x.length;
}

/** Whether the whole pattern matches at `at` (`schema` and `name` plain and lowercase). */
function matchesAt(body: SearchableBody, at: number, schema: string, name: string, unqualifiedReaches: boolean): boolean {
  const before = body.text[at - 1];
  if (before !== undefined && BEFORE_NAME.test(before)) return false;
  if (unqualifiedReaches && partEnd(body, at, name) !== -1) return true;
  let k = partEnd(body, at, schema);
  if (k === -1) return false;
  while (k < body.text.length && SPACE.test(body.text[k] as string)) k++;
  if (body.text[k] !== '.') return false;
  k++;
  while (k < body.text.length && SPACE.test(body.text[k] as string)) k++;
  return partEnd(body, k, name) !== -1;
}

/**
 * `tableMentionPattern(schema, name, unqualifiedReaches).test(body.text)` for plain names, without
 * compiling it: a match starts where the schema or (when it reaches) the name is written, or at the
 * quote just before it.
 */
function mentions(body: SearchableBody, schema: string, name: string, unqualifiedReaches: boolean): boolean {
  for (const word of unqualifiedReaches ? [name, schema] : [schema]) {
    for (let at = body.lower.indexOf(word); at !== -1; at = body.lower.indexOf(word, at + 1)) {
      if (matchesAt(body, at, schema, name, unqualifiedReaches)) return true;
      if (body.text[at - 1] === '"' && matchesAt(body, at - 1, schema, name, unqualifiedReaches)) return true;
    }
  }
  return false;
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
  const patterns = new Map<string, RegExp>();
  /** Whether a function body uses a table. */
  const usesTable = (fn: FunctionModel, body: SearchableBody | undefined, key: string, table: TableModel): boolean => {
    if (fn.bodyRelations.includes(key)) return true;
    if (fn.language === 'sql' || !body) return false;
    const unqualifiedReaches = fn.bodySearchPath.includes(table.schema) || table.schema === fn.schema;
    if (PLAIN_NAME.test(table.schema) && PLAIN_NAME.test(table.name)) {
      return mentions(body, asciiLower(table.schema), asciiLower(table.name), unqualifiedReaches);
    }
    const id = JSON.stringify([table.schema, table.name, unqualifiedReaches]);
    let pattern = patterns.get(id);
    if (!pattern) {
      pattern = tableMentionPattern(table.schema, table.name, unqualifiedReaches);
      patterns.set(id, pattern);
    }
    return pattern.test(fn.bodyText);
  };
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
    if (candidates.size === 0) return undefined;
    const body = fn.language === 'sql' ? undefined : { text: fn.bodyText, lower: asciiLower(fn.bodyText) };
    const used = [...candidates].sort((a, b) => a - b).map((i) => tables[i]!).find(([key, table]) => usesTable(fn, body, key, table));
    return used?.[1];
  };
}
