/**
 * Replays an ordered migration history into a `SchemaModel`: each statement goes to the handler
 * for its node type (`statement-handlers.ts`), which changes the model the way PostgreSQL would
 * change its catalog; each changed item remembers that statement.
 */
import { dataStatementMayAffectSessionState, parseSql, statementNode } from '@tenant-scope/sql-analyzer';
import type { SessionFact, SourceRange, SqlSyntaxError } from '@tenant-scope/sql-analyzer';
import type { ReplayContext } from './replay-context.js';
import { emptySchemaModel } from './schema-model.js';
import type { SchemaModel } from './schema-model.js';
import { changesSearchPath, DEFAULT_SEARCH_PATH, followSearchPath, MigrationSearchPath, resolvableSchemas } from './search-path.js';
import { applyStatement } from './statement-handlers.js';
import { analyzeWithinLimits, isStackOverflow, TOO_DEEP_FOR_MODEL } from '../unanalyzable-statements.js';
import type { UnanalyzableStatement } from '../unanalyzable-statements.js';

/** A migration file: its path (as the user named it) and its text. */
export interface SqlFile {
  path: string;
  text: string;
}

/** A file after parsing: its statements' ranges, or the syntax error that stopped it. */
export interface ParsedFile extends SqlFile {
  statements: SourceRange[];
  error: SqlSyntaxError | null;
  /** Statements set aside because they nest too deeply to analyze; not in the model. */
  unanalyzable: UnanalyzableStatement[];
}

/** The model and the parsed files it was built from. */
export interface BuiltSchema {
  model: SchemaModel;
  files: ParsedFile[];
}

/** Options of `buildSchemaModel`. */
export interface BuildSchemaOptions {
  /** The search_path each file starts with (default `["public"]`). */
  searchPath?: readonly string[];
}

// Statements that cannot change the model: data changes, grants, comments, indexes.
const MODEL_INERT = /(?:insert|update|delete|merge|select|values|grant|revoke|comment|create\s+(?:unique\s+)?index)\b/iy;

/**
 * True for a statement whose tree the model does not need: one of MODEL_INERT that cannot read or
 * write a setting or hold session state either. It is still checked for syntax errors.
 */
function modelSkips(text: string, range: SourceRange): boolean {
  MODEL_INERT.lastIndex = range.start;
  return MODEL_INERT.test(text) && !dataStatementMayAffectSessionState(text.slice(range.start, range.end));
}

/** Replays one parsed file into the model; returns its statement ranges (skipped ones included). */
function replayFile(model: SchemaModel, file: SqlFile, initialPath: readonly string[]): ParsedFile {
  const whole = parseSql(file.text, { skipTree: modelSkips });
  if (whole.error) return { ...file, statements: [], error: whole.error, unanalyzable: [] };
  // The setting reads and writes of the same parse tree: no second parse.
  const { parsed, facts, unanalyzable } = analyzeWithinLimits(whole);
  for (const fact of facts) {
    if (fact.kind === 'guc-write') model.writes.push({ write: fact, file: file.path });
    if (fact.kind === 'guc-read') model.reads.push({ read: fact, file: file.path });
  }
  const path = new MigrationSearchPath(initialPath);
  const pathFacts = facts.filter(changesSearchPath).sort((a, b) => a.statementIndex - b.statementIndex);
  let nextPathFact = 0;
  const offsetOf = (byte: number): number => parsed.snippet.offset(byte);
  parsed.statements.forEach((statement, index) => {
    const entry = statementNode(statement);
    const ctx: ReplayContext = {
      model,
      file: file.path,
      text: file.text,
      source: { file: file.path, range: statement.range },
      statementIndex: index,
      offsetOf,
      facts,
      path,
      apply: (nested) => applyStatement(ctx, nested),
    };
    try {
      applyStatement(ctx, entry);
    } catch (error) {
      if (!isStackOverflow(error)) throw error;
      unanalyzable.push({ range: statement.range, reason: TOO_DEEP_FOR_MODEL });
    }
    for (; pathFacts[nextPathFact]?.statementIndex === index; nextPathFact++) {
      followSearchPath(path, pathFacts[nextPathFact] as SessionFact);
    }
  });
  const ranges = parsed.statements.map((s) => s.range);
  const setAside = [...parsed.skipped, ...unanalyzable.map((u) => u.range)];
  const statements = setAside.length === 0 ? ranges : [...ranges, ...setAside].sort((a, b) => a.start - b.start);
  return { ...file, statements, error: null, unanalyzable };
}

/**
 * Builds the schema model from files in history order. A file that does not parse changes
 * nothing and keeps its syntax error; the files after it are still applied. Unqualified names
 * resolve along each file's search_path (see `MigrationSearchPath`).
 */
export function buildSchemaModel(files: readonly SqlFile[], options: BuildSchemaOptions = {}): BuiltSchema {
  const initialPath = resolvableSchemas(options.searchPath ?? DEFAULT_SEARCH_PATH);
  const model = emptySchemaModel();
  const parsedFiles = files.map((file) => replayFile(model, file, initialPath));
  return { model, files: parsedFiles };
}
