/**
 * The parse tree gives an expression's first token but not its end. A policy's USING and
 * WITH CHECK are always in parentheses, so the expression is what lies between the opening
 * parenthesis before its first token and the matching closing one.
 */
import type { SourceRange } from '@tenant-scope/sql-analyzer';

/** Offset just past a quoted string, identifier, comment or dollar quote starting at `at`, or `at` when none starts there. */
function skipQuoted(text: string, at: number): number {
  const c = text[at];
  if (c === "'" || c === '"') {
    let i = at + 1;
    while (i < text.length) {
      if (text[i] === c) {
        if (text[i + 1] === c) i += 2;
        else return i + 1;
      } else i++;
    }
    return text.length;
  }
  if (c === '-' && text[at + 1] === '-') {
    const nl = text.indexOf('\n', at);
    return nl === -1 ? text.length : nl + 1;
  }
  if (c === '/' && text[at + 1] === '*') {
    let depth = 1;
    let i = at + 2;
    while (i < text.length && depth > 0) {
      if (text.startsWith('/*', i)) {
        depth++;
        i += 2;
      } else if (text.startsWith('*/', i)) {
        depth--;
        i += 2;
      } else i++;
    }
    return i;
  }
  if (c === '$') {
    const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(at, at + 64));
    if (tag && !/[A-Za-z0-9_]/.test(text[at - 1] ?? '')) {
      const close = text.indexOf(tag[0], at + tag[0].length);
      return close === -1 ? text.length : close + tag[0].length;
    }
  }
  return at;
}

/**
 * The range inside the parentheses that enclose the expression whose first token is at
 * `firstToken` (the outermost of any run of opening parentheses before it), or null when the
 * expression is not parenthesized.
 */
export function parenthesizedRange(text: string, firstToken: number, limit: number): SourceRange | null {
  let open = -1;
  let i = firstToken - 1;
  while (i >= 0) {
    const c = text[i] as string;
    if (c === '(') open = i;
    else if (!/\s/.test(c)) break;
    i--;
  }
  if (open === -1) return null;
  let depth = 0;
  let at = open;
  while (at < limit) {
    const skipped = skipQuoted(text, at);
    if (skipped !== at) {
      at = skipped;
      continue;
    }
    const c = text[at];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return { start: open + 1, end: at };
    }
    at++;
  }
  return null;
}
