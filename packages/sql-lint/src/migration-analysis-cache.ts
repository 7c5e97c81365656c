/**
 * The on-disk cache of `--cache`: one JSON file per analyzed migration text, named by a hash of the
 * text and of the code that analyzed it. Nothing in it depends on the configuration or on the
 * other files (the model replay and the rules always run), so an entry is either right or absent.
 * The directory is safe to delete; an entry that cannot be read or parsed is analyzed again and
 * rewritten; a cache that cannot be written only costs the time it would have saved. Entries no
 * run has used lately are removed (`prune`), so the directory stays within a few times the history.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationAnalysis } from './migration-analysis.js';

/** Bumped when the layout of an entry changes in a way the code hash would not show. */
const ENTRY_FORMAT = 1;

/** Every `.js` file under a directory, in a stable order. */
function scriptsUnder(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.js'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

let codeStamp: string | undefined;

/**
 * What an entry's validity depends on besides its inputs: the built code of this package and of
 * the analyzer (hashed, so a rebuilt or upgraded tool never reads an older tool's entries) and the
 * parser's version.
 */
export function toolCodeStamp(): string {
  if (codeStamp !== undefined) return codeStamp;
  const require = createRequire(import.meta.url);
  const analyzerDir = dirname(require.resolve('@tenant-scope/sql-analyzer'));
  const parserPackage = join(dirname(createRequire(join(analyzerDir, 'index.js')).resolve('libpg-query')), '..', 'package.json');
  const hash = createHash('sha256').update(`entry format ${ENTRY_FORMAT}\n`);
  hash.update(readFileSync(parserPackage));
  for (const file of [...scriptsUnder(dirname(fileURLToPath(import.meta.url))), ...scriptsUnder(analyzerDir)]) hash.update(file).update(readFileSync(file));
  codeStamp = hash.digest('hex');
  return codeStamp;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const isRange = (value: unknown): boolean => isObject(value) && Number.isInteger(value.start) && Number.isInteger(value.end);

/**
 * Whether parsed JSON has the shape of an analysis, down to each statement, fact and range (a
 * truncated or foreign file has not; the trees themselves are the parser's and are not checked).
 */
function isAnalysis(value: unknown): value is MigrationAnalysis {
  if (!isObject(value)) return false;
  const { error, statements, skipped, facts, unanalyzable } = value;
  const errorOk = error === null || (isObject(error) && typeof error.message === 'string' && [error.offset, error.line, error.column].every(Number.isInteger));
  return (
    errorOk &&
    Array.isArray(statements) &&
    statements.every((s) => isObject(s) && typeof s.type === 'string' && isObject(s.node) && isRange(s.range)) &&
    Array.isArray(skipped) &&
    skipped.every(isRange) &&
    Array.isArray(facts) &&
    facts.every((f) => isObject(f) && typeof f.kind === 'string' && isRange(f.range) && Number.isInteger(f.statementIndex)) &&
    Array.isArray(unanalyzable) &&
    unanalyzable.every((u) => isObject(u) && isRange(u.range) && typeof u.reason === 'string')
  );
}

/** An opened cache directory. */
export interface MigrationAnalysisCache {
  /** The entry's name for a text. */
  keyOf(text: string): string;
  /** The names of the entries in the cache now. */
  keys(): Set<string>;
  /** The cached analysis, or undefined when there is none that can be read. */
  read(key: string): MigrationAnalysis | undefined;
  /** Stores an analysis given as JSON; failures are ignored. */
  write(key: string, json: string): void;
  /**
   * Once a run is done with the cache: when it holds many more entries than the run used (`used`,
   * the keys of its texts), removes the others, and leftovers of writers that stopped halfway.
   */
  prune(used: ReadonlySet<string>): void;
}

/** The name of an analysis entry: a SHA-256 in hex. */
const ENTRY_NAME = /^[0-9a-f]{64}\.json$/;

/** Entries kept beyond the ones a run used, before the others are removed. */
const SPARE_ENTRIES = 64;

/** A half-written entry older than this was left by a writer that stopped. */
const STALE_PARTIAL_MS = 10 * 60 * 1000;

/** Removes a file of the cache; another run may have removed it first. */
function remove(path: string): void {
  rmSync(path, { force: true });
}

/**
 * Keeps the cache bounded: entries the run did not use go once there are more of them than it used
 * (plus a few), so a cache shared by branches with the same history keeps both versions of a file
 * while edits do not pile up. Partial files are removed once they are old.
 */
function pruneEntries(location: string, used: ReadonlySet<string>): void {
  const names = readdirSync(location);
  const unused = names.filter((name) => ENTRY_NAME.test(name) && !used.has(name.slice(0, -'.json'.length)));
  if (unused.length > used.size + SPARE_ENTRIES) for (const name of unused) remove(join(location, name));
  const now = Date.now();
  for (const name of names) {
    if (!name.endsWith('.tmp')) continue;
    const path = join(location, name);
    const modified = statSync(path, { throwIfNoEntry: false })?.mtimeMs;
    if (modified !== undefined && now - modified > STALE_PARTIAL_MS) remove(path);
  }
}

/** Opens (without creating) the cache in `location`. */
export function openMigrationAnalysisCache(location: string): MigrationAnalysisCache {
  const stamp = toolCodeStamp();
  let created = false;
  return {
    keyOf: (text) => createHash('sha256').update(stamp).update('\n').update(text).digest('hex'),
    keys() {
      try {
        return new Set(readdirSync(location).flatMap((name) => (name.endsWith('.json') ? [name.slice(0, -'.json'.length)] : [])));
      } catch {
        return new Set();
      }
    },
    read(key) {
      try {
        const value: unknown = JSON.parse(readFileSync(join(location, `${key}.json`), 'utf8'));
        return isAnalysis(value) ? value : undefined;
      } catch {
        return undefined;
      }
    },
    write(key, json) {
      try {
        if (!created) mkdirSync(location, { recursive: true });
        created = true;
        // Written aside and renamed, so a reader never sees half an entry.
        const partial = join(location, `${key}.${process.pid}.tmp`);
        writeFileSync(partial, json);
        renameSync(partial, join(location, `${key}.json`));
      } catch {
        // The cache is an optimisation: a location that cannot be written leaves the run as it is.
      }
    },
    prune(used) {
      try {
        pruneEntries(location, used);
      } catch {
        // A directory that cannot be listed or changed keeps its entries: only space is lost.
      }
    },
  };
}
