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

/** What applying needed beyond the history itself: roles it created, statements it skipped. */
export interface ApplyNotes {
  /** Roles the history grants to (or alters) but never creates, created NOLOGIN for the run: a deployment creates them. */
  createdRoles: string[];
  /** What was left out, with where (`file:line: CREATE EXTENSION pg_net skipped: …`). */
  skipped: string[];
}

const MISSING_ROLE = /^role "(.+)" does not exist$/;
const CREATE_EXTENSION = /^\s*create\s+extension\s+(?:if\s+not\s+exists\s+)?("?)([^\s"]+)\1/i;

/**
 * Applies `files` (their statement ranges from the model's parse) in order; throws a RunProblem
 * at the first failure. Two failures are not the history's: a role it names but never creates
 * (created for the run, then the statement is retried), and an extension this server does not have
 * (skipped; what needs it fails later, at its own statement).
 */
export async function applyHistory(client: pg.ClientBase, files: readonly ParsedFile[], searchPath: readonly string[], display: (file: string) => string, notes: ApplyNotes = { createdRoles: [], skipped: [] }): Promise<ApplyNotes> {
  for (const file of files) {
    if (file.error) {
      throw new RunProblem(`the history does not parse: ${file.error.message}`, 'fix the syntax error; `tenant-scope lint` shows it too', `${display(file.path)}:${file.error.line}`);
    }
    await client.query(`RESET SESSION AUTHORIZATION; SET ROLE NONE; RESET ALL; SET search_path TO ${searchPath.map(quoteIdent).join(', ')}`);
    for (const range of file.statements) {
      const sql = file.text.slice(range.start, range.end);
      for (let attempt = 0; ; attempt++) {
        const error = await client.query(sql).then(
          () => undefined,
          (e: unknown) => e as { code?: string; message: string; position?: string },
        );
        if (error === undefined) break;
        const role = MISSING_ROLE.exec(error.message)?.[1];
        if (error.code === '42704' && role !== undefined && attempt < 5) {
          const created = await client.query(`CREATE ROLE ${quoteIdent(role)} NOLOGIN`).then(
            () => true,
            () => false,
          );
          if (!created) throw new RunProblem(`the history does not apply: ${error.message}`, 'create the role in a migration, or on the server before the run', `${display(file.path)}:${new LineIndex(file.text).positionAt(range.start).line}`);
          notes.createdRoles.push(role);
          continue;
        }
        const extension = CREATE_EXTENSION.exec(sql)?.[2];
        if (extension !== undefined && (error.code === '0A000' || error.code === '58P01')) {
          const line = new LineIndex(file.text).positionAt(range.start).line;
          notes.skipped.push(`${display(file.path)}:${line}: CREATE EXTENSION ${extension} skipped: ${error.message}`);
          break;
        }
        const position = Number(error.position);
        const offset = range.start + (Number.isInteger(position) && position > 0 ? position - 1 : 0);
        const line = new LineIndex(file.text).positionAt(offset).line;
        throw new RunProblem(
          `the history does not apply: ${error.message}`,
          'prove builds the database from the history on a plain PostgreSQL; a statement that needs an extension or object the server lacks must be created by the history (or use a server that has it, with --database-url)',
          `${display(file.path)}:${line}`,
        );
      }
    }
  }
  await client.query('RESET SESSION AUTHORIZATION; SET ROLE NONE; RESET ALL');
  return notes;
}
