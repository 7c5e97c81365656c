/**
 * A piece of SQL that was parsed on its own (the analyzed text, a statement's function body,
 * one PL/pgSQL expression, the string of an EXECUTE) and how its offsets map back to the
 * analyzed text, so that every fact is reported where the user wrote it.
 */
import { createByteOffsetMap } from './source-text.js';
import type { ByteOffsetMap, SourceRange } from './source-text.js';
import { isRawParseError, scanRaw } from './wasm-parser.js';

/** A lexer token with UTF-16 offsets into its snippet. */
export interface SnippetToken {
  start: number;
  end: number;
  /** Lowercased token text. */
  lower: string;
  tokenName: string;
}

const trivia = new Set(['SQL_COMMENT', 'C_COMMENT']);

export class SqlSnippet {
  private readonly bytes: ByteOffsetMap;
  private tokenList: SnippetToken[] | undefined;

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

  /** The lexer's tokens, comments left out; scanned on first use. */
  tokens(): SnippetToken[] {
    if (this.tokenList) return this.tokenList;
    const raw = scanRaw(this.sql);
    this.tokenList = isRawParseError(raw)
      ? []
      : raw
          .filter((t) => !trivia.has(t.tokenName))
          .map((t) => ({
            start: this.offset(t.start),
            end: this.offset(t.end),
            lower: t.text.toLowerCase(),
            tokenName: t.tokenName,
          }));
    return this.tokenList;
  }

  /** Index of the first token starting at or after `offset` (tokens.length if none). */
  tokenIndexAt(offset: number): number {
    const tokens = this.tokens();
    let lo = 0;
    let hi = tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((tokens[mid] as SnippetToken).start < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** End offset of the token that starts at `offset`, or `offset` if none does. */
  tokenEndAt(offset: number): number {
    const token = this.tokens()[this.tokenIndexAt(offset)];
    return token && token.start === offset ? token.end : offset;
  }

  /**
   * The parenthesized argument list of a call whose name starts at `nameStart`: the call's end
   * and each argument's range, split at top-level commas. Null when the tokens do not show one.
   */
  callExtent(nameStart: number): { end: number; args: SourceRange[] } | null {
    const tokens = this.tokens();
    let i = this.tokenIndexAt(nameStart);
    while (i < tokens.length && (tokens[i] as SnippetToken).lower !== '(') i++;
    if (i >= tokens.length) return null;
    const args: SourceRange[] = [];
    let depth = 0;
    let argStart = -1;
    let argEnd = -1;
    for (; i < tokens.length; i++) {
      const token = tokens[i] as SnippetToken;
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
