/**
 * The CLI's project-level commands: `tenant-scope check [dir]` (migrations and application code in
 * one run, with a summary per tool and of what was not checked) and `tenant-scope explain <rule>`
 * (a rule's documentation, offline).
 */
import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import { checkProject } from './check-project.js';
import type { ProjectCheck } from './check-project.js';
import { explainRule } from './explain-rule.js';
import { formatGithub } from './format-github.js';
import { formatPretty } from './format-pretty.js';
import { formatSarif } from './format-sarif.js';
import type { Finding } from './lint-sql.js';
import type { InputProblem } from './migration-files.js';
import { sqlLintRules } from './rules.js';

/** What `check` and `explain` are given by the CLI. */
export interface ProjectCommandOptions {
  command: 'check' | 'explain';
  inputs: readonly string[];
  format: 'pretty' | 'json' | 'github' | 'sarif';
  maxWarnings: number | undefined;
  config: string | undefined;
  version: string;
  cwd: string;
  /** Where output goes; problems (exit 2) go to `stderr` as `tenant-scope: location: message` with a hint. */
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function counts(findings: readonly Finding[]): string {
  const errors = findings.filter((f) => f.severity === 'error').length;
  const notes = findings.filter((f) => f.severity === 'info').length;
  return [plural(errors, 'error'), plural(findings.length - errors - notes, 'warning'), ...(notes > 0 ? [plural(notes, 'note')] : [])].join(', ');
}

/** The closing summary: one line per tool, then what was not checked. */
export function checkSummary(check: ProjectCheck): string {
  const { migrations, code } = check;
  const lines = ['Summary'];
  lines.push(
    migrations.files === 0
      ? '  migrations (tenant-scope lint): no .sql files'
      : `  migrations (tenant-scope lint): ${plural(migrations.files, '.sql file')}, ${counts(migrations.findings)} (config: ${migrations.config ?? 'defaults'})`,
  );
  const how = code.eslintConfig ? `with ${code.eslintConfig}` : code.tsconfig ? `${code.typed} with type information from ${code.tsconfig}, ${code.files - code.typed} without` : 'without type information';
  const sites = code.coverage ? `, ${plural(code.coverage.reduce((sum, c) => sum + c.recognised, 0), 'query site')} recognised` : '';
  lines.push(code.files === 0 ? '  app code (ESLint): no files checked' : `  app code (ESLint with @tenant-scope/eslint-plugin): ${plural(code.files, 'file')} (${how}), ${counts(code.findings)}${sites}`);
  const parseErrors = code.findings.filter((f) => f.ruleId === 'code-parse-error').length;
  const notChecked = [...code.notChecked, ...(parseErrors > 0 ? [`app code: ${plural(parseErrors, 'file')} that did not parse (listed above)`] : [])];
  lines.push(notChecked.length === 0 ? '  not checked: nothing' : `  not checked:\n${notChecked.map((n) => `    - ${n}`).join('\n')}`);
  return `${lines.join('\n')}\n`;
}

function render(check: ProjectCheck, options: ProjectCommandOptions): string {
  const findings = [...check.migrations.findings, ...check.code.findings];
  const rules = [...sqlLintRules, ...check.code.rules];
  switch (options.format) {
    case 'json':
      return `${JSON.stringify({ migrations: check.migrations, code: { ...check.code, rules: undefined }, findings }, null, 2)}\n`;
    case 'github':
      return formatGithub(findings);
    case 'sarif':
      return formatSarif(findings, check.texts, rules, options.version);
    default: {
      const section = (title: string, part: readonly Finding[]): string => `== ${title}\n\n${part.length === 0 ? 'no problems\n' : formatPretty(part, check.texts, rules)}`;
      return [section('Migrations: tenant-scope lint', check.migrations.findings), section('App code: ESLint with @tenant-scope/eslint-plugin', check.code.findings), checkSummary(check)].join('\n');
    }
  }
}

function printProblem(problem: InputProblem, options: ProjectCommandOptions): void {
  options.stderr(`tenant-scope: ${problem.location}: ${problem.message}\n  hint: ${problem.hint}\n`);
}

/** Runs `check` or `explain`; returns the exit code (0 clean, 1 errors or too many warnings, 2 could not run). */
export async function runProjectCommand(options: ProjectCommandOptions): Promise<number> {
  if (options.command === 'explain') {
    if (options.inputs.length !== 1) {
      printProblem({ message: 'explain takes one rule id', location: 'explain', hint: 'e.g. `tenant-scope explain rls-not-forced`' }, options);
      return 2;
    }
    const explained = explainRule(options.inputs[0]!, options.cwd);
    if ('problem' in explained) {
      printProblem({ message: explained.problem, location: 'explain', hint: explained.hint }, options);
      return 2;
    }
    options.stdout(explained.text);
    return 0;
  }
  if (options.inputs.length > 1) {
    printProblem({ message: 'check takes one folder', location: options.inputs.join(' '), hint: 'e.g. `tenant-scope check .`' }, options);
    return 2;
  }
  await initAnalyzer();
  const check = await checkProject(options.inputs[0] ?? '.', options.cwd, options.config);
  if ('problem' in check) {
    printProblem(check.problem, options);
    return 2;
  }
  options.stdout(render(check, options));
  // Machine formats keep stdout parsable; the summary goes to stderr.
  if (options.format !== 'pretty') options.stderr(checkSummary(check));
  const findings = [...check.migrations.findings, ...check.code.findings];
  if (findings.some((f) => f.severity === 'error')) return 1;
  // Notes (`info`) are for review and never count as warnings, as with `lint`.
  const warnings = findings.filter((f) => f.severity === 'warn').length;
  if (options.maxWarnings !== undefined && warnings > options.maxWarnings) {
    options.stderr(`tenant-scope: ${warnings} warnings found, more than --max-warnings ${options.maxWarnings}\n`);
    return 1;
  }
  return 0;
}
