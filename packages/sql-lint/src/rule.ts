/**
 * What a rule is: an id, its default severity, its messages, and a pure check over the schema
 * model that reports the statements to change.
 */
import { isContextSetting } from '@tenant-scope/sql-analyzer';
import type { GucRead, GucWrite } from '@tenant-scope/sql-analyzer';
import type { AppRoleAccess } from './app-role-access.js';
import type { ContextFunction } from './context-sources.js';
import type { SchemaModel, StatementSource, TableModel } from './model/schema-model.js';
import type { PlatformPreset } from './platform-preset.js';

/** How bad a finding is; `info` is a note about what the linter could not check, never a failure. */
export type Severity = 'error' | 'warn' | 'info';

/** What a rule's check reads: the model and the configured tenant vocabulary. */
export interface RuleContext {
  model: SchemaModel;
  /** Names of tenant columns, in order of preference (default `tenant_id`). */
  tenantColumns: readonly string[];
  /** The configured context settings (lowercased, with the platform's), or null when none are configured. */
  contextGucs: ReadonlySet<string> | null;
  /** The configured context functions, with the platform's. */
  contextFunctions: readonly ContextFunction[];
  /** The platform preset in effect, or null. */
  platform: PlatformPreset | null;
  /** The role the application connects as (live audit `--app-role`), lowercased, or null. */
  appRole: string | null;
  /** What the app role can become and read, from the live catalog (audit with `--app-role` only). */
  appRoleAccess?: AppRoleAccess | null;
}

/** One violation: the statement (or expression) to change, and which message says why. */
export interface RuleReport {
  source: StatementSource;
  messageId: string;
  data?: Record<string, string>;
}

/** A lint rule. */
export interface LintRule {
  id: string;
  meta: {
    severity: Severity;
    /** One line: what the rule finds. */
    description: string;
    /** One line: how to fix what it finds (the help line of the pretty output). */
    help: string;
    /** Messages by id; `{{name}}` is replaced by the report's data. */
    messages: Record<string, string>;
    /** Path of the rule's doc, relative to the package. */
    docs: string;
    /** Runs only with `"ruleSet": "strict"` (or when configured in `rules`): a hint, not a defect. */
    strictOnly?: boolean;
  };
  check(context: RuleContext): RuleReport[];
}

/** Declares a rule (fills in its doc path from its id). */
export function defineRule(rule: { id: string; meta: Omit<LintRule['meta'], 'docs'>; check: LintRule['check'] }): LintRule {
  return { ...rule, meta: { ...rule.meta, docs: `docs/rules/${rule.id}.md` } };
}

/** Fills a message template. */
export function formatMessage(template: string, data: Record<string, string> = {}): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, key: string) => data[key] ?? `{{${key}}}`);
}

/** Whether a setting name is tenant context: one of `contextGucs`, or any dotted custom setting when none are configured. */
export function isContextGuc(context: RuleContext, fact: GucRead | GucWrite): boolean {
  return isContextSetting(fact.name, { contextGucs: context.contextGucs });
}

/**
 * The column a `tenantColumns` entry names, as PostgreSQL would: `"companyId"` (quoted) is that
 * exact name; `companyId` (unquoted) is the column written so (quoted in the DDL), else the name
 * folded to lower case, as an unquoted identifier in the DDL is stored.
 */
export function columnNamed(table: TableModel, entry: string): string | undefined {
  if (entry.length > 1 && entry.startsWith('"') && entry.endsWith('"')) {
    const exact = entry.slice(1, -1).replaceAll('""', '"');
    return table.columns.has(exact) ? exact : undefined;
  }
  if (table.columns.has(entry)) return entry;
  const folded = entry.toLowerCase();
  return table.columns.has(folded) ? folded : undefined;
}

/** The table's tenant column name (as the table stores it), when it has one. */
export function tenantColumnOf(context: RuleContext, table: TableModel): string | undefined {
  for (const entry of context.tenantColumns) {
    const column = columnNamed(table, entry);
    if (column !== undefined) return column;
  }
  return undefined;
}

/** `schema.name` as a person writes it (without `public.`). */
export function displayName(schema: string, name: string): string {
  return schema === 'public' ? name : `${schema}.${name}`;
}

/** Whether the table is a partition or inheritance child of a table with row-level security and a tenant column. */
export function rlsTenantParent(context: RuleContext, table: TableModel): TableModel | undefined {
  for (const key of table.parents) {
    const parent = context.model.tables.get(key);
    if (parent && parent.rowSecurity.enabled && tenantColumnOf(context, parent)) return parent;
  }
  return undefined;
}
