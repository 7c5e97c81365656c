/** SARIF 2.1.0, the format code-scanning tools (GitHub code scanning among them) import. */
import { createHash } from 'node:crypto';
import type { Finding } from './lint-sql.js';
import { PARSE_ERROR_RULE } from './lint-sql.js';
import type { LintRule } from './rule.js';
import { ruleDocsLink } from './rule-docs-url.js';
import { UNANALYZABLE_RULE } from './unanalyzable-statements.js';
import { UNKNOWN_IGNORE_RULE, UNUSED_IGNORE_RULE } from './inline-ignores.js';
import { MIGRATION_ORDER_RULE } from './migration-order.js';

/** The `partialFingerprints` key of a finding's identity (GitHub computes its own `primaryLocationLineHash`). */
const FINGERPRINT_KEY = 'tenantScopeFinding/v1';
/** How the live audit names a catalog object instead of a file (`database: policy p on public.t`). */
const CATALOG_PREFIX = 'database: ';

const level = (severity: Finding['severity']): 'error' | 'warning' | 'note' => (severity === 'error' ? 'error' : severity === 'info' ? 'note' : 'warning');

/** `current-setting-missing-ok` → `CurrentSettingMissingOk`, the `name` SARIF viewers show. */
const ruleName = (id: string): string => id.replace(/(?:^|-)(\w)/g, (_, c: string) => c.toUpperCase());

/** A relative path as a URI reference: `/` separators, each segment percent-encoded. */
const pathUri = (path: string): string => path.split(/[\\/]/).map(encodeURIComponent).join('/');

function descriptor(id: string, description: string, help: string, severity: Finding['severity']) {
  return {
    id,
    name: ruleName(id),
    shortDescription: { text: description },
    fullDescription: { text: `${description} See ${ruleDocsLink(id)} or run tenant-scope explain ${id}.` },
    help: { text: help },
    helpUri: ruleDocsLink(id),
    defaultConfiguration: { level: level(severity) },
  };
}

/**
 * A finding's identity across runs: its rule, its file and the text of its lines with whitespace
 * collapsed, so lines added above it keep its alert; `:n` tells identical statements apart.
 */
function fingerprints(findings: readonly Finding[], texts: ReadonlyMap<string, string>): string[] {
  const lines = new Map<string, string[]>();
  const seen = new Map<string, number>();
  return findings.map((f) => {
    let fileLines = lines.get(f.file);
    if (!fileLines) {
      fileLines = (texts.get(f.file) ?? '').split(/\r\n|\r|\n/);
      lines.set(f.file, fileLines);
    }
    const snippet = fileLines.slice(f.line - 1, f.endLine).join(' ').replace(/\s+/g, ' ').trim();
    const hash = createHash('sha256').update(`${f.ruleId}\0${f.file}\0${snippet}`).digest('hex').slice(0, 32);
    const occurrence = (seen.get(hash) ?? 0) + 1;
    seen.set(hash, occurrence);
    return `${hash}:${occurrence}`;
  });
}

function location(f: Finding) {
  if (f.file.startsWith(CATALOG_PREFIX)) {
    return { logicalLocations: [{ fullyQualifiedName: f.file.slice(CATALOG_PREFIX.length) }] };
  }
  return {
    physicalLocation: {
      artifactLocation: { uri: pathUri(f.file) },
      region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn },
    },
  };
}

/** A problem that stopped (part of) the run: an input that cannot be read, a database that cannot be audited. */
export interface ToolNotification {
  location: string;
  message: string;
}

/**
 * A SARIF 2.1.0 log with one run. `texts` gives each file's text, for the findings' fingerprints;
 * `notifications` become the invocation's tool execution notifications (and mark it unsuccessful).
 */
export function formatSarif(
  findings: readonly Finding[],
  texts: ReadonlyMap<string, string>,
  rules: readonly LintRule[],
  version: string,
  notifications: readonly ToolNotification[] = [],
): string {
  const descriptors = [
    ...rules.map((rule) => descriptor(rule.id, rule.meta.description, rule.meta.help, rule.meta.severity)),
    descriptor(PARSE_ERROR_RULE, "The file does not parse with PostgreSQL's parser.", 'Fix the SQL at the reported position.', 'error'),
    descriptor(UNANALYZABLE_RULE, 'A statement nests too deeply to analyze; nothing in it is linted.', 'Review the statement by hand, or split it into smaller ones.', 'warn'),
    descriptor(UNKNOWN_IGNORE_RULE, 'An ignore comment names no rule, so it silences nothing.', 'Write the rule id as findings show it.', 'warn'),
    descriptor(UNUSED_IGNORE_RULE, 'An ignore comment silences nothing where it applies.', 'Delete the ignore comment, or the rule names in it that silence nothing.', 'warn'),
    descriptor(
      MIGRATION_ORDER_RULE,
      'The order the migration tool applies a folder in is not clear (a Drizzle journal that does not match the files, equal version numbers, mixed numbering schemes).',
      'Give each migration its own version number in one scheme, and keep the Drizzle journal and the files in step.',
      'warn',
    ),
  ];
  const index = new Map(descriptors.map((d, i) => [d.id, i]));
  const ids = fingerprints(findings, texts);
  const log = {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: { driver: { name: 'tenant-scope', version, semanticVersion: version, rules: descriptors } },
        invocations: [
          {
            executionSuccessful: notifications.length === 0,
            toolExecutionNotifications: notifications.map((n) => ({
              level: 'error',
              message: { text: n.message },
              locations: [{ logicalLocations: [{ fullyQualifiedName: n.location }] }],
            })),
          },
        ],
        columnKind: 'utf16CodeUnits',
        results: findings.map((f, i) => ({
          ruleId: f.ruleId,
          ...(index.has(f.ruleId) ? { ruleIndex: index.get(f.ruleId) } : {}),
          level: level(f.severity),
          message: { text: f.message },
          locations: [location(f)],
          partialFingerprints: { [FINGERPRINT_KEY]: ids[i] },
        })),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
