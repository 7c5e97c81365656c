/**
 * Applies a migration history to the run database as the superuser, statement by statement in the
 * linter's order (each file starting from the configured search_path with a clean session, the
 * way a migration tool opens it), and stops at the first statement PostgreSQL refuses.
 */
import { LineIndex } from '@tenant-scope/sql-analyzer';
import type pg from 'pg';
import type { ParsedFile } from '../model/replay.js';
import { quoteIdent } from './catalog-tables.js';
import { RunProblem } from './run-problem.js';

/** Applies `files` (their statement ranges from the model's parse) in order; throws a RunProblem at the first failure. */
export async function applyHistory(client: pg.ClientBase, files: readonly ParsedFile[], searchPath: readonly string[], display: (file: string) => string): Promise<void> {
  for (const file of files) {
    if (file.error) {
      throw new RunProblem(`the history does not parse: ${file.error.message}`, 'fix the syntax error; `tenant-scope lint` shows it too', `${display(file.path)}:${file.error.line}`);
    }
    await client.query(`RESET SESSION AUTHORIZATION; SET ROLE NONE; RESET ALL; SET search_path TO ${searchPath.map(quoteIdent).join(', ')}`);
    for (const range of file.statements) {
      const sql = file.text.slice(range.start, range.end);
      try {
        await client.query(sql);
      } catch (error) {
        const position = Number((error as { position?: string }).position);
        const offset = range.start + (Number.isInteger(position) && position > 0 ? position - 1 : 0);
        const line = new LineIndex(file.text).positionAt(offset).line;
        throw new RunProblem(
          `the history does not apply: ${(error as Error).message}`,
          'prove builds the database from the history on a plain PostgreSQL; a statement that needs an extension or object the server lacks must be created by the history (or use a server that has it, with --database-url)',
          `${display(file.path)}:${line}`,
        );
      }
    }
  }
  await client.query('RESET SESSION AUTHORIZATION; SET ROLE NONE; RESET ALL');
}
