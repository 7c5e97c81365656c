/** The default output: location, rule and message, the statement with the span underlined, a help line and a doc link. */
import { escapeControlCharacters, printableSourceLine } from './control-characters.js';
import type { Finding } from './lint-sql.js';
import type { LintRule } from './rule.js';
import { ruleDocsLink } from './rule-docs-url.js';
import { UNANALYZABLE_RULE } from './unanalyzable-statements.js';
import { UNKNOWN_IGNORE_RULE, UNUSED_IGNORE_RULE } from './inline-ignores.js';

/** The widest source line a code frame shows; longer lines are cut around the finding. */
export const MAX_FRAME_WIDTH = 160;
/** How many lines of a finding's statement a code frame shows. */
const MAX_FRAME_LINES = 5;

/** The doc line of a finding: the rule's https page, and the command that prints it offline. */
export function ruleDocsLine(ruleId: string): string {
  return `  docs: ${ruleDocsLink(ruleId)} (offline: tenant-scope explain ${ruleId})`;
}

/** The part of a line a frame shows: at most MAX_FRAME_WIDTH columns starting near `from`, with `…` where it is cut. */
function window(line: string, from: number): { text: string; shift: number } {
  if (line.length <= MAX_FRAME_WIDTH) return { text: line, shift: 0 };
  const start = Math.max(0, Math.min(from - 1 - 20, line.length - MAX_FRAME_WIDTH));
  const end = start + MAX_FRAME_WIDTH;
  const head = start > 0 ? '…' : '';
  return { text: `${head}${line.slice(start, end)}${end < line.length ? '…' : ''}`, shift: start - head.length };
}

function codeFrame(lines: readonly string[], finding: Finding): string[] {
  const out: string[] = [];
  const last = Math.min(finding.endLine, finding.line + MAX_FRAME_LINES - 1, lines.length);
  const width = String(last).length;
  for (let n = finding.line; n <= last; n++) {
    const full = printableSourceLine(lines[n - 1] ?? '');
    const from = n === finding.line ? finding.column : 1 + (full.length - full.trimStart().length);
    const to = n === finding.endLine ? finding.endColumn : full.length + 1;
    const { text, shift } = window(full, from);
    out.push(`  ${String(n).padStart(width)} | ${text}`);
    if (n === finding.endLine && n !== finding.line && to <= from) continue;
    const caretFrom = Math.max(1, from - shift);
    const caretTo = Math.min(text.length + 1, to - shift);
    out.push(`  ${' '.repeat(width)} | ${' '.repeat(caretFrom - 1)}${'^'.repeat(Math.max(1, caretTo - caretFrom))}`);
  }
  if (last < finding.endLine) out.push(`  ${' '.repeat(width)} | …`);
  return out;
}

/** Formats findings for a terminal. `texts` gives the text of each file for the code frames. */
export function formatPretty(findings: readonly Finding[], texts: ReadonlyMap<string, string>, rules: readonly LintRule[]): string {
  if (findings.length === 0) return '';
  const byId = new Map(rules.map((r) => [r.id, r]));
  const fileLines = new Map<string, string[]>();
  const blocks = findings.map((finding) => {
    const rule = byId.get(finding.ruleId);
    const lines = [
      `${escapeControlCharacters(finding.file)}:${finding.line}:${finding.column}  ${finding.severity}  ${finding.ruleId}`,
      `  ${escapeControlCharacters(finding.message)}`,
    ];
    const text = texts.get(finding.file);
    if (text !== undefined) {
      let split = fileLines.get(finding.file);
      if (!split) {
        split = text.split(/\r\n|\r|\n/);
        fileLines.set(finding.file, split);
      }
      lines.push(...codeFrame(split, finding));
    }
    if (rule) {
      lines.push(`  help: ${rule.meta.help}`, ruleDocsLine(rule.id));
    } else if (finding.ruleId === 'parse-error') {
      lines.push('  help: fix the SQL at this position; the file is read with PostgreSQL 18\'s own parser', ruleDocsLine(finding.ruleId));
    } else if (finding.ruleId === UNKNOWN_IGNORE_RULE || finding.ruleId === UNUSED_IGNORE_RULE) {
      lines.push(`  help: ${finding.ruleId === UNKNOWN_IGNORE_RULE ? 'write the rule id as findings show it' : 'delete the ignore comment, or the rule names in it that silence nothing'}`, ruleDocsLine(finding.ruleId));
    } else if (finding.ruleId === UNANALYZABLE_RULE) {
      lines.push('  help: review this statement by hand, or split the expression into smaller ones (a view, a function)', ruleDocsLine(finding.ruleId));
    }
    return lines.join('\n');
  });
  const errors = findings.filter((f) => f.severity === 'error').length;
  const notes = findings.filter((f) => f.severity === 'info').length;
  const warnings = findings.length - errors - notes;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const counts = [plural(errors, 'error'), plural(warnings, 'warning'), ...(notes > 0 ? [plural(notes, 'note')] : [])];
  return `${blocks.join('\n\n')}\n\n${plural(findings.length - notes, 'problem')} (${counts.join(', ')})\n`;
}
