/** Reads a migration file as UTF-8 SQL text, refusing binary, non-UTF-8 and oversized files with a clear message. */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import type { InputProblem } from './migration-files.js';
import { unreadable } from './migration-files.js';

/**
 * The largest file linted, in bytes. PostgreSQL's parser (WebAssembly) needs many times a file's
 * size in memory for its parse tree; past this size a file of DDL would need more than 1.5 GB.
 */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;

const tooLarge = (location: string, size: string): InputProblem => ({
  message: `the file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB (${size}), the most tenant-scope lints`,
  location,
  hint: 'split it into smaller migrations, or add it to "ignore" in the configuration if it holds only data',
});

/** The text of a SQL file, or why it cannot be linted. The size is checked before reading. */
export function readSqlFile(path: string): { text: string } | { problem: InputProblem } {
  let bytes: Buffer;
  try {
    const fd = openSync(path, 'r');
    try {
      const { size } = fstatSync(fd);
      if (size > MAX_FILE_BYTES) return { problem: tooLarge(path, `${(size / 1024 / 1024).toFixed(1)} MB`) };
      bytes = readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    return { problem: unreadable(path, error, 'file') };
  }
  return decodeSql(bytes, path);
}

/** Reads SQL from standard input (the path `-`), with the same size limit as files. */
export function readSqlStdin(): { text: string } | { problem: InputProblem } {
  const chunks: Buffer[] = [];
  let total = 0;
  const chunk = Buffer.alloc(1 << 16);
  for (;;) {
    let read: number;
    try {
      read = readSync(0, chunk, 0, chunk.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      if (code === 'EOF') break;
      return { problem: unreadable('<stdin>', error, 'input') };
    }
    if (read === 0) break;
    total += read;
    if (total > MAX_FILE_BYTES) return { problem: tooLarge('<stdin>', 'more') };
    chunks.push(Buffer.from(chunk.subarray(0, read)));
  }
  return decodeSql(Buffer.concat(chunks), '<stdin>');
}

function decodeSql(bytes: Buffer, path: string): { text: string } | { problem: InputProblem } {
  if (bytes.includes(0)) {
    return { problem: { message: 'this is a binary file, not SQL text', location: path, hint: 'pass only .sql migration files, or add the file to "ignore" in the configuration' } };
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
