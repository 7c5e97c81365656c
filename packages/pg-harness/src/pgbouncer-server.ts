import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { BoundedLog } from './bounded-log.js';
import type { ConnectOptions } from './connect-options.js';
import { connectionUrl } from './connection-target.js';
import { registerExitCleanup } from './exit-cleanup.js';
import { OpenClients } from './open-clients.js';
import { pgbouncerIni, type PgBouncerIni, type PoolMode } from './pgbouncer-ini.js';
import { pgbouncerUserlist, type PgBouncerUser } from './pgbouncer-userlist.js';
import { postgresSystemUser } from './postgres-system-user.js';

/** Everything needed to (re)start one PgBouncer process. */
export interface PgBouncerLaunch {
  binary: string;
  ini: Omit<PgBouncerIni, 'socketDir' | 'authFile'>;
  /** The first user is the one {@link PgBouncerServer.url} and `connect()` use by default. */
  users: readonly [PgBouncerUser, ...PgBouncerUser[]];
  database: string;
  readyTimeoutMs: number;
}

/**
 * A real PgBouncer process in front of a test server. Get one from `startPgBouncer()`; call `stop()`
 * in `afterAll`. `kill()` and `restart()` are for fault tests.
 */
export class PgBouncerServer {
  readonly host = '127.0.0.1';
  readonly port: number;
  readonly poolMode: PoolMode;
  readonly poolSize: number;
  /** Path of the pgbouncer binary in use. */
  readonly binary: string;

  private readonly log = new BoundedLog();
  private readonly clients = new OpenClients();
  private dir: string | undefined;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private unregisterCleanup: (() => void) | undefined;

  constructor(private readonly launch: PgBouncerLaunch) {
    this.port = launch.ini.listenPort;
    this.poolMode = launch.ini.poolMode;
    this.poolSize = launch.ini.poolSize;
    this.binary = launch.binary;
  }

  /** Connection string through PgBouncer to the server's default database, as the server's superuser. */
  get url(): string {
    return this.urlFor(this.launch.database);
  }

  /** Connection string through PgBouncer to another database on the same server. */
  urlFor(database: string, login: PgBouncerUser = this.launch.users[0]): string {
    return connectionUrl({ host: this.host, port: this.port, user: login.user, password: login.password, database, search: '' });
  }

  /** True while the PgBouncer process is alive. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The PgBouncer process's id while it runs (benchmarks read its CPU time from /proc). */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  /** The temp dir holding pgbouncer.ini, the auth file and the Unix socket; removed by `stop()`. */
  get tempDir(): string | undefined {
    return this.dir;
  }

  /** PgBouncer's output so far, for diagnosing a failure. */
  logs(): string {
    return this.log.toString();
  }

  /** A node-postgres client connected through PgBouncer; `stop()` ends it if the test did not. */
  connect(options: ConnectOptions = {}): Promise<pg.Client> {
    const fallback = this.launch.users[0];
    const login = options.user === undefined ? fallback : { user: options.user, password: options.password ?? '' };
    return this.clients.connect({
      connectionString: this.urlFor(options.database ?? this.launch.database, login),
      application_name: options.applicationName,
    });
  }

  /** Starts the process (again, on the same port) and waits until it accepts logins. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`PgBouncer on port ${this.port} is already running`);
    const systemUser = postgresSystemUser();
    const dir = this.dir ?? (await this.createDir(systemUser));
    const socketDir = dir;
    const authFile = path.join(dir, 'userlist.txt');
    const iniFile = path.join(dir, 'pgbouncer.ini');
    await writeFile(authFile, pgbouncerUserlist(this.launch.users), { mode: 0o600 });
    await writeFile(iniFile, pgbouncerIni({ ...this.launch.ini, socketDir, authFile }), { mode: 0o600 });
    if (systemUser) {
      for (const file of [authFile, iniFile]) await chown(file, systemUser.uid, systemUser.gid);
    }

    const logOffset = this.log.length;
    // PgBouncer refuses to run as root, so as root it runs as the postgres system user.
    const child = spawn(this.launch.binary, [iniFile], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(systemUser ? { uid: systemUser.uid, gid: systemUser.gid } : {}),
    });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.log.append(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.log.append(chunk));
    let spawnError: Error | undefined;
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        spawnError = error;
        resolve();
      });
      child.once('exit', () => resolve());
    });

    try {
      await this.waitUntilReady(child, () => spawnError);
    } catch (error) {
      if (this.running) child.kill('SIGKILL');
      await this.exited;
      const reason = error instanceof Error ? error.message : String(error);
      const output = this.log.since(logOffset);
      throw new Error(`PgBouncer (${this.launch.binary}) failed to start on port ${this.port}: ${reason}\n--- pgbouncer output ---\n${output}`, {
        cause: error,
      });
    }
  }

  /** Ends the clients from `connect()`, shuts PgBouncer down and removes its temp dir. Safe to call twice. */
  async stop(): Promise<void> {
    await this.clients.endAll();
    await this.terminate('SIGTERM');
    if (this.dir !== undefined) await rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
    this.dir = undefined;
    this.unregisterCleanup?.();
    this.unregisterCleanup = undefined;
  }

  /** Kills PgBouncer with SIGKILL, as a crash would; its clients and server connections just break. */
  async kill(): Promise<void> {
    await this.terminate('SIGKILL');
  }

  /** Stops PgBouncer if it runs (SIGTERM: immediate shutdown) and starts it again on the same port. */
  async restart(): Promise<void> {
    await this.terminate('SIGTERM');
    await this.start();
  }

  private async createDir(systemUser: { uid: number; gid: number } | undefined): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'tenant-scope-pgbouncer-'));
    if (systemUser) await chown(dir, systemUser.uid, systemUser.gid);
    this.dir = dir;
    this.unregisterCleanup = registerExitCleanup(() => {
      if (this.running) this.child?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    });
    return dir;
  }

  private async terminate(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    child.kill(signal);
    const timeout = new AbortController();
    await Promise.race([this.exited, delay(5_000, undefined, { signal: timeout.signal }).catch(() => undefined)]);
    timeout.abort();
    if (this.running) {
      child.kill('SIGKILL');
      await this.exited;
    }
  }

  private async waitUntilReady(child: ChildProcess, spawnError: () => Error | undefined): Promise<void> {
    const deadline = Date.now() + this.launch.readyTimeoutMs;
    const admin = this.launch.users[0];
    let lastError: unknown;
    while (Date.now() < deadline) {
      const error = spawnError();
      if (error) throw error;
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`pgbouncer exited (${child.exitCode ?? child.signalCode})`);
      }
      // The admin console answers without touching PostgreSQL, and only our own PgBouncer knows this login.
      const client = new pg.Client({ connectionString: this.urlFor('pgbouncer', admin), connectionTimeoutMillis: 2_000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SHOW VERSION');
        return;
      } catch (caught) {
        lastError = caught;
        await delay(25);
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    const detail = lastError instanceof Error ? `; last attempt: ${lastError.message}` : '';
    throw new Error(`not accepting connections after ${this.launch.readyTimeoutMs} ms${detail}`);
  }
}
