import type { GucWrite } from '@tenant-scope/sql-analyzer';
import type { TSESLint } from '@typescript-eslint/utils';
import type { SqlText } from './sql-text.js';

/** A suggestion that turns a session-level write into its transaction-local form. */
export interface LocalFormFix {
  messageId: 'useSetLocal' | 'useSetConfigLocal';
  fix: TSESLint.ReportFixFunction;
}

/**
 * The transaction-local form of a session-level write, rebuilt from the ranges the analyzer gives:
 * `SET [SESSION]` becomes `SET LOCAL`, and `set_config`'s `is_local` argument becomes `true`. Null
 * when the SQL's offsets do not map onto the source, or the write is another kind.
 */
export function localFormFix(sql: SqlText, write: GucWrite): LocalFormFix | null {
  const { sourceStart } = sql;
  if (sourceStart === null) return null;
  if (write.via === 'set' && write.commandRange) {
    const { start, end } = write.commandRange;
    return { messageId: 'useSetLocal', fix: (fixer) => fixer.replaceTextRange([sourceStart + start, sourceStart + end], 'SET LOCAL') };
  }
  const isLocal = write.via === 'set-config' ? write.argumentRanges?.[2] : undefined;
  if (isLocal) {
    return { messageId: 'useSetConfigLocal', fix: (fixer) => fixer.replaceTextRange([sourceStart + isLocal.start, sourceStart + isLocal.end], 'true') };
  }
  return null;
}
