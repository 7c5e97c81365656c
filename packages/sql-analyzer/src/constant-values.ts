/**
 * What the text of an argument or a setting value shows: a constant, a boolean as PostgreSQL
 * reads it, a bind parameter's number.
 */
import type { Node } from '@pgsql/types';
import { nodeOf, stringValue } from './parse-tree-nodes.js';

export type Constant = { kind: 'string'; value: string } | { kind: 'bool'; value: boolean } | { kind: 'number'; value: string } | { kind: 'null' };

/** The node inside any number of casts. */
export function withoutCasts(node: Node | undefined): Node | undefined {
  let current = node;
  for (let cast = nodeOf(current, 'TypeCast'); cast; cast = nodeOf(current, 'TypeCast')) current = cast.arg;
  return current;
}

/** The constant a node stands for, looking through casts. */
export function constantOf(node: Node | undefined): Constant | undefined {
  const c = nodeOf(withoutCasts(node), 'A_Const');
  if (!c) return undefined;
  if (c.isnull) return { kind: 'null' };
  if (c.sval) return { kind: 'string', value: String(c.sval.sval ?? '') };
  if (c.boolval) return { kind: 'bool', value: c.boolval.boolval === true };
  if (c.ival) return { kind: 'number', value: String(c.ival.ival ?? 0) };
  if (c.fval) return { kind: 'number', value: String(c.fval.fval ?? '0') };
  if (c.bsval) return { kind: 'string', value: String(c.bsval.bsval ?? '') };
  return undefined;
}

/** What PostgreSQL's boolean input makes of a constant (boolin: prefixes of true/false/yes/no, on/off, 1/0). */
export function booleanOf(node: Node | undefined): boolean | undefined {
  const c = constantOf(node);
  if (!c) return undefined;
  if (c.kind === 'bool') return c.value;
  if (c.kind === 'number') return c.value === '1' ? true : c.value === '0' ? false : undefined;
  if (c.kind !== 'string') return undefined;
  const v = c.value.trim().toLowerCase();
  if (v === '') return undefined;
  if ('true'.startsWith(v) || 'yes'.startsWith(v) || v === 'on' || v === '1') return true;
  if ('false'.startsWith(v) || 'no'.startsWith(v) || v === 'off' || v === 'of' || v === '0') return false;
  return undefined;
}

/** The number of a bind parameter (`$1`), or undefined for anything else. */
export function paramNumber(node: Node | undefined): number | undefined {
  const p = nodeOf(node, 'ParamRef');
  return p ? Number(p.number ?? 0) : undefined;
}

/**
 * The arguments of set_config / current_setting. PostgreSQL declares them without argument
 * names (proargnames is null), so a call with `name => value` arguments fails: no fact.
 */
export function positionalArgs(args: readonly Node[] | undefined): ReadonlyArray<Node | undefined> {
  if (!args || args.some((arg) => nodeOf(arg, 'NamedArgExpr'))) return [];
  return args;
}

/** `{ schema, name }` of a called function, lowercased; schema undefined when unqualified, undefined when a part is not a name. */
export function functionNameOf(funcname: readonly Node[] | undefined): { schema: string | undefined; name: string } | undefined {
  if (!funcname || funcname.length === 0) return undefined;
  const parts: string[] = [];
  for (const part of funcname) {
    const text = stringValue(part);
    if (text === undefined) return undefined;
    parts.push(text.toLowerCase());
  }
  return { schema: parts.length > 1 ? parts[parts.length - 2] : undefined, name: parts[parts.length - 1] as string };
}
