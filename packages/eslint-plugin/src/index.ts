/**
 * @tenant-scope/eslint-plugin: ESLint rules that keep multi-tenant PostgreSQL tenant context from
 * leaking through connection pools. SQL is read with `@tenant-scope/sql-analyzer`.
 */
import { createRequire } from 'node:module';
import type { ESLint, Linter } from 'eslint';
import { rules } from './rules/index.js';

export type { TenantScopeSettings, TypeSpecifier } from './settings.js';
export type { FileQueryCoverage } from './query-coverage.js';

const { name, version } = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

/** Rule id prefix in configs: `@tenant-scope/no-session-set`. */
const namespace = '@tenant-scope';

type RuleLevel = 'error' | 'warn';
type RuleEntry = RuleLevel | [RuleLevel, ...unknown[]];

const recommendedRules: Record<keyof typeof rules, RuleEntry> = {
  'no-session-set': 'error',
  'no-session-search-path': 'error',
  'require-tenant-scope': 'error',
  'no-pool-transaction': 'error',
  'no-session-state': 'warn',
  'no-interpolated-context': 'error',
  'require-client-release': 'warn',
};

const strictRules: Record<keyof typeof rules, RuleEntry> = {
  'no-session-set': ['error', { reportParseErrors: true }],
  'no-session-search-path': ['error', { allowLocal: false }],
  'require-tenant-scope': 'error',
  'no-pool-transaction': 'error',
  'no-session-state': 'error',
  'no-interpolated-context': 'error',
  'require-client-release': 'error',
};

function prefixed(entries: Record<string, RuleEntry>): Record<string, RuleEntry> {
  return Object.fromEntries(Object.entries(entries).map(([rule, entry]) => [`${namespace}/${rule}`, entry]));
}

/** A flat config object of this plugin (ESLint's own `Linter.Config`, so it type-checks in `eslint.config.ts`). */
export type TenantScopeConfig = Linter.Config & { name: string; rules: Linter.RulesRecord };

/** The plugin object: `meta`, `rules` and the flat `configs`, typed as ESLint's own `ESLint.Plugin`. */
export interface TenantScopePlugin extends ESLint.Plugin {
  meta: { name: string; version: string; namespace: string };
  rules: NonNullable<ESLint.Plugin['rules']>;
  configs: Record<'recommended' | 'strict' | 'recommended-type-checked', TenantScopeConfig>;
}

const plugin: TenantScopePlugin = {
  meta: { name, version, namespace },
  // typescript-eslint's RuleModule type and ESLint's RuleDefinition describe the same objects differently.
  rules: rules as unknown as TenantScopePlugin['rules'],
  configs: {} as TenantScopePlugin['configs'],
};

plugin.configs.recommended = { name: `${namespace}/recommended`, plugins: { [namespace]: plugin }, rules: prefixed(recommendedRules) };
plugin.configs.strict = { name: `${namespace}/strict`, plugins: { [namespace]: plugin }, rules: prefixed(strictRules) };
// Type information lets the rules recognise pools and clients imported from other modules.
plugin.configs['recommended-type-checked'] = {
  name: `${namespace}/recommended-type-checked`,
  plugins: { [namespace]: plugin },
  rules: prefixed(recommendedRules),
  languageOptions: { parserOptions: { projectService: true } },
};

/**
 * The plugin: `plugins: { '@tenant-scope': plugin }`, or spread a config such as
 * `plugin.configs.recommended` into `eslint.config.*`.
 */
export default plugin;

/** The rules by id, for tools that load rules directly. */
export { rules };

/**
 * What the rules could check in each file linted in this process: query sites on recognised
 * handles, and SQL-looking calls on receivers they do not recognise (with their lines), by file path.
 */
export { queryCoverage } from './query-coverage.js';

/** The flat configs: `recommended`, `strict`, `recommended-type-checked`. */
export const configs = plugin.configs;
