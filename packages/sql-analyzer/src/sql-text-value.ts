/**
 * The text an SQL expression evaluates to, when the text alone decides it: string constants,
 * variables bound to known texts, `||`, `format`, `concat`, `quote_ident`, `quote_literal`.
 * Used to read the SQL a PL/pgSQL `EXECUTE` runs and the values a loop goes through.
 */
import { constantText, nameParts, nodeOf, unwrapNode } from './parse-tree-nodes.js';

/** Known values of PL/pgSQL variables by lowercased name (a record variable stands for its one column). */
export type TextBindings = ReadonlyMap<string, string>;

/** `quote_ident`: always quoted, which the parser reads exactly as the bare name when that would do. */
function quoteIdent(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

const FORMAT_SPEC = /%(?:(\d+)\$)?([-]?)(\d+|\*)?([sIL%])?/g;

/** PostgreSQL's `format(fmt, args…)` for `%s`, `%I`, `%L`, `%%` and `%n$…`; undefined for widths or a missing argument. */
function formatText(fmt: string, args: readonly string[]): string | undefined {
  let next = 0;
  let failed = false;
  const out = fmt.replace(FORMAT_SPEC, (_, position: string | undefined, flag: string, width: string | undefined, type: string | undefined) => {
    if (type === '%' && position === undefined && !flag && width === undefined) return '%';
    if (type === undefined || type === '%' || flag || width !== undefined) {
      failed = true;
      return '';
    }
    const index = position === undefined ? next : Number(position) - 1;
    next = index + 1;
    const arg = args[index];
    if (arg === undefined) {
      failed = true;
      return '';
    }
    return type === 'I' ? quoteIdent(arg) : type === 'L' ? quoteLiteral(arg) : arg;
  });
  return failed ? undefined : out;
}

function functionValue(name: string, args: readonly unknown[], bindings: TextBindings): string | undefined {
  const values = args.map((a) => sqlTextValue(a, bindings));
  if (values.some((v) => v === undefined)) return undefined;
  const texts = values as string[];
  switch (name) {
    case 'format':
      return texts.length > 0 ? formatText(texts[0] as string, texts.slice(1)) : undefined;
    case 'concat':
      return texts.join('');
    case 'quote_ident':
      return texts.length === 1 ? quoteIdent(texts[0] as string) : undefined;
    case 'quote_literal':
    case 'quote_nullable':
      return texts.length === 1 ? quoteLiteral(texts[0] as string) : undefined;
    default:
      return undefined;
  }
}

/** The text `node` evaluates to, or undefined when the text alone does not decide it. */
export function sqlTextValue(node: unknown, bindings: TextBindings): string | undefined {
  const entry = unwrapNode(node);
  if (!entry) return undefined;
  switch (entry.type) {
    case 'A_Const':
      return entry.body.isnull ? undefined : constantText(node);
    case 'TypeCast':
      return entry.body.typeName?.arrayBounds ? undefined : sqlTextValue(entry.body.arg, bindings);
    case 'ColumnRef': {
      const fields = nameParts(entry.body.fields).map((f) => f.toLowerCase());
      // `t` for a variable, `r.column` for the one column of a record variable.
      return fields.length <= 2 ? bindings.get(fields[0] as string) : undefined;
    }
    case 'A_Expr': {
      if (entry.body.kind !== 'AEXPR_OP' || nameParts(entry.body.name).join('.') !== '||') return undefined;
      const left = sqlTextValue(entry.body.lexpr, bindings);
      const right = sqlTextValue(entry.body.rexpr, bindings);
      return left === undefined || right === undefined ? undefined : left + right;
    }
    case 'FuncCall': {
      const parts = nameParts(entry.body.funcname).map((p) => p.toLowerCase());
      if (parts.length > 2 || (parts.length === 2 && parts[0] !== 'pg_catalog')) return undefined;
      return functionValue(parts[parts.length - 1] ?? '', entry.body.args ?? [], bindings);
    }
    default:
      return undefined;
  }
}

/** The elements of an array literal written `'{a,b,"c d"}'` (one dimension, no NULL), or undefined. */
export function arrayLiteralElements(text: string): string[] | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return undefined;
  const inner = trimmed.slice(1, -1);
  if (inner.trim() === '') return [];
  const elements: string[] = [];
  let i = 0;
  const skipBlanks = (): void => {
    while (i < inner.length && /\s/.test(inner[i] as string)) i++;
  };
  for (;;) {
    skipBlanks();
    let value = '';
    if (inner[i] === '"') {
      for (i++; i < inner.length && inner[i] !== '"'; i++) {
        if (inner[i] === '\\') i++;
        value += inner[i] ?? '';
      }
      if (inner[i] !== '"') return undefined;
      i++;
    } else {
      const start = i;
      while (i < inner.length && inner[i] !== ',') {
        if ('{}"'.includes(inner[i] as string)) return undefined;
        i++;
      }
      value = inner.slice(start, i).trim();
      if (value === '' || value.toLowerCase() === 'null') return undefined;
    }
    elements.push(value);
    skipBlanks();
    if (i >= inner.length) return elements;
    if (inner[i] !== ',') return undefined;
    i++;
  }
}

/** The texts an array expression holds (`ARRAY['a', 'b']`, `'{a,b}'::text[]`, a variable in `arrays`), or undefined. */
export function sqlArrayValues(node: unknown, bindings: TextBindings, arrays: ReadonlyMap<string, readonly string[]> = new Map()): string[] | undefined {
  const fields = nameParts(nodeOf(node, 'ColumnRef')?.fields);
  if (fields.length === 1) {
    const values = arrays.get((fields[0] as string).toLowerCase());
    return values ? [...values] : undefined;
  }
  const array = nodeOf(node, 'A_ArrayExpr');
  if (array) {
    const values = (array.elements ?? []).map((e) => sqlTextValue(e, bindings));
    return values.every((v) => v !== undefined) ? (values as string[]) : undefined;
  }
  const cast = nodeOf(node, 'TypeCast');
  if (cast?.typeName?.arrayBounds) {
    const inner = nodeOf(cast.arg, 'A_ArrayExpr') ? undefined : sqlTextValue(cast.arg, bindings);
    return inner === undefined ? sqlArrayValues(cast.arg, bindings, arrays) : arrayLiteralElements(inner);
  }
  return undefined;
}
