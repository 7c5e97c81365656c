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
}

/** A problem with configuration a user can fix. */
export interface ConfigProblem {
  message: string;
  /** Where the configuration came from (a file path, or `lintSql({ config })`). */
  location: string;
  hint: string;
}

const KEYS = new Set(['contextGucs', 'tenantColumns', 'rules', 'ignore', 'searchPath', '$schema']);

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
    if (!KEYS.has(key)) return problem(`unknown option "${key}"`, 'known options are contextGucs, tenantColumns, searchPath, rules and ignore');
  }
  const examples = { contextGucs: '["app.tenant_id"]', tenantColumns: '["tenant_id"]', ignore: '["migrations/legacy/**"]', searchPath: '["app", "public"]' };
  for (const key of ['contextGucs', 'tenantColumns', 'ignore', 'searchPath'] as const) {
    if (config[key] !== undefined && !isStringArray(config[key])) {
      return problem(`"${key}" must be an array of non-empty strings`, `e.g. "${key}": ${examples[key]}`);
    }
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

/** Whether a validation result is a problem. */
export function isConfigProblem(value: LintConfig | ConfigProblem): value is ConfigProblem {
  return 'hint' in value && 'location' in value;
}
