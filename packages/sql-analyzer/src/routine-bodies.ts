/**
 * Locating the bodies of DO blocks and CREATE FUNCTION/PROCEDURE statements in the text, and
 * the SQL expressions inside a PL/pgSQL body, so facts found there map back to where they are.
 */
import { LineIndex } from './source-text.js';
import type { SqlSnippet } from './sql-snippet.js';
import { stringLiteralContent } from './sql-snippet.js';

type JsonObject = Record<string, unknown>;

/** A routine body written as a string literal, with a map from body offsets to snippet offsets. */
export interface RoutineBody {
  language: string;
  content: string;
  toSnippet: (bodyOffset: number) => number;
}

/** Reads `LANGUAGE` and the `AS '…'` body from a DoStmt's args or a CreateFunctionStmt's options. */
export function findRoutineBody(
  snippet: SqlSnippet,
  defElems: unknown,
  defaultLanguage: string,
  statementEnd: number,
): RoutineBody | null {
  if (!Array.isArray(defElems)) return null;
  let language = defaultLanguage;
  let body: { sval: string; location: number } | null = null;
  for (const wrapper of defElems as JsonObject[]) {
    const def = wrapper.DefElem as JsonObject | undefined;
    if (!def) continue;
    const arg = def.arg as JsonObject | undefined;
    if (def.defname === 'language') {
      const sval = (arg?.String as JsonObject | undefined)?.sval;
      if (typeof sval === 'string') language = sval.toLowerCase();
    } else if (def.defname === 'as') {
      // DO: a String; CREATE FUNCTION: a List of one String (two for C functions: file and symbol).
      const items = (arg?.List as JsonObject | undefined)?.items as JsonObject[] | undefined;
      const single = items ? (items.length === 1 ? items[0] : undefined) : arg;
      const sval = (single?.String as JsonObject | undefined)?.sval;
      if (typeof sval === 'string') body = { sval, location: typeof def.location === 'number' ? def.location : 0 };
    }
  }
  if (!body) return null;
  const from = snippet.offset(Math.max(0, body.location));
  for (const token of snippet.tokens(from, statementEnd)) {
    if (token.tokenName !== 'SCONST') continue;
    const literal = stringLiteralContent(snippet.sql.slice(token.start, token.end));
    if (!literal || literal.content !== body.sval) continue;
    const start = token.start;
    return { language, content: body.sval, toSnippet: (k) => start + literal.map(k) };
  }
  // The literal could not be found (unusual quoting): facts point at the body's keyword.
  return { language, content: body.sval, toSnippet: () => from };
}

/** One SQL expression of a PL/pgSQL body, ready to parse on its own. */
export interface PlPgSqlExpression {
  /** The text to give the SQL parser (PL/pgSQL expressions are parsed as `SELECT expr`). */
  parseText: string;
  /** Maps an offset in `parseText` to an offset in the body. */
  toBody: (offset: number) => number;
  /** The query of an `EXECUTE`: when it is a string literal, that string is SQL too. */
  isDynamicQuery: boolean;
  /** The `PLpgSQL_expr` node of the body's tree it was read from (for readers that follow the control flow). */
  node: JsonObject;
  /** Which errors raised by the expression a surrounding block catches and answers failing closed, if any. */
  caught: CaughtErrors | undefined;
}

/**
 * Errors of an expression that an enclosing `BEGIN … EXCEPTION` block catches, answering with
 * `RETURN NULL` or `RETURN false` (it fails closed): every error (`WHEN OTHERS`), or data errors
 * only (`WHEN data_exception`, `invalid_text_representation`, `invalid_datetime_format`: what a
 * cast of '' raises).
 */
export type CaughtErrors = 'any-error' | 'data-error';

const DATA_ERRORS = new Set(['data_exception', 'invalid_text_representation', 'invalid_datetime_format']);
const FAILS_CLOSED = /^\s*(?:null|false)\s*(?:::\s*[\w\s."]+)?$/i;

/** Whether a handler's statements are only `RETURN NULL` / `RETURN false` (possibly cast). */
function returnsClosed(action: unknown): boolean {
  if (!Array.isArray(action) || action.length === 0) return false;
  return action.every((statement) => {
    const ret = (statement as JsonObject | null)?.PLpgSQL_stmt_return as JsonObject | undefined;
    const query = ((ret?.expr as JsonObject | undefined)?.PLpgSQL_expr as JsonObject | undefined)?.query;
    return typeof query === 'string' && FAILS_CLOSED.test(query);
  });
}

/** What a block's EXCEPTION clause catches and answers failing closed (the first handler that matches an error decides). */
function blockCatches(block: JsonObject): CaughtErrors | undefined {
  const handlers = ((block.exceptions as JsonObject | undefined)?.PLpgSQL_exception_block as JsonObject | undefined)?.exc_list;
  if (!Array.isArray(handlers)) return undefined;
  let data = false;
  for (const handler of handlers) {
    const exception = (handler as JsonObject | null)?.PLpgSQL_exception as JsonObject | undefined;
    const names = ((exception?.conditions as unknown[] | undefined) ?? []).map((c) => String(((c as JsonObject).PLpgSQL_condition as JsonObject | undefined)?.condname ?? '').toLowerCase());
    const closed = returnsClosed(exception?.action);
    if (names.includes('others')) return closed ? 'any-error' : data ? 'data-error' : undefined;
    if (names.some((name) => DATA_ERRORS.has(name)) && closed) data = true;
  }
  return data ? 'data-error' : undefined;
}

interface RawExpression {
  caught: CaughtErrors | undefined;
  query: string;
  parseMode: number;
  lineno: number;
  statement: string;
  node: JsonObject;
}

function collectExpressions(node: unknown, lineno: number, statement: string, out: RawExpression[], caught?: CaughtErrors): void {
  if (Array.isArray(node)) {
    for (const item of node) collectExpressions(item, lineno, statement, out, caught);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as JsonObject)) {
    if (key === 'PLpgSQL_expr') {
      const expr = value as JsonObject;
      if (typeof expr.query === 'string') {
        out.push({ query: expr.query, parseMode: Number(expr.parseMode ?? 0), lineno, statement, node: expr, caught });
      }
    } else if (key === 'PLpgSQL_stmt_block') {
      // The block's own statements run under its handlers; the handlers' statements do not.
      const block = value as JsonObject;
      const at = typeof block?.lineno === 'number' ? block.lineno : lineno;
      const inner = blockCatches(block);
      collectExpressions(block.body, at, key, out, inner === 'any-error' || caught === 'any-error' ? 'any-error' : (inner ?? caught));
      collectExpressions(block.exceptions, at, key, out, caught);
    } else if (key.startsWith('PLpgSQL_')) {
      const body = value as JsonObject;
      collectExpressions(body, typeof body?.lineno === 'number' ? body.lineno : lineno, key, out, caught);
    } else if (key === 'query' && statement === 'PLpgSQL_stmt_dynexecute') {
      collectExpressions(value, lineno, 'dynexecute-query', out, caught);
    } else collectExpressions(value, lineno, statement, out, caught);
  }
}

// PL/pgSQL's parse modes (parser.h RawParseMode): 0 is a whole statement, 2 an expression,
// 3 to 5 the forms of `target := expression`.
const EXPRESSION_MODE = 2;
const SELECT = 'SELECT ';

/**
 * The SQL expressions of one PL/pgSQL function (the JSON of `parsePlPgSQL`), each located in `body`.
 * PL/pgSQL keeps each expression's text as written, except that PERFORM becomes SELECT.
 */
export function plpgsqlExpressions(func: JsonObject, body: string): PlPgSqlExpression[] {
  const raw: RawExpression[] = [];
  collectExpressions(func, 1, 'function', raw);
  const lines = new LineIndex(body);
  const lastEndOnLine = new Map<number, number>();
  const found: PlPgSqlExpression[] = [];
  for (const expr of raw) {
    let parseText = expr.query;
    let searchText = expr.query;
    let shift = 0;
    if (expr.statement === 'PLpgSQL_stmt_perform' && expr.query.startsWith(SELECT)) {
      searchText = expr.query.slice(SELECT.length);
      shift = SELECT.length;
    } else if (expr.parseMode === EXPRESSION_MODE) {
      parseText = SELECT + expr.query;
      shift = SELECT.length;
    } else if (expr.parseMode >= 3 && expr.parseMode <= 5) {
      const assign = /:=|=/.exec(expr.query);
      const rhs = assign ? assign.index + assign[0].length : 0;
      parseText = SELECT + expr.query.slice(rhs);
      shift = SELECT.length - rhs;
    }
    const lineStart = lines.lineStart(expr.lineno);
    const from = Math.max(lineStart, lastEndOnLine.get(expr.lineno) ?? 0);
    let at = body.indexOf(searchText, from);
    if (at === -1) at = body.indexOf(searchText);
    if (at === -1) at = lineStart;
    else lastEndOnLine.set(expr.lineno, at + searchText.length);
    const anchor = at;
    const length = searchText.length;
    found.push({
      parseText,
      toBody: (k) => Math.min(anchor + length, Math.max(anchor, anchor + k - shift)),
      isDynamicQuery: expr.statement === 'dynexecute-query',
      node: expr.node,
      caught: expr.caught,
    });
  }
  return found;
}
