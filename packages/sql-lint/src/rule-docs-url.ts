/** The https page of a finding's rule: an ESLint rule (`@tenant-scope/<name>`) or a SQL rule of this package. */
import { ruleDocsUrl } from '@tenant-scope/sql-analyzer';

const ESLINT_RULE = /^@tenant-scope\/([a-z][a-z0-9-]*)$/;

/** `rls-not-forced` → sql-lint's page; `@tenant-scope/no-session-set` → the ESLint plugin's page. */
export function ruleDocsLink(ruleId: string): string {
  const eslintRule = ESLINT_RULE.exec(ruleId);
  return eslintRule ? ruleDocsUrl('eslint-plugin', eslintRule[1]!) : ruleDocsUrl('sql-lint', ruleId);
}
