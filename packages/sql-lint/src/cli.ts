#!/usr/bin/env node
/**
 * `tenant-scope lint <files|dirs|globs>` lints a migration history; `tenant-scope audit` lints a
 * live database. Exit codes: 0 no errors, 1 errors (or too many warnings), 2 bad usage,
 * unreadable input or an internal failure.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import { auditRules } from './audit-rules.js';
import { formatGithub } from './format-github.js';
import { formatPretty } from './format-pretty.js';
import { formatSarif } from './format-sarif.js';
import { knownRuleIds, lintSql } from './lint-sql.js';
import type { Finding } from './lint-sql.js';
import { loadLintConfig } from './load-config.js';
import { runProjectCommand } from './project-commands.js';
import { collectMigrationFiles } from './migration-files.js';
import type { InputProblem } from './migration-files.js';
import { readSqlFile } from './read-sql-file.js';
import type { LintRule } from './rule.js';
import { sqlLintRules } from './rules.js';

const FORMATS = ['pretty', 'json', 'github', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

const USAGE = `Usage:
  tenant-scope check [options] [dir]              migrations and app code of a project (default .)
  tenant-scope lint [options] <file|dir|glob>...
  tenant-scope audit --database-url <url> [--app-role <name>] [options]
  tenant-scope explain <rule>                     a rule's documentation, offline

Options:
  --format <pretty|json|github|sarif>  output format (default: pretty)
  --max-warnings <n>                   exit 1 when there are more than n warnings
  --config <file>                      configuration file (default: tenant-scope.config.json|.js|.mjs
                                       or package.json#tenant-scope in the current directory)
  -h, --help                           show this help
  -v, --version                        show the version

Exit codes: 0 no errors, 1 errors found, 2 bad usage, unreadable input or an internal failure.
`;

class UsageError extends Error {}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function printProblem(problem: InputProblem): void {
  process.stderr.write(`tenant-scope: ${problem.location}: ${problem.message}\n  hint: ${problem.hint}\n`);
}

function render(format: Format, findings: Finding[], texts: ReadonlyMap<string, string>, rules: readonly LintRule[]): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(findings, null, 2)}\n`;
    case 'github':
      return formatGithub(findings);
    case 'sarif':
      return formatSarif(findings, texts, rules, version());
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

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        'max-warnings': { type: 'string' },
        config: { type: 'string' },
        'database-url': { type: 'string' },
        'app-role': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const [command, ...inputs] = positionals;
  const format = (values.format ?? 'pretty') as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`unknown --format "${values.format}"; use one of ${FORMATS.join(', ')}`);
  let maxWarnings: number | undefined;
  if (values['max-warnings'] !== undefined) {
    if (!/^\d+$/.test(values['max-warnings'])) throw new UsageError(`--max-warnings needs a whole number, got "${values['max-warnings']}"`);
    maxWarnings = Number(values['max-warnings']);
  }
  if (command === 'check' || command === 'explain') {
    const write = (stream: NodeJS.WriteStream) => (text: string) => void stream.write(text);
    return runProjectCommand({ command, inputs, format, maxWarnings, config: values.config, version: version(), cwd: process.cwd(), stdout: write(process.stdout), stderr: write(process.stderr) });
  }
  if (command !== 'lint' && command !== 'audit') {
    throw new UsageError(command === undefined ? 'missing command' : `unknown command "${command}"`);
  }
  const cwd = process.cwd();
  const loaded = await loadLintConfig(cwd, values.config, knownRuleIds());
  if ('hint' in loaded) {
    printProblem(loaded);
    return 2;
  }
  await initAnalyzer();

  if (command === 'audit') {
    if (inputs.length > 0) throw new UsageError('audit takes no paths; it reads the database given by --database-url');
    const url = values['database-url'] ?? process.env['DATABASE_URL'];
    if (!url) throw new UsageError('audit needs --database-url <url> (or DATABASE_URL)');
    // Loaded here so that `lint` does not load the PostgreSQL client.
    const { auditDatabase } = await import('./audit-database.js');
    const result = await auditDatabase({ databaseUrl: url, appRole: values['app-role'], config: loaded.config });
    if ('problem' in result) {
      printProblem(result.problem);
      return 2;
    }
    process.stdout.write(render(format, result.findings, result.texts, [...sqlLintRules, ...auditRules]));
    return exitCodeFor(result.findings, maxWarnings);
  }

  if (inputs.length === 0) throw new UsageError('lint needs at least one file, directory or glob');
  const list = collectMigrationFiles(inputs, cwd);
  const problems = [...list.problems];
  const files: { path: string; text: string }[] = [];
  for (const path of list.files) {
    const read = readSqlFile(path);
    if ('problem' in read) problems.push(read.problem);
    else files.push({ path, text: read.text });
  }
  if (problems.length > 0) {
    problems.forEach(printProblem);
    return 2;
  }
  const result = lintSql({ files, config: loaded.config });
  if (result.configProblem) {
    printProblem(result.configProblem);
    return 2;
  }
  const texts = new Map(files.map((f) => [f.path, f.text]));
  process.stdout.write(render(format, result.findings, texts, sqlLintRules));
  return exitCodeFor(result.findings, maxWarnings);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`tenant-scope: ${error.message}\n\n${USAGE}`);
    } else {
      process.stderr.write(`tenant-scope: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    process.exitCode = 2;
  },
);
