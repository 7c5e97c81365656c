/**
 * What a statement handler gets: the model it changes, where the statement is, the file's
 * search_path, and the facts the analyzer found in the same parse.
 */
import type { NodeEntry, SessionFact } from '@tenant-scope/sql-analyzer';
import type { SchemaModel, StatementSource } from './schema-model.js';
import type { MigrationSearchPath } from './search-path.js';

/** The shared state of one statement's replay. */
export interface ReplayContext {
  model: SchemaModel;
  file: string;
  /** The file's text. */
  text: string;
  /** The statement being replayed. */
  source: StatementSource;
  /** Index of the statement in its file's parse (facts carry it). */
  statementIndex: number;
  /** Maps a byte location of the parse tree to a UTF-16 offset of the file. */
  offsetOf: (byteLocation: number) => number;
  /** The file's session facts (setting reads and writes, also in bodies), with ranges in the file. */
  facts: readonly SessionFact[];
  /** The file's search_path at this statement. */
  path: MigrationSearchPath;
  /** Replays a statement nested in this one (an element of CREATE SCHEMA) with the same context. */
  apply: (statement: NodeEntry) => void;
}
