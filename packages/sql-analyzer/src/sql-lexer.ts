/**
 * A small lexer for locating things the parse tree gives no end position for: the closing
 * parenthesis of a call, the name in a SET, a string literal's extent. It follows PostgreSQL's
 * lexical rules (scan.l) for comments, quoting and dollar quotes; it does not classify keywords.
 * libpg-query's own scanner would do, but it returns a JSON token list that costs more than
 * parsing the statement, and these lookups run on every statement that produced a fact.
 */

/** A token with UTF-16 offsets; `lower` is the lowercased text. */
export interface SqlToken {
  start: number;
  end: number;
  lower: string;
  /** `SCONST` (any string literal), `IDENT` (identifier, keyword, quoted identifier), `PARAM`, `NUMBER`, `OP`, or the punctuation itself. */
  tokenName: string;
}

const isLetter = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 0x80;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isIdentChar = (c: number) => isLetter(c) || isDigit(c) || c === 36;
const OPERATOR_CHARS = '+-*/<>=~!@#%^&|`?';
const isOpChar = (c: number) => c < 128 && OPERATOR_CHARS.includes(String.fromCharCode(c));
const dollarTag = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

function quotedEnd(sql: string, open: number, quote: string, backslashEscapes: boolean): number {
  for (let i = open + 1; i < sql.length; i++) {
    const ch = sql[i];
    if (backslashEscapes && ch === '\\') i++;
    else if (ch === quote) {
      if (sql[i + 1] === quote) i++;
      else return i + 1;
    }
  }
  return sql.length;
}

/** Where the comment or blanks starting at `pos` end (or `pos` when none starts there). */
function skipTrivia(sql: string, pos: number, end: number): number {
  while (pos < end) {
    const ch = sql.charCodeAt(pos);
    if (ch === 32 || (ch >= 9 && ch <= 13)) pos++;
    else if (ch === 45 && sql.charCodeAt(pos + 1) === 45) {
      const eol = sql.indexOf('\n', pos);
      pos = eol === -1 ? end : eol + 1;
    } else if (ch === 47 && sql.charCodeAt(pos + 1) === 42) {
      let depth = 1;
      pos += 2;
      while (pos < end && depth > 0) {
        if (sql.startsWith('/*', pos)) {
          depth++;
          pos += 2;
        } else if (sql.startsWith('*/', pos)) {
          depth--;
          pos += 2;
        } else pos++;
      }
    } else break;
  }
  return Math.min(pos, end);
}

export { skipTrivia };

/**
 * Where the quoted token starting at `start` ends: a string literal (`'…'`, `E'…'`, `B'…'`,
 * `X'…'`, `N'…'`, `U&'…'`), a quoted identifier (`"…"`, `U&"…"`) or a dollar quote. -1 when none
 * starts there. `start` must be a token boundary (not inside an identifier).
 */
function quotedTokenEnd(sql: string, start: number): number {
  const c = sql.charCodeAt(start);
  const next = sql.charCodeAt(start + 1);
  if (c === 39) return quotedEnd(sql, start, "'", false);
  if (c === 34) return quotedEnd(sql, start, '"', false);
  if (next === 39 && (c === 101 || c === 69)) return quotedEnd(sql, start + 1, "'", true);
  if (next === 39 && 'bBxXnN'.includes(sql[start] as string)) return quotedEnd(sql, start + 1, "'", false);
  if ((c === 117 || c === 85) && next === 38) {
    const quote = sql[start + 2];
    if (quote === "'" || quote === '"') return quotedEnd(sql, start + 2, quote, false);
  }
  if (c === 36) {
    dollarTag.lastIndex = start;
    const tag = dollarTag.exec(sql);
    if (tag) {
      const close = sql.indexOf(tag[0], start + tag[0].length);
      return close === -1 ? sql.length : close + tag[0].length;
    }
  }
  return -1;
}

/** The token starting at `start` (which must not be blank or a comment). */
function tokenAt(sql: string, start: number): SqlToken {
  const ch = sql[start] as string;
  const next = sql[start + 1] ?? '';
  let end = start + 1;
  let tokenName = ch;
  const quoted = quotedTokenEnd(sql, start);
  if (quoted !== -1) {
    end = quoted;
    const identifier = ch === '"' || (next === '&' && sql[start + 2] === '"');
    tokenName = identifier ? 'IDENT' : 'SCONST';
  } else if (ch === '$') {
    while (end < sql.length && isDigit(sql.charCodeAt(end))) end++;
    tokenName = 'PARAM';
  } else if (isLetter(sql.charCodeAt(start))) {
    while (end < sql.length && isIdentChar(sql.charCodeAt(end))) end++;
    tokenName = 'IDENT';
  } else if (isDigit(sql.charCodeAt(start)) || (ch === '.' && isDigit(sql.charCodeAt(start + 1)))) {
    while (end < sql.length && (isIdentChar(sql.charCodeAt(end)) || sql[end] === '.')) {
      if (sql[end] === '.' && sql[end + 1] === '.') break;
      end++;
    }
    tokenName = 'NUMBER';
  } else if (ch === ':' && (next === ':' || next === '=')) {
    end = start + 2;
    tokenName = 'OP';
  } else if (isOpChar(sql.charCodeAt(start))) {
    while (end < sql.length && isOpChar(sql.charCodeAt(end)) && !sql.startsWith('--', end) && !sql.startsWith('/*', end)) end++;
    tokenName = 'OP';
  }
  return { start, end, lower: sql.slice(start, end).toLowerCase(), tokenName };
}

/**
 * The statements of `sql`, split at top-level semicolons: each span runs from just after the
 * previous semicolon up to (not including) its own, the last one to the end of the text. It
 * follows the lexical rules of `sqlTokens` (quotes, dollar quotes, comments) without building
 * tokens. It does not know `BEGIN ATOMIC … END` bodies, whose inner semicolons it splits at.
 */
export function statementSpans(sql: string): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  const n = sql.length;
  let start = 0;
  let pos = 0;
  while (pos < n) {
    const c = sql.charCodeAt(pos);
    if (c === 59) {
      spans.push({ start, end: pos });
      start = ++pos;
    } else if (c === 32 || (c >= 9 && c <= 13) || c === 45 || c === 47) {
      const after = skipTrivia(sql, pos, n);
      pos = after === pos ? pos + 1 : after;
    } else if (isLetter(c) || isDigit(c) || c === 39 || c === 34 || c === 36) {
      const quoted = quotedTokenEnd(sql, pos);
      if (quoted !== -1) pos = quoted;
      else if (c === 36) pos++;
      else {
        pos++;
        while (pos < n && isIdentChar(sql.charCodeAt(pos))) pos++;
      }
    } else pos++;
  }
  spans.push({ start, end: n });
  return spans;
}

/** The tokens of `sql` from `start` up to `end`, comments and blanks left out. */
export function* sqlTokens(sql: string, start: number, end: number = sql.length): Generator<SqlToken> {
  let pos = skipTrivia(sql, start, end);
  while (pos < end) {
    const token = tokenAt(sql, pos);
    yield token;
    pos = skipTrivia(sql, token.end, end);
  }
}
