/**
 * The walk from PostgreSQL's parse tree to session-state facts. One pass over each statement's
 * tree, into DO blocks, routine bodies and `EXECUTE 'literal'` strings; tokens are scanned only
 * for statements that produced a fact (to find exact ranges). Each statement family has its
 * visitors in its own file: setting-writes.ts, setting-reads.ts, session-statements.ts.
 */
import type * as T from '@pgsql/types';
import { functionNameOf } from './constant-values.js';
import { FACT_WORDS } from './fact-words.js';
import { nameParts, nodeOf } from './parse-tree-nodes.js';
import { parseSnippet, parseSql } from './parse-sql.js';
import type { ParsedSql, ParseOptions } from './parse-sql.js';
import { findRoutineBody, plpgsqlExpressions } from './routine-bodies.js';
import { sessionState, visitAdvisoryCall, visitDeclareCursor, visitDiscard, visitTempTable, visitTransaction } from './session-statements.js';
import type { SessionFact, SqlAnalysis } from './session-facts.js';
import { visitCurrentSetting, visitShow } from './setting-reads.js';
import { visitSetConfig, visitVariableSet } from './setting-writes.js';
import { SqlSnippet, stringLiteralContent } from './sql-snippet.js';
import { cover, locationOf, overlapsHole } from './walk-state.js';
import type { Frame, JsonObject, WalkState } from './walk-state.js';
import { isRawParseError, parsePlPgSqlRaw } from './wasm-parser.js';

const MAX_NESTING = 8;

function walkNested(snippet: SqlSnippet, state: WalkState, changes: Partial<WalkState>): void {
  if (state.depth >= MAX_NESTING) return;
  const parsed = parseSnippet(snippet);
  if ('error' in parsed) return;
  for (const statement of parsed.statements) {
    const nested: WalkState = { ...state, ...changes, snippet, statementRange: statement.range, depth: state.depth + 1 };
    walk({ [statement.type]: statement.node }, [], nested);
  }
}

/** Walks the PL/pgSQL (or SQL) body of a DO block or routine; facts map back through `body.toSnippet`. */
function walkRoutineBody(defElems: T.Node[] | undefined, defaultLanguage: string, state: WalkState, changes: Partial<WalkState>): void {
  if (state.depth >= MAX_NESTING) return;
  const { snippet } = state;
  const body = findRoutineBody(snippet, defElems, defaultLanguage, state.statementRange.end);
  if (!body) return;
  // Parsing a body costs two or three parses; one without any word a fact needs is skipped.
  if (!FACT_WORDS.test(body.content)) return;
  const bodyToOuter = (k: number) => snippet.toOuter(body.toSnippet(k));
  if (body.language === 'sql') {
    walkNested(new SqlSnippet(body.content, bodyToOuter), state, changes);
    return;
  }
  if (body.language !== 'plpgsql') return;
  const statementText = snippet.sql.slice(state.statementRange.start, state.statementRange.end);
  const parsed = parsePlPgSqlRaw(statementText);
  if (isRawParseError(parsed)) return;
  const func = parsed.plpgsql_funcs?.[0]?.PLpgSQL_function;
  if (!func) return;
  for (const expr of plpgsqlExpressions(func, body.content)) {
    const exprSnippet = new SqlSnippet(expr.parseText, (k) => bodyToOuter(expr.toBody(k)));
    const within = expr.caught === undefined ? changes : { ...changes, caught: expr.caught };
    walkNested(exprSnippet, state, within);
    if (expr.isDynamicQuery) walkDynamicQuery(exprSnippet, state, within);
  }
}

/** `EXECUTE 'literal'`: the literal is SQL that runs when the block does. */
function walkDynamicQuery(exprSnippet: SqlSnippet, state: WalkState, changes: Partial<WalkState>): void {
  const parsed = parseSnippet(exprSnippet);
  if ('error' in parsed || parsed.statements.length !== 1) return;
  const select = parsed.statements[0]?.node as T.SelectStmt;
  const targets = select.targetList;
  const literal = nodeOf(nodeOf(targets?.[0], 'ResTarget')?.val, 'A_Const');
  if (targets?.length !== 1 || !literal?.sval || select.fromClause) return;
  const start = exprSnippet.offset(locationOf(literal));
  const end = exprSnippet.tokenEndAt(start);
  const content = stringLiteralContent(exprSnippet.sql.slice(start, end));
  if (!content) return;
  const dynamicSnippet = new SqlSnippet(content.content, (k) => exprSnippet.toOuter(start + content.map(k)));
  walkNested(dynamicSnippet, state, { ...changes, dynamic: true });
}

/** set_config, current_setting and the advisory lock functions, unqualified or in pg_catalog. */
function visitFuncCall(call: T.FuncCall, frames: Frame[], state: WalkState): void {
  const fn = functionNameOf(call.funcname);
  if (!fn || (fn.schema !== undefined && fn.schema !== 'pg_catalog')) return;
  if (fn.name === 'set_config') visitSetConfig(call, state);
  else if (fn.name === 'current_setting') visitCurrentSetting(call, frames, state);
  else visitAdvisoryCall(fn.name, call, state);
}

/** Handles one node; returns false when its children must not be walked generically. */
function visit(type: string, body: JsonObject, frames: Frame[], state: WalkState): boolean {
  switch (type) {
    case 'VariableSetStmt':
      // A function's own SET clause applies only while it runs: not a change of session state.
      if (frames[frames.length - 2]?.type !== 'DefElem') visitVariableSet(body as T.VariableSetStmt, undefined, state);
      return false;
    case 'AlterRoleSetStmt': {
      const stmt = body as T.AlterRoleSetStmt;
      if (stmt.setstmt) visitVariableSet(stmt.setstmt, { via: 'alter-role', role: stmt.role?.rolename ?? null, database: stmt.database ?? null }, state);
      return false;
    }
    case 'AlterDatabaseSetStmt': {
      const stmt = body as T.AlterDatabaseSetStmt;
      if (stmt.setstmt) visitVariableSet(stmt.setstmt, { via: 'alter-database', database: stmt.dbname ?? null }, state);
      return false;
    }
    case 'AlterSystemStmt': {
      const stmt = body as T.AlterSystemStmt;
      if (stmt.setstmt) visitVariableSet(stmt.setstmt, { via: 'alter-system' }, state);
      return false;
    }
    case 'VariableShowStmt':
      visitShow(body as T.VariableShowStmt, state);
      return false;
    case 'FuncCall':
      visitFuncCall(body as T.FuncCall, frames, state);
      return true;
    case 'TransactionStmt':
      visitTransaction(body as T.TransactionStmt, state);
      return false;
    case 'DiscardStmt':
      visitDiscard(body as T.DiscardStmt, state);
      return false;
    case 'ListenStmt':
      sessionState(state, 'listen', String((body as T.ListenStmt).conditionname ?? ''));
      return false;
    case 'UnlistenStmt':
      sessionState(state, 'unlisten', String((body as T.UnlistenStmt).conditionname ?? '*'));
      return false;
    case 'PrepareStmt':
      sessionState(state, 'prepare', String((body as T.PrepareStmt).name ?? ''));
      return true;
    case 'DeallocateStmt': {
      const stmt = body as T.DeallocateStmt;
      sessionState(state, 'deallocate', stmt.isall ? 'all' : String(stmt.name ?? ''));
      return false;
    }
    case 'LoadStmt':
      sessionState(state, 'load', String((body as T.LoadStmt).filename ?? ''));
      return false;
    case 'DeclareCursorStmt':
      visitDeclareCursor(body as T.DeclareCursorStmt, state);
      return true;
    case 'CreateStmt': {
      const stmt = body as T.CreateStmt;
      visitTempTable(stmt.relation, stmt.oncommit, state);
      return true;
    }
    case 'CreateTableAsStmt': {
      const into = (body as T.CreateTableAsStmt).into;
      visitTempTable(into?.rel, into?.onCommit, state);
      return true;
    }
    case 'SelectStmt': {
      const into = (body as T.SelectStmt).intoClause;
      visitTempTable(into?.rel, into?.onCommit, state);
      return true;
    }
    case 'DoStmt':
      walkRoutineBody((body as T.DoStmt).args, 'plpgsql', state, state.origin === 'function-body' ? {} : { origin: 'do-block' });
      return false;
    case 'CreateFunctionStmt': {
      const stmt = body as T.CreateFunctionStmt;
      const changes: Partial<WalkState> = { origin: 'function-body', functionName: nameParts(stmt.funcname).join('.') };
      if (stmt.sql_body) walk(stmt.sql_body, [], { ...state, ...changes });
      else walkRoutineBody(stmt.options, 'sql', state, changes);
      return false;
    }
    default:
      return true;
  }
}

/** Depth-first walk over PostgreSQL's JSON tree: `{ NodeType: { field: … } }` objects, arrays and scalars. */
function walk(value: unknown, frames: Frame[], state: WalkState): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, frames, state);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const object = value as JsonObject;
  for (const key in object) {
    const child = object[key];
    if (child === null || typeof child !== 'object') continue;
    const first = key.charCodeAt(0);
    if (first >= 65 && first <= 90 && !Array.isArray(child)) {
      const frame: Frame = { type: key, body: child as JsonObject, wrapper: object };
      frames.push(frame);
      if (visit(key, frame.body, frames, state)) walk(child, frames, state);
      frames.pop();
    } else walk(child, frames, state);
  }
}

/**
 * The facts of text already parsed with `parseSql`: the walk without a second parse, for tools
 * that need the parse tree too (a schema model).
 */
export function analyzeParsedSql(parsed: ParsedSql): SqlAnalysis {
  if (parsed.error) return { error: parsed.error, statements: [], facts: [] };
  const facts: SessionFact[] = [];
  const { holes } = parsed;
  const statements = parsed.statements.map((statement, index) => {
    const state: WalkState = {
      snippet: parsed.snippet,
      statementIndex: index,
      statementRange: statement.range,
      origin: 'statement',
      functionName: undefined,
      dynamic: false,
      holeParameters: parsed.holeParameters,
      holes,
      facts,
      depth: 0,
    };
    walk({ [statement.type]: statement.node }, [], state);
    return { type: statement.type, range: cover(statement.range, overlapsHole(statement.range, holes)) };
  });
  facts.sort((a, b) => a.range.start - b.range.start || a.range.end - b.range.end);
  return { error: null, statements, facts };
}

/**
 * Analyzes SQL text (any number of statements) for what it does to session state. Synchronous;
 * never throws for bad input. See `analyzeSql` in index.ts for the cached entry point.
 */
export function analyzeSqlUncached(text: string, options: ParseOptions = {}): SqlAnalysis {
  return analyzeParsedSql(parseSql(text, options));
}
