/** Reads a migration file as UTF-8 SQL text, refusing binary and non-UTF-8 files with a clear message. */
import { readFileSync } from 'node:fs';
import type { InputProblem } from './migration-files.js';

/** The text of a SQL file, or why it cannot be linted. */
export function readSqlFile(path: string): { text: string } | { problem: InputProblem } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return { problem: { message: `cannot read the file (${code})`, location: path, hint: 'check that the file exists and is readable' } };
  }
  if (bytes.includes(0)) {
    return { problem: { message: 'this is a binary file, not SQL text', location: path, hint: 'pass only .sql migration files, or add the file to "ignore"' } };
  }
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { text: text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text };
  } catch {
    const at = firstInvalidUtf8(bytes);
    return {
      problem: {
        message: `the file is not valid UTF-8 (first bad byte at offset ${at})`,
        location: path,
        hint: 'convert it to UTF-8, e.g. `iconv -f latin1 -t utf-8`',
      },
    };
  }
}

function firstInvalidUtf8(bytes: Buffer): number {
  let low = 0;
  let high = bytes.length;
  // A prefix that holds a bad sequence stays bad when it grows, so a binary search finds the first one.
  while (low < high) {
    const mid = (low + high) >> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid + 1), { stream: true });
      low = mid + 1;
    } catch {
      high = mid;
    }
  }
  // `low` is the byte that made the prefix invalid; a sequence it cut short started at its lead byte.
  let lead = low - 1;
  while (lead >= 0 && lead > low - 4 && ((bytes[lead] as number) & 0xc0) === 0x80) lead--;
  return lead >= 0 && lead < low && (bytes[lead] as number) >= 0xc0 ? lead : low;
}
