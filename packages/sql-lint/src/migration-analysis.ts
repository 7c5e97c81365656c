/**
 * What the model replay needs from one migration file that does not depend on the files before
 * it: the parse (trees only of statements the model can use) and the analyzer's session facts. It
 * is a function of the file's text alone, so it can run on a worker thread and be kept on disk;
 * it is plain data and survives a JSON round trip unchanged.
 */
import { dataStatementMayAffectSessionState, parseSql, restoreParsedSql, sqlTokens } from '@tenant-scope/sql-analyzer';
import type { ParsedSql, ParsedStatement, SessionFact, SourceRange, SqlSyntaxError } from '@tenant-scope/sql-analyzer';
import { analyzeWithinLimits } from './unanalyzable-statements.js';
import type { UnanalyzableStatement } from './unanalyzable-statements.js';

/** One migration file, parsed and analyzed. */
export interface MigrationAnalysis {
  /** The syntax error that stopped the file; the other fields are empty then. */
  error: SqlSyntaxError | null;
  /** The statements the replay reads, with their trees (fact indexes refer to this list). */
  statements: ParsedStatement[];
  /** Statements checked for syntax only (the model needs no tree of them); in text order. */
  skipped: SourceRange[];
  /** The setting reads and writes and other session facts of `statements`, bodies included. */
  facts: SessionFact[];
  /** Statements set aside as too deeply nested to analyze. */
  unanalyzable: UnanalyzableStatement[];
}

// Statements that cannot change the model: data changes, comments, indexes.
const MODEL_INERT = /(?:insert|update|delete|merge|select|values|comment|create\s+(?:unique\s+)?index)\b/iy;

const GRANT_OR_REVOKE = /(?:grant|revoke)\b/iy;

// What a GRANT or REVOKE … ON names that the model follows (grants.ts): EXECUTE on functions, USAGE on schemas.
const FOLLOWED_GRANT_OBJECTS = new Set(['function', 'functions', 'procedure', 'procedures', 'routine', 'routines', 'schema']);

/**
 * A GRANT or REVOKE of privileges on objects the model does not follow: tables (`ON t`, `ON TABLE t`,
 * `ON ALL TABLES IN SCHEMA s`), sequences, types and the like. Role grants (no `ON`) are kept.
 */
function grantsUnfollowedObjects(text: string, range: SourceRange): boolean {
  GRANT_OR_REVOKE.lastIndex = range.start;
  if (!GRANT_OR_REVOKE.test(text)) return false;
  let afterOn = false;
  for (const token of sqlTokens(text, range.start, range.end)) {
    if (afterOn && token.lower !== 'all') return !FOLLOWED_GRANT_OBJECTS.has(token.lower);
    if (token.lower === 'on') afterOn = true;
  }
  return false;
}

/**
 * True for a statement whose tree the model does not need (MODEL_INERT, or a grant it does not
 * follow) that cannot read or write a setting or hold session state either. It is still checked
 * for syntax errors.
 */
function modelSkips(text: string, range: SourceRange): boolean {
  MODEL_INERT.lastIndex = range.start;
  if (!MODEL_INERT.test(text) && !grantsUnfollowedObjects(text, range)) return false;
  return !dataStatementMayAffectSessionState(text.slice(range.start, range.end));
}

/** Parses and analyzes one file's text (the up part of a migration). */
export function analyzeMigration(text: string): MigrationAnalysis {
  const whole = parseSql(text, { skipTree: modelSkips });
  if (whole.error) return { error: whole.error, statements: [], skipped: [], facts: [], unanalyzable: [] };
  // The setting reads and writes of the same parse tree: no second parse.
  const { parsed, facts, unanalyzable } = analyzeWithinLimits(whole);
  return { error: null, statements: parsed.statements, skipped: parsed.skipped, facts, unanalyzable };
}

/** The parse an analysis was made from, as the replay reads it. */
export function parsedSqlOf(text: string, analysis: MigrationAnalysis): ParsedSql {
  return restoreParsedSql(text, analysis.statements, analysis.skipped);
}
