#!/usr/bin/env node
/**
 * `tenant-scope lint <files|dirs|globs|->` lints a migration history; `tenant-scope audit` lints a
 * live database. Exit codes: 0 no errors, 1 errors (or too many warnings), 2 bad usage,
 * unreadable input or an internal failure. With `--format json|sarif` stdout is always one valid
 * document, whatever happens; problems also go to stderr.
 */
import { displayPath } from './display-path.js';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import picomatch from 'picomatch';
import { auditRules } from './audit-rules.js';
import { AUDIT_HELP, LINT_HELP, MAIN_HELP, PROVE_HELP } from './cli-help.js';
import { findConfigDirectory } from './config-directory.js';
import { escapeControlCharacters } from './control-characters.js';
import { formatGithub } from './format-github.js';
import { formatPretty } from './format-pretty.js';
import { formatSarif } from './format-sarif.js';
import type { ToolNotification } from './format-sarif.js';
import { knownRuleIds, lintSqlFindings, sortFindings } from './lint-sql.js';
import type { Finding } from './lint-sql.js';
import { loadLintConfig } from './load-config.js';
import { collectMigrationFiles, STDIN_PATH } from './migration-files.js';
import { orderFindings } from './migration-order.js';
import { runProjectCommand } from './project-commands.js';
import type { InputProblem } from './migration-files.js';
import { readSqlFile, readSqlStdin } from './read-sql-file.js';
import type { LintRule } from './rule.js';
import { sqlLintRules } from './rules.js';

const FORMATS = ['pretty', 'json', 'github', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

/** How standard input is named in findings. */
const STDIN_NAME = '<stdin>';

class UsageError extends Error {}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** What a run produced: findings and the problems that stopped (part of) it. */
interface Outcome {
  findings: Finding[];
  texts: ReadonlyMap<string, string>;
  rules: readonly LintRule[];
  problems: InputProblem[];
  /** Set when the run failed in a way that is not the user's input (exit 2 either way). */
  internal?: boolean;
}

function printProblem(problem: InputProblem): void {
  const location = escapeControlCharacters(problem.location);
  process.stderr.write(`tenant-scope: ${location}: ${escapeControlCharacters(problem.message)}\n  hint: ${problem.hint}\n`);
}

/** A problem as an entry of the JSON array, so `--format json` still writes one valid document. */
function problemFinding(problem: InputProblem, internal: boolean): Finding {
  return {
    file: escapeControlCharacters(problem.location),
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 1,
    ruleId: internal ? 'internal-error' : 'input-error',
    severity: 'error',
    message: `${escapeControlCharacters(problem.message)} (hint: ${problem.hint})`,
  };
}

function render(format: Format, outcome: Outcome): string {
  const { findings, texts, rules, problems } = outcome;
  switch (format) {
    case 'json':
      return `${JSON.stringify([...findings, ...problems.map((p) => problemFinding(p, outcome.internal === true))], null, 2)}\n`;
    case 'github':
      return formatGithub(findings);
    case 'sarif': {
      const notifications: ToolNotification[] = problems.map((p) => ({ location: escapeControlCharacters(p.location), message: `${escapeControlCharacters(p.message)} (hint: ${p.hint})` }));
      return formatSarif(findings, texts, rules, version(), notifications);
    }
    default:
      return formatPretty(findings, texts, rules);
  }
}

function exitCodeFor(findings: readonly Finding[], maxWarnings: number | undefined): number {
  if (findings.some((f) => f.severity === 'error')) return 1;
  const warnings = findings.filter((f) => f.severity === 'warn').length;
  if (maxWarnings !== undefined && warnings > maxWarnings) {
    process.stderr.write(`tenant-scope: ${warnings} warnings found, more than --max-warnings ${maxWarnings}\n`);
    return 1;
  }
  return 0;
}

/** `--concurrency`: worker threads that parse (see `AnalysisOptions`). */
function concurrency(value: string | undefined): number | 'auto' | 'off' {
  if (value === undefined || value === 'auto' || value === 'off') return value ?? 'auto';
  if (!/^\d+$/.test(value)) throw new UsageError(`--concurrency needs a whole number, auto or off, got "${value}"`);
  return Number(value) === 0 ? 'off' : Number(value);
}

/** Where `--cache` keeps its entries, after ESLint's `.eslintcache` in the current directory. */
const DEFAULT_CACHE_LOCATION = '.tenant-scope-cache';

/** Whole seconds (or fractions) given to a timeout option, in milliseconds. */
function seconds(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback * 1000;
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0) throw new UsageError(`--${name} needs a positive number of seconds, got "${value}"`);
  return Math.round(Number(value) * 1000);
}

const OPTIONS = {
  format: { type: 'string' },
  'max-warnings': { type: 'string' },
  config: { type: 'string' },
  'database-url': { type: 'string' },
  'app-role': { type: 'string' },
  'connect-timeout': { type: 'string' },
  'statement-timeout': { type: 'string' },
  pgbouncer: { type: 'boolean' },
  cache: { type: 'boolean' },
  'cache-location': { type: 'string' },
  concurrency: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

const empty = (rules: readonly LintRule[] = sqlLintRules): Omit<Outcome, 'problems'> => ({ findings: [], texts: new Map(), rules });

async function run(argv: string[]): Promise<{ outcome: Outcome; code: number; written?: boolean }> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...inputs] = positionals;
  if (values.help) {
    process.stdout.write(command === 'lint' ? LINT_HELP : command === 'audit' ? AUDIT_HELP : command === 'prove' ? PROVE_HELP : MAIN_HELP);
    return { outcome: { ...empty(), problems: [] }, code: 0, written: true };
  }
  if (values.version) {
    process.stdout.write(`${version()}\n`);
    return { outcome: { ...empty(), problems: [] }, code: 0, written: true };
  }
  if (command === 'prove') {
    // Loaded here so that the other commands do not load the prover.
    const { PROVE_FORMATS, runProveCommand } = await import('./prove/run-prove-command.js');
    const format = values.format ?? 'pretty';
    if (!(PROVE_FORMATS as readonly string[]).includes(format)) throw new UsageError(`unknown --format "${format}" for prove; use one of ${PROVE_FORMATS.join(', ')}`);
    const write = (stream: NodeJS.WriteStream) => (text: string) => void stream.write(text);
    const code = await runProveCommand({ inputs, format: format as (typeof PROVE_FORMATS)[number], config: values.config, databaseUrl: values['database-url'], appRole: values['app-role'], pgbouncer: values.pgbouncer === true, version: version(), cwd: process.cwd(), stdout: write(process.stdout), stderr: write(process.stderr) });
    return { outcome: { ...empty(), problems: [] }, code, written: true };
  }
  if (values.format !== undefined && !(FORMATS as readonly string[]).includes(values.format)) {
    throw new UsageError(`unknown --format "${values.format}"; use one of ${FORMATS.join(', ')}`);
  }
  let maxWarnings: number | undefined;
  if (values['max-warnings'] !== undefined) {
    if (!/^\d+$/.test(values['max-warnings'])) throw new UsageError(`--max-warnings needs a whole number, got "${values['max-warnings']}"`);
    maxWarnings = Number(values['max-warnings']);
  }
  const parsers = concurrency(values.concurrency);
  if (command === 'check' || command === 'explain') {
    const write = (stream: NodeJS.WriteStream) => (text: string) => void stream.write(text);
    const format = (values.format ?? 'pretty') as Format;
    const code = await runProjectCommand({ command, inputs, format, maxWarnings, config: values.config, version: version(), cwd: process.cwd(), stdout: write(process.stdout), stderr: write(process.stderr) });
    return { outcome: { ...empty(), problems: [] }, code, written: true };
  }
  if (command !== 'lint' && command !== 'audit') {
    throw new UsageError(command === undefined ? 'missing command' : `unknown command "${command}"`);
  }
  const cwd = process.cwd();
  const configDir = values.config ? cwd : findConfigDirectory(cwd);
  const loaded = await loadLintConfig(configDir, values.config, knownRuleIds());
  if ('hint' in loaded) return { outcome: { ...empty(), problems: [{ ...loaded, location: displayPath(cwd, loaded.location) }] }, code: 2 };

  if (command === 'audit') {
    await initAnalyzer();
    if (inputs.length > 0) throw new UsageError('audit takes no paths; it reads the database given by --database-url');
    const url = values['database-url'] ?? process.env['DATABASE_URL'];
    if (!url) throw new UsageError('audit needs --database-url <url> (or DATABASE_URL)');
    const connectTimeoutMs = seconds('connect-timeout', values['connect-timeout'], 10);
    const statementTimeoutMs = seconds('statement-timeout', values['statement-timeout'], 30);
    const rules = [...sqlLintRules, ...auditRules];
    // Loaded here so that `lint` does not load the PostgreSQL client.
    const { auditDatabase } = await import('./audit-database.js');
    const result = await auditDatabase({ databaseUrl: url, appRole: values['app-role'], config: loaded.config, connectTimeoutMs, statementTimeoutMs });
    if ('problem' in result) return { outcome: { ...empty(rules), problems: [result.problem] }, code: 2 };
    return { outcome: { findings: result.findings, texts: result.texts, rules, problems: [] }, code: exitCodeFor(result.findings, maxWarnings) };
  }

  // Without paths, the configuration's `migrations` (relative to the configuration's folder) is the history.
  const configured = inputs.length === 0 ? loaded.config.migrations : undefined;
  const configBase = loaded.path === null ? configDir : dirname(resolve(cwd, loaded.path.replace(/#tenant-scope$/, '')));
  const paths = configured ? configured.map((m) => relative(cwd, resolve(configBase, m)) || '.') : inputs;
  if (paths.length === 0) throw new UsageError('lint needs at least one file, directory, glob or - (standard input), or "migrations" in the configuration');
  const { ignore, ...config } = loaded.config;
  // `ignore` patterns are relative to the directory of the configuration. An ignored file is still
  // replayed when it can be read (what it creates exists for later files), but a file that cannot
  // be read (binary, too large, unreadable) is no problem when it is ignored.
  const matcher = ignore && ignore.length > 0 ? picomatch(ignore, { dot: true }) : null;
  const isIgnored = matcher ? (path: string) => matcher(relative(configDir, resolve(cwd, path)).split('\\').join('/')) : () => false;
  const list = collectMigrationFiles(paths, cwd, isIgnored);
  const problems = list.problems.filter((p) => !isIgnored(p.location));
  const files: { path: string; text: string }[] = [];
  for (const path of list.files) {
    const read = path === STDIN_PATH ? readSqlStdin() : readSqlFile(path);
    if (!('problem' in read)) files.push({ path: path === STDIN_PATH ? STDIN_NAME : path, text: read.text });
    else if (path === STDIN_PATH || !isIgnored(path)) problems.push(read.problem);
  }
  if (problems.length > 0) return { outcome: { ...empty(), problems }, code: 2 };
  const cacheLocation = values.cache ? resolve(cwd, values['cache-location'] ?? DEFAULT_CACHE_LOCATION) : undefined;
  const result = await lintSqlFindings({ files, config, concurrency: parsers, cacheLocation });
  if (result.configProblem) return { outcome: { ...empty(), problems: [result.configProblem] }, code: 2 };
  const findings = result.findings.filter((f) => f.file === STDIN_NAME || !isIgnored(f.file));
  // Where the migration tool's order is not clear (migration-order.ts): one warning per file or journal.
  findings.push(...orderFindings(list.orderNotes, config).filter((f) => !isIgnored(f.file)));
  sortFindings(findings, files.map((f) => f.path));
  const texts = new Map(files.map((f) => [f.path, f.text]));
  return { outcome: { findings, texts, rules: sqlLintRules, problems: [] }, code: exitCodeFor(findings, maxWarnings) };
}

/** The format asked for, read before argument parsing so that even a usage error gives a valid document. */
function requestedFormat(argv: readonly string[]): Format {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = arg.startsWith('--format=') ? arg.slice('--format='.length) : arg === '--format' ? argv[i + 1] : undefined;
    if (value !== undefined) return (FORMATS as readonly string[]).includes(value) ? (value as Format) : 'pretty';
  }
  return 'pretty';
}

async function main(argv: string[]): Promise<number> {
  const format = requestedFormat(argv);
  let outcome: Outcome;
  let code: number;
  try {
    let written: boolean | undefined;
    ({ outcome, code, written } = await run(argv));
    if (written) return code;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`tenant-scope: ${escapeControlCharacters(error.message)}\n\n${MAIN_HELP.slice(0, MAIN_HELP.indexOf('\nCommands:'))}\nRun \`tenant-scope --help\` for every option.\n`);
      outcome = { ...empty(), problems: [{ message: error.message, location: 'command line', hint: 'run `tenant-scope --help` for usage' }] };
    } else {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`tenant-scope: internal error: ${escapeControlCharacters(detail.split('\n')[0] ?? '')}\n`);
      if (process.env['TENANT_SCOPE_DEBUG']) process.stderr.write(`${detail}\n`);
      outcome = { ...empty(), internal: true, problems: [{ message: `internal error: ${error instanceof Error ? error.message : String(error)}`, location: 'tenant-scope', hint: 'please report this with the input that caused it; TENANT_SCOPE_DEBUG=1 prints the stack' }] };
    }
    if (format === 'json' || format === 'sarif') process.stdout.write(render(format, outcome));
    return 2;
  }
  outcome.problems.forEach(printProblem);
  if (outcome.problems.length === 0 || format === 'json' || format === 'sarif') process.stdout.write(render(format, outcome));
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  // main catches everything it can; this is the last line of defence (e.g. stdout closed).
  () => {
    process.exitCode = 2;
  },
);
