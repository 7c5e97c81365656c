import { ruleDocsUrl } from '@tenant-scope/sql-analyzer';
import { ESLintUtils } from '@typescript-eslint/utils';

/** Documentation fields every rule of this plugin declares. */
export interface TenantScopeRuleDocs {
  description: string;
  /** Whether `configs.recommended` turns the rule on. */
  recommended?: boolean;
}

/** Creates a rule whose `meta.docs.url` is the https page of `docs/rules/<name>.md`. */
export const createRule = ESLintUtils.RuleCreator<TenantScopeRuleDocs>((name) => ruleDocsUrl('eslint-plugin', name));
