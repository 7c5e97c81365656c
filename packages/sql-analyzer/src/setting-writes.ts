/**
 * Setting writes: SET and RESET (on their own or inside ALTER ROLE/DATABASE/SYSTEM), DISCARD ALL
 * and `set_config(name, value, is_local)`, with the ranges of their command words, name, value
 * items and arguments.
 */
import type { FuncCall, Node, VariableSetStmt } from '@pgsql/types';
import { booleanOf, constantOf, paramNumber, positionalArgs, withoutCasts } from './constant-values.js';
import type { GucScope, GucTarget, GucValue, GucWrite } from './session-facts.js';
import type { SourceRange } from './source-text.js';
import type { SqlToken } from './sql-lexer.js';
import { callRanges, cover, locationOf, overlapsHole, push, statementRange } from './walk-state.js';
import type { FactFields, WalkState } from './walk-state.js';

/** Classifies a setting name; `name` is already lowercased. */
export function gucTarget(name: string | null): GucTarget {
  if (name === null) return 'unknown';
  if (name === 'search_path') return 'search-path';
  if (name === 'role') return 'role';
  if (name === 'session_authorization') return 'session-authorization';
  if (name.includes('.')) return 'custom';
  return 'builtin';
}

/**
 * Classifies a written value; `range` is in outer offsets. `itemRanges` are where the elements of a
 * SET list are written (one per node); a single value is one item over `range`.
 */
function valueOf(nodes: ReadonlyArray<Node | undefined>, range: SourceRange, state: WalkState, itemRanges?: SourceRange[]): GucValue {
  const holes = overlapsHole(range, state.holes);
  if (holes.length > 0) return { kind: 'interpolated', range: cover(range, holes) };
  if (nodes.length === 1) {
    const number = paramNumber(withoutCasts(nodes[0]));
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

/** The statement a SET/RESET is the `setstmt` of, and whose defaults it changes. */
export type DefaultOwner =
  | { via: 'alter-role'; role: string | null; database: string | null }
  | { via: 'alter-database'; database: string | null }
  | { via: 'alter-system' };

/**
 * A SET/RESET, on its own or as the `setstmt` of ALTER ROLE/DATABASE/SYSTEM (`owner`).
 * A function's own SET clause (a DefElem) applies only while it runs and is not walked here.
 */
export function visitVariableSet(body: VariableSetStmt, owner: DefaultOwner | undefined, state: WalkState): void {
  const kind = body.kind;
  const via: GucWrite['via'] = owner ? owner.via : kind === 'VAR_RESET' || kind === 'VAR_RESET_ALL' ? 'reset' : 'set';
  const scope: GucScope = body.is_local === true ? 'transaction' : 'session';
  const range = statementRange(state);
  const extra: Partial<GucWrite> = {};
  if (owner?.via === 'alter-role') {
    extra.role = owner.role;
    extra.database = owner.database;
  } else if (owner?.via === 'alter-database') extra.database = owner.database;

  if (kind === 'VAR_SET_MULTI') {
    // SET TRANSACTION … lasts for the transaction; SET SESSION CHARACTERISTICS sets session defaults.
    if (String(body.name).toUpperCase() !== 'SESSION CHARACTERISTICS') return;
    for (const arg of body.args ?? []) {
      const def = 'DefElem' in arg ? arg.DefElem : undefined;
      if (!def) continue;
      const fact: FactFields<GucWrite> = { kind: 'guc-write', via, name: `default_${String(def.defname)}`, target: 'builtin', scope: 'session', value: null, range, ...extra };
      push(state, fact);
    }
    return;
  }
  if (kind === 'VAR_RESET_ALL') {
    push(state, { kind: 'guc-write', via, name: null, target: 'all', scope: 'session', value: null, range, ...extra } as FactFields<GucWrite>);
    return;
  }
  const name = typeof body.name === 'string' ? body.name.toLowerCase() : null;
  const args = body.args ?? [];
  const first = args[0];
  const firstLocation = first ? locationOf(Object.values(first)[0] as { location?: number }) : -1;
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
  const fact = { kind: 'guc-write', via, name, target: gucTarget(name), scope, value, range, ...extra } as FactFields<GucWrite>;
  if (clause.nameRange) fact.nameRange = clause.nameRange;
  if (clause.commandRange && (via === 'set' || via === 'reset')) fact.commandRange = clause.commandRange;
  push(state, fact);
}

/** DISCARD ALL: every setting back to its default, for the session. */
export function visitDiscardAll(state: WalkState): void {
  push(state, { kind: 'guc-write', via: 'discard-all', name: null, target: 'all', scope: 'session', value: null, range: statementRange(state) } as FactFields<GucWrite>);
}

/** `set_config(name, value, is_local)`: its scope is what PostgreSQL makes of `is_local`. */
export function visitSetConfig(call: FuncCall, state: WalkState): void {
  const args = positionalArgs(call.args);
  if (args.length !== 3) return;
  const ranges = callRanges(call, state);
  if (!ranges) return;
  const nameConstant = constantOf(args[0]);
  const nameRange = ranges.args[0];
  const nameHoles = nameRange ? overlapsHole(nameRange, state.holes) : [];
  const name = nameConstant?.kind === 'string' && nameHoles.length === 0 ? nameConstant.value.toLowerCase() : null;
  const local = booleanOf(args[2]);
  const isLocal = local === undefined ? 'unknown' : local ? 'true' : 'false';
  const fact = {
    kind: 'guc-write',
    via: 'set-config',
    name,
    target: gucTarget(name),
    scope: local === undefined ? 'unknown' : local ? 'transaction' : 'session',
    isLocal,
    value: valueOf([args[1]], ranges.args[1] ?? ranges.range, state),
  } as FactFields<GucWrite>;
  fact.range = ranges.range;
  if (nameRange) fact.nameRange = nameRange;
  fact.argumentRanges = ranges.args;
  push(state, fact);
}
