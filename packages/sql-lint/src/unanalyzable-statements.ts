/**
 * Statements too deeply nested to analyze. PostgreSQL accepts expressions nested thousands of
 * levels deep (2,000 nested `coalesce`, 1,000 nested `CASE`); walking such a tree recursively
 * exhausts the JavaScript stack. Such a statement is set aside as one `unanalyzable` finding and
 * the rest of the file and history is linted as usual.
 */
import { analyzeParsedSql } from '@tenant-scope/sql-analyzer';
import type { ParsedSql, SessionFact, SourceRange } from '@tenant-scope/sql-analyzer';

/** The rule id of a statement that is set aside. */
export const UNANALYZABLE_RULE = 'unanalyzable';

/**
 * The deepest parse tree (in JSON levels) that is analyzed. The deepest statement in the
 * real-world corpus has 27 levels; the analyzer's walks overflow the stack somewhere past 3,000.
 */
export const MAX_TREE_DEPTH = 1000;

/** A statement set aside, and why. */
export interface UnanalyzableStatement {
  range: SourceRange;
  reason: string;
}

/** Whether an error is the JavaScript engine running out of stack. */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

/** Whether a JSON tree nests deeper than `limit` levels; iterative, so any depth is safe. */
export function nestsDeeperThan(tree: unknown, limit: number): boolean {
  const nodes: unknown[] = [tree];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop() as Record<string, unknown>;
    const depth = depths.pop() as number;
    if (depth > limit) return true;
    for (const key in node) {
      const child = node[key];
      if (child !== null && typeof child === 'object') {
        nodes.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

// No statement shape nests more than about one JSON level per character of its text (measured:
// `f(f(f(…` and `~ ~ ~ …` are the deepest), so a statement shorter than this cannot be too deep.
const SHORTEST_TOO_DEEP = MAX_TREE_DEPTH / 4;

const TOO_DEEP = `its parse tree nests more than ${MAX_TREE_DEPTH.toLocaleString('en')} levels deep`;
const TOO_DEEP_BODY = 'a body or expression in it is nested too deeply to analyze';

/**
 * Sets aside the statements of `parsed` too deep to analyze and analyzes the others. The
 * returned `parsed` holds only the analyzed statements (fact indexes refer to it).
 */
export function analyzeWithinLimits(parsed: ParsedSql): { parsed: ParsedSql; facts: SessionFact[]; unanalyzable: UnanalyzableStatement[] } {
  const unanalyzable: UnanalyzableStatement[] = [];
  let statements = parsed.statements.filter((statement) => {
    if (statement.range.end - statement.range.start < SHORTEST_TOO_DEEP || !nestsDeeperThan(statement.node, MAX_TREE_DEPTH)) return true;
    unanalyzable.push({ range: statement.range, reason: TOO_DEEP });
    return false;
  });
  let kept: ParsedSql = statements.length === parsed.statements.length ? parsed : { ...parsed, statements };
  try {
    return { parsed: kept, facts: analyzeParsedSql(kept).facts, unanalyzable };
  } catch (error) {
    if (!isStackOverflow(error)) throw error;
  }
  // A shallow statement can still hold a deep function body: find it by analyzing each alone.
  statements = statements.filter((statement) => {
    try {
      analyzeParsedSql({ ...parsed, statements: [statement] });
      return true;
    } catch (error) {
      if (!isStackOverflow(error)) throw error;
      unanalyzable.push({ range: statement.range, reason: TOO_DEEP_BODY });
      return false;
    }
  });
  kept = { ...parsed, statements };
  unanalyzable.sort((a, b) => a.range.start - b.range.start);
  return { parsed: kept, facts: analyzeParsedSql(kept).facts, unanalyzable };
}

/** The reason given when replaying a statement into the model overflowed the stack. */
export const TOO_DEEP_FOR_MODEL = TOO_DEEP_BODY;
