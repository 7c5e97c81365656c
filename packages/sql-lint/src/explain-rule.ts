/**
 * `tenant-scope explain <rule>`: prints a rule's documentation from the installed packages, so it
 * reads offline (like `cargo --explain`). SQL rules are this package's `docs/rules`; ESLint rules
 * (`no-session-set` or `@tenant-scope/no-session-set`) are those of @tenant-scope/eslint-plugin
 * when it is installed beside the CLI or in the current project.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ruleDocsUrl } from '@tenant-scope/sql-analyzer';
import type { RuleDocsPackage } from '@tenant-scope/sql-analyzer';

/** A rule's documentation, or why there is none. */
export type ExplainResult = { text: string } | { problem: string; hint: string };

const sqlLintDocs = fileURLToPath(new URL('../docs/rules/', import.meta.url));

/** The `docs/rules` folder of @tenant-scope/eslint-plugin as installed from `cwd` or beside this package, or null. */
function eslintPluginDocs(cwd: string): string | null {
  for (const from of [join(cwd, 'package.json'), fileURLToPath(import.meta.url)]) {
    try {
      const manifest = createRequire(from).resolve('@tenant-scope/eslint-plugin/package.json');
      const docs = join(dirname(manifest), 'docs', 'rules');
      if (existsSync(docs)) return docs;
    } catch {
      // not installed from there
    }
  }
  return null;
}

function ruleIds(dir: string | null): string[] {
  if (dir === null) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** The documentation of `rule`, headed by its https page. */
export function explainRule(rule: string, cwd: string): ExplainResult {
  const id = rule.replace(/^@tenant-scope\//, '');
  const sources: [RuleDocsPackage, string | null][] = [
    ['sql-lint', sqlLintDocs],
    ['eslint-plugin', eslintPluginDocs(cwd)],
  ];
  for (const [pkg, dir] of sources) {
    if (dir !== null && /^[a-z][a-z0-9-]*$/.test(id) && ruleIds(dir).includes(id)) {
      const text = readFileSync(join(dir, `${id}.md`), 'utf8');
      return { text: `${ruleDocsUrl(pkg, id)}\n\n${text.endsWith('\n') ? text : `${text}\n`}` };
    }
  }
  const known = sources.flatMap(([, dir]) => ruleIds(dir));
  const pluginMissing = sources[1]![1] === null ? ' (ESLint rules too once @tenant-scope/eslint-plugin is installed)' : '';
  return { problem: `no rule named "${rule}"`, hint: `known rules${pluginMissing}: ${known.join(', ')}` };
}
