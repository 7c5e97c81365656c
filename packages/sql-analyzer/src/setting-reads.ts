/**
 * Setting reads: `current_setting(name [, missing_ok])` with what surrounds it (casts, NULLIF,
 * COALESCE, a scalar subquery, a comparison), and SHOW.
 */
import type { A_Expr, FuncCall, Node, SelectStmt, SubLink, TypeCast, VariableShowStmt } from '@pgsql/types';
import { booleanOf, constantOf, positionalArgs } from './constant-values.js';
import { nameParts, nodeOf, typeNameOf } from './parse-tree-nodes.js';
import type { GucRead, GucReadComparison, GucReadWrapper } from './session-facts.js';
import type { SourceRange } from './source-text.js';
import { gucTarget } from './setting-writes.js';
import { callRanges, locationOf, push, statementRange } from './walk-state.js';
import type { FactFields, Frame, WalkState } from './walk-state.js';

/** The range of a (qualified) column name that starts at `location`. */
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

/** The comparison a read (`inner`) is an operand of: the operator and the other operand. */
function comparisonOf(expr: A_Expr, inner: unknown, state: WalkState): GucReadComparison {
  const operator = nameParts(expr.name).join('.');
  const otherNode = (expr.lexpr === inner ? expr.rexpr : expr.lexpr) as Node;
  const column = nodeOf(otherNode, 'ColumnRef');
  const fields = (column?.fields ?? []).map((field) => nodeOf(field, 'String')?.sval);
  const otherLocation = locationOf((Object.values(otherNode)[0] ?? {}) as { location?: number });
  const otherRange = column && otherLocation >= 0 ? columnRange(otherLocation, state) : statementRange(state);
  return column && fields.every((f) => f !== undefined)
    ? { operator, other: { kind: 'column', name: fields.map((f) => (f as string).toLowerCase()), range: otherRange } }
    : { operator, other: { kind: 'other', range: otherRange } };
}

/** Describes what surrounds a current_setting call: casts, NULLIF, COALESCE, a scalar subquery, an operator. */
function readContext(frames: Frame[], state: WalkState): { wrappers: GucReadWrapper[]; comparison?: GucReadComparison } {
  const wrappers: GucReadWrapper[] = [];
  let inner: unknown = (frames[frames.length - 1] as Frame).wrapper;
  for (let i = frames.length - 2; i >= 0; i--) {
    const frame = frames[i] as Frame;
    const { type } = frame;
    if (type === 'TypeCast' && (frame.body as TypeCast).arg === inner) {
      wrappers.push({ kind: 'cast', type: typeNameOf((frame.body as TypeCast).typeName) });
    } else if (type === 'A_Expr' && (frame.body as A_Expr).kind === 'AEXPR_NULLIF' && (frame.body as A_Expr).lexpr === inner) {
      const other = constantOf((frame.body as A_Expr).rexpr);
      wrappers.push({ kind: other?.kind === 'string' && other.value === '' ? 'nullif-empty' : 'nullif' });
    } else if (type === 'CoalesceExpr') {
      wrappers.push({ kind: 'coalesce' });
    } else if (
      type === 'ResTarget' &&
      frames[i - 1]?.type === 'SelectStmt' &&
      frames[i - 2]?.type === 'SubLink' &&
      ((frames[i - 2] as Frame).body as SubLink).subLinkType === 'EXPR_SUBLINK' &&
      ((frames[i - 1] as Frame).body as SelectStmt).targetList?.length === 1
    ) {
      wrappers.push({ kind: 'scalar-subquery' });
      i -= 2;
      inner = (frames[i] as Frame).wrapper;
      continue;
    } else if (type === 'A_Expr') {
      const expr = frame.body as A_Expr;
      if ((expr.lexpr === inner || expr.rexpr === inner) && expr.lexpr && expr.rexpr) return { wrappers, comparison: comparisonOf(expr, inner, state) };
      break;
    } else break;
    inner = frame.wrapper;
  }
  return { wrappers };
}

/** `current_setting(name [, missing_ok])`; `frames` end with the call's own frame. */
export function visitCurrentSetting(call: FuncCall, frames: Frame[], state: WalkState): void {
  const args = positionalArgs(call.args);
  if (args.length < 1 || args.length > 2) return;
  const ranges = callRanges(call, state);
  if (!ranges) return;
  const nameConstant = constantOf(args[0]);
  const name = nameConstant?.kind === 'string' ? nameConstant.value.toLowerCase() : null;
  const missing = args.length === 2 ? booleanOf(args[1]) : undefined;
  const fact = {
    kind: 'guc-read',
    via: 'current-setting',
    name,
    target: gucTarget(name),
    missingOk: args.length === 1 ? 'absent' : missing === undefined ? 'unknown' : missing ? 'true' : 'false',
    ...readContext(frames, state),
  } as FactFields<GucRead>;
  fact.range = ranges.range;
  if (ranges.args[0]) fact.nameRange = ranges.args[0];
  push(state, fact);
}

/** SHOW name (SHOW ALL reads no one setting). */
export function visitShow(show: VariableShowStmt, state: WalkState): void {
  const name = typeof show.name === 'string' ? show.name.toLowerCase() : null;
  if (name === 'all') return;
  const fact: FactFields<GucRead> = { kind: 'guc-read', via: 'show', name, target: gucTarget(name), missingOk: 'false', wrappers: [], range: statementRange(state) };
  push(state, fact);
}
