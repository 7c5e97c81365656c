/**
 * The application-code half of `tenant-scope check`: ESLint with @tenant-scope/eslint-plugin over
 * a project's sources, with the ESLint, plugin and parser the project installed (this package
 * depends on none of them). The project's own ESLint config is honoured when it has one; without
 * one, files its tsconfig.json includes are linted with type information and the others without.
 */
import { displayPath } from './display-path.js';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Finding } from './lint-sql.js';
import type { LintRule } from './rule.js';

/** What the app-code check found and what it could not check. */
export interface AppCodeResult {
  findings: Finding[];
  /** Source files linted, and how many of them with type information. */
  files: number;
  typed: number;
  /** The tsconfig.json that gave type information, relative to the working directory. */
  tsconfig: string | null;
  /** The ESLint config file honoured, relative to the working directory, or null for the built-in one. */
  eslintConfig: string | null;
  /** One line per thing not checked, saying why and how to fix it. */
  notChecked: string[];
  /** The plugin's rules as `@tenant-scope/<name>`, for the help lines and SARIF rule descriptors. */
  rules: LintRule[];
  /**
   * Per linted file with query sites: how many the plugin recognised, and the SQL-looking calls on
   * receivers it did not recognise (nothing is checked about those). Null when the plugin gives none.
   */
  coverage: FileCoverage[] | null;
}

/** One file's query coverage, as `queryCoverage()` of the plugin gives it. */
export interface FileCoverage {
  file: string;
  recognised: number;
  unrecognised: number;
  unrecognisedLines: number[];
}

interface LintMessage {
  ruleId: string | null;
  severity: number;
  message: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  fatal?: boolean;
}
interface LintResult {
  filePath: string;
  messages: LintMessage[];
}
interface ESLintInstance {
  lintFiles(patterns: string[]): Promise<LintResult[]>;
  calculateConfigForFile(path: string): Promise<{ rules?: Record<string, unknown> } | undefined>;
}
type ESLintClass = new (options: Record<string, unknown>) => ESLintInstance;
interface PluginModule {
  configs: Record<'recommended' | 'recommended-type-checked', Record<string, unknown> & { rules: Record<string, unknown> }>;
  rules: Record<string, { meta?: { docs?: { description?: string } } }>;
}
type QueryCoverage = () => Map<string, Omit<FileCoverage, 'file'>>;
interface TypeScriptModule {
  sys: object;
  getParsedCommandLineOfConfigFile(path: string, options: object, host: object): { fileNames: string[]; projectReferences?: readonly { path: string }[] } | undefined;
}

const CONFIG_NAMES = ['eslint.config.js', 'eslint.config.mjs', 'eslint.config.cjs', 'eslint.config.ts', 'eslint.config.mts', 'eslint.config.cts'];
const SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;
const TYPESCRIPT = /\.(?:[cm]?ts|tsx)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'build', 'coverage', 'out']);
const SOURCE_GLOB = '**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}';
const IGNORES = ['**/node_modules/**', '**/dist/**', '**/build/**', '**/coverage/**', '**/out/**'];
const INSTALL = 'npm install --save-dev eslint @tenant-scope/eslint-plugin typescript-eslint';

/** The module `name` as installed for the project (`dir`), else beside this package; null when neither has it. */
async function importModuleFrom<T>(dir: string, name: string): Promise<({ default?: T } & T) | null> {
  for (const from of [join(dir, 'package.json'), fileURLToPath(import.meta.url)]) {
    let path: string;
    try {
      path = createRequire(from).resolve(name);
    } catch {
      continue;
    }
    return (await import(pathToFileURL(path).href)) as { default?: T } & T;
  }
  return null;
}

/** The default export of `importModuleFrom`, or the module itself. */
async function importFrom<T>(dir: string, name: string): Promise<T | null> {
  const module = await importModuleFrom<T>(dir, name);
  return module && (module.default ?? module);
}

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...sourceFiles(path));
    else if (entry.isFile() && SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

/** The first of `names` in `dir` or a parent, looking no higher than the project root (the nearest package.json). */
function findUp(dir: string, names: readonly string[]): string | null {
  for (let d = dir; ; d = dirname(d)) {
    for (const name of names) if (existsSync(join(d, name))) return join(d, name);
    if (existsSync(join(d, 'package.json')) || dirname(d) === d) return null;
  }
}

/** The files a tsconfig.json (and the projects it references) includes. */
function tsconfigFiles(ts: TypeScriptModule, tsconfig: string, seen = new Set<string>()): Set<string> {
  const files = new Set<string>();
  if (seen.has(tsconfig)) return files;
  seen.add(tsconfig);
  const parsed = ts.getParsedCommandLineOfConfigFile(tsconfig, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!parsed) return files;
  parsed.fileNames.forEach((f) => files.add(resolve(f)));
  for (const reference of parsed.projectReferences ?? []) {
    const path = existsSync(reference.path) && !reference.path.endsWith('.json') ? join(reference.path, 'tsconfig.json') : reference.path;
    tsconfigFiles(ts, path, seen).forEach((f) => files.add(f));
  }
  return files;
}

const isTenantScopeRule = (ruleId: string): boolean => ruleId.startsWith('@tenant-scope/');


function toFindings(results: readonly LintResult[], cwd: string): Finding[] {
  return results.flatMap((result) =>
    result.messages.map((m) => ({
      file: displayPath(cwd, result.filePath),
      line: m.line ?? 1,
      column: m.column ?? 1,
      endLine: m.endLine ?? m.line ?? 1,
      endColumn: m.endColumn ?? m.column ?? 1,
      ruleId: m.ruleId ?? 'code-parse-error',
      severity: m.severity === 2 ? ('error' as const) : ('warn' as const),
      message: m.message,
    })),
  );
}

async function lintProject(dir: string, cwd: string, files: string[], eslintModule: { ESLint: ESLintClass }, plugin: PluginModule, result: AppCodeResult): Promise<void> {
  const { ESLint } = eslintModule;
  const ownConfig = findUp(dir, CONFIG_NAMES);
  if (ownConfig) {
    result.eslintConfig = displayPath(cwd, ownConfig);
    const config = await new ESLint({ cwd: dir }).calculateConfigForFile(files[0]!);
    const enabled = Object.keys(config?.rules ?? {}).some(isTenantScopeRule);
    // A config without the plugin gets its recommended rules on top, keeping its parser and settings.
    const eslint = new ESLint({ cwd: dir, ruleFilter: ({ ruleId }: { ruleId: string }) => isTenantScopeRule(ruleId), warnIgnored: false, ...(enabled ? {} : { overrideConfig: [plugin.configs.recommended] }) });
    const results = await eslint.lintFiles(files);
    result.files = results.length;
    result.findings = toFindings(results, cwd).filter((f) => f.ruleId === 'code-parse-error' || isTenantScopeRule(f.ruleId));
    return;
  }

  const tseslint = await importFrom<{ parser: unknown }>(dir, 'typescript-eslint');
  const ts = await importFrom<TypeScriptModule>(dir, 'typescript');
  const tsconfig = findUp(dir, ['tsconfig.json']);
  const inProgram = tsconfig && ts && tseslint ? tsconfigFiles(ts, tsconfig) : new Set<string>();
  const typed = files.filter((f) => inProgram.has(f));
  const untyped = files.filter((f) => !inProgram.has(f) && (tseslint || !TYPESCRIPT.test(f)));
  const skipped = files.length - typed.length - untyped.length;
  if (skipped > 0) result.notChecked.push(`app code: ${skipped} TypeScript files, because typescript-eslint is not installed (npm install --save-dev typescript-eslint)`);
  if (tsconfig && tseslint && !ts) result.notChecked.push('type information: typescript is not installed, so pools imported from other modules are recognised by name only (npm install --save-dev typescript)');

  const typedParser = { parser: tseslint?.parser, parserOptions: { projectService: true, tsconfigRootDir: tsconfig ? dirname(tsconfig) : dir } };
  const runs: [string[], Record<string, unknown>[]][] = [
    [typed, [{ ignores: IGNORES }, { files: [SOURCE_GLOB], languageOptions: typedParser }, plugin.configs['recommended-type-checked']]],
    [untyped, [{ ignores: IGNORES }, { files: [SOURCE_GLOB], ...(tseslint ? { languageOptions: { parser: tseslint.parser } } : {}) }, plugin.configs.recommended]],
  ];
  for (const [list, overrideConfig] of runs) {
    if (list.length === 0) continue;
    const eslint = new ESLint({ cwd: dir, overrideConfigFile: true, overrideConfig, warnIgnored: false });
    result.findings.push(...toFindings(await eslint.lintFiles(list), cwd));
  }
  result.findings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
  result.files = typed.length + untyped.length;
  result.typed = typed.length;
  result.tsconfig = tsconfig && typed.length > 0 ? displayPath(cwd, tsconfig) : null;
}

/** The plugin's rules in the shape the formatters read, with the recommended severity. */
function pluginRules(plugin: PluginModule): LintRule[] {
  const recommended = plugin.configs.recommended.rules;
  return Object.entries(plugin.rules).map(([name, rule]) => {
    const id = `@tenant-scope/${name}`;
    const description = rule.meta?.docs?.description ?? name;
    const level = recommended[id];
    return {
      id,
      meta: { severity: level === 'warn' ? 'warn' : 'error', description, help: description, messages: {}, docs: `docs/rules/${name}.md` },
      check: () => [],
    };
  });
}

/** Lints the sources under `dir` (absolute); paths in findings are relative to `cwd`. */
export async function checkAppCode(dir: string, cwd: string): Promise<AppCodeResult> {
  const files = sourceFiles(dir);
  const result: AppCodeResult = { findings: [], files: 0, typed: 0, tsconfig: null, eslintConfig: null, notChecked: [], rules: [], coverage: null };
  if (files.length === 0) return result;
  const eslintModule = await importFrom<{ ESLint: ESLintClass }>(dir, 'eslint');
  const pluginModule = await importModuleFrom<PluginModule>(dir, '@tenant-scope/eslint-plugin');
  const plugin = pluginModule && (pluginModule.default ?? pluginModule);
  if (!eslintModule?.ESLint || !plugin?.configs) {
    result.notChecked.push(`app code: ${files.length} source files, because ${eslintModule?.ESLint ? '@tenant-scope/eslint-plugin' : 'eslint'} is not installed (${INSTALL})`);
    return result;
  }
  result.rules = pluginRules(plugin);
  try {
    await lintProject(dir, cwd, files, eslintModule, plugin, result);
  } catch (error) {
    result.findings = [];
    result.notChecked.push(`app code: ESLint stopped: ${(error as Error).message.split('\n')[0]}`);
    return result;
  }
  const queryCoverage = (pluginModule as { queryCoverage?: QueryCoverage }).queryCoverage;
  if (typeof queryCoverage === 'function') {
    result.coverage = coverageOf(queryCoverage(), files, cwd);
    const line = unrecognisedLine(result.coverage);
    if (line) result.notChecked.push(line);
  }
  return result;
}

/** The coverage of the files linted, in path order: only files with query sites or SQL-looking calls. */
function coverageOf(all: ReturnType<QueryCoverage>, files: readonly string[], cwd: string): FileCoverage[] {
  const linted = new Set(files.map((f) => resolve(f)));
  return [...all]
    .filter(([path, c]) => linted.has(resolve(path)) && c.recognised + c.unrecognised > 0)
    .map(([path, c]) => ({ file: displayPath(cwd, path), recognised: c.recognised, unrecognised: c.unrecognised, unrecognisedLines: c.unrecognisedLines }))
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

const MAX_FILES_LISTED = 10;

/** The "not checked" line for SQL-looking calls on receivers the plugin did not recognise, or null. */
function unrecognisedLine(coverage: readonly FileCoverage[]): string | null {
  const missed = coverage.filter((c) => c.unrecognised > 0);
  if (missed.length === 0) return null;
  const total = missed.reduce((sum, c) => sum + c.unrecognised, 0);
  const lines = (c: FileCoverage): string =>
    `${c.unrecognisedLines.length === 1 ? 'line' : 'lines'} ${c.unrecognisedLines.slice(0, 5).join(', ')}${c.unrecognisedLines.length > 5 ? ', …' : ''}`;
  const listed = missed.slice(0, MAX_FILES_LISTED).map((c) => `${c.file} (${lines(c)})`);
  if (missed.length > MAX_FILES_LISTED) listed.push(`${missed.length - MAX_FILES_LISTED} more files`);
  return (
    `app code: ${total} SQL-looking ${total === 1 ? 'call' : 'calls'} on handles the plugin does not recognise, so nothing about ${total === 1 ? 'it' : 'them'} is checked: ${listed.join(', ')}; ` +
    "name the handles in settings['tenant-scope'].pools, annotate them with their library type, or lint with type information"
  );
}
