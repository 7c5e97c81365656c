/**
 * The programmatic linter: replays migration files into the schema model, runs every enabled
 * rule on the final state, and returns findings at the statements that caused them.
 */
import { LineIndex } from '@tenant-scope/sql-analyzer';
import picomatch from 'picomatch';
import type { AppRoleAccess } from './app-role-access.js';
import { auditRules } from './audit-rules.js';
import { analyzeMigrations } from './migration-analyses.js';
import { openLintRunCache } from './lint-run-cache.js';
import type { AnalysisOptions } from './migration-analyses.js';
import { buildSchemaModel, replayAnalyzedFile } from './model/replay.js';
import type { ParsedFile, SqlFile } from './model/replay.js';
import { ignoreProblems, isIgnored, readInlineIgnores, UNKNOWN_IGNORE_RULE, UNUSED_IGNORE_RULE } from './inline-ignores.js';
import type { InlineIgnores } from './inline-ignores.js';
import { contextFunctionsOf } from './context-sources.js';
import { withoutExtensionSchemas } from './extension-schemas.js';
import { isConfigProblem, validateLintConfig } from './lint-config.js';
import type { ConfigProblem, LintConfig } from './lint-config.js';
import { escapeControlCharacters } from './control-characters.js';
import { isPreludeFile, platformPresetFor, preludeFile } from './platform-preset.js';
import type { PlatformPreset } from './platform-preset.js';
import { formatMessage } from './rule.js';
import type { LintRule, RuleContext, Severity } from './rule.js';
import { sqlLintRules } from './rules.js';
import { emptySchemaModel } from './model/schema-model.js';
import type { SchemaModel, StatementSource } from './model/schema-model.js';
import { UNANALYZABLE_RULE } from './unanalyzable-statements.js';
import { upMigrationText } from './up-migration-text.js';
import { MIGRATION_ORDER_RULE } from './migration-order.js';

/** The rule id of a file that does not parse. */
export const PARSE_ERROR_RULE = 'parse-error';

/** One problem, with 1-based positions (end exclusive). */
export interface Finding {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  ruleId: string;
  severity: Severity;
  message: string;
}

/** What `lintSql` is given: the history in order, and the configuration. */
export interface LintSqlOptions {
  /** Migration files in the order they are applied. */
  files: readonly SqlFile[];
  config?: LintConfig;
  /** Extra rules to run after the built-in ones (the live audit adds its own). */
  extraRules?: readonly LintRule[];
}

/** The findings, and the model they judged. */
export interface LintSqlResult {
  findings: Finding[];
  model: SchemaModel;
  /** Set (and `findings` empty) when the configuration is invalid. */
  configProblem: ConfigProblem | null;
}

/** Ids of every rule a configuration may name: the SQL rules, the audit's, `parse-error`, `unanalyzable` and the ignore comments' own. */
export function knownRuleIds(extraRules: readonly LintRule[] = []): string[] {
  return [
    ...new Set(
      [...sqlLintRules, ...auditRules, ...extraRules].map((r) => r.id).concat(PARSE_ERROR_RULE, UNANALYZABLE_RULE, UNKNOWN_IGNORE_RULE, UNUSED_IGNORE_RULE, MIGRATION_ORDER_RULE),
    ),
  ];
}

/** Builds the rule context from a configuration and the platform preset in effect. */
export function ruleContext(
  model: SchemaModel,
  config: LintConfig,
  appRole: string | null = null,
  appRoleAccess: AppRoleAccess | null = null,
  platform: PlatformPreset | null = null,
): RuleContext {
  const gucs = config.contextGucs ? [...config.contextGucs, ...(platform?.contextGucs ?? [])] : null;
  return {
    model: withoutExtensionSchemas(model, config.extensionSchemas),
    appRole,
    appRoleAccess,
    tenantColumns: config.tenantColumns ?? ['tenant_id'],
    contextGucs: gucs ? new Set(gucs.map((g) => g.toLowerCase())) : null,
    contextFunctions: contextFunctionsOf(config.contextFunctions),
    platform,
  };
}

/** The severity a rule runs at, or `off`: the configuration's, the platform's, then the rule's own. */
function severityOf(rule: LintRule, config: LintConfig, platform: PlatformPreset | null): Severity | 'off' {
  const configured = config.rules?.[rule.id] ?? platform?.rules[rule.id];
  if (configured) return configured;
  if (rule.id === 'unknown-context-guc' && !config.contextGucs) return 'off';
  if (rule.meta.strictOnly && config.ruleSet !== 'strict') return 'off';
  return rule.meta.severity;
}

/** The platform preset in effect for the files of `texts`. */
function platformOfTexts(config: LintConfig, texts: ReadonlyMap<string, { text: string }>): PlatformPreset | null {
  return platformPresetFor(config, [...texts].map(([path, { text }]) => ({ path, text })));
}

/**
 * Runs the rules over a model; `texts` gives each file's text for positions and inline ignores.
 * `platform` is the preset in effect for those files (found from them when not given).
 */
export function runRules(
  model: SchemaModel,
  config: LintConfig,
  rules: readonly LintRule[],
  texts: ReadonlyMap<string, { text: string; ignores: InlineIgnores | null }>,
  appRole: string | null = null,
  appRoleAccess: AppRoleAccess | null = null,
  platform: PlatformPreset | null = platformOfTexts(config, texts),
): Finding[] {
  const context = ruleContext(model, config, appRole, appRoleAccess, platform);
  const ignoredGlob = config.ignore && config.ignore.length > 0 ? picomatch(config.ignore, { dot: true }) : () => false;
  const ignoredFiles = new Map<string, boolean>();
  const isIgnoredFile = (file: string): boolean => {
    let ignored = ignoredFiles.get(file);
    if (ignored === undefined) {
      ignored = isPreludeFile(file) || ignoredGlob(file);
      ignoredFiles.set(file, ignored);
    }
    return ignored;
  };
  const lines = new Map<string, LineIndex>();
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const rule of rules) {
    const severity = severityOf(rule, config, platform);
    if (severity === 'off') continue;
    for (const report of rule.check(context)) {
      const { file, range } = report.source;
      if (isIgnoredFile(file)) continue;
      const source = texts.get(file);
      if (source?.ignores && isIgnored(source.ignores, rule.id, range.start)) continue;
      const message = formatMessage(rule.meta.messages[report.messageId] ?? report.messageId, report.data);
      // One statement may be reported for several objects (an EXECUTE in a loop over tables): one finding per message.
      const key = `${rule.id}|${file}|${range.start}|${range.end}|${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push(toFinding(report.source, source?.text, lines, rule.id, severity, escapeControlCharacters(message)));
    }
  }
  return findings;
}

function toFinding(
  source: StatementSource,
  text: string | undefined,
  lines: Map<string, LineIndex>,
  ruleId: string,
  severity: Severity,
  message: string,
): Finding {
  if (text === undefined) return { file: source.file, line: 1, column: 1, endLine: 1, endColumn: 1, ruleId, severity, message };
  let index = lines.get(source.file);
  if (!index) {
    index = new LineIndex(text);
    lines.set(source.file, index);
  }
  const start = index.positionAt(source.range.start);
  const end = index.positionAt(Math.max(source.range.end, source.range.start));
  return { file: source.file, line: start.line, column: start.column, endLine: end.line, endColumn: end.column, ruleId, severity, message };
}

/** Orders findings by file (in history order), then position, then rule. */
export function sortFindings(findings: Finding[], fileOrder: readonly string[]): Finding[] {
  const order = new Map(fileOrder.map((f, i) => [f, i]));
  return findings.sort(
    (a, b) =>
      (order.get(a.file) ?? Infinity) - (order.get(b.file) ?? Infinity) ||
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      a.ruleId.localeCompare(b.ruleId),
  );
}

/** One warning per statement set aside as too deeply nested (see `analyzeWithinLimits`). */
function unanalyzableFindings(
  parsed: readonly ParsedFile[],
  texts: ReadonlyMap<string, { text: string; ignores: InlineIgnores | null }>,
  config: LintConfig,
  isIgnoredFile: (path: string) => boolean,
): Finding[] {
  const severity = config.rules?.[UNANALYZABLE_RULE] ?? 'warn';
  if (severity === 'off') return [];
  const lines = new Map<string, LineIndex>();
  const findings: Finding[] = [];
  for (const file of parsed) {
    if (isIgnoredFile(file.path)) continue;
    const ignores = texts.get(file.path)?.ignores;
    for (const { range, reason } of file.unanalyzable) {
      if (ignores && isIgnored(ignores, UNANALYZABLE_RULE, range.start)) continue;
      const message = `this statement is not analyzed, so nothing in it is linted or counted in the schema: ${reason}`;
      findings.push(toFinding({ file: file.path, range }, file.text, lines, UNANALYZABLE_RULE, severity, message));
    }
  }
  return findings;
}

/** `unknown-ignore` and `unused-ignore` findings (warnings by default), once every other finding is known. */
function ignoreCommentFindings(
  parsed: readonly ParsedFile[],
  texts: ReadonlyMap<string, { text: string; ignores: InlineIgnores | null }>,
  config: LintConfig,
  rules: readonly LintRule[],
  isIgnoredFile: (path: string) => boolean,
  known: readonly string[],
  platform: PlatformPreset | null,
): Finding[] {
  const running = new Set(rules.filter((rule) => severityOf(rule, config, platform) !== 'off').map((rule) => rule.id));
  if ((config.rules?.[UNANALYZABLE_RULE] ?? 'warn') !== 'off') running.add(UNANALYZABLE_RULE);
  const knownIds = new Set(known);
  const lines = new Map<string, LineIndex>();
  const findings: Finding[] = [];
  for (const file of parsed) {
    const ignores = texts.get(file.path)?.ignores;
    if (!ignores || isIgnoredFile(file.path)) continue;
    for (const problem of ignoreProblems(ignores, knownIds, (id) => running.has(id))) {
      const severity = config.rules?.[problem.ruleId] ?? 'warn';
      if (severity === 'off') continue;
      findings.push(toFinding({ file: file.path, range: problem.range }, file.text, lines, problem.ruleId, severity, escapeControlCharacters(problem.message)));
    }
  }
  return findings;
}

/** A history ready to replay: the valid configuration and the files (up parts), the platform's prelude first. */
interface PreparedHistory {
  config: LintConfig;
  files: SqlFile[];
  history: SqlFile[];
  extraRules: readonly LintRule[];
  /** The platform preset in effect (found once: it reads every file). */
  platform: PlatformPreset | null;
}

function prepareHistory(options: LintSqlOptions): PreparedHistory | LintSqlResult {
  const extraRules = options.extraRules ?? [];
  const validated = validateLintConfig(options.config ?? {}, 'lintSql({ config })', knownRuleIds(extraRules));
  if (isConfigProblem(validated)) return { findings: [], model: buildSchemaModel([]).model, configProblem: validated };
  const config = validated;
  const files = options.files.map((f) => ({ path: f.path, text: upMigrationText(f.text) }));
  // A platform's own objects are replayed first, as the platform creates them before any migration.
  const platform = platformPresetFor(config, files);
  const history = platform ? [preludeFile(platform), ...files] : files;
  return { config, files, history, extraRules, platform };
}

/** The findings of a replayed history. */
function judgeHistory({ config, files, extraRules, platform }: PreparedHistory, model: SchemaModel, parsed: readonly ParsedFile[]): LintSqlResult {
  const texts = new Map(
    parsed.map((f) => [f.path, { text: f.text, ignores: f.error ? null : readInlineIgnores(f.text, f.statements) }] as const),
  );
  const findings = runRules(model, config, [...sqlLintRules, ...extraRules], texts, null, null, platform);
  const parseSeverity = config.rules?.[PARSE_ERROR_RULE] ?? 'error';
  const isIgnoredFile = config.ignore && config.ignore.length > 0 ? picomatch(config.ignore, { dot: true }) : () => false;
  for (const file of parsed) {
    if (!file.error || parseSeverity === 'off' || isIgnoredFile(file.path) || isPreludeFile(file.path)) continue;
    const index = new LineIndex(file.text);
    const end = index.positionAt(Math.min(file.text.length, file.error.offset + 1));
    findings.push({
      file: file.path,
      line: file.error.line,
      column: file.error.column,
      endLine: end.line,
      endColumn: Math.max(end.column, file.error.column),
      ruleId: PARSE_ERROR_RULE,
      severity: parseSeverity,
      message: `the file does not parse, so nothing in it is linted: ${escapeControlCharacters(file.error.message)}`,
    });
  }
  findings.push(...unanalyzableFindings(parsed, texts, config, isIgnoredFile));
  findings.push(...ignoreCommentFindings(parsed, texts, config, [...sqlLintRules, ...extraRules], isIgnoredFile, knownRuleIds(extraRules), platform));
  return { findings: sortFindings(findings, files.map((f) => f.path)), model, configProblem: null };
}

/**
 * Lints an ordered migration history. Never throws for bad SQL: a file that does not parse
 * gives a `parse-error` finding at its line and column, and the other files are still linted.
 * Only the "up" part of files with up/down markers counts.
 */
export function lintSql(options: LintSqlOptions): LintSqlResult {
  const prepared = prepareHistory(options);
  if (!('history' in prepared)) return prepared;
  const { model, files: parsed } = buildSchemaModel(prepared.history, { searchPath: prepared.config.searchPath });
  return judgeHistory(prepared, model, parsed);
}

/** `lintSqlAsync`'s options: `lintSql`'s, and how files are parsed. */
export interface LintSqlAsyncOptions extends LintSqlOptions, AnalysisOptions {}

/**
 * `lintSql` with its files parsed and analyzed on worker threads (when there is enough SQL to pay
 * for them) and, given `cacheLocation`, read from and written to an on-disk cache. The model is
 * replayed here, in history order, while later files are still being parsed. The result is the
 * same as `lintSql`'s.
 */
export async function lintSqlAsync(options: LintSqlAsyncOptions): Promise<LintSqlResult> {
  const prepared = prepareHistory(options);
  if (!('history' in prepared)) return prepared;
  return lintPrepared(prepared, options);
}

async function lintPrepared(prepared: PreparedHistory, options: AnalysisOptions): Promise<LintSqlResult> {
  if (options.cacheLocation === undefined) return replayAndJudge(prepared, options, true);
  try {
    return await replayAndJudge(prepared, options, true);
  } catch {
    // An entry that passed its checks but broke the replay or a rule (damaged inside a tree): the
    // run again, parsing every file and rewriting its entry; a real failure fails again here, as
    // it would without the cache.
    return replayAndJudge(prepared, options, false);
  }
}

async function replayAndJudge(prepared: PreparedHistory, options: AnalysisOptions, readCache: boolean): Promise<LintSqlResult> {
  const { history, config } = prepared;
  const analyses = analyzeMigrations(
    history.map((f) => f.text),
    options,
    readCache,
  );
  const model = emptySchemaModel();
  const parsed: ParsedFile[] = [];
  for (const [i, file] of history.entries()) parsed.push(replayAnalyzedFile(model, file, await analyses.analysisOf(i), { searchPath: config.searchPath }));
  analyses.done();
  return judgeHistory(prepared, model, parsed);
}

/**
 * The findings of `lintSqlAsync` (what the CLI's `lint` prints). With `cacheLocation`, a history
 * linted before with the same configuration and the same tool (every file's path and text the
 * same, in the same order) gives the findings stored then, without a replay; any other is linted
 * and its findings stored. With `extraRules` nothing is stored (their code is not part of the key).
 */
export async function lintSqlFindings(options: LintSqlAsyncOptions): Promise<Pick<LintSqlResult, 'findings' | 'configProblem'>> {
  const prepared = prepareHistory(options);
  if (!('history' in prepared)) return prepared;
  const runs = options.cacheLocation !== undefined && prepared.extraRules.length === 0 ? openLintRunCache(options.cacheLocation) : null;
  const key = runs?.keyOf(prepared.config, prepared.history) ?? null;
  const stored = key === null ? undefined : runs?.read(key);
  if (stored) return { findings: stored, configProblem: null };
  const { findings, configProblem } = await lintPrepared(prepared, options);
  if (key !== null) runs?.write(key, findings);
  return { findings, configProblem };
}
