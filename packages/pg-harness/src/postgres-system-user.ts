import { execFileSync, spawnSync } from 'node:child_process';

/** The unprivileged account that PostgreSQL and PgBouncer run as when the harness runs as root. */
export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

const name = 'postgres';
let resolved: SystemUser | undefined;

/**
 * The `postgres` system user when this process runs as root (creating it with `useradd` if absent),
 * or `undefined` when it does not run as root and servers can run as the current user.
 * PostgreSQL and PgBouncer both refuse to run as root.
 */
export function postgresSystemUser(): SystemUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  resolved ??= lookup() ?? create();
  return resolved;
}

function lookup(): SystemUser | undefined {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, name], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
    return { name, uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

function create(): SystemUser {
  const groupExists = spawnSync('getent', ['group', name]).status === 0;
  const result = spawnSync(
    'useradd',
    ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', ...(groupExists ? ['--gid', name] : ['--user-group']), name],
    { encoding: 'utf8' },
  );
  // Another test worker may have created the user at the same moment; that is fine.
  const user = lookup();
  if (user === undefined) {
    throw new Error(
      `PostgreSQL and PgBouncer cannot run as root, and creating the "${name}" system user failed: ` +
        `${result.stderr || result.error?.message || `useradd exited with ${result.status}`}. ` +
        `Create it yourself (useradd --system --user-group ${name}) or run the tests as a normal user.`,
    );
  }
  return user;
}
