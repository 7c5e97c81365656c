/**
 * The SQL a DO block runs, read from its PL/pgSQL: static statements, `EXECUTE 'literal'` and
 * `EXECUTE format(…)` / `||` built from constants and loop variables, through nested blocks, loops
 * over literal arrays (`FOREACH t IN ARRAY ARRAY['a','b']`, `FOR t IN SELECT unnest(ARRAY[…])`),
 * and IF branches guarded by a catalog check (`IF NOT EXISTS (SELECT … FROM pg_policies …)`, taken
 * as passing: the block exists to apply what it guards). What the text cannot decide (any other
 * condition, a loop over a query, SQL built from unknown values) is listed, never guessed.
 */
import { parseSnippet } from './parse-sql.js';
import type { ParsedSql, ParsedStatement } from './parse-sql.js';
import { nameParts, nodeOf, unwrapNode, walkTree } from './parse-tree-nodes.js';
import { findRoutineBody, plpgsqlExpressions } from './routine-bodies.js';
import type { PlPgSqlExpression } from './routine-bodies.js';
import type { SourceRange } from './source-text.js';
import { SqlSnippet, stringLiteralContent } from './sql-snippet.js';
import { arrayLiteralElements, sqlArrayValues, sqlTextValue } from './sql-text-value.js';
import { isRawParseError, parsePlPgSqlRaw } from './wasm-parser.js';

type JsonObject = Record<string, unknown>;

/** Something in a DO block whose effect the text does not decide. */
export interface DoBlockUnresolved {
  /** `condition`: an IF/CASE other than a catalog guard; `loop`: a loop over anything but a literal list; `dynamic-sql`: EXECUTE of text built from unknown values; `body`: a body that cannot be read. */
  kind: 'condition' | 'loop' | 'dynamic-sql' | 'body';
  /** Where it is written, in the analyzed text. */
  range: SourceRange;
  /**
   * The node types of the statements it may run (`CreatePolicyStmt`, `GrantStmt`, …), read with
   * unknown values standing in as names; null when some of its SQL cannot be read even so.
   */
  statementTypes: string[] | null;
}

/** What a DO block runs. */
export interface DoBlockStatements {
  /** The SQL it runs, in order, each parsed on its own; each snippet maps offsets back into the analyzed text. */
  runs: ParsedSql[];
  unresolved: DoBlockUnresolved[];
}

interface Reader {
  located: Map<object, PlPgSqlExpression>;
  bodyToOuter: (bodyOffset: number) => number;
  datums: JsonObject[];
  bindings: Map<string, string>;
  /** Known values of array variables (`tables text[] := ARRAY['a', 'b']`). */
  arrays: Map<string, string[]>;
  runs: ParsedSql[];
  unresolved: DoBlockUnresolved[];
}

/** Bindings under which every unknown variable reads as a name, to see what kind of SQL an EXECUTE builds. */
class AnyNameBindings extends Map<string, string> {
  override get(name: string): string {
    return super.get(name) ?? 'unknown_value';
  }
}

function parsedRun(snippet: SqlSnippet, statements: ParsedStatement[]): ParsedSql {
  return { text: snippet.sql, sql: snippet.sql, statements, error: null, holeParameters: new Set(), holes: [], snippet, skipped: [] };
}

function entryOf(wrapper: unknown): [string, JsonObject] | undefined {
  if (!wrapper || typeof wrapper !== 'object') return undefined;
  const [entry] = Object.entries(wrapper as JsonObject);
  return entry && entry[1] && typeof entry[1] === 'object' ? [entry[0], entry[1] as JsonObject] : undefined;
}

function expressionOf(reader: Reader, holder: unknown): PlPgSqlExpression | undefined {
  const expr = (holder as JsonObject | undefined)?.PLpgSQL_expr;
  return expr && typeof expr === 'object' ? reader.located.get(expr) : undefined;
}

function snippetOf(reader: Reader, expr: PlPgSqlExpression): SqlSnippet {
  return new SqlSnippet(expr.parseText, (k) => reader.bodyToOuter(expr.toBody(k)));
}

function rangeOf(reader: Reader, expr: PlPgSqlExpression): SourceRange {
  return { start: reader.bodyToOuter(expr.toBody(0)), end: reader.bodyToOuter(expr.toBody(expr.parseText.length)) };
}

/** The value expression of a PL/pgSQL expression (parsed as `SELECT expr`). */
function valueNode(snippet: SqlSnippet): unknown {
  const parsed = parseSnippet(snippet);
  if ('error' in parsed || parsed.statements.length !== 1) return undefined;
  const select = parsed.statements[0]?.node as { targetList?: unknown[]; fromClause?: unknown };
  if (select.fromClause || select.targetList?.length !== 1) return undefined;
  return nodeOf(select.targetList[0], 'ResTarget')?.val;
}

function unresolved(reader: Reader, kind: DoBlockUnresolved['kind'], expr: PlPgSqlExpression | undefined, fallback: SourceRange, statementTypes: string[] | null): void {
  // Something that runs no SQL cannot change what the block does to the database.
  if (statementTypes?.length === 0) return;
  reader.unresolved.push({ kind, range: expr ? rangeOf(reader, expr) : fallback, statementTypes });
}

function parsedTypes(snippet: SqlSnippet): string[] | null {
  const parsed = parseSnippet(snippet);
  return 'error' in parsed ? null : parsed.statements.map((s) => s.type);
}

/** The SQL an EXECUTE builds, with unknown values read as names; undefined when even that is not known. */
function executeTypes(reader: Reader, expr: PlPgSqlExpression | undefined): string[] | null {
  const text = expr ? sqlTextValue(valueNode(snippetOf(reader, expr)), new AnyNameBindings(reader.bindings)) : undefined;
  return text === undefined ? null : parsedTypes(new SqlSnippet(text, () => 0));
}

/** The node types of the statements (in a branch or loop not followed) may run; null when some cannot be read. */
function statementTypesIn(reader: Reader, statements: unknown): string[] | null {
  const types: string[] = [];
  let unknown = false;
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    if (Array.isArray(value)) return value.forEach(visit);
    for (const [key, child] of Object.entries(value as JsonObject)) {
      const found =
        key === 'PLpgSQL_stmt_dynexecute'
          ? executeTypes(reader, expressionOf(reader, (child as JsonObject).query))
          : key === 'PLpgSQL_stmt_execsql'
            ? ((expr) => (expr ? parsedTypes(snippetOf(reader, expr)) : null))(expressionOf(reader, (child as JsonObject).sqlstmt))
            : undefined;
      if (found === undefined) visit(child);
      else if (found === null) unknown = true;
      else types.push(...found);
    }
  };
  visit(statements);
  return unknown ? null : [...new Set(types)];
}

function isCatalogRelation(schema: string | undefined, name: string | undefined): boolean {
  return schema === 'pg_catalog' || schema === 'information_schema' || (schema === undefined && name?.startsWith('pg_') === true);
}

/** Whether a query reads the catalog and nothing else. */
function readsOnlyCatalog(query: unknown): boolean {
  let relations = 0;
  let other = false;
  walkTree(query, (type, body) => {
    if (type !== 'RangeVar') return;
    relations++;
    if (!isCatalogRelation(body.schemaname, body.relname)) other = true;
  });
  return relations > 0 && !other;
}

/** A condition that only asks the catalog whether something exists: `[NOT] EXISTS (SELECT … FROM pg_…)`, `to_regclass('…') IS NULL`, and AND/OR/NOT of those. */
function isCatalogGuard(node: unknown): boolean {
  const entry = unwrapNode(node);
  if (!entry) return false;
  switch (entry.type) {
    case 'BoolExpr':
      return (entry.body.args ?? []).every(isCatalogGuard);
    case 'SubLink':
      return (entry.body.subLinkType === 'EXISTS_SUBLINK' || entry.body.subLinkType === 'EXPR_SUBLINK') && readsOnlyCatalog(entry.body.subselect);
    case 'A_Expr': {
      const sides = [entry.body.lexpr, entry.body.rexpr];
      return sides.some(isCatalogGuard) && sides.every((side) => isCatalogGuard(side) || nodeOf(side, 'A_Const') !== undefined);
    }
    case 'NullTest':
      return isCatalogGuard(entry.body.arg);
    case 'FuncCall': {
      const name = nameParts(entry.body.funcname).pop()?.toLowerCase() ?? '';
      return name.startsWith('to_reg') && (entry.body.args ?? []).every((a) => nodeOf(a, 'A_Const') !== undefined);
    }
    default:
      return false;
  }
}

function variableName(reader: Reader, varno: unknown): string | undefined {
  const datum = reader.datums[typeof varno === 'number' ? varno : 0];
  const [, body] = entryOf(datum) ?? [];
  return typeof body?.refname === 'string' ? body.refname.toLowerCase() : undefined;
}

function bind(reader: Reader, name: string | undefined, value: string | undefined, array?: string[]): void {
  if (name === undefined) return;
  if (value === undefined) reader.bindings.delete(name);
  else reader.bindings.set(name, value);
  if (array === undefined) reader.arrays.delete(name);
  else reader.arrays.set(name, array);
}

/** Binds a variable to what an expression (a default or the right side of `:=`) evaluates to. */
function bindExpression(reader: Reader, name: string | undefined, expr: PlPgSqlExpression | undefined): void {
  const node = expr ? valueNode(snippetOf(reader, expr)) : undefined;
  const text = sqlTextValue(node, reader.bindings);
  // A string assigned to an array variable is read as an array literal ('{a,b}').
  bind(reader, name, text, sqlArrayValues(node, reader.bindings, reader.arrays) ?? (text === undefined ? undefined : arrayLiteralElements(text)));
}

function readStatic(reader: Reader, expr: PlPgSqlExpression | undefined): void {
  if (!expr) return;
  const snippet = snippetOf(reader, expr);
  const parsed = parseSnippet(snippet);
  if ('error' in parsed) return unresolved(reader, 'body', expr, { start: 0, end: 0 }, null);
  reader.runs.push(parsedRun(snippet, parsed.statements));
}

function readExecute(reader: Reader, expr: PlPgSqlExpression | undefined, fallback: SourceRange): void {
  if (!expr) return unresolved(reader, 'dynamic-sql', expr, fallback, null);
  const exprSnippet = snippetOf(reader, expr);
  const value = valueNode(exprSnippet);
  const literal = nodeOf(value, 'A_Const');
  let snippet: SqlSnippet | undefined;
  if (literal?.sval && literal.location !== undefined) {
    // EXECUTE 'literal': every offset maps to where it is written.
    const start = exprSnippet.offset(literal.location);
    const content = stringLiteralContent(exprSnippet.sql.slice(start, exprSnippet.tokenEndAt(start)));
    if (content) snippet = new SqlSnippet(content.content, (k) => exprSnippet.toOuter(start + content.map(k)));
  }
  if (!snippet) {
    const text = sqlTextValue(value, reader.bindings);
    if (text === undefined) return unresolved(reader, 'dynamic-sql', expr, fallback, executeTypes(reader, expr));
    // Built text: its statements are reported at the EXECUTE's expression.
    const range = rangeOf(reader, expr);
    snippet = new SqlSnippet(text, (k) => (k >= text.length ? range.end : range.start));
  }
  const parsed = parseSnippet(snippet);
  if ('error' in parsed) return unresolved(reader, 'dynamic-sql', expr, fallback, null);
  reader.runs.push(parsedRun(snippet, parsed.statements));
}

function readIf(reader: Reader, body: JsonObject, fallback: SourceRange): void {
  const cond = expressionOf(reader, body.cond);
  if (cond && isCatalogGuard(valueNode(snippetOf(reader, cond)))) return readStatements(reader, body.then_body, fallback);
  unresolved(reader, 'condition', cond, fallback, statementTypesIn(reader, [body.then_body, body.elsif_list, body.else_body]));
}

/** The texts a `FOR x IN SELECT unnest(ARRAY[…])` (or `… FROM unnest(ARRAY[…])`) query yields. */
function unnestValues(reader: Reader, expr: PlPgSqlExpression | undefined): string[] | undefined {
  if (!expr) return undefined;
  const parsed = parseSnippet(snippetOf(reader, expr));
  if ('error' in parsed || parsed.statements.length !== 1) return undefined;
  const select = nodeOf({ [parsed.statements[0]?.type ?? '']: parsed.statements[0]?.node }, 'SelectStmt');
  if (!select || select.targetList?.length !== 1) return undefined;
  const target = nodeOf(select.targetList[0], 'ResTarget')?.val;
  let call = nodeOf(target, 'FuncCall');
  if (select.fromClause) {
    const from = select.fromClause.length === 1 ? nodeOf(select.fromClause[0], 'RangeFunction') : undefined;
    call = nodeOf(nodeOf(from?.functions?.[0], 'List')?.items?.[0], 'FuncCall');
  }
  if (!call || nameParts(call.funcname).pop()?.toLowerCase() !== 'unnest' || call.args?.length !== 1) return undefined;
  return sqlArrayValues(call.args[0], reader.bindings, reader.arrays);
}

function readLoop(reader: Reader, values: string[] | undefined, name: string | undefined, body: unknown, expr: PlPgSqlExpression | undefined, fallback: SourceRange): void {
  if (values === undefined || name === undefined) return unresolved(reader, 'loop', expr, fallback, statementTypesIn(reader, body));
  for (const value of values) {
    reader.bindings.set(name, value);
    readStatements(reader, body, fallback);
  }
}

function loopVariable(reader: Reader, target: unknown): string | undefined {
  const [type, body] = entryOf(target) ?? [];
  if (type === 'PLpgSQL_rec') return typeof body?.refname === 'string' ? body.refname.toLowerCase() : undefined;
  const fields = body?.fields as { name?: string; varno?: number }[] | undefined;
  return type === 'PLpgSQL_row' && fields?.length === 1 ? variableName(reader, fields[0]?.varno) : undefined;
}

/** Variables a statement stores into (`SELECT … INTO v`, `EXECUTE … INTO v`, `GET DIAGNOSTICS v = …`) are no longer known. */
function forgetTargets(reader: Reader, body: JsonObject): void {
  const [type, target] = entryOf(body.target) ?? [];
  if (type === 'PLpgSQL_row') for (const field of (target?.fields as { name?: string }[] | undefined) ?? []) bind(reader, field.name?.toLowerCase(), undefined);
  else if (target) bind(reader, typeof target.refname === 'string' ? target.refname.toLowerCase() : undefined, undefined);
  for (const item of (body.diag_items as unknown[] | undefined) ?? []) {
    bind(reader, variableName(reader, (entryOf(item)?.[1] as JsonObject | undefined)?.target), undefined);
  }
}

function readStatements(reader: Reader, statements: unknown, fallback: SourceRange): void {
  for (const wrapper of Array.isArray(statements) ? statements : []) {
    const [type, body] = entryOf(wrapper) ?? [];
    if (!type || !body) continue;
    switch (type) {
      case 'PLpgSQL_stmt_block':
        readStatements(reader, body.body, fallback);
        break;
      case 'PLpgSQL_stmt_execsql':
        readStatic(reader, expressionOf(reader, body.sqlstmt));
        break;
      case 'PLpgSQL_stmt_dynexecute':
        readExecute(reader, expressionOf(reader, body.query), fallback);
        break;
      case 'PLpgSQL_stmt_if':
        readIf(reader, body, fallback);
        break;
      case 'PLpgSQL_stmt_foreach_a': {
        const expr = expressionOf(reader, body.expr);
        const values = expr && !body.slice ? sqlArrayValues(valueNode(snippetOf(reader, expr)), reader.bindings, reader.arrays) : undefined;
        readLoop(reader, values, variableName(reader, body.varno), body.body, expr, fallback);
        break;
      }
      case 'PLpgSQL_stmt_fors': {
        const expr = expressionOf(reader, body.query);
        readLoop(reader, unnestValues(reader, expr), loopVariable(reader, body.var), body.body, expr, fallback);
        break;
      }
      case 'PLpgSQL_stmt_assign':
        bindExpression(reader, variableName(reader, body.varno), expressionOf(reader, body.expr));
        break;
      case 'PLpgSQL_stmt_case':
        unresolved(reader, 'condition', expressionOf(reader, body.t_expr), fallback, statementTypesIn(reader, body));
        break;
      case 'PLpgSQL_stmt_loop':
      case 'PLpgSQL_stmt_while':
      case 'PLpgSQL_stmt_fori':
      case 'PLpgSQL_stmt_forc':
      case 'PLpgSQL_stmt_dynfors':
        unresolved(reader, 'loop', expressionOf(reader, body.cond ?? body.lower ?? body.query), fallback, statementTypesIn(reader, body.body));
        break;
      default:
        break;
    }
    forgetTargets(reader, body);
  }
}

/**
 * The SQL a DO statement of `parsed` runs (see the module comment), each run parsed on its own
 * with offsets that map into `parsed`'s text, and what could not be decided from the text.
 */
export function doBlockStatements(parsed: ParsedSql, statement: ParsedStatement): DoBlockStatements {
  const statementRange = parsed.snippet.outerRange(statement.range.start, statement.range.end);
  const result: DoBlockStatements = { runs: [], unresolved: [] };
  const body = findRoutineBody(parsed.snippet, statement.node.args, 'plpgsql', statement.range.end);
  const tree = body?.language === 'plpgsql' ? parsePlPgSqlRaw(parsed.snippet.sql.slice(statement.range.start, statement.range.end)) : undefined;
  const func = tree && !isRawParseError(tree) ? tree.plpgsql_funcs?.[0]?.PLpgSQL_function : undefined;
  if (!body || !func) {
    result.unresolved.push({ kind: 'body', range: statementRange, statementTypes: null });
    return result;
  }
  const reader: Reader = {
    located: new Map(plpgsqlExpressions(func, body.content).map((e) => [e.node, e])),
    bodyToOuter: (k) => parsed.snippet.toOuter(body.toSnippet(k)),
    datums: (func.datums as JsonObject[] | undefined) ?? [],
    bindings: new Map(),
    arrays: new Map(),
    runs: result.runs,
    unresolved: result.unresolved,
  };
  for (const datum of reader.datums) {
    const [type, variable] = entryOf(datum) ?? [];
    const expr = type === 'PLpgSQL_var' ? expressionOf(reader, variable?.default_val) : undefined;
    if (expr) bindExpression(reader, String(variable?.refname).toLowerCase(), expr);
  }
  readStatements(reader, [func.action], statementRange);
  return result;
}
