/**
 * Reading PostgreSQL's JSON parse tree (as `parseSql` returns it): walking it, and the few
 * shapes the schema model needs (names, constants, locations).
 */
import type { ParseNode } from './schema-model.js';

/** The object inside a `{ NodeType: {…} }` wrapper when the type matches. */
export function nodeOf(value: unknown, type: string): ParseNode | undefined {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const inner = (value as ParseNode)[type];
    if (inner && typeof inner === 'object') return inner as ParseNode;
  }
  return undefined;
}

/** The node type and body of a `{ NodeType: {…} }` wrapper. */
export function unwrap(value: unknown): { type: string; body: ParseNode } | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const type = keys[0] as string;
  const body = (value as ParseNode)[type];
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  if (!/^[A-Z]/.test(type)) return undefined;
  return { type, body: body as ParseNode };
}

/** Visits every `{ NodeType: {…} }` in `value`, depth first; return false to skip a node's children. */
export function walkTree(value: unknown, visit: (type: string, body: ParseNode) => boolean | void): void {
  if (Array.isArray(value)) {
    for (const item of value) walkTree(item, visit);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const node = unwrap(value);
  if (node) {
    if (visit(node.type, node.body) === false) return;
    for (const child of Object.values(node.body)) walkTree(child, visit);
    return;
  }
  for (const child of Object.values(value as ParseNode)) walkTree(child, visit);
}

/** The text of a `String` node. */
export function stringValue(value: unknown): string | undefined {
  const s = nodeOf(value, 'String');
  return typeof s?.['sval'] === 'string' ? (s['sval'] as string) : undefined;
}

/** The strings of a list of `String` nodes (a qualified name). */
export function nameParts(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.map(stringValue).filter((s): s is string => s !== undefined);
}

/** Lowercased type name without schema, e.g. `uuid`, `int4`. */
export function typeNameOf(typeName: unknown): string {
  const names = nameParts((typeName as ParseNode | undefined)?.['names']);
  return (names[names.length - 1] ?? 'unknown').toLowerCase();
}

/** The smallest `location` in a subtree (a byte offset of the parsed text), or undefined. */
export function firstLocation(value: unknown): number | undefined {
  let min: number | undefined;
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const item of v) visit(item);
      return;
    }
    if (!v || typeof v !== 'object') return;
    for (const [key, child] of Object.entries(v as ParseNode)) {
      if (key === 'location' && typeof child === 'number' && child >= 0) min = min === undefined ? child : Math.min(min, child);
      else visit(child);
    }
  };
  visit(value);
  return min;
}

/** A constant's value as PostgreSQL would print it (`true`, `1`, `abc`), through casts, or undefined for a non-constant. */
export function constantText(value: unknown): string | undefined {
  // The catalog prints constants with their type: ''::text, 'app.tenant_id'::text.
  const cast = nodeOf(value, 'TypeCast');
  if (cast) return constantText(cast['arg']);
  const c = nodeOf(value, 'A_Const');
  if (!c) return undefined;
  if (c['isnull']) return 'null';
  const bool = c['boolval'] as ParseNode | undefined;
  if (bool) return bool['boolval'] ? 'true' : 'false';
  const int = c['ival'] as ParseNode | undefined;
  if (int) return String(int['ival'] ?? 0);
  const str = c['sval'] as ParseNode | undefined;
  if (str) return String(str['sval'] ?? '');
  const float = c['fval'] as ParseNode | undefined;
  if (float) return String(float['fval'] ?? '');
  return undefined;
}

/** The value of a `DefElem` argument as text (`true`, `on`, a name), or undefined. */
export function defElemText(arg: unknown): string | undefined {
  const s = stringValue(arg);
  if (s !== undefined) return s;
  const b = nodeOf(arg, 'Boolean');
  if (b) return b['boolval'] ? 'true' : 'false';
  const i = nodeOf(arg, 'Integer');
  if (i) return String(i['ival'] ?? 0);
  const tn = nodeOf(arg, 'TypeName');
  if (tn) return typeNameOf(tn);
  return undefined;
}

/** Reads a boolean reloption value the way PostgreSQL does (`true`, `on`, `1`, `yes`, …). */
export function isTrueOption(text: string | undefined): boolean {
  if (text === undefined) return true; // WITH (security_invoker) alone means true
  return ['true', 'on', '1', 'yes', 't', 'y'].includes(text.toLowerCase());
}

/** The name a function is called by, lowercased and without schema. */
export function calledFunctionName(funcCall: ParseNode): { schema: string | undefined; name: string } {
  const parts = nameParts(funcCall['funcname']).map((p) => p.toLowerCase());
  const name = parts[parts.length - 1] ?? '';
  return { schema: parts.length > 1 ? parts[parts.length - 2] : undefined, name };
}
