/** SARIF 2.1.0, the format code-scanning tools (GitHub code scanning among them) import. */
import type { Finding } from './lint-sql.js';
import type { LintRule } from './rule.js';

/** A SARIF 2.1.0 log with one run. */
export function formatSarif(findings: readonly Finding[], rules: readonly LintRule[], version: string): string {
  const descriptors = [
    ...rules.map((rule) => ({
      id: rule.id,
      shortDescription: { text: rule.meta.description },
      help: { text: rule.meta.help },
      defaultConfiguration: { level: rule.meta.severity === 'error' ? 'error' : 'warning' },
    })),
    { id: 'parse-error', shortDescription: { text: 'The file does not parse with PostgreSQL\'s parser.' }, help: { text: 'Fix the SQL at the reported position.' }, defaultConfiguration: { level: 'error' } },
  ];
  const index = new Map(descriptors.map((d, i) => [d.id, i]));
  const log = {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: { driver: { name: 'tenant-scope', version, rules: descriptors } },
        results: findings.map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: index.get(f.ruleId) ?? -1,
          level: f.severity === 'error' ? 'error' : 'warning',
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.file.split('\\').join('/') },
                region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn },
              },
            },
          ],
        })),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
