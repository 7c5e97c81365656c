/**
 * Turns the paths a user gives (files, directories, globs) into the migration history: the SQL
 * files in the order they are applied. Order is the natural sort of paths, which is the order of
 * plain `NNN_name.sql`, Flyway `V1__x.sql`, Prisma `migrations/<timestamp>_x/migration.sql`,
 * Supabase `supabase/migrations/<timestamp>_x.sql`, dbmate and node-pg-migrate files; a Drizzle
 * folder follows its `meta/_journal.json` (see `migration-order.ts`).
 */
import { displayPath } from './display-path.js';
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type * as Tinyglobby from 'tinyglobby';
import { orderByMigrationTool } from './migration-order.js';
import type { MigrationOrderNote } from './migration-order.js';

/** tinyglobby, loaded for the first glob (most runs name files and folders; loading it costs about 15 ms). */
const tinyglobby = (): typeof Tinyglobby => createRequire(import.meta.url)('tinyglobby') as typeof Tinyglobby;

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
  /** Where the order the files are applied in is not clear (`migration-order-ambiguous`). */
  orderNotes: MigrationOrderNote[];
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

/** What walking a directory found: its SQL files and the entries it could not use. */
interface Walk {
  files: string[];
  problems: InputProblem[];
  /** Whether a directory (relative to the working directory, `/`-separated) is in the config's `ignore`. */
  ignored: (path: string) => boolean;
  display: (path: string) => string;
}

/**
 * Every `.sql` file below `dir`, following symbolic links. A link back to a directory being
 * walked is a loop, reported once; an entry that cannot be read is reported, not thrown.
 */
function sqlFilesUnder(dir: string, walk: Walk, ancestors: ReadonlySet<string>): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    walk.problems.push(unreadable(walk.display(dir), error, 'directory'));
    return;
  }
  for (const entry of entries) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const target = statSync(path);
        isDirectory = target.isDirectory();
        isFile = target.isFile();
      } catch (error) {
        if (!entry.name.toLowerCase().endsWith('.sql') && (error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        walk.problems.push(unreadable(walk.display(path), error, 'symbolic link'));
        continue;
      }
    }
    if (isDirectory) {
      // An ignored directory is not walked (its files would only be replayed, never reported).
      if (walk.ignored(walk.display(path))) continue;
      const real = realpathOrNull(path);
      if (real === null || ancestors.has(real)) {
        walk.problems.push({
          message: 'symbolic link loop: this directory leads back to a directory that contains it',
          location: walk.display(path),
          hint: 'remove the link, or add it to "ignore" in the configuration',
        });
        continue;
      }
      sqlFilesUnder(path, walk, new Set([...ancestors, real]));
    } else if (isFile && entry.name.toLowerCase().endsWith('.sql')) walk.files.push(path);
  }
}

function realpathOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'symbolic link loop',
  ENOENT: 'broken symbolic link (its target does not exist)',
  ENOTDIR: 'not a directory',
};

/** A path that exists but cannot be read, as a problem. */
export function unreadable(location: string, error: unknown, what: string): InputProblem {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return {
    message: `cannot read this ${what}: ${REASONS[code] ?? code}`,
    location,
    hint: code === 'ELOOP' || code === 'ENOENT' ? 'fix or remove the link, or add it to "ignore" in the configuration' : 'check its permissions, or add it to "ignore" in the configuration',
  };
}


/** The path that stands for standard input. */
export const STDIN_PATH = '-';

/**
 * Expands files, directories (every `.sql` below them, following symbolic links) and globs,
 * relative to `cwd`. Directories matching `ignored` are not walked. `-` (standard input) is
 * kept as is.
 */
export function collectMigrationFiles(inputs: readonly string[], cwd: string, ignored: (path: string) => boolean = () => false): MigrationFileList {
  const files = new Set<string>();
  const problems: InputProblem[] = [];
  const display = (path: string): string => displayPath(cwd, path);
  for (const input of inputs) {
    if (input === STDIN_PATH) {
      files.add(STDIN_PATH);
      continue;
    }
    const absolute = resolve(cwd, input);
    let stats;
    try {
      stats = statSync(absolute);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && tinyglobby().isDynamicPattern(input)) {
        const found = tinyglobby().globSync(input, { cwd, onlyFiles: true, dot: false, ignore: ['**/node_modules/**'] });
        if (found.length === 0) problems.push({ message: 'the pattern matches no file', location: input, hint: 'quote the pattern so the shell does not expand it, e.g. "migrations/**/*.sql"' });
        found.forEach((f) => files.add(display(f)));
        continue;
      }
      if (code === 'ENOENT' && !lstatExists(absolute)) {
        problems.push({ message: 'no such file or directory', location: input, hint: 'check the path; it is resolved from the current directory' });
      } else {
        problems.push(unreadable(input, error, 'path'));
      }
      continue;
    }
    if (stats.isDirectory()) {
      const walk: Walk = { files: [], problems, ignored, display };
      sqlFilesUnder(absolute, walk, new Set([realpathOrNull(absolute) ?? absolute]));
      if (walk.files.length === 0 && !problems.some((p) => p.location.startsWith(display(absolute)))) {
        problems.push({ message: 'no .sql files in this directory', location: input, hint: 'point at the folder that holds your migrations, e.g. `tenant-scope lint db/migrations`' });
      }
      walk.files.forEach((f) => files.add(display(f)));
    } else {
      files.add(display(absolute));
    }
  }
  const ordered = orderByMigrationTool(sortMigrationPaths([...files].filter((f) => !isDownMigration(f))), cwd, [STDIN_PATH]);
  return { files: ordered.files, problems, orderNotes: ordered.notes };
}

function lstatExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
