import { relative, resolve, sep } from 'node:path';

/**
 * A path as users see it in findings and errors: relative to `cwd`, with `/` separators, so no
 * output carries the machine's absolute folders ('.' for `cwd` itself).
 */
export function displayPath(cwd: string, path: string): string {
  return relative(cwd, resolve(cwd, path)).split(sep).join('/') || '.';
}
