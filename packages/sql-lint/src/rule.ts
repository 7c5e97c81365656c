/**
 * What a rule is: an id, its default severity, its messages, and a pure check over the schema
 * model that reports the statements to change.
 */
import { isContextSetting } from '@tenant-scope/sql-analyzer';
import type { GucRead, GucWrite } from '@tenant-scope/sql-analyzer';
import type { AppRoleAccess } from './app-role-access.js';
import type { SchemaModel, StatementSource, TableModel } from './model/schema-model.js';

/** How bad a finding is; `info` is a note about what the linter could not check, never a failure. */
export type Severity = 'error' | 'warn' | 'info';

/** What a rule's check reads: the model and the configured tenant vocabulary. */
export interface RuleContext {
  model: SchemaModel;
  /** Names of tenant columns, in order of preference (default `tenant_id`). */
  tenantColumns: readonly string[];
  /** The configured context settings (lowercased), or null when none are configured. */
  contextGucs: ReadonlySet<string> | null;
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

/** The table's tenant column name, when it has one. */
export function tenantColumnOf(context: RuleContext, table: TableModel): string | undefined {
  return context.tenantColumns.find((name) => table.columns.has(name));
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
