/**
 * `tenant-scope prove [migrations-dir]`: reads the history the way `lint` does (same file order,
 * same configuration), runs the proof, and prints the matrix. Exit 0 when everything probed is
 * isolated, 1 on any leak or raise, 2 when the history does not apply or the run cannot start.
 * With `--format json` stdout holds exactly one JSON array of entries, whatever happens.
 */
import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import { displayPath } from '../display-path.js';
import { escapeControlCharacters } from '../control-characters.js';
import { findConfigDirectory } from '../config-directory.js';
import { knownRuleIds } from '../lint-sql.js';
import { loadLintConfig } from '../load-config.js';
import { collectMigrationFiles } from '../migration-files.js';
import { readSqlFile } from '../read-sql-file.js';
import { formatProveMarkdown, formatProvePretty, formatProveSarif } from './format-prove.js';
import { proveHistory } from './prove-history.js';
import { proveExitCode } from './prove-result.js';
import { RunProblem } from './run-problem.js';

/** The formats `prove` writes. */
export const PROVE_FORMATS = ['pretty', 'json', 'sarif', 'markdown'] as const;

/** What the CLI passes to `prove`. */
export interface ProveCommandOptions {
  inputs: readonly string[];
  format: (typeof PROVE_FORMATS)[number];
  config: string | undefined;
  databaseUrl: string | undefined;
  appRole: string | undefined;
  /** `--pgbouncer`: probe through PgBouncer and fail when it is not installed (default: when installed). */
  pgbouncer: boolean;
  version: string;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Runs `prove`; returns the exit code. */
export async function runProveCommand(options: ProveCommandOptions): Promise<number> {
  const { cwd, stderr } = options;
  const fail = (location: string, message: string, hint: string): number => {
    stderr(`tenant-scope: ${escapeControlCharacters(location)}: ${escapeControlCharacters(message)}\n  hint: ${hint}\n`);
    if (options.format === 'json') options.stdout('[]\n');
    if (options.format === 'sarif') options.stdout(formatProveSarif({ entries: [], appRole: { name: '', how: 'given' }, context: { settings: [], idType: '' }, pgbouncer: false, notes: [], timings: { build: 0, seed: 0, probe: 0 } }, options.version));
    return 2;
  };
  const configDir = options.config ? cwd : findConfigDirectory(cwd);
  const loaded = await loadLintConfig(configDir, options.config, knownRuleIds());
  if ('hint' in loaded) return fail(displayPath(cwd, loaded.location), loaded.message, loaded.hint);
  await initAnalyzer();
  const list = collectMigrationFiles(options.inputs.length > 0 ? options.inputs : ['.'], cwd);
  const first = list.problems[0];
  if (first) return fail(first.location, first.message, first.hint);
  const files: { path: string; text: string }[] = [];
  for (const path of list.files) {
    const read = readSqlFile(path);
    if ('problem' in read) return fail(read.problem.location, read.problem.message, read.problem.hint);
    files.push({ path, text: read.text });
  }
  let interrupted: (() => Promise<void>) | null = null;
  let aborting = false;
  const onSignal = (): void => {
    aborting = true;
    stderr('tenant-scope: interrupted; dropping the run database\n');
    void (interrupted ?? (async () => undefined))().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const report = await proveHistory({
      files,
      config: loaded.config,
      databaseUrl: options.databaseUrl,
      appRole: options.appRole,
      pgbouncer: options.pgbouncer ? 'require' : 'auto',
      display: (path) => displayPath(cwd, path),
      onCleanup: (cleanup) => {
        interrupted = cleanup;
      },
    });
    const out = options.format === 'json' ? `${JSON.stringify(report.entries, null, 2)}\n` : options.format === 'sarif' ? formatProveSarif(report, options.version) : options.format === 'markdown' ? formatProveMarkdown(report) : formatProvePretty(report);
    if (options.format === 'json' || options.format === 'sarif') for (const note of report.notes) stderr(`tenant-scope: note: ${escapeControlCharacters(note)}\n`);
    options.stdout(out);
    return proveExitCode(report.entries);
  } catch (error) {
    // After Ctrl-C the run's statements fail because its database is being dropped: nothing to report.
    if (aborting) return 130;
    if (error instanceof RunProblem) return fail(error.location, error.message, error.hint);
    if (process.env['TENANT_SCOPE_DEBUG']) stderr(`${(error as Error).stack ?? String(error)}\n`);
    return fail('tenant-scope prove', `internal error: ${(error as Error).message}`, 'please report this with the history that caused it; TENANT_SCOPE_DEBUG=1 prints the stack');
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
