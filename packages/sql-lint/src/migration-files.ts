/**
 * Turns the paths a user gives (files, directories, globs) into the migration history: the SQL
 * files in the order they are applied. Order is the natural sort of paths, which is the order of
 * plain `NNN_name.sql`, Flyway `V1__x.sql`, Prisma `migrations/<timestamp>_x/migration.sql`,
 * Supabase `supabase/migrations/<timestamp>_x.sql`, dbmate and node-pg-migrate files.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { globSync, isDynamicPattern } from 'tinyglobby';

/** A path the user gave that yields no migration file. */
export interface InputProblem {
  message: string;
  location: string;
  hint: string;
}

/** The history, as paths relative to the working directory, and what could not be used. */
export interface MigrationFileList {
  files: string[];
  problems: InputProblem[];
}

const natural = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Flyway undo migrations (`U2__x.sql`) and `*.down.sql` files undo history; they are not part of it. */
function isDownMigration(path: string): boolean {
  const name = path.split(/[\\/]/).pop() ?? '';
  return /^U\d+(?:[._]\d+)*__/.test(name) || /\.down\.sql$/i.test(name);
}

/** Flyway runs repeatable migrations (`R__x.sql`) after all versioned ones. */
function isRepeatable(path: string): boolean {
  return /^R__/.test(path.split(/[\\/]/).pop() ?? '');
}

/** Orders paths the way migration tools apply them. */
export function sortMigrationPaths(paths: readonly string[]): string[] {
  return [...paths].sort((a, b) => Number(isRepeatable(a)) - Number(isRepeatable(b)) || natural.compare(a, b));
}

function sqlFilesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...sqlFilesUnder(path));
    else if (entry.isFile() && entry.name.toLowerCase().endsWith('.sql')) found.push(path);
  }
  return found;
}

const toDisplay = (cwd: string, path: string): string => relative(cwd, resolve(cwd, path)).split(sep).join('/') || path;

/** Expands files, directories (every `.sql` below them) and globs, relative to `cwd`. */
export function collectMigrationFiles(inputs: readonly string[], cwd: string): MigrationFileList {
  const files = new Set<string>();
  const problems: InputProblem[] = [];
  for (const input of inputs) {
    const absolute = resolve(cwd, input);
    if (existsSync(absolute)) {
      if (statSync(absolute).isDirectory()) {
        const found = sqlFilesUnder(absolute);
        if (found.length === 0) {
          problems.push({ message: 'no .sql files in this directory', location: input, hint: 'point at the folder that holds your migrations, e.g. `tenant-scope lint db/migrations`' });
        }
        found.forEach((f) => files.add(toDisplay(cwd, f)));
      } else {
        files.add(toDisplay(cwd, absolute));
      }
      continue;
    }
    if (isDynamicPattern(input)) {
      const found = globSync(input, { cwd, onlyFiles: true, dot: false, ignore: ['**/node_modules/**'] });
      if (found.length === 0) problems.push({ message: 'the pattern matches no file', location: input, hint: 'quote the pattern so the shell does not expand it, e.g. "migrations/**/*.sql"' });
      found.forEach((f) => files.add(toDisplay(cwd, f)));
      continue;
    }
    problems.push({ message: 'no such file or directory', location: input, hint: 'check the path; it is resolved from the current directory' });
  }
  return { files: sortMigrationPaths([...files].filter((f) => !isDownMigration(f))), problems };
}
