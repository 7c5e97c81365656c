// Writes docs/rules.md, the list of every rule, from the rules' own metadata in the built packages.
// Run `npx tsc -b` first, then `node scripts/rule-reference.mjs`; test/docs/rule-reference.test.ts
// fails when the committed file differs from what this script generates.
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import eslintPlugin from '../packages/eslint-plugin/dist/index.js';
import { auditRules, knownRuleIds, PARSE_ERROR_RULE, sqlLintRules } from '../packages/sql-lint/dist/index.js';

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));

/** Where the reference is written, relative to the repository root. */
export const RULE_REFERENCE_PATH = 'docs/rules.md';

// What the SQL rules' metadata does not say: when a rule runs (see lint-sql.ts and cli.ts).
const sqlRuleNotes = {
  'unknown-context-guc': 'off unless `contextGucs` is configured',
  'app-role-bypasses-rls': '`tenant-scope audit --app-role <name>` only',
  'default-search-path-writable': '`tenant-scope audit --app-role <name>` only',
  'policy-per-row-setting': 'off unless `"ruleSet": "strict"` (or set in `rules`)',
  'rls-not-forced': 'off with the Supabase platform preset',
  'forgeable-context': 'error with the Supabase platform preset',
};
// `parse-error` is a finding of the linter itself, not a rule object, so it has no metadata.
const parseErrorRow = {
  id: PARSE_ERROR_RULE,
  severity: 'error',
  description: "A file PostgreSQL's parser rejects, reported at the line and column of the error; the other files are still linted.",
  note: '',
  doc: 'packages/sql-lint/docs/rules/parse-error.md',
};

// Findings about the input and the ignore comments themselves, made by the linter, not by rule objects.
const linterFindingRows = [
  {
    id: 'unanalyzable',
    severity: 'warn',
    description: 'A statement PostgreSQL accepts but nested too deeply to analyze (a parse tree over 1,000 levels); it is reported once and the rest of the history is still linted.',
    note: '',
    doc: 'packages/sql-lint/docs/rules/unanalyzable.md',
  },
  {
    id: 'unknown-ignore',
    severity: 'warn',
    description: 'An ignore comment names something that is no rule id.',
    note: '',
    doc: 'packages/sql-lint/docs/rules/unknown-ignore.md',
  },
  {
    id: 'unused-ignore',
    severity: 'warn',
    description: 'An ignore comment names a rule that reports nothing where the comment applies.',
    note: '',
    doc: 'packages/sql-lint/docs/rules/unused-ignore.md',
  },
  {
    id: 'migration-order-ambiguous',
    severity: 'warn',
    description:
      'The order the migration tool applies a folder in is not clear: a Drizzle journal that does not match the files, two files with the same version number, or sequence numbers mixed with timestamps.',
    note: '`tenant-scope lint` and `check` (it is about the files given)',
    doc: 'packages/sql-lint/docs/rules/migration-order-ambiguous.md',
  },
];

/** A table cell: pipes escaped, line breaks folded. */
function cell(text) {
  return String(text).replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

/** The doc path relative to docs/, checked to exist so a link cannot point nowhere. */
function docLink(pathFromRoot) {
  if (!existsSync(`${repositoryRoot}${pathFromRoot}`)) throw new Error(`rule doc ${pathFromRoot} does not exist`);
  return `../${pathFromRoot}`;
}

/** `packages/eslint-plugin/docs/rules/<id>.md`, from the rule's `meta.docs.url`. */
function eslintDocPath(id, rule) {
  const match = /\/(packages\/eslint-plugin\/docs\/rules\/[^/]+\.md)$/.exec(rule.meta.docs?.url ?? '');
  if (!match) throw new Error(`ESLint rule ${id} has no meta.docs.url pointing at its doc`);
  return match[1];
}

/** The level a config gives a rule: `error`, `warn`, or `off` when the config leaves it out. */
function configLevel(config, id) {
  const entry = config.rules[`${eslintPlugin.meta.namespace}/${id}`];
  if (entry === undefined) return 'off';
  return Array.isArray(entry) ? `${entry[0]}, ${entry.slice(1).map((options) => `\`${JSON.stringify(options)}\``).join(', ')}` : entry;
}

function eslintTable() {
  const { recommended, strict } = eslintPlugin.configs;
  const rows = Object.entries(eslintPlugin.rules).map(([id, rule]) => {
    const doc = eslintDocPath(id, rule);
    return `| [\`${eslintPlugin.meta.namespace}/${id}\`](${docLink(doc)}) | ${cell(rule.meta.docs.description)} | ${configLevel(recommended, id)} | ${configLevel(strict, id)} | ${rule.meta.hasSuggestions ? 'yes' : 'no'} |`;
  });
  return ['| rule | what it flags | recommended | strict | suggestions |', '|---|---|---|---|---|', ...rows].join('\n');
}

function sqlRows() {
  const rules = [...sqlLintRules, ...auditRules].map((rule) => ({
    id: rule.id,
    severity: rule.meta.severity,
    description: rule.meta.description,
    note: sqlRuleNotes[rule.id] ?? (auditRules.includes(rule) ? '`tenant-scope audit` only' : ''),
    doc: `packages/sql-lint/${rule.meta.docs}`,
  }));
  const rows = [...rules, parseErrorRow, ...linterFindingRows];
  const listed = new Set(rows.map((row) => row.id));
  const missing = knownRuleIds().filter((id) => !listed.has(id));
  if (missing.length > 0) throw new Error(`rules the SQL linter knows but the reference does not list: ${missing.join(', ')}`);
  return rows;
}

function sqlTable() {
  const rows = sqlRows().map((row) => {
    const id = row.doc ? `[\`${row.id}\`](${docLink(row.doc)})` : `\`${row.id}\``;
    return `| ${id} | ${row.severity} | ${cell(row.description)} | ${cell(row.note)} |`;
  });
  return ['| rule | default severity | description | note |', '|---|---|---|---|', ...rows].join('\n');
}

/** Whether any ESLint rule has an autofix (`meta.fixable`). */
function eslintFixes() {
  const fixable = Object.entries(eslintPlugin.rules).filter(([, rule]) => rule.meta.fixable);
  return fixable.length === 0 ? 'no rule has an autofix' : `autofix: ${fixable.map(([id]) => `\`${id}\``).join(', ')}`;
}

/** The text of docs/rules.md. */
export function ruleReference() {
  return `${[
    '# Rule reference',
    '',
    'Generated from the rules\' own metadata by `scripts/rule-reference.mjs` (run `npx tsc -b`, then',
    '`node scripts/rule-reference.mjs`); `test/docs/rule-reference.test.ts` fails when this file is out of date.',
    '',
    `## ESLint rules (\`@tenant-scope/eslint-plugin\` ${eslintPlugin.meta.version})`,
    '',
    'Levels are those of `configs.recommended` and `configs.strict`, with the options a config sets;',
    '`configs[\'recommended-type-checked\']` has the recommended levels. "Suggestions": the rule offers an editor',
    `suggestion (${eslintFixes()}). Setup: [adoption/eslint.md](adoption/eslint.md).`,
    '',
    eslintTable(),
    '',
    '## SQL rules (`tenant-scope lint` and `tenant-scope audit`)',
    '',
    'Severities are the defaults; change them with `"rules": { "<id>": "error" | "warn" | "info" | "off" }` in the',
    'configuration. Setup: [adoption/migrations-ci.md](adoption/migrations-ci.md).',
    '',
    sqlTable(),
  ].join('\n')}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(`${repositoryRoot}${RULE_REFERENCE_PATH}`, ruleReference());
  console.log(`wrote ${RULE_REFERENCE_PATH}`);
}
