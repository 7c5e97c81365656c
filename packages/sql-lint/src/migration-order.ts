/**
 * The order a migration tool applies a folder's files in, where the file names alone do not say
 * it, and the notes (`migration-order-ambiguous`) where the order is not clear: a Drizzle folder
 * is ordered by its `meta/_journal.json` (entries by `idx`, each `tag` naming `<tag>.sql`); any
 * other folder by the natural sort of its names, which is ambiguous when two files carry the same
 * version number or when sequence numbers and timestamps are mixed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { escapeControlCharacters } from './control-characters.js';
import type { LintConfig } from './lint-config.js';
import type { Finding } from './lint-sql.js';

/** The id of findings about an ambiguous migration order. */
export const MIGRATION_ORDER_RULE = 'migration-order-ambiguous';

/** Why the order of a file (or of a journal) is not clear. */
export interface MigrationOrderNote {
  /** The file (as the history names it) or the journal the note is about. */
  file: string;
  message: string;
}

interface JournalEntry {
  idx: number;
  tag: string;
}

/** The journal's entries, or why it cannot be used. */
function readJournal(path: string): JournalEntry[] | string {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return `cannot be read as JSON (${(error as Error).message.split('\n')[0]})`;
  }
  const entries = (json as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries)) return 'has no "entries" list';
  const valid = entries.filter((e): e is JournalEntry => typeof e?.idx === 'number' && typeof e?.tag === 'string');
  if (valid.length !== entries.length) return 'has entries without a numeric "idx" and a string "tag"';
  return valid;
}

/** The version number a file name starts with (`001`, `20240101120000`, Flyway `V2`), with Prisma's folder name for `migration.sql`. */
function versionOf(path: string): string | undefined {
  const name = /^migration\.sql$/i.test(basename(path)) ? basename(dirname(path)) : basename(path);
  return /^V?(\d+)/.exec(name)?.[1];
}

/** The folder whose files are ordered against each other (Prisma: the folder of the migration folders). */
function groupOf(path: string): string {
  return /^migration\.sql$/i.test(basename(path)) ? dirname(dirname(path)) : dirname(path);
}

// Timestamps (yyyymmddhhmmss, Unix seconds or milliseconds) have 10 digits or more; sequence numbers far fewer.
const isTimestamp = (version: string): boolean => version.length >= 10;

/** Notes for a folder ordered by its names: equal version numbers, mixed numbering schemes. */
function nameOrderNotes(files: readonly string[]): MigrationOrderNote[] {
  const notes: MigrationOrderNote[] = [];
  const seen = new Map<string, string>();
  let firstScheme: { file: string; timestamp: boolean } | undefined;
  let mixed = false;
  for (const file of files) {
    const version = versionOf(file);
    if (version === undefined) continue;
    const key = String(BigInt(version));
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      notes.push({ file, message: `this file has the same version number (${version}) as ${basename(earlier)}: the order between them is only that of their names, and tools that key migrations by version apply one of them, or refuse both` });
    } else seen.set(key, file);
    if (!firstScheme) firstScheme = { file, timestamp: isTimestamp(version) };
    else if (!mixed && isTimestamp(version) !== firstScheme.timestamp) {
      mixed = true;
      const kinds = firstScheme.timestamp ? 'timestamps, then sequence numbers' : 'sequence numbers, then timestamps';
      notes.push({ file, message: `this folder numbers its migrations two ways (${kinds}, from ${basename(firstScheme.file)} and this file): the natural order puts every sequence number before every timestamp, which may not be the order they were applied in` });
    }
  }
  return notes;
}

/**
 * Reorders `sorted` (already in natural order, paths relative to `cwd`) where a Drizzle journal
 * says otherwise, and returns the notes on every folder whose order is not clear. `asGiven`
 * (standard input) keep their place and are not judged.
 */
export function orderByMigrationTool(sorted: readonly string[], cwd: string, asGiven: readonly string[] = []): { files: string[]; notes: MigrationOrderNote[] } {
  const groups = new Map<string, string[]>();
  for (const file of sorted) {
    if (asGiven.includes(file)) continue;
    const group = groupOf(file);
    groups.set(group, [...(groups.get(group) ?? []), file]);
  }
  const notes: MigrationOrderNote[] = [];
  const replacement = new Map<string, string[]>();
  for (const [group, files] of groups) {
    const journalPath = join(group, 'meta', '_journal.json');
    if (!existsSync(resolve(cwd, journalPath))) {
      notes.push(...nameOrderNotes(files));
      continue;
    }
    const journal = readJournal(resolve(cwd, journalPath));
    if (typeof journal === 'string') {
      notes.push({ file: journalPath, message: `this Drizzle journal ${journal}: the files of its folder are taken in the order of their names` });
      notes.push(...nameOrderNotes(files));
      continue;
    }
    const entries = [...journal].sort((a, b) => a.idx - b.idx);
    const indexes = entries.map((e) => e.idx);
    if (indexes.some((idx, i) => idx !== i)) {
      notes.push({ file: journalPath, message: `the "idx" values of this Drizzle journal are not 0, 1, 2, … (${indexes.join(', ')}): which migration runs when is not clear` });
    }
    const byTag = new Map(files.map((f) => [basename(f, '.sql'), f]));
    const ordered: string[] = [];
    for (const entry of entries) {
      const file = byTag.get(entry.tag);
      if (file === undefined) {
        notes.push({ file: journalPath, message: `this Drizzle journal lists "${entry.tag}" (idx ${entry.idx}), but ${entry.tag}.sql is not among the files linted: the history is missing a migration` });
        continue;
      }
      if (!ordered.includes(file)) ordered.push(file);
    }
    for (const file of files) {
      if (ordered.includes(file)) continue;
      notes.push({ file, message: `this file is not in ${journalPath}, so drizzle-kit does not apply it; it is linted after the journal's migrations` });
      ordered.push(file);
    }
    replacement.set(group, ordered);
  }
  // Each journal folder keeps the places its files had in the natural order, filled in the journal's order.
  const next = new Map([...replacement].map(([group, files]) => [group, [...files]]));
  const files = sorted.map((file) => (asGiven.includes(file) ? file : (next.get(groupOf(file))?.shift() ?? file)));
  return { files, notes };
}

/** The notes as findings (warnings unless `rules` says otherwise), at the first line of their file. */
export function orderFindings(notes: readonly MigrationOrderNote[], config: LintConfig): Finding[] {
  const severity = config.rules?.[MIGRATION_ORDER_RULE] ?? 'warn';
  if (severity === 'off') return [];
  return notes.map((note) => ({
    file: note.file,
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 1,
    ruleId: MIGRATION_ORDER_RULE,
    severity,
    message: escapeControlCharacters(note.message),
  }));
}
