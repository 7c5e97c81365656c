/** The default output: location, rule and message, the statement with the span underlined, a help line and a doc link. */
import type { Finding } from './lint-sql.js';
import type { LintRule } from './rule.js';
import { ruleDocsLink } from './rule-docs-url.js';

/** The doc line of a finding: the rule's https page, and the command that prints it offline. */
export function ruleDocsLine(ruleId: string): string {
  return `  docs: ${ruleDocsLink(ruleId)} (offline: tenant-scope explain ${ruleId})`;
}

function codeFrame(text: string, finding: Finding): string[] {
  const lines = text.split(/\r?\n/);
  const out: string[] = [];
  const last = Math.min(finding.endLine, finding.line + 4, lines.length);
  const width = String(last).length;
  for (let n = finding.line; n <= last; n++) {
    const line = (lines[n - 1] ?? '').replace(/\t/g, ' ');
    out.push(`  ${String(n).padStart(width)} | ${line}`);
    const from = n === finding.line ? finding.column : 1 + (line.length - line.trimStart().length);
    const to = n === finding.endLine ? finding.endColumn : line.length + 1;
    const length = Math.max(1, to - from);
    if (n === finding.endLine && n !== finding.line && to <= from) continue;
    out.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, from - 1))}${'^'.repeat(length)}`);
  }
  if (last < finding.endLine) out.push(`  ${' '.repeat(width)} | …`);
  return out;
}

/** Formats findings for a terminal. `texts` gives the text of each file for the code frames. */
export function formatPretty(findings: readonly Finding[], texts: ReadonlyMap<string, string>, rules: readonly LintRule[]): string {
  if (findings.length === 0) return '';
  const byId = new Map(rules.map((r) => [r.id, r]));
  const blocks = findings.map((finding) => {
    const rule = byId.get(finding.ruleId);
    const lines = [`${finding.file}:${finding.line}:${finding.column}  ${finding.severity}  ${finding.ruleId}`, `  ${finding.message}`];
    const text = texts.get(finding.file);
    if (text !== undefined) lines.push(...codeFrame(text, finding));
    if (rule) {
      lines.push(`  help: ${rule.meta.help}`, ruleDocsLine(rule.id));
    } else if (finding.ruleId === 'parse-error') {
      lines.push('  help: fix the SQL at this position; the file is read with PostgreSQL 18\'s own parser', ruleDocsLine(finding.ruleId));
    }
    return lines.join('\n');
  });
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${blocks.join('\n\n')}\n\n${plural(findings.length, 'problem')} (${plural(errors, 'error')}, ${plural(warnings, 'warning')})\n`;
}
