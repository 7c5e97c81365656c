/**
 * @tenant-scope/sql-lint: lints migration SQL (and live databases) for broken tenant isolation.
 */

/**
 * Lints an ordered migration history; `lintSqlAsync` (the CLI's `lint`) parses on worker threads
 * and can keep each file's parse in an on-disk cache, with the same findings.
 */
export { lintSql, lintSqlAsync, knownRuleIds, PARSE_ERROR_RULE } from './lint-sql.js';
export type { Finding, LintSqlAsyncOptions, LintSqlOptions, LintSqlResult } from './lint-sql.js';
export type { AnalysisOptions } from './migration-analyses.js';

/** Configuration: context settings, tenant columns, rule severities, ignored files. */
export { validateLintConfig, isConfigProblem } from './lint-config.js';
export type { ConfigProblem, LintConfig, RuleSetting } from './lint-config.js';

/** Replays a migration history into the schema model the rules judge. */
export { buildSchemaModel } from './model/replay.js';
export type { BuiltSchema, ParsedFile, SqlFile } from './model/replay.js';

/** The schema model: tables, row-level security, policies, views, functions, roles. */
export type {
  ColumnModel,
  FunctionModel,
  PolicyCommand,
  PolicyExpression,
  PolicyModel,
  RoleModel,
  RowSecurity,
  SchemaModel,
  StatementSource,
  TableModel,
  ViewModel,
} from './model/schema-model.js';

/**
 * Which relations and functions hold tenant data, from the history the project's configuration
 * names (`migrations`): for judging queries in application code (the ESLint plugin's
 * `require-tenant-scope`). Replayed once per history content.
 */
export { loadTenantSchema, tenantSchemaOf } from './tenant-schema.js';
/** The folder whose configuration applies to `dir`: `dir` or its nearest parent with one (`dir` when none does). */
export { findConfigDirectory } from './config-directory.js';
export type { QueryTenancy, TenantSchema, TenantSchemaOptions } from './tenant-schema.js';

/** The built-in rules and their shape; `auditRules` are the ones only the live audit runs. */
export { sqlLintRules } from './rules.js';
export { auditRules } from './audit-rules.js';
export type { LintRule, RuleContext, RuleReport, Severity } from './rule.js';

/** Keeps only the "up" part of files with up/down markers (dbmate, node-pg-migrate, goose). */
export { upMigrationText } from './up-migration-text.js';

/** The live audit: the catalog replayed into the schema model and judged by the same rules, plus app-role-bypasses-rls. */
export { auditConnection, auditDatabase } from './audit-database.js';
export type { AuditOptions, AuditResult } from './audit-database.js';
export type { InputProblem } from './migration-files.js';
