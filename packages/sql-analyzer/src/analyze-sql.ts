/**
 * The walk from PostgreSQL's parse tree to session-state facts. One pass over each statement's
 * tree; tokens are scanned only for statements that produced a fact (to find exact ranges).
 */
import { parseSnippet, parseSql } from './parse-sql.js';
import type { ParsedSql, ParseOptions, TemplateHole } from './parse-sql.js';
import { findRoutineBody, plpgsqlExpressions } from './routine-bodies.js';
import type {
  FactOrigin,
  GucRead,
  GucReadComparison,
  GucReadWrapper,
  GucScope,
  GucTarget,
  GucValue,
  GucWrite,
  SessionFact,
  SessionStateUse,
  SqlAnalysis,
  TransactionControl,
} from './session-facts.js';
import type { SourceRange } from './source-text.js';
import type { SqlToken } from './sql-lexer.js';
import { SqlSnippet, stringLiteralContent } from './sql-snippet.js';
import { isRawParseError, parsePlPgSqlRaw } from './wasm-parser.js';

type JsonObject = Record<string, unknown>;

interface Frame {
  type: string;
  body: JsonObject;
  /** The `{ Type: body }` object the body was found in (parents hold these). */
  wrapper: JsonObject;
}

interface WalkState {
  snippet: SqlSnippet;
  statementIndex: number;
  /** The statement being walked, in snippet offsets. */
  statementRange: SourceRange;
  origin: FactOrigin;
  functionName: string | undefined;
  dynamic: boolean;
  holeParameters: ReadonlySet<number>;
  holes: readonly TemplateHole[];
  facts: SessionFact[];
  /** Nesting of bodies and EXECUTE strings, bounded against pathological input. */
  depth: number;
}

const MAX_NESTING = 8;

/**
 * Every fact needs one of these words in the SQL that produces it (transactions cannot begin
 * inside a function or DO block, so BEGIN/START/END are left out: PL/pgSQL blocks use them).
 */
const FACT_WORDS =
  /\b(?:set|reset|set_config|current_setting|show|discard|commit|rollback|abort|savepoint|release|prepare|deallocate|listen|unlisten|temp|temporary|hold|load|pg_(?:try_)?advisory_\w+)\b|u&/i;

/** The same words at the top level, where transactions can also begin (BEGIN, START, END). */
const TOP_LEVEL_FACT_WORDS = new RegExp(`${FACT_WORDS.source}|\\b(?:begin|start|end)\\b`, 'i');

/**
 * False when `text` cannot produce any fact: it has none of the words every fact needs (a
 * quoted or Unicode-escaped name cannot spell them either without `U&`). A cheap test for callers
 * that see much SQL and need only facts; `analyzeSql` would still report a syntax error.
 */
export function mayAffectSessionState(text: string): boolean {
  return TOP_LEVEL_FACT_WORDS.test(text);
}

/**
 * Inside a data statement (INSERT, UPDATE, DELETE, MERGE, SELECT, VALUES), a GRANT, a COMMENT or a
 * CREATE INDEX only a function call (set_config, current_setting, advisory locks) or SELECT INTO
 * TEMP can produce a fact, so the SET of an UPDATE does not count here.
 */
const DATA_STATEMENT_FACT_WORDS = /\b(?:set_config|current_setting|temp|temporary|pg_(?:try_)?advisory_\w+)\b|u&/i;

/**
 * `mayAffectSessionState` for the text of one data statement (INSERT, UPDATE, DELETE, MERGE,
 * SELECT, VALUES), GRANT, REVOKE, COMMENT or CREATE INDEX: false when it cannot produce any fact.
 * Only for those statements; other text needs `mayAffectSessionState`.
 */
export function dataStatementMayAffectSessionState(text: string): boolean {
  return DATA_STATEMENT_FACT_WORDS.test(text);
}

const TRANSACTION_OPERATIONS: Record<string, TransactionControl['operation']> = {
  TRANS_STMT_BEGIN: 'begin',
  TRANS_STMT_START: 'begin',
  TRANS_STMT_COMMIT: 'commit',
  TRANS_STMT_ROLLBACK: 'rollback',
  TRANS_STMT_SAVEPOINT: 'savepoint',
  TRANS_STMT_RELEASE: 'release-savepoint',
  TRANS_STMT_ROLLBACK_TO: 'rollback-to-savepoint',
  TRANS_STMT_PREPARE: 'prepare-transaction',
  TRANS_STMT_COMMIT_PREPARED: 'commit-prepared',
  TRANS_STMT_ROLLBACK_PREPARED: 'rollback-prepared',
};

/** Session-level advisory lock functions; the `_xact_` variants end with the transaction and are fine. */
const ADVISORY_FUNCTIONS: Record<string, SessionStateUse['feature']> = {
  pg_advisory_lock: 'advisory-lock',
  pg_advisory_lock_shared: 'advisory-lock',
  pg_try_advisory_lock: 'advisory-lock',
  pg_try_advisory_lock_shared: 'advisory-lock',
  pg_advisory_unlock: 'advisory-unlock',
  pg_advisory_unlock_shared: 'advisory-unlock',
  pg_advisory_unlock_all: 'advisory-unlock',
};

// DeclareCursorStmt.options bit for WITH HOLD (CURSOR_OPT_HOLD in parsenodes.h).
const CURSOR_OPT_HOLD = 0x20;

/** Classifies a setting name; `name` is already lowercased. */
export function gucTarget(name: string | null): GucTarget {
  if (name === null) return 'unknown';
  if (name === 'search_path') return 'search-path';
  if (name === 'role') return 'role';
  if (name === 'session_authorization') return 'session-authorization';
  if (name.includes('.')) return 'custom';
  return 'builtin';
}

function stringOf(node: unknown): string | undefined {
  const sval = ((node as JsonObject | undefined)?.String as JsonObject | undefined)?.sval;
  return typeof sval === 'string' ? sval : undefined;
}

/** `[schema, name]` of a function call, lowercased; schema is undefined when unqualified. */
function functionName(funcname: unknown): { schema: string | undefined; name: string } | undefined {
  if (!Array.isArray(funcname) || funcname.length === 0) return undefined;
  const parts = funcname.map(stringOf);
  if (parts.some((p) => p === undefined)) return undefined;
  const name = (parts[parts.length - 1] as string).toLowerCase();
  const schema = parts.length > 1 ? (parts[parts.length - 2] as string).toLowerCase() : undefined;
  return { schema, name };
}

type Constant = { kind: 'string'; value: string } | { kind: 'bool'; value: boolean } | { kind: 'number'; value: string } | { kind: 'null' };

/** The constant a node stands for, looking through casts. */
function constantOf(node: unknown): Constant | undefined {
  let current = node as JsonObject | undefined;
  while (current?.TypeCast) current = (current.TypeCast as JsonObject).arg as JsonObject | undefined;
  const c = current?.A_Const as JsonObject | undefined;
  if (!c) return undefined;
  if (c.isnull) return { kind: 'null' };
  if (c.sval) return { kind: 'string', value: String((c.sval as JsonObject).sval ?? '') };
  if (c.boolval) return { kind: 'bool', value: (c.boolval as JsonObject).boolval === true };
  if (c.ival) return { kind: 'number', value: String((c.ival as JsonObject).ival ?? 0) };
  if (c.fval) return { kind: 'number', value: String((c.fval as JsonObject).fval ?? '0') };
  if (c.bsval) return { kind: 'string', value: String((c.bsval as JsonObject).bsval ?? '') };
  return undefined;
}

/** What PostgreSQL's boolean input makes of a constant (boolin: prefixes of true/false/yes/no, on/off, 1/0). */
function booleanOf(node: unknown): boolean | undefined {
  const c = constantOf(node);
  if (!c) return undefined;
  if (c.kind === 'bool') return c.value;
  if (c.kind === 'number') return c.value === '1' ? true : c.value === '0' ? false : undefined;
  if (c.kind !== 'string') return undefined;
  const v = c.value.trim().toLowerCase();
  if (v === '') return undefined;
  if ('true'.startsWith(v) || 'yes'.startsWith(v) || v === 'on' || v === '1') return true;
  if ('false'.startsWith(v) || 'no'.startsWith(v) || v === 'off' || v === 'of' || v === '0') return false;
  return undefined;
}

/**
 * The arguments of set_config / current_setting. PostgreSQL declares them without argument
 * names (proargnames is null), so a call with `name => value` arguments fails: no fact.
 */
function positionalArgs(args: unknown): Array<JsonObject | undefined> {
  if (!Array.isArray(args) || args.some((arg: JsonObject) => arg?.NamedArgExpr)) return [];
  return args as JsonObject[];
}

function overlapsHole(range: SourceRange, holes: readonly TemplateHole[]): TemplateHole[] {
  return holes.filter((h) => h.start < range.end && range.start < h.end);
}

function cover(range: SourceRange, holes: readonly TemplateHole[]): SourceRange {
  let { start, end } = range;
  for (const h of holes) {
    start = Math.min(start, h.start);
    end = Math.max(end, h.end);
  }
  return { start, end };
}

function paramNumber(node: unknown): number | undefined {
  const p = (node as JsonObject | undefined)?.ParamRef as JsonObject | undefined;
  return p ? Number(p.number ?? 0) : undefined;
}

/**
 * Classifies a written value; `range` is in outer offsets. `itemRanges` are where the elements of a
 * SET list are written (one per node); a single value is one item over `range`.
 */
function valueOf(nodes: unknown[], range: SourceRange, state: WalkState, itemRanges?: SourceRange[]): GucValue {
  const holes = overlapsHole(range, state.holes);
  if (holes.length > 0) return { kind: 'interpolated', range: cover(range, holes) };
  if (nodes.length === 1) {
    let node = nodes[0] as JsonObject | undefined;
    while (node?.TypeCast) node = (node.TypeCast as JsonObject).arg as JsonObject | undefined;
    const number = paramNumber(node);
    if (number !== undefined) {
      return state.holeParameters.has(number) ? { kind: 'interpolated', range } : { kind: 'parameter', parameter: number, range };
    }
  }
  const constants = nodes.map(constantOf);
  if (constants.every((c) => c !== undefined && c.kind !== 'null')) {
    const texts = constants.map((c) => String((c as { value: unknown }).value));
    // Elements whose extent the tokens do not show (never seen) fall back to the whole value's range.
    const ranges = itemRanges?.length === nodes.length ? itemRanges : undefined;
    const items = texts.map((text, i) => ({ text, range: ranges?.[i] ?? range }));
    return { kind: 'literal', text: texts.join(', '), items, range };
  }
  return { kind: 'expression', range };
}

function locationOf(body: JsonObject): number {
  return typeof body.location === 'number' && body.location >= 0 ? body.location : -1;
}

function push(state: WalkState, fact: Omit<SessionFact, 'statementIndex' | 'origin' | 'dynamic' | 'functionName'>): void {
  // Completed in place: spreading into a new object is the slowest step of the whole walk.
  const full = fact as SessionFact;
  full.statementIndex = state.statementIndex;
  full.origin = state.origin;
  full.dynamic = state.dynamic;
  if (state.functionName !== undefined) full.functionName = state.functionName;
  state.facts.push(full);
}

function statementRange(state: WalkState): SourceRange {
  const range = state.snippet.outerRange(state.statementRange.start, state.statementRange.end);
  return cover(range, overlapsHole(range, state.holes));
}

/** The tokens of a SET/RESET inside the statement: where the command words, the name and the value are written. */
function setClauseRanges(
  state: WalkState,
  valueStart: number,
): { commandRange?: SourceRange; nameRange?: SourceRange; afterName?: number } {
  const { snippet } = state;
  const end = state.statementRange.end;
  const tokens = [...snippet.tokens(state.statementRange.start, end)];
  const command = tokens.findIndex((t) => t.lower === 'set' || t.lower === 'reset');
  let i = command + 1;
  if (i === 0) return {};
  const next = (k: number) => tokens[k]?.lower ?? '';
  while ((next(i) === 'local' || next(i) === 'session') && !['authorization', 'characteristics'].includes(next(i + 1))) i++;
  const first = tokens[i];
  if (!first) return {};
  const commandRange = snippet.outerRange((tokens[command] as SqlToken).start, (tokens[i - 1] as SqlToken).end);
  let last = first;
  for (let k = i + 1; k < tokens.length; k++) {
    const t = tokens[k] as SqlToken;
    if ((valueStart >= 0 && t.start >= valueStart) || t.lower === 'to' || t.lower === '=' || t.lower === 'from') break;
    last = t;
  }
  return { commandRange, nameRange: snippet.outerRange(first.start, last.end), afterName: last.end };
}

/** Where each element of a SET list is written: the tokens from `valueStart` split at top-level commas. */
function listItemRanges(state: WalkState, valueStart: number): SourceRange[] {
  const ranges: SourceRange[] = [];
  let depth = 0;
  let start = -1;
  let end = -1;
  for (const token of state.snippet.tokens(valueStart, state.statementRange.end)) {
    if (token.lower === '(') depth++;
    else if (token.lower === ')') depth--;
    else if (token.lower === ',' && depth === 0) {
      ranges.push(state.snippet.outerRange(start, end));
      start = -1;
      continue;
    }
    if (start < 0) start = token.start;
    end = token.end;
  }
  if (start >= 0) ranges.push(state.snippet.outerRange(start, end));
  return ranges;
}

/**
 * A SET/RESET, on its own or as the `setstmt` of ALTER ROLE/DATABASE/SYSTEM (`parent`).
 * A function's own SET clause (a DefElem) applies only while it runs and is not walked here.
 */
function visitVariableSet(body: JsonObject, parent: Frame | undefined, state: WalkState): void {
  const kind = String(body.kind);
  const via: GucWrite['via'] =
    parent?.type === 'AlterRoleSetStmt'
      ? 'alter-role'
      : parent?.type === 'AlterDatabaseSetStmt'
        ? 'alter-database'
        : parent?.type === 'AlterSystemStmt'
          ? 'alter-system'
          : kind === 'VAR_RESET' || kind === 'VAR_RESET_ALL'
            ? 'reset'
            : 'set';
  const scope: GucScope = body.is_local === true ? 'transaction' : 'session';
  const range = statementRange(state);
  const extra: Partial<GucWrite> = {};
  if (via === 'alter-role') {
    const role = parent?.body.role as JsonObject | undefined;
    extra.role = typeof role?.rolename === 'string' ? role.rolename : null;
    extra.database = typeof parent?.body.database === 'string' ? parent.body.database : null;
  } else if (via === 'alter-database') {
    extra.database = typeof parent?.body.dbname === 'string' ? parent.body.dbname : null;
  }

  if (kind === 'VAR_SET_MULTI') {
    // SET TRANSACTION … lasts for the transaction; SET SESSION CHARACTERISTICS sets session defaults.
    if (String(body.name).toUpperCase() !== 'SESSION CHARACTERISTICS') return;
    for (const arg of (body.args as JsonObject[] | undefined) ?? []) {
      const def = arg.DefElem as JsonObject | undefined;
      if (!def) continue;
      push(state, {
        kind: 'guc-write', via, name: `default_${String(def.defname)}`, target: 'builtin', scope: 'session', value: null, range, ...extra,
      } as GucWrite);
    }
    return;
  }
  if (kind === 'VAR_RESET_ALL') {
    push(state, { kind: 'guc-write', via, name: null, target: 'all', scope: 'session', value: null, range, ...extra } as GucWrite);
    return;
  }
  const name = typeof body.name === 'string' ? body.name.toLowerCase() : null;
  const args = (body.args as JsonObject[] | undefined) ?? [];
  const firstLocation = args.length > 0 ? locationOf(Object.values(args[0] as JsonObject)[0] as JsonObject) : -1;
  const valueStart = firstLocation >= 0 ? state.snippet.offset(firstLocation) : -1;
  const clause = setClauseRanges(state, valueStart);
  let value: GucValue | null = null;
  if (kind === 'VAR_SET_VALUE' && valueStart >= 0) {
    const itemRanges = args.length > 1 ? listItemRanges(state, valueStart) : undefined;
    value = valueOf(args, state.snippet.outerRange(valueStart, state.statementRange.end), state, itemRanges);
  } else if (kind === 'VAR_SET_DEFAULT' || kind === 'VAR_SET_CURRENT') {
    const after = clause.afterName ?? state.statementRange.start;
    const start = state.snippet.tokens(after, state.statementRange.end).next().value?.start ?? after;
    value = { kind: kind === 'VAR_SET_DEFAULT' ? 'default' : 'current', range: state.snippet.outerRange(start, state.statementRange.end) };
  }
  const fact: GucWrite = { kind: 'guc-write', via, name, target: gucTarget(name), scope, value, range, ...extra } as GucWrite;
  if (clause.nameRange) fact.nameRange = clause.nameRange;
  if (clause.commandRange && (via === 'set' || via === 'reset')) fact.commandRange = clause.commandRange;
  push(state, fact);
}

/** The ranges of a call and its arguments (outer offsets), from the tokens. */
function callRanges(body: JsonObject, state: WalkState): { range: SourceRange; args: SourceRange[] } | null {
  const location = locationOf(body);
  if (location < 0) return null;
  const start = state.snippet.offset(location);
  const extent = state.snippet.callExtent(start, state.statementRange.end);
  if (!extent) return null;
  return {
    range: state.snippet.outerRange(start, extent.end),
    args: extent.args.map((a) => {
      const range = state.snippet.outerRange(a.start, a.end);
      return cover(range, overlapsHole(range, state.holes));
    }),
  };
}

function visitSetConfig(body: JsonObject, state: WalkState): void {
  const args = positionalArgs(body.args);
  if (args.length !== 3) return;
  const ranges = callRanges(body, state);
  if (!ranges) return;
  const nameConstant = constantOf(args[0]);
  const nameRange = ranges.args[0];
  const nameHoles = nameRange ? overlapsHole(nameRange, state.holes) : [];
  const name = nameConstant?.kind === 'string' && nameHoles.length === 0 ? nameConstant.value.toLowerCase() : null;
  const local = booleanOf(args[2]);
  const isLocal = local === undefined ? 'unknown' : local ? 'true' : 'false';
  const fact: GucWrite = {
    kind: 'guc-write',
    via: 'set-config',
    name,
    target: gucTarget(name),
    scope: local === undefined ? 'unknown' : local ? 'transaction' : 'session',
    isLocal,
    value: valueOf([args[1]], ranges.args[1] ?? ranges.range, state),
  } as GucWrite;
  fact.range = ranges.range;
  if (nameRange) fact.nameRange = nameRange;
  fact.argumentRanges = ranges.args;
  push(state, fact);
}

function columnRange(location: number, state: WalkState): SourceRange {
  const { snippet } = state;
  const start = snippet.offset(location);
  let end = start;
  let expectName = true;
  for (const token of snippet.tokens(start, state.statementRange.end)) {
    if (expectName && token.tokenName === 'IDENT') end = token.end;
    else if (expectName || token.lower !== '.') break;
    expectName = !expectName;
  }
  return snippet.outerRange(start, end);
}

/** Describes what surrounds a current_setting call: casts, NULLIF, COALESCE, a scalar subquery, an operator. */
function readContext(frames: Frame[], state: WalkState): { wrappers: GucReadWrapper[]; comparison?: GucReadComparison } {
  const wrappers: GucReadWrapper[] = [];
  let inner = (frames[frames.length - 1] as Frame).wrapper;
  for (let i = frames.length - 2; i >= 0; i--) {
    const frame = frames[i] as Frame;
    const { type, body } = frame;
    if (type === 'TypeCast' && body.arg === inner) {
      const names = ((body.typeName as JsonObject | undefined)?.names as unknown[] | undefined) ?? [];
      wrappers.push({ kind: 'cast', type: (stringOf(names[names.length - 1]) ?? 'unknown').toLowerCase() });
    } else if (type === 'A_Expr' && body.kind === 'AEXPR_NULLIF' && body.lexpr === inner) {
      const other = constantOf(body.rexpr);
      wrappers.push({ kind: other?.kind === 'string' && other.value === '' ? 'nullif-empty' : 'nullif' });
    } else if (type === 'CoalesceExpr') {
      wrappers.push({ kind: 'coalesce' });
    } else if (
      type === 'ResTarget' &&
      frames[i - 1]?.type === 'SelectStmt' &&
      frames[i - 2]?.type === 'SubLink' &&
      (frames[i - 2] as Frame).body.subLinkType === 'EXPR_SUBLINK' &&
      ((frames[i - 1] as Frame).body.targetList as unknown[] | undefined)?.length === 1
    ) {
      wrappers.push({ kind: 'scalar-subquery' });
      i -= 2;
      inner = (frames[i] as Frame).wrapper;
      continue;
    } else if (type === 'A_Expr' && (body.lexpr === inner || body.rexpr === inner) && body.lexpr && body.rexpr) {
      const operator = ((body.name as unknown[] | undefined) ?? []).map(stringOf).join('.');
      const otherNode = (body.lexpr === inner ? body.rexpr : body.lexpr) as JsonObject;
      const column = otherNode.ColumnRef as JsonObject | undefined;
      const fields = ((column?.fields as unknown[] | undefined) ?? []).map(stringOf);
      const otherLocation = locationOf((Object.values(otherNode)[0] ?? {}) as JsonObject);
      const otherRange =
        column && otherLocation >= 0
          ? columnRange(otherLocation, state)
          : statementRange(state);
      const comparison: GucReadComparison = column && fields.every((f) => f !== undefined)
        ? { operator, other: { kind: 'column', name: fields.map((f) => (f as string).toLowerCase()), range: otherRange } }
        : { operator, other: { kind: 'other', range: otherRange } };
      return { wrappers, comparison };
    } else break;
    inner = frame.wrapper;
  }
  return { wrappers };
}

function visitCurrentSetting(body: JsonObject, frames: Frame[], state: WalkState): void {
  const args = positionalArgs(body.args);
  if (args.length < 1 || args.length > 2) return;
  const ranges = callRanges(body, state);
  if (!ranges) return;
  const nameConstant = constantOf(args[0]);
  const name = nameConstant?.kind === 'string' ? nameConstant.value.toLowerCase() : null;
  const missing = args.length === 2 ? booleanOf(args[1]) : undefined;
  const fact: GucRead = {
    kind: 'guc-read',
    via: 'current-setting',
    name,
    target: gucTarget(name),
    missingOk: args.length === 1 ? 'absent' : missing === undefined ? 'unknown' : missing ? 'true' : 'false',
    ...readContext(frames, state),
  } as GucRead;
  fact.range = ranges.range;
  if (ranges.args[0]) fact.nameRange = ranges.args[0];
  push(state, fact);
}

function visitFuncCall(body: JsonObject, frames: Frame[], state: WalkState): void {
  const fn = functionName(body.funcname);
  if (!fn || (fn.schema !== undefined && fn.schema !== 'pg_catalog')) return;
  if (fn.name === 'set_config') visitSetConfig(body, state);
  else if (fn.name === 'current_setting') visitCurrentSetting(body, frames, state);
  else {
    const feature = ADVISORY_FUNCTIONS[fn.name];
    if (!feature) return;
    const ranges = callRanges(body, state);
    push(state, { kind: 'session-state', feature, detail: fn.name, range: ranges?.range ?? statementRange(state) } as SessionStateUse);
  }
}

function sessionState(state: WalkState, feature: SessionStateUse['feature'], detail: string): void {
  push(state, { kind: 'session-state', feature, detail, range: statementRange(state) } as SessionStateUse);
}

function isTemp(rel: unknown): boolean {
  return (rel as JsonObject | undefined)?.relpersistence === 't';
}

function qualifiedName(rel: JsonObject | undefined): string {
  if (!rel) return '';
  return [rel.schemaname, rel.relname].filter((p) => typeof p === 'string').join('.');
}

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
function walkRoutineBody(defElems: unknown, defaultLanguage: string, state: WalkState, changes: Partial<WalkState>): void {
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
    walkNested(exprSnippet, state, changes);
    if (expr.isDynamicQuery) walkDynamicQuery(exprSnippet, state, changes);
  }
}

/** `EXECUTE 'literal'`: the literal is SQL that runs when the block does. */
function walkDynamicQuery(exprSnippet: SqlSnippet, state: WalkState, changes: Partial<WalkState>): void {
  const parsed = parseSnippet(exprSnippet);
  if ('error' in parsed || parsed.statements.length !== 1) return;
  const select = parsed.statements[0]?.node as JsonObject;
  const targets = select.targetList as JsonObject[] | undefined;
  const target = (targets?.[0]?.ResTarget as JsonObject | undefined)?.val as JsonObject | undefined;
  const literal = target?.A_Const as JsonObject | undefined;
  if (targets?.length !== 1 || !literal?.sval || select.fromClause) return;
  const start = exprSnippet.offset(locationOf(literal));
  const end = exprSnippet.tokenEndAt(start);
  const content = stringLiteralContent(exprSnippet.sql.slice(start, end));
  if (!content) return;
  const dynamicSnippet = new SqlSnippet(content.content, (k) => exprSnippet.toOuter(start + content.map(k)));
  walkNested(dynamicSnippet, state, { ...changes, dynamic: true });
}

/** Handles one node; returns false when its children must not be walked generically. */
function visit(type: string, body: JsonObject, frames: Frame[], state: WalkState): boolean {
  switch (type) {
    case 'VariableSetStmt':
      // A function's own SET clause applies only while it runs: not a change of session state.
      if (frames[frames.length - 2]?.type !== 'DefElem') visitVariableSet(body, undefined, state);
      return false;
    case 'AlterRoleSetStmt':
    case 'AlterDatabaseSetStmt':
    case 'AlterSystemStmt':
      if (body.setstmt) visitVariableSet(body.setstmt as JsonObject, frames[frames.length - 1], state);
      return false;
    case 'VariableShowStmt': {
      const name = typeof body.name === 'string' ? body.name.toLowerCase() : null;
      if (name !== 'all') {
        push(state, {
          kind: 'guc-read', via: 'show', name, target: gucTarget(name), missingOk: 'false', wrappers: [], range: statementRange(state),
        } as Omit<GucRead, 'statementIndex' | 'origin' | 'dynamic'>);
      }
      return false;
    }
    case 'FuncCall':
      visitFuncCall(body, frames, state);
      return true;
    case 'TransactionStmt': {
      const operation = TRANSACTION_OPERATIONS[String(body.kind)];
      if (operation) {
        const fact = { kind: 'transaction-control', operation, range: statementRange(state) } as TransactionControl;
        if (body.chain === true) fact.chain = true;
        if (typeof body.savepoint_name === 'string') fact.savepoint = body.savepoint_name;
        push(state, fact);
      }
      return false;
    }
    case 'DiscardStmt': {
      const target = String(body.target ?? '');
      if (target === 'DISCARD_ALL') {
        push(state, { kind: 'guc-write', via: 'discard-all', name: null, target: 'all', scope: 'session', value: null, range: statementRange(state) } as GucWrite);
      } else sessionState(state, 'discard', target.replace('DISCARD_', '').toLowerCase());
      return false;
    }
    case 'ListenStmt':
      sessionState(state, 'listen', String(body.conditionname ?? ''));
      return false;
    case 'UnlistenStmt':
      sessionState(state, 'unlisten', String(body.conditionname ?? '*'));
      return false;
    case 'PrepareStmt':
      sessionState(state, 'prepare', String(body.name ?? ''));
      return true;
    case 'DeallocateStmt':
      sessionState(state, 'deallocate', body.isall ? 'all' : String(body.name ?? ''));
      return false;
    case 'LoadStmt':
      sessionState(state, 'load', String(body.filename ?? ''));
      return false;
    case 'DeclareCursorStmt':
      if ((Number(body.options ?? 0) & CURSOR_OPT_HOLD) !== 0) sessionState(state, 'cursor-with-hold', String(body.portalname ?? ''));
      return true;
    case 'CreateStmt':
      if (isTemp(body.relation) && body.oncommit !== 'ONCOMMIT_DROP') {
        sessionState(state, 'temp-table', qualifiedName(body.relation as JsonObject));
      }
      return true;
    case 'CreateTableAsStmt':
    case 'SelectStmt': {
      const into = (type === 'SelectStmt' ? body.intoClause : body.into) as JsonObject | undefined;
      if (into && isTemp(into.rel) && into.onCommit !== 'ONCOMMIT_DROP') {
        sessionState(state, 'temp-table', qualifiedName(into.rel as JsonObject));
      }
      return true;
    }
    case 'DoStmt':
      walkRoutineBody(body.args, 'plpgsql', state, state.origin === 'function-body' ? {} : { origin: 'do-block' });
      return false;
    case 'CreateFunctionStmt': {
      const fn = ((body.funcname as unknown[] | undefined) ?? []).map(stringOf).join('.');
      const changes: Partial<WalkState> = { origin: 'function-body', functionName: fn };
      if (body.sql_body) walk(body.sql_body, [], { ...state, ...changes });
      else walkRoutineBody(body.options, 'sql', state, changes);
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
