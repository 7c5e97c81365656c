/**
 * Whether the `postgres` system user (which runs PostgreSQL when the tests run as root) can reach
 * a path: every folder above it must let that user through. A clone inside a private folder
 * (root's home, a `mktemp -d` directory: mode 700) does not, and PostgreSQL then cannot even start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SystemUser } from './postgres-system-user.js';

/** Whether `user` may do `test <flag> <target>` (`-x` to enter or run, `-r` to read). */
function userMay(user: SystemUser, flag: '-x' | '-r', target: string): boolean {
  return spawnSync('test', [flag, target], { uid: user.uid, gid: user.gid, stdio: 'ignore' }).status === 0;
}

/** The first folder above `target` (or `target` itself) that `user` cannot enter, or null when it reaches it. */
export function firstBlockedFolder(user: SystemUser, target: string): string | null {
  const absolute = path.resolve(target);
  const folders: string[] = [];
  for (let dir = existsSync(absolute) && statSync(absolute).isDirectory() ? absolute : path.dirname(absolute); ; dir = path.dirname(dir)) {
    folders.unshift(dir);
    if (path.dirname(dir) === dir) break;
  }
  return folders.find((dir) => !userMay(user, '-x', dir)) ?? null;
}

/**
 * Fails with the cause and the fix when `user` cannot reach the PostgreSQL binaries (found beside
 * `binariesModule`) or the folder where data directories are made.
 */
export function assertSystemUserCanReach(user: SystemUser, places: { binaries: string; dataParent: string }): void {
  for (const [what, target] of [
    ['the PostgreSQL binaries', places.binaries],
    ['the folder for its data directory', places.dataParent],
  ] as const) {
    const blocked = firstBlockedFolder(user, target);
    if (blocked === null) continue;
    const mode = (statSync(blocked).mode & 0o777).toString(8);
    throw new Error(
      `PostgreSQL runs as the "${user.name}" system user (the tests run as root, and PostgreSQL refuses to run as root), ` +
        `and that user cannot reach ${what} at ${target}: ${blocked} (mode ${mode}) does not let it in. ` +
        `Fix: clone the repository into a folder other users can enter (for example /srv or /opt), ` +
        `or allow entering that folder (chmod o+x ${blocked}), or run the tests as a normal user, ` +
        `or set TENANT_SCOPE_DATABASE_URL to a server of your own.`,
    );
  }
}
