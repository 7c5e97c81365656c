/**
 * A piece of SQL that was parsed on its own (the analyzed text, a statement's function body,
 * one PL/pgSQL expression, the string of an EXECUTE) and how its offsets map back to the
 * analyzed text, so that every fact is reported where the user wrote it.
 */
import { createByteOffsetMap } from './source-text.js';
import type { ByteOffsetMap, SourceRange } from './source-text.js';
import { sqlTokens } from './sql-lexer.js';
import type { SqlToken } from './sql-lexer.js';

export class SqlSnippet {
  private readonly bytes: ByteOffsetMap;

  /**
   * @param sql the text given to the parser
   * @param toOuter maps a UTF-16 offset in `sql` to one in the analyzed text
   */
  constructor(
    readonly sql: string,
    readonly toOuter: (offset: number) => number,
  ) {
    this.bytes = createByteOffsetMap(sql);
  }

  /** UTF-16 offset in `sql` of a PostgreSQL byte location. */
  offset(byteLocation: number): number {
    return this.bytes.toOffset(byteLocation);
  }

  /** Maps a range of `sql` offsets to the analyzed text. */
  outerRange(start: number, end: number): SourceRange {
    const outerStart = this.toOuter(start);
    return { start: outerStart, end: Math.max(outerStart, this.toOuter(end)) };
  }

  /** The tokens from `start` (a token boundary) up to `end`, comments left out. */
  tokens(start: number, end: number): Generator<SqlToken> {
    return sqlTokens(this.sql, start, end);
  }

  /** End offset of the token that starts at `offset`. */
  tokenEndAt(offset: number): number {
    const first = sqlTokens(this.sql, offset).next();
    return first.done ? offset : first.value.end;
  }

  /**
   * The parenthesized argument list of a call whose name starts at `nameStart`: the call's end
   * and each argument's range, split at top-level commas. Null when the text shows none before `end`.
   */
  callExtent(nameStart: number, end: number): { end: number; args: SourceRange[] } | null {
    const args: SourceRange[] = [];
    let depth = 0;
    let argStart = -1;
    let argEnd = -1;
    for (const token of sqlTokens(this.sql, nameStart, end)) {
      if (token.lower === '(' || token.lower === '[') {
        depth++;
        if (depth === 1) continue;
      } else if (token.lower === ')' || token.lower === ']') {
        depth--;
        if (depth === 0) {
          if (argStart >= 0) args.push({ start: argStart, end: argEnd });
          return { end: token.end, args };
        }
      } else if (token.lower === ',' && depth === 1) {
        args.push({ start: argStart, end: argEnd });
        argStart = -1;
        continue;
      }
      if (depth === 0) continue;
      if (argStart < 0) argStart = token.start;
      argEnd = token.end;
    }
    return null;
  }
}

/**
 * The value of a string literal token and where each of its characters stands in the token:
 * `'it''s'`, `E'a\nb'`, `$tag$…$tag$`. For a `U&'…'` literal (rare in function bodies) every
 * character maps to the token's start.
 */
export function stringLiteralContent(token: string): { content: string; map: (contentOffset: number) => number } | null {
  const dollar = /^\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(token);
  if (dollar) {
    const open = dollar[0].length;
    if (!token.endsWith(dollar[0]) || token.length < open * 2) return null;
    return { content: token.slice(open, token.length - open), map: (k) => open + k };
  }
  const escaped = /^[eE]'/.test(token);
  const quote = escaped ? 1 : 0;
  if (token[quote] !== "'" || !token.endsWith("'")) {
    return /^[uU]&'/.test(token) ? { content: token, map: () => 0 } : null;
  }
  const positions: number[] = [];
  let content = '';
  for (let i = quote + 1; i < token.length - 1; i++) {
    positions.push(i);
    const ch = token[i] as string;
    if (ch === "'" && token[i + 1] === "'") {
      content += "'";
      i++;
    } else if (escaped && ch === '\\' && i + 1 < token.length - 1) {
      // Common escapes only (\n, \t, \\, \'); positions stay right for the characters around them.
      const next = token[i + 1] as string;
      content += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next === 'b' ? '\b' : next === 'f' ? '\f' : next;
      i++;
    } else content += ch;
  }
  positions.push(token.length - 1);
  return { content, map: (k) => positions[Math.max(0, Math.min(k, positions.length - 1))] as number };
}
