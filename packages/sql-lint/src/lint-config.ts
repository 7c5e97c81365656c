/**
 * The linter's configuration: which settings carry tenant context, which columns name the
 * tenant, per-rule severities and files to leave out. Checked here so that a mistake in it is a
 * message with a hint, not a crash.
 */
import type { Severity } from './rule.js';

/** A rule's configured severity, or `off`. */
export type RuleSetting = Severity | 'off';

/** Configuration as a user writes it. */
export interface LintConfig {
  /** Settings that carry tenant context (e.g. `app.tenant_id`). Unset: every dotted custom setting counts, and unknown-context-guc is off. */
  contextGucs?: string[];
  /** Column names that identify the tenant (default `["tenant_id"]`). */
  tenantColumns?: string[];
  /** Severity per rule id, or `off`. */
  rules?: Record<string, RuleSetting>;
  /** Globs of files whose findings are not reported (they still count as history). */
  ignore?: string[];
  /**
   * The search_path each migration file starts with, as the migration tool sets it (default
   * `["public"]`): where unqualified names are created and looked up until the file sets its own.
   */
  searchPath?: string[];
  /**
   * Functions whose result is tenant or user identity, by qualified name (`auth.uid`), optionally
   * only through one claim of the JSON they return (`{ "name": "auth.jwt", "claim": ["app_metadata", "tenant_id"] }`).
   */
  contextFunctions?: (string | ContextFunctionEntry)[];
  /** The platform the database runs on (default: detected from the history; `none` turns detection off). */
  platform?: PlatformName | 'none';
  /** Globs of schemas that extensions own, whose objects are not judged (default: {@link DEFAULT_EXTENSION_SCHEMAS}). */
  extensionSchemas?: string[];
  /** `recommended` (default) or `strict`, which also runs the opt-in rules (`policy-per-row-setting`). */
  ruleSet?: RuleSet;
  /**
   * The migration history (folders, files or globs, relative to the configuration's folder): what
   * `tenant-scope check` lints instead of every `.sql` file, and the schema the ESLint plugin's
   * `require-tenant-scope` reads to tell tenant tables from global ones.
   */
  migrations?: string[];
}

/** A context function with the JSON path of the claim that carries identity. */
export interface ContextFunctionEntry {
  /** `schema.name` (or `name` for any schema). */
  name: string;
  /** Keys from the function's JSON result down to the claim (`["app_metadata", "tenant_id"]`); a longer path below it counts too. */
  claim?: string[];
}

/** Platforms with a built-in preset. */
export type PlatformName = 'supabase';

/** Which rules run by default. */
export type RuleSet = 'recommended' | 'strict';

/**
 * Schemas created by common extensions for their own bookkeeping (TimescaleDB, pg_cron, PostGIS
 * topology and tiger, pgsodium, Supabase Vault, pg_graphql, pg_net, PgBouncer's auth function).
 */
export const DEFAULT_EXTENSION_SCHEMAS: readonly string[] = [
  '_timescaledb_*',
  'timescaledb_information',
  'timescaledb_experimental',
  'cron',
  'topology',
  'tiger',
  'tiger_data',
  'pgsodium',
  'pgsodium_masks',
  'vault',
  'graphql',
  'graphql_public',
  'net',
  'pgbouncer',
];

/** A problem with configuration a user can fix. */
export interface ConfigProblem {
  message: string;
  /** Where the configuration came from (a file path, or `lintSql({ config })`). */
  location: string;
  hint: string;
}

const KEYS = new Set(['contextGucs', 'tenantColumns', 'rules', 'ignore', 'searchPath', 'contextFunctions', 'platform', 'extensionSchemas', 'ruleSet', 'migrations', '$schema']);
const PLATFORMS = ['supabase', 'none'];
const RULE_SETS = ['recommended', 'strict'];

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string' && v.length > 0);
}

/** Checks configuration read from `location` against the known rule ids; returns it or the first problem. */
export function validateLintConfig(raw: unknown, location: string, ruleIds: readonly string[]): LintConfig | ConfigProblem {
  const problem = (message: string, hint: string): ConfigProblem => ({ message, location, hint });
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return problem('configuration must be an object', 'write e.g. { "contextGucs": ["app.tenant_id"], "rules": { "rls-not-forced": "warn" } }');
  }
  const config = raw as Record<string, unknown>;
  for (const key of Object.keys(config)) {
    if (!KEYS.has(key)) return problem(`unknown option "${key}"`, 'known options are contextGucs, tenantColumns, contextFunctions, platform, searchPath, extensionSchemas, ruleSet, migrations, rules and ignore');
  }
  const examples = {
    contextGucs: '["app.tenant_id"]',
    tenantColumns: '["tenant_id"]',
    ignore: '["migrations/legacy/**"]',
    searchPath: '["app", "public"]',
    extensionSchemas: '["_timescaledb_*", "cron"]',
    migrations: '["db/migrations"]',
  };
  for (const key of ['contextGucs', 'tenantColumns', 'ignore', 'searchPath', 'extensionSchemas', 'migrations'] as const) {
    if (config[key] !== undefined && !isStringArray(config[key])) {
      return problem(`"${key}" must be an array of non-empty strings`, `e.g. "${key}": ${examples[key]}`);
    }
  }
  const functionsProblem = contextFunctionsProblem(config['contextFunctions']);
  if (functionsProblem) return problem(functionsProblem, 'e.g. "contextFunctions": ["auth.uid", { "name": "auth.jwt", "claim": ["app_metadata", "tenant_id"] }]');
  if (config['platform'] !== undefined && !PLATFORMS.includes(config['platform'] as string)) {
    return problem(`unknown platform ${JSON.stringify(config['platform'])}`, `use one of ${PLATFORMS.map((p) => `"${p}"`).join(', ')}, or leave it out to detect it`);
  }
  if (config['ruleSet'] !== undefined && !RULE_SETS.includes(config['ruleSet'] as string)) {
    return problem(`unknown rule set ${JSON.stringify(config['ruleSet'])}`, 'use "recommended" or "strict"');
  }
  const rules = config['rules'];
  if (rules !== undefined) {
    if (!rules || typeof rules !== 'object' || Array.isArray(rules)) return problem('"rules" must be an object of rule id to severity', 'e.g. "rules": { "rls-not-forced": "warn" }');
    for (const [id, setting] of Object.entries(rules)) {
      if (!ruleIds.includes(id)) return problem(`unknown rule "${id}" in "rules"`, `known rules: ${ruleIds.join(', ')}`);
      if (setting !== 'error' && setting !== 'warn' && setting !== 'info' && setting !== 'off') {
        return problem(`rule "${id}" has severity ${JSON.stringify(setting)}`, 'use "error", "warn", "info" or "off"');
      }
    }
  }
  return config as LintConfig;
}

/** What is wrong with a `contextFunctions` value, or undefined. */
function contextFunctionsProblem(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return '"contextFunctions" must be an array';
  for (const entry of value) {
    if (typeof entry === 'string' && entry.length > 0) continue;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return '"contextFunctions" entries must be names or { "name", "claim" } objects';
    const { name, claim, ...rest } = entry as Record<string, unknown>;
    if (Object.keys(rest).length > 0) return `unknown key "${Object.keys(rest)[0]}" in a "contextFunctions" entry`;
    if (typeof name !== 'string' || name.length === 0) return 'a "contextFunctions" entry needs a "name"';
    if (claim !== undefined && !isStringArray(claim)) return `"claim" of context function ${name} must be an array of non-empty keys`;
  }
  return undefined;
}

/** Whether a validation result is a problem. */
export function isConfigProblem(value: LintConfig | ConfigProblem): value is ConfigProblem {
  return 'hint' in value && 'location' in value;
}
