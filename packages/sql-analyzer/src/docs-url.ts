/**
 * Where tenant-scope's documentation is published: the one place every tool takes its rule links
 * from (ESLint's `meta.docs.url`, SARIF's `helpUri`, the CLI's pretty output). The repository
 * fields of each package.json name the same repository (a test checks they agree).
 */

/** The public repository, `https://github.com/<owner>/<name>`. */
export const repositoryUrl = 'https://github.com/tenant-scope/tenant-scope';

/** The packages whose rules have a page under `packages/<package>/docs/rules/`. */
export type RuleDocsPackage = 'eslint-plugin' | 'sql-lint';

/** The https page of one rule, e.g. `ruleDocsUrl('sql-lint', 'rls-not-forced')`. */
export function ruleDocsUrl(pkg: RuleDocsPackage, ruleId: string): string {
  return `${repositoryUrl}/blob/main/packages/${pkg}/docs/rules/${ruleId}.md`;
}
