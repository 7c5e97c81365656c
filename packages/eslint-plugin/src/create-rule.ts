import { ESLintUtils } from '@typescript-eslint/utils';

/** Where each rule's documentation lives; `meta.docs.url` of every rule points here. */
export const docsBaseUrl = 'https://github.com/tenant-scope/tenant-scope/blob/main/packages/eslint-plugin/docs/rules/';

/** Documentation fields every rule of this plugin declares. */
export interface TenantScopeRuleDocs {
  description: string;
  /** Whether `configs.recommended` turns the rule on. */
  recommended?: boolean;
}

/** Creates a rule whose `meta.docs.url` points at `docs/rules/<name>.md`. */
export const createRule = ESLintUtils.RuleCreator<TenantScopeRuleDocs>((name) => `${docsBaseUrl}${name}.md`);
