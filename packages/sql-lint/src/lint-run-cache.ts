/**
 * The run entries of `--cache`: the findings of a whole history, named by a hash of everything they
 * depend on (the tool's code, Node's version, picomatch's, the configuration, and every file's path
 * and text in order). A re-run with nothing changed reads them instead of replaying the history; any change to
 * any input names another entry. The newest few are kept. An entry that cannot be read or does not
 * have the shape of findings is ignored, and the history is linted as without it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Finding } from './lint-sql.js';
import type { LintConfig } from './lint-config.js';
import { toolCodeStamp } from './migration-analysis-cache.js';
import type { SqlFile } from './model/replay.js';

/** picomatch's manifest: the `ignore` globs of the configuration are matched with it. */
function picomatchVersion(): string {
  try {
    return readFileSync(join(dirname(createRequire(import.meta.url).resolve('picomatch')), 'package.json'), 'utf8');
  } catch {
    // Not where a package keeps its manifest: the entries of this run are named without it.
    return 'picomatch: no manifest';
  }
}

/** Run entries kept: a few branches or configurations linted in turn each find their own. */
const RUNS_KEPT = 8;

const RUN_NAME = /^run-[0-9a-f]{64}\.json$/;

const SEVERITIES: ReadonlySet<unknown> = new Set(['error', 'warn', 'info']);

/** Whether parsed JSON is a list of findings (a truncated or foreign file is not). */
function isFindingList(value: unknown): value is Finding[] {
  return (
    Array.isArray(value) &&
    value.every((f: Partial<Finding> | null) => {
      if (typeof f !== 'object' || f === null) return false;
      const positions = [f.line, f.column, f.endLine, f.endColumn];
      return typeof f.file === 'string' && positions.every(Number.isInteger) && typeof f.ruleId === 'string' && SEVERITIES.has(f.severity) && typeof f.message === 'string';
    })
  );
}

/** The run entries of a cache directory. */
export interface LintRunCache {
  /**
   * The entry's name for a linted history (its files as replayed, the platform's prelude first), or
   * null for a configuration that is not plain JSON (a JavaScript configuration may hold anything).
   */
  keyOf(config: LintConfig, history: readonly SqlFile[]): string | null;
  /** The findings stored for the key, or undefined. */
  read(key: string): Finding[] | undefined;
  /** Stores findings and removes all but the newest entries; failures are ignored. */
  write(key: string, findings: readonly Finding[]): void;
}

/** Opens (without creating) the run entries in `location`. */
export function openLintRunCache(location: string): LintRunCache {
  const path = (key: string): string => join(location, `run-${key}.json`);
  return {
    keyOf(config, history) {
      let settings: string;
      try {
        settings = JSON.stringify(config);
      } catch {
        return null;
      }
      const hash = createHash('sha256').update(`run\n${toolCodeStamp()}\n${process.version}\n${picomatchVersion()}\n${settings}\n${history.length}\n`);
      // Lengths first, so that no two histories give the same stream.
      for (const file of history) hash.update(`${file.path.length}:${file.path}${file.text.length}:`).update(file.text);
      return hash.digest('hex');
    },
    read(key) {
      try {
        const value: unknown = JSON.parse(readFileSync(path(key), 'utf8'));
        return isFindingList(value) ? value : undefined;
      } catch {
        return undefined;
      }
    },
    write(key, findings) {
      try {
        mkdirSync(location, { recursive: true });
        const partial = join(location, `run-${key}.${process.pid}.tmp`);
        writeFileSync(partial, JSON.stringify(findings));
        renameSync(partial, path(key));
        const runs = readdirSync(location)
          .filter((name) => RUN_NAME.test(name))
          .map((name) => ({ name, modified: statSync(join(location, name), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
          .sort((a, b) => b.modified - a.modified);
        for (const { name } of runs.slice(RUNS_KEPT)) rmSync(join(location, name), { force: true });
      } catch {
        // The cache is an optimisation: a location that cannot be written leaves the run as it is.
      }
    },
  };
}
