/**
 * What a statement handler gets: the model it changes, the statement and the parse it comes from,
 * the file's search_path, and the facts the analyzer found in the same parse.
 */
import type { NodeEntry, ParsedSql, ParsedStatement, SessionFact } from '@tenant-scope/sql-analyzer';
import type { SchemaModel, StatementSource } from './schema-model.js';
import type { MigrationSearchPath } from './search-path.js';

/** The shared state of one statement's replay. */
export interface ReplayContext {
  model: SchemaModel;
  file: string;
  /**
   * The parse the statement comes from: the file, or SQL a DO block runs. Offsets in it map to
   * the file through `parsed.snippet`.
   */
  parsed: ParsedSql;
  statement: ParsedStatement;
  /** Index of the statement in `parsed` (facts carry it). */
  statementIndex: number;
  /** The statement being replayed, in the file. */
  source: StatementSource;
  /** The session facts of `parsed` (setting reads and writes, also in bodies), with ranges in the file. */
  facts: readonly SessionFact[];
  /** The file's search_path at this statement. */
  path: MigrationSearchPath;
  /** How many DO blocks the statement is nested in. */
  depth: number;
  /** Replays a statement nested in this one (an element of CREATE SCHEMA) with the same context. */
  apply: (statement: NodeEntry) => void;
  /** Replays SQL this statement runs (what a DO block executes), statement by statement, on the same path. */
  replay: (parsed: ParsedSql) => void;
  /** Whether the replay follows statements of a node type (has a handler for it). */
  follows: (statementType: string) => boolean;
}
