/**
 * Typed access to PostgreSQL's JSON parse tree, as `parseSql` returns it: every node is a
 * `{ NodeType: { field: … } }` wrapper, typed by `@pgsql/types` (generated from the same
 * PostgreSQL 18 sources as the parser in libpg-query). Tools that read trees use these instead of
 * string-keyed reads, so a field PostgreSQL renames is a type error, not a silent `undefined`.
 */
import type { FuncCall, Node, TypeName } from '@pgsql/types';
import type { ParsedStatement } from './parse-sql.js';

/** A node of the parse tree: `{ NodeType: body }`. */
export type ParseTreeNode = Node;

type KeysOfUnion<T> = T extends unknown ? keyof T : never;

/** The name of every node type (`CreateStmt`, `RangeVar`, `FuncCall`, …). */
export type NodeTypeName = KeysOfUnion<Node>;

/** The body of a node of type `K` (`NodeOfType<'RangeVar'>` has `schemaname`, `relname`, …). */
export type NodeOfType<K extends NodeTypeName> = Extract<Node, Record<K, unknown>>[K];

/** A node's type and body; checking `type` narrows `body`. */
export type NodeEntry = { [K in NodeTypeName]: { type: K; body: NodeOfType<K> } }[NodeTypeName];

/** The arguments `walkTree` passes: checking the first narrows the second. */
export type NodeVisit = { [K in NodeTypeName]: [type: K, body: NodeOfType<K>] }[NodeTypeName];

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The body inside a `{ NodeType: {…} }` wrapper when its type is `type`, else undefined. */
export function nodeOf<K extends NodeTypeName>(value: unknown, type: K): NodeOfType<K> | undefined {
  if (!isObject(value)) return undefined;
  const inner = value[type];
  return isObject(inner) ? (inner as NodeOfType<K>) : undefined;
}

/** The type and body of a `{ NodeType: {…} }` wrapper, or undefined for anything else. */
export function unwrapNode(value: unknown): NodeEntry | undefined {
  if (!isObject(value)) return undefined;
  let type: string | undefined;
  for (const key in value) {
    if (type !== undefined) return undefined;
    type = key;
  }
  if (type === undefined) return undefined;
  const first = type.charCodeAt(0);
  if (first < 65 || first > 90) return undefined;
  const body = value[type];
  return isObject(body) ? ({ type, body } as NodeEntry) : undefined;
}

/** A parsed statement as a typed entry (its node type and body). */
export function statementNode(statement: ParsedStatement): NodeEntry {
  return { type: statement.type, body: statement.node } as NodeEntry;
}

/** A parsed statement as a tree node (`{ NodeType: body }`), for walking. */
export function statementTree(statement: ParsedStatement): ParseTreeNode {
  return { [statement.type]: statement.node } as unknown as ParseTreeNode;
}

/**
 * Visits every node in `value` (a node, a list, or any object holding them), depth first, parents
 * before children. Returning false from `visit` skips that node's children.
 */
export function walkTree(value: unknown, visit: (...node: NodeVisit) => boolean | void): void {
  if (Array.isArray(value)) {
    for (const item of value) walkTree(item, visit);
    return;
  }
  if (!isObject(value)) return;
  const node = unwrapNode(value);
  if (node) {
    if ((visit as (type: string, body: unknown) => boolean | void)(node.type, node.body) === false) return;
    for (const key in node.body) walkTree((node.body as JsonObject)[key], visit);
    return;
  }
  for (const key in value) walkTree(value[key], visit);
}

/** The text of a `String` node. */
export function stringValue(value: unknown): string | undefined {
  return nodeOf(value, 'String')?.sval;
}

/** The texts of a list of `String` nodes, such as a qualified name (`['public', 'orders']`). */
export function nameParts(value: readonly Node[] | undefined): string[] {
  if (!value) return [];
  const parts: string[] = [];
  for (const item of value) {
    const text = stringValue(item);
    if (text !== undefined) parts.push(text);
  }
  return parts;
}

/** A type's name, lowercased, without schema or modifiers (`uuid`, `int4`, `text`); `unknown` without one. */
export function typeNameOf(typeName: TypeName | undefined): string {
  const names = nameParts(typeName?.names);
  return (names[names.length - 1] ?? 'unknown').toLowerCase();
}

/** The smallest `location` in a subtree (a byte offset of the parsed text), or undefined when it has none. */
export function firstLocation(value: unknown): number | undefined {
  let min: number | undefined;
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const item of v) visit(item);
      return;
    }
    if (!isObject(v)) return;
    for (const key in v) {
      const child = v[key];
      if (key === 'location' && typeof child === 'number' && child >= 0) min = min === undefined ? child : Math.min(min, child);
      else visit(child);
    }
  };
  visit(value);
  return min;
}

/** A constant's value as PostgreSQL prints it (`true`, `1`, `abc`, `null`), through casts; undefined for anything else. */
export function constantText(value: unknown): string | undefined {
  const cast = nodeOf(value, 'TypeCast');
  if (cast) return constantText(cast.arg);
  const c = nodeOf(value, 'A_Const');
  if (!c) return undefined;
  if (c.isnull) return 'null';
  if (c.boolval) return c.boolval.boolval ? 'true' : 'false';
  if (c.ival) return String(c.ival.ival ?? 0);
  if (c.sval) return c.sval.sval ?? '';
  if (c.fval) return c.fval.fval ?? '';
  return undefined;
}

/** The value of an option (`DefElem` argument) as text: `true`/`false`, a number, a name or a type name. */
export function defElemText(arg: Node | undefined): string | undefined {
  const s = stringValue(arg);
  if (s !== undefined) return s;
  const b = nodeOf(arg, 'Boolean');
  if (b) return b.boolval ? 'true' : 'false';
  const i = nodeOf(arg, 'Integer');
  if (i) return String(i.ival ?? 0);
  const tn = nodeOf(arg, 'TypeName');
  if (tn) return typeNameOf(tn);
  return undefined;
}

/** The name a call gives a function, lowercased: `schema` only when the call qualifies it. */
export function calledFunctionName(call: FuncCall): { schema: string | undefined; name: string } {
  const parts = nameParts(call.funcname).map((p) => p.toLowerCase());
  return { schema: parts.length > 1 ? parts[parts.length - 2] : undefined, name: parts[parts.length - 1] ?? '' };
}
