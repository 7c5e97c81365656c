/**
 * Replays an ordered migration history into a `SchemaModel`: each statement goes to the handler
 * for its node type (`statement-handlers.ts`), which changes the model the way PostgreSQL would
 * change its catalog; each changed item remembers that statement.
 */
import { statementNode } from '@tenant-scope/sql-analyzer';
import type { ParsedSql, SessionFact, SourceRange, SqlSyntaxError } from '@tenant-scope/sql-analyzer';
import { analyzeMigration, parsedSqlOf } from '../migration-analysis.js';
import type { MigrationAnalysis } from '../migration-analysis.js';
import type { ReplayContext } from './replay-context.js';
import { emptySchemaModel } from './schema-model.js';
import type { SchemaModel } from './schema-model.js';
import { changesSearchPath, DEFAULT_SEARCH_PATH, followSearchPath, MigrationSearchPath, resolvableSchemas } from './search-path.js';
import { applyStatement, followsStatement } from './statement-handlers.js';
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

/** Where a replay is: the model, the file, its search_path, how deep in DO blocks, and the statements set aside. */
interface ReplayScope {
  model: SchemaModel;
  file: string;
  path: MigrationSearchPath;
  depth: number;
  unanalyzable: UnanalyzableStatement[];
}

/**
 * Replays the statements of one parse (a file, or SQL a DO block runs) in order, following what
 * each does to the search_path. The search_path changes a DO block makes are followed by the
 * replay of what it runs, so here they are left out.
 */
function replayParsed(scope: ReplayScope, parsed: ParsedSql, facts: readonly SessionFact[]): void {
  const pathFacts = facts.filter((f) => f.origin !== 'do-block' && changesSearchPath(f)).sort((a, b) => a.statementIndex - b.statementIndex);
  let nextPathFact = 0;
  parsed.statements.forEach((statement, index) => {
    const ctx: ReplayContext = {
      model: scope.model,
      file: scope.file,
      parsed,
      statement,
      statementIndex: index,
      source: { file: scope.file, range: parsed.snippet.outerRange(statement.range.start, statement.range.end) },
      facts,
      path: scope.path,
      depth: scope.depth,
      apply: (nested) => applyStatement(ctx, nested),
      replay: (run) => replayRun({ ...scope, depth: scope.depth + 1 }, run),
      follows: followsStatement,
    };
    try {
      applyStatement(ctx, statementNode(statement));
    } catch (error) {
      if (!isStackOverflow(error)) throw error;
      scope.unanalyzable.push({ range: ctx.source.range, reason: TOO_DEEP_FOR_MODEL });
    }
    for (; pathFacts[nextPathFact]?.statementIndex === index; nextPathFact++) {
      followSearchPath(scope.path, pathFacts[nextPathFact] as SessionFact);
    }
  });
}

/** Replays SQL a DO block runs; statements too deep to analyze are set aside, at their place in the file. */
function replayRun(scope: ReplayScope, run: ParsedSql): void {
  const { parsed, facts, unanalyzable } = analyzeWithinLimits(run);
  for (const u of unanalyzable) scope.unanalyzable.push({ ...u, range: run.snippet.outerRange(u.range.start, u.range.end) });
  replayParsed(scope, parsed, facts);
}

/**
 * Replays one file into the model from its analysis (made on this thread, on a worker or read from
 * a cache: the same plain data); returns its statement ranges (skipped ones included).
 */
export function replayAnalyzedFile(model: SchemaModel, file: SqlFile, analysis: MigrationAnalysis, options: BuildSchemaOptions = {}): ParsedFile {
  if (analysis.error) return { ...file, statements: [], error: analysis.error, unanalyzable: [] };
  const parsed = parsedSqlOf(file.text, analysis);
  const { facts } = analysis;
  const unanalyzable = [...analysis.unanalyzable];
  for (const fact of facts) {
    if (fact.kind === 'guc-write') model.writes.push({ write: fact, file: file.path });
    if (fact.kind === 'guc-read') model.reads.push({ read: fact, file: file.path });
  }
  const initialPath = resolvableSchemas(options.searchPath ?? DEFAULT_SEARCH_PATH);
  replayParsed({ model, file: file.path, path: new MigrationSearchPath(initialPath), depth: 0, unanalyzable }, parsed, facts);
  const setAside = [...parsed.skipped, ...unanalyzable.map((u) => u.range)];
  const ranges = parsed.statements.map((s) => s.range);
  const statements = setAside.length === 0 ? ranges : [...ranges, ...setAside].sort((a, b) => a.start - b.start);
  return { ...file, statements, error: null, unanalyzable };
}

/**
 * Builds the schema model from files in history order. A file that does not parse changes
 * nothing and keeps its syntax error; the files after it are still applied. Unqualified names
 * resolve along each file's search_path (see `MigrationSearchPath`).
 */
export function buildSchemaModel(files: readonly SqlFile[], options: BuildSchemaOptions = {}): BuiltSchema {
  const model = emptySchemaModel();
  const parsedFiles = files.map((file) => replayAnalyzedFile(model, file, analyzeMigration(file.text), options));
  return { model, files: parsedFiles };
}
