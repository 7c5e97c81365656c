/**
 * What the walk from a parse tree to facts carries: where it is (the snippet, the statement, the
 * origin), the facts found so far, and the small range helpers every visitor uses.
 */
import type { TemplateHole } from './parse-sql.js';
import type { CaughtErrors } from './routine-bodies.js';
import type { FactOrigin, SessionFact } from './session-facts.js';
import type { SourceRange } from './source-text.js';
import type { SqlSnippet } from './sql-snippet.js';

/** A node body of PostgreSQL's JSON tree, before it is known which node it is. */
export type JsonObject = Record<string, unknown>;

/** One node on the path from the statement to the node being visited. */
export interface Frame {
  type: string;
  body: JsonObject;
  /** The `{ Type: body }` object the body was found in (parents hold these). */
  wrapper: JsonObject;
}

export interface WalkState {
  snippet: SqlSnippet;
  statementIndex: number;
  /** The statement being walked, in snippet offsets. */
  statementRange: SourceRange;
  origin: FactOrigin;
  functionName: string | undefined;
  dynamic: boolean;
  /** Errors an enclosing PL/pgSQL block catches, failing closed (see `CaughtErrors`). */
  caught?: CaughtErrors;
  holeParameters: ReadonlySet<number>;
  holes: readonly TemplateHole[];
  facts: SessionFact[];
  /** Nesting of bodies and EXECUTE strings, bounded against pathological input. */
  depth: number;
}

/** The fields `push` fills in from the walk state. */
export type FactFields<F extends SessionFact = SessionFact> = Omit<F, 'statementIndex' | 'origin' | 'dynamic' | 'functionName' | 'caught'>;

export function overlapsHole(range: SourceRange, holes: readonly TemplateHole[]): TemplateHole[] {
  return holes.filter((h) => h.start < range.end && range.start < h.end);
}

/** The range widened to cover the given template holes. */
export function cover(range: SourceRange, holes: readonly TemplateHole[]): SourceRange {
  let { start, end } = range;
  for (const h of holes) {
    start = Math.min(start, h.start);
    end = Math.max(end, h.end);
  }
  return { start, end };
}

/** A node's byte location, or -1 when the parser gave none. */
export function locationOf(body: { location?: number } | JsonObject): number {
  const location = (body as { location?: unknown }).location;
  return typeof location === 'number' && location >= 0 ? location : -1;
}

/** Records a fact found in the current statement. */
export function push(state: WalkState, fact: FactFields): void {
  // Completed in place: spreading into a new object is the slowest step of the whole walk.
  const full = fact as SessionFact;
  full.statementIndex = state.statementIndex;
  full.origin = state.origin;
  full.dynamic = state.dynamic;
  if (state.functionName !== undefined) full.functionName = state.functionName;
  if (state.caught !== undefined) full.caught = state.caught;
  state.facts.push(full);
}

/** The current statement's range in the analyzed text (template holes it touches included). */
export function statementRange(state: WalkState): SourceRange {
  const range = state.snippet.outerRange(state.statementRange.start, state.statementRange.end);
  return cover(range, overlapsHole(range, state.holes));
}

/** The ranges of a call and its arguments (outer offsets), from the tokens. */
export function callRanges(call: { location?: number }, state: WalkState): { range: SourceRange; args: SourceRange[] } | null {
  const location = locationOf(call);
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
