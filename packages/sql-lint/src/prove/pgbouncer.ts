/**
 * A PgBouncer in transaction mode with one server connection, in front of the run database, so
 * that probes of different tenants (and a request with no context after them) share one server
 * connection, as requests do behind a pool in production. Started from the `pgbouncer` binary on
 * PATH (or /usr/sbin, /usr/bin); as root it runs as the unprivileged `nobody` account, since
 * PgBouncer refuses to run as root.
 */
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';
import { RunProblem } from './run-problem.js';

/** A running PgBouncer. */
export interface RunPgBouncer {
  /** A URL to the run database through PgBouncer, as the run's superuser. */
  url: string;
  stop(): Promise<void>;
}

/** The `pgbouncer` binary, or undefined. */
export function findPgBouncerBinary(): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(path.delimiter).filter(Boolean), '/usr/sbin', '/usr/bin'];
  return dirs.map((d) => path.join(d, 'pgbouncer')).find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

function nobody(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'nobody'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new RunProblem('PgBouncer refuses to run as root and there is no "nobody" account to run it as', 'run tenant-scope prove as a normal user, or leave out --pgbouncer');
  }
}

const word = (text: string): string => {
  if (!/^[^\s=;#"]+$/.test(text)) throw new RunProblem(`cannot write ${JSON.stringify(text)} into pgbouncer.ini`, 'use a server URL with a plain host, user and database name, or leave out --pgbouncer');
  return text;
};

/** Starts PgBouncer for the run database; a RunProblem when it does not start. */
export async function startRunPgBouncer(binary: string, target: { host: string; port: number; user: string; password: string; database: string }): Promise<RunPgBouncer> {
  const account = nobody();
  const dir = await mkdtemp(path.join(tmpdir(), 'tenant-scope-prove-pgbouncer-'));
  const port = await freePort();
  const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;
  const authFile = path.join(dir, 'userlist.txt');
  const iniFile = path.join(dir, 'pgbouncer.ini');
  await writeFile(authFile, `${quote(target.user)} ${quote(target.password)}\n`, { mode: 0o600 });
  await writeFile(
    iniFile,
    [
      '[databases]',
      `${word(target.database)} = host=${word(target.host)} port=${target.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      `unix_socket_dir = ${word(dir)}`,
      'auth_type = scram-sha-256',
      `auth_file = ${word(authFile)}`,
      'pool_mode = transaction',
      // One server connection: every transaction of the run goes through the same backend.
      'default_pool_size = 1',
      'max_client_conn = 20',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  if (account) {
    await chmod(dir, 0o700);
    for (const file of [dir, authFile, iniFile]) await chown(file, account.uid, account.gid);
  }
  const child = spawn(binary, [iniFile], { stdio: ['ignore', 'ignore', 'pipe'], ...(account ?? {}) });
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  let exited = false;
  child.once('exit', () => (exited = true));
  child.once('error', (error) => (output += String(error)));
  const stop = async (): Promise<void> => {
    if (!exited) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      if (!exited) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };
  const url = `postgres://${encodeURIComponent(target.user)}:${encodeURIComponent(target.password)}@127.0.0.1:${port}/${encodeURIComponent(target.database)}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.end();
      return { url, stop };
    } catch (error) {
      await client.end().catch(() => undefined);
      if (exited || Date.now() > deadline) {
        await stop();
        throw new RunProblem(`PgBouncer did not start: ${(error as Error).message}${output ? `\n${output.trim()}` : ''}`, 'check the pgbouncer binary, or leave out --pgbouncer');
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
