/**
 * `-- tenant-scope-ignore rule-a, rule-b -- reason` before a statement silences those rules for
 * that statement; `-- tenant-scope-ignore-file rule-a` silences them for the whole file. Each
 * named rule remembers whether it silenced anything, so that an ignore that matched nothing
 * (`unused-ignore`) and a name that is no rule (`unknown-ignore`) can be reported.
 */
import type { SourceRange } from '@tenant-scope/sql-analyzer';

/** The rule id of an ignore comment that names no rule. */
export const UNKNOWN_IGNORE_RULE = 'unknown-ignore';
/** The rule id of an ignore comment that silenced nothing. */
export const UNUSED_IGNORE_RULE = 'unused-ignore';

/** One rule named in an ignore comment: where the name is, and whether it silenced a finding. */
export interface IgnoreEntry {
  rule: string;
  /** The rule name inside the comment. */
  at: SourceRange;
  used: boolean;
}

/** The ignore comments of one file. */
export interface InlineIgnores {
  /** Rules silenced in the whole file. */
  file: IgnoreEntry[];
  /** Rules silenced in one statement (a comment before no statement has `range` null). */
  statements: { range: SourceRange | null; entries: IgnoreEntry[] }[];
}

const DIRECTIVE = /^[ \t]*--[ \t]*tenant-scope-ignore(-file)?[ \t]+(.*)$/gm;

/** The rule names of a directive's text (up to ` -- reason`), with their offsets in the file. */
function ruleEntries(text: string, offset: number): IgnoreEntry[] {
  const rules = text.split(/[ \t]--/)[0] ?? '';
  const entries: IgnoreEntry[] = [];
  for (const match of rules.matchAll(/[^,\s]+/g)) {
    const start = offset + (match.index ?? 0);
    entries.push({ rule: match[0], at: { start, end: start + match[0].length }, used: false });
  }
  return entries;
}

/** Reads the ignore comments of `text`; each statement comment applies to the first statement that starts after it. */
export function readInlineIgnores(text: string, statements: readonly SourceRange[]): InlineIgnores {
  const ignores: InlineIgnores = { file: [], statements: [] };
  for (const match of text.matchAll(DIRECTIVE)) {
    const index = match.index ?? 0;
    const entries = ruleEntries(match[2] ?? '', index + match[0].length - (match[2] ?? '').length);
    if (match[1]) {
      ignores.file.push(...entries);
      continue;
    }
    const end = index + match[0].length;
    ignores.statements.push({ range: statements.find((s) => s.start >= end) ?? null, entries });
  }
  return ignores;
}

/** Whether a finding of `ruleId` at `offset` is silenced; marks the ignore that silenced it as used. */
export function isIgnored(ignores: InlineIgnores, ruleId: string, offset: number): boolean {
  let silenced = false;
  for (const entry of ignores.file) {
    if (entry.rule !== ruleId) continue;
    entry.used = true;
    silenced = true;
  }
  for (const { range, entries } of ignores.statements) {
    if (range === null || offset < range.start || offset > range.end) continue;
    for (const entry of entries) {
      if (entry.rule !== ruleId) continue;
      entry.used = true;
      silenced = true;
    }
  }
  return silenced;
}

/** Every rule name of the file's ignore comments. */
export function ignoreEntries(ignores: InlineIgnores): IgnoreEntry[] {
  return [...ignores.file, ...ignores.statements.flatMap((s) => s.entries)];
}

/** An ignore comment worth a finding: a name that is no rule, or a rule it did not silence. */
export interface IgnoreProblem {
  ruleId: typeof UNKNOWN_IGNORE_RULE | typeof UNUSED_IGNORE_RULE;
  range: SourceRange;
  message: string;
}

/**
 * The ignore comments of a file that name no rule (`unknown-ignore`) or silenced nothing
 * (`unused-ignore`). Rules that do not run (`off`, or audit-only) are not reported as unused.
 * Call it after every finding of the file has been checked with `isIgnored`.
 */
export function ignoreProblems(ignores: InlineIgnores, known: ReadonlySet<string>, runs: (ruleId: string) => boolean): IgnoreProblem[] {
  const problems: IgnoreProblem[] = [];
  for (const entry of ignoreEntries(ignores)) {
    if (!known.has(entry.rule)) {
      problems.push({ ruleId: UNKNOWN_IGNORE_RULE, range: entry.at, message: `"${entry.rule}" in this ignore comment is no rule of tenant-scope, so it silences nothing` });
    } else if (!entry.used && runs(entry.rule)) {
      problems.push({ ruleId: UNUSED_IGNORE_RULE, range: entry.at, message: `this ignore comment silences nothing: ${entry.rule} reports nothing here` });
    }
  }
  return problems;
}
