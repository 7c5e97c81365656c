/**
 * The parse tree gives an expression's first token but not its end. A policy's USING and
 * WITH CHECK are always in parentheses, so the expression is what lies between the opening
 * parenthesis before its first token and the matching closing one.
 */
import { sqlTokens } from '@tenant-scope/sql-analyzer';
import type { SourceRange } from '@tenant-scope/sql-analyzer';

/**
 * The range inside the parentheses that enclose the expression whose first token is at
 * `firstToken` (the outermost of any run of opening parentheses before it), or null when the
 * expression is not parenthesized.
 */
export function parenthesizedRange(text: string, firstToken: number, limit: number): SourceRange | null {
  let open = -1;
  for (let i = firstToken - 1; i >= 0; i--) {
    const c = text[i] as string;
    if (c === '(') open = i;
    else if (!/\s/.test(c)) break;
  }
  if (open === -1) return null;
  let depth = 0;
  for (const token of sqlTokens(text, open, limit)) {
    if (token.lower === '(') depth++;
    else if (token.lower === ')' && --depth === 0) return { start: open + 1, end: token.start };
  }
  return null;
}
