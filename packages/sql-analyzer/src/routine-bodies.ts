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
}

interface RawExpression {
  query: string;
  parseMode: number;
  lineno: number;
  statement: string;
  node: JsonObject;
}

function collectExpressions(node: unknown, lineno: number, statement: string, out: RawExpression[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectExpressions(item, lineno, statement, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as JsonObject)) {
    if (key === 'PLpgSQL_expr') {
      const expr = value as JsonObject;
      if (typeof expr.query === 'string') {
        out.push({ query: expr.query, parseMode: Number(expr.parseMode ?? 0), lineno, statement, node: expr });
      }
    } else if (key.startsWith('PLpgSQL_')) {
      const body = value as JsonObject;
      collectExpressions(body, typeof body?.lineno === 'number' ? body.lineno : lineno, key, out);
    } else if (key === 'query' && statement === 'PLpgSQL_stmt_dynexecute') {
      collectExpressions(value, lineno, 'dynexecute-query', out);
    } else collectExpressions(value, lineno, statement, out);
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
    });
  }
  return found;
}
