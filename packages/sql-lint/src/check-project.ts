/**
 * `tenant-scope check [dir]`: a whole project in one command. The configuration's `migrations` (or
 * every `.sql` file under the folder) are linted as one migration history with the project's own tenant-scope configuration, and its
 * application code with @tenant-scope/eslint-plugin (see check-app-code.ts).
 */
import { displayPath } from './display-path.js';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { checkAppCode } from './check-app-code.js';
import type { AppCodeResult } from './check-app-code.js';
import { knownRuleIds, lintSql } from './lint-sql.js';
import type { Finding } from './lint-sql.js';
import { loadLintConfig } from './load-config.js';
import { collectMigrationFiles } from './migration-files.js';
import { orderFindings } from './migration-order.js';
import type { InputProblem } from './migration-files.js';
import { readSqlFile } from './read-sql-file.js';

/** What `check` found, per tool, and what it did not check. */
export interface ProjectCheck {
  migrations: {
    findings: Finding[];
    files: number;
    /** The tenant-scope configuration used, relative to the working directory, or null for the defaults. */
    config: string | null;
  };
  code: AppCodeResult;
  /** Each file's text by displayed path, for code frames and SARIF fingerprints. */
  texts: Map<string, string>;
}


/** Checks the project in `dir` (relative to `cwd`); a problem means nothing could be checked. */
export async function checkProject(dir: string, cwd: string, configPath: string | undefined): Promise<ProjectCheck | { problem: InputProblem }> {
  const root = resolve(cwd, dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    return { problem: { message: 'not a folder', location: dir, hint: 'give the folder of your project, e.g. `tenant-scope check .`' } };
  }
  const loaded = await loadLintConfig(root, configPath === undefined ? undefined : resolve(cwd, configPath), knownRuleIds());
  if ('hint' in loaded) return { problem: { ...loaded, location: loaded.location.startsWith(root) ? displayPath(cwd, loaded.location) : loaded.location } };

  // Paths relative to the project, so that the configuration's `ignore` globs mean what they say there.
  // The configuration's `migrations` (relative to its own folder) is the history; else every .sql file.
  const configured = loaded.config.migrations;
  const configDir = loaded.path === null ? root : dirname(loaded.path.replace(/#tenant-scope$/, ''));
  const list = collectMigrationFiles(configured ? configured.map((m) => relative(root, resolve(configDir, m)) || '.') : ['.'], root);
  if (configured && list.problems.length > 0) {
    const first = list.problems[0]!;
    return { problem: { ...first, location: displayPath(cwd, resolve(root, first.location)), hint: `${first.hint} ("migrations" in ${displayPath(cwd, loaded.path ?? root)})` } };
  }
  const files: { path: string; text: string }[] = [];
  const unreadable: InputProblem[] = [];
  for (const path of list.files) {
    const read = readSqlFile(join(root, path));
    if ('problem' in read) unreadable.push(read.problem);
    else files.push({ path, text: read.text });
  }
  if (unreadable.length > 0) return { problem: { ...unreadable[0]!, location: displayPath(cwd, unreadable[0]!.location) } };
  const texts = new Map<string, string>();
  let findings: Finding[] = [];
  if (files.length > 0) {
    const result = lintSql({ files, config: loaded.config });
    if (result.configProblem) return { problem: result.configProblem };
    const shown = (path: string): string => displayPath(cwd, join(root, path));
    findings = result.findings.map((f) => ({ ...f, file: f.file.startsWith('database: ') ? f.file : shown(f.file) }));
    findings.push(...orderFindings(list.orderNotes, loaded.config).map((f) => ({ ...f, file: shown(f.file) })));
    for (const f of files) texts.set(shown(f.path), f.text);
  }
  const code = await checkAppCode(root, cwd);
  for (const f of new Set(code.findings.map((finding) => finding.file))) {
    if (!texts.has(f)) {
      const read = readSqlFile(resolve(cwd, f));
      if (!('problem' in read)) texts.set(f, read.text);
    }
  }
  return {
    migrations: { findings, files: files.length, config: loaded.path === null ? null : displayPath(cwd, loaded.path.replace(/#tenant-scope$/, '')) },
    code,
    texts,
  };
}
