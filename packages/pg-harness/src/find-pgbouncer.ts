import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** Where distributions install PgBouncer outside a normal user's PATH (Debian puts it in /usr/sbin). */
const wellKnownPaths = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'];

/**
 * The path of an executable `pgbouncer` binary, looked up on `PATH` and then in /usr/sbin and
 * /usr/bin, or `undefined` when there is none.
 */
export function findPgBouncer(searchPath: string = process.env['PATH'] ?? ''): string | undefined {
  const onPath = searchPath
    .split(path.delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => path.join(dir, 'pgbouncer'));
  return [...onPath, ...wellKnownPaths].find(isExecutableFile);
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
