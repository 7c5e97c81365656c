/**
 * `-- tenant-scope-ignore rule-a, rule-b -- reason` before a statement silences those rules for
 * that statement; `-- tenant-scope-ignore-file rule-a` silences them for the whole file.
 */
import type { SourceRange } from '@tenant-scope/sql-analyzer';

/** The ignore comments of one file. */
export interface InlineIgnores {
  /** Rules silenced in the whole file. */
  file: Set<string>;
  /** Rules silenced in one statement. */
  statements: { range: SourceRange; rules: Set<string> }[];
}

const DIRECTIVE = /^[ \t]*--[ \t]*tenant-scope-ignore(-file)?[ \t]+(.*)$/gm;

function ruleList(text: string): Set<string> {
  const rules = text.split(/[ \t]--/)[0] ?? '';
  return new Set(
    rules
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r.length > 0),
  );
}

/** Reads the ignore comments of `text`; each statement comment applies to the first statement that starts after it. */
export function readInlineIgnores(text: string, statements: readonly SourceRange[]): InlineIgnores {
  const ignores: InlineIgnores = { file: new Set(), statements: [] };
  for (const match of text.matchAll(DIRECTIVE)) {
    const rules = ruleList(match[2] ?? '');
    if (match[1]) {
      rules.forEach((r) => ignores.file.add(r));
      continue;
    }
    const end = (match.index ?? 0) + match[0].length;
    const statement = statements.find((s) => s.start >= end);
    if (statement) ignores.statements.push({ range: statement, rules });
  }
  return ignores;
}

/** Whether a finding of `ruleId` at `offset` is silenced. */
export function isIgnored(ignores: InlineIgnores, ruleId: string, offset: number): boolean {
  if (ignores.file.has(ruleId)) return true;
  return ignores.statements.some((s) => s.rules.has(ruleId) && offset >= s.range.start && offset <= s.range.end);
}
