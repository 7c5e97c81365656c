/**
 * Parsing with PostgreSQL's own parser into statements with exact ranges. `analyzeSql` builds
 * on this; other packages that need the raw parse tree (a schema model) use it directly so
 * that the text is parsed once.
 */
import { codePointOffset, LineIndex } from './source-text.js';
import type { SourceRange } from './source-text.js';
import type { SqlSyntaxError } from './session-facts.js';
import { skipTrivia, statementSpans } from './sql-lexer.js';
import { SqlSnippet } from './sql-snippet.js';
import { checkSyntaxRaw, isRawParseError, parseRaw } from './wasm-parser.js';

/** Where a `${…}` of a JavaScript template literal stands in the text (UTF-16 offsets, end exclusive). */
export interface TemplateHole {
  start: number;
  end: number;
}

/** Options for `parseSql` and `analyzeSql`. */
export interface ParseOptions {
  /**
   * The `${…}` holes of a template literal. Each is parsed as a bind parameter (`$n`, padded with
   * blanks to the hole's length, so no position shifts); a hole must therefore stand where a
   * value may stand. Facts whose value contains a hole report it as `interpolated`.
   */
  holes?: readonly TemplateHole[];
}

/** Options for `parseSql` alone. */
export interface ParseSqlOptions extends ParseOptions {
  /**
   * For callers that need the trees of some statements only (a schema model skips DML): given the
   * text and a statement's range, true when its tree is not wanted. Such statements are still
   * checked for syntax errors (in one parser call, without building a tree) and their ranges are
   * listed in `skipped`; the others are parsed as usual, at their usual positions. Ignored with
   * `holes`, and for text with `BEGIN ATOMIC` bodies (whose inner semicolons a split would cut at).
   * A syntax error anywhere makes it parse the whole text, so errors are the same as without it.
   */
  skipTree?: (text: string, range: SourceRange) => boolean;
}

/** One parsed statement: PostgreSQL's node type, the node itself (JSON form) and its range. */
export interface ParsedStatement {
  type: string;
  node: Record<string, unknown>;
  range: SourceRange;
}

/** The result of `parseSql`. */
export interface ParsedSql {
  /** The text as given. */
  text: string;
  /** The text the parser saw (holes replaced by parameters of the same length). */
  sql: string;
  statements: ParsedStatement[];
  error: SqlSyntaxError | null;
  /** Parameter numbers that stand for template holes, and where the holes are in `text`. */
  holeParameters: ReadonlySet<number>;
  holes: readonly TemplateHole[];
  /** The parsed text with its offset mapping and tokens. */
  snippet: SqlSnippet;
  /** Statements that `skipTree` declined: checked for syntax, not in `statements`. In text order. */
  skipped: SourceRange[];
}

/** Replaces each hole by `$n` plus blanks; returns null and a message when a hole cannot hold one. */
function fillHoles(text: string, holes: readonly TemplateHole[]): { sql: string; numbers: Set<number> } | string {
  let highest = 0;
  for (const match of text.matchAll(/\$(\d+)/g)) highest = Math.max(highest, Number(match[1]));
  const sorted = [...holes].sort((a, b) => a.start - b.start);
  let sql = '';
  let at = 0;
  const numbers = new Set<number>();
  for (const hole of sorted) {
    if (hole.start < at || hole.end > text.length || hole.end <= hole.start) {
      return `template hole [${hole.start}, ${hole.end}) is out of order or outside the text`;
    }
    const placeholder = `$${++highest}`;
    if (placeholder.length > hole.end - hole.start) {
      return `template hole [${hole.start}, ${hole.end}) is too short for the placeholder ${placeholder}`;
    }
    numbers.add(highest);
    sql += text.slice(at, hole.start) + placeholder.padEnd(hole.end - hole.start, ' ');
    at = hole.end;
  }
  return { sql: sql + text.slice(at), numbers };
}

/** Drops trailing blanks (PostgreSQL's statement length runs up to the semicolon). */
function trimEnd(sql: string, start: number, end: number): number {
  while (end > start && /\s/.test(sql[end - 1] as string)) end--;
  return end;
}

function syntaxError(text: string, message: string, offset: number): SqlSyntaxError {
  const position = new LineIndex(text).positionAt(offset);
  return { message, offset: Math.min(Math.max(0, offset), text.length), line: position.line, column: position.column };
}

/**
 * Parses `sql` (already hole-free) as a snippet whose offsets map to the analyzed text through
 * `toOuter`, and lists its statements. Used for the analyzed text and for nested bodies.
 */
export function parseSnippet(
  snippet: SqlSnippet,
): { statements: ParsedStatement[] } | { error: { message: string; offset: number } } {
  const sql = snippet.sql;
  if (sql.trim() === '') return { statements: [] };
  const raw = parseRaw(sql);
  if (isRawParseError(raw)) {
    return { error: { message: raw.message, offset: codePointOffset(sql, raw.cursorPosition ?? 0) } };
  }
  const statements: ParsedStatement[] = [];
  for (const entry of raw.stmts ?? []) {
    const stmt = entry.stmt as unknown as Record<string, Record<string, unknown>>;
    const type = Object.keys(stmt)[0] as string;
    const byteStart = entry.stmt_location ?? 0;
    const start = snippet.offset(byteStart);
    const end = entry.stmt_len ? snippet.offset(byteStart + entry.stmt_len) : sql.length;
    const trimmedStart = skipTrivia(sql, start, end);
    statements.push({
      type,
      node: stmt[type] as Record<string, unknown>,
      range: { start: trimmedStart, end: trimEnd(sql, trimmedStart, end) },
    });
  }
  return { statements };
}

/**
 * Parses SQL text with PostgreSQL's parser. Never throws for bad input: text that does not parse
 * yields `error` with a message and a 1-based line and column. Ranges are UTF-16 offsets of `text`.
 */
export function parseSql(text: string, options: ParseSqlOptions = {}): ParsedSql {
  let sql = text;
  let holeParameters = new Set<number>();
  const holes = options.holes ?? [];
  if (options.holes && options.holes.length > 0) {
    const filled = fillHoles(text, options.holes);
    if (typeof filled === 'string') {
      const snippet = new SqlSnippet(text, (k) => k);
      return { text, sql, statements: [], error: syntaxError(text, filled, 0), holeParameters, holes, snippet, skipped: [] };
    }
    sql = filled.sql;
    holeParameters = filled.numbers;
  }
  if (options.skipTree && holes.length === 0) {
    const partial = parseSkipping(text, options.skipTree);
    if (partial) return partial;
  }
  const snippet = new SqlSnippet(sql, (k) => k);
  const parsed = parseSnippet(snippet);
  if ('error' in parsed) {
    return {
      text,
      sql,
      statements: [],
      error: syntaxError(text, parsed.error.message, parsed.error.offset),
      holeParameters,
      holes,
      snippet,
      skipped: [],
    };
  }
  return { text, sql, statements: parsed.statements, error: null, holeParameters, holes, snippet, skipped: [] };
}

const BEGIN_ATOMIC = /\batomic\b/i;

/**
 * `parseSql` with `skipTree`: the statements whose trees are wanted are parsed in a copy of the
 * text where the others are blanked (same length, so every offset stays), and the others are
 * checked for syntax in one call. Null when nothing is skipped or anything fails to parse.
 */
function parseSkipping(text: string, skipTree: NonNullable<ParseSqlOptions['skipTree']>): ParsedSql | null {
  if (BEGIN_ATOMIC.test(text)) return null;
  const skipped: SourceRange[] = [];
  for (const span of statementSpans(text)) {
    const start = skipTrivia(text, span.start, span.end);
    const end = trimEnd(text, start, span.end);
    if (start < end && skipTree(text, { start, end })) skipped.push({ start, end });
  }
  if (skipped.length === 0) return null;
  // A newline before each semicolon ends a trailing line comment.
  const checked = checkSyntaxRaw(skipped.map((range) => text.slice(range.start, range.end)).join('\n;\n'));
  if (checked !== true) return null;
  const sql = blankRanges(text, skipped);
  const snippet = new SqlSnippet(sql, (k) => k);
  const parsed = parseSnippet(snippet);
  if ('error' in parsed) return null;
  return { text, sql, statements: parsed.statements, error: null, holeParameters: new Set(), holes: [], snippet, skipped };
}

/** `text` with each range (in order, not overlapping) replaced by as many blanks. */
function blankRanges(text: string, ranges: readonly SourceRange[]): string {
  if (ranges.length === 0) return text;
  let sql = '';
  let at = 0;
  for (const range of ranges) {
    sql += text.slice(at, range.start) + ' '.repeat(range.end - range.start);
    at = range.end;
  }
  return sql + text.slice(at);
}

/**
 * A hole-free parse of `text` put back together from its statements and its `skipped` ranges (as
 * `parseSql` with `skipTree` returned them), for a caller that kept them apart from the text: a
 * worker thread's or an on-disk cache's result.
 */
export function restoreParsedSql(text: string, statements: ParsedStatement[], skipped: SourceRange[]): ParsedSql {
  const sql = blankRanges(text, skipped);
  return { text, sql, statements, error: null, holeParameters: new Set(), holes: [], snippet: new SqlSnippet(sql, (k) => k), skipped };
}
