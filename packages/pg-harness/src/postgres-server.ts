import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { ConnectOptions } from './connect-options.js';
import { connectionUrl, type ConnectionTarget } from './connection-target.js';
import { OpenClients } from './open-clients.js';

/** What a {@link PostgresServer} needs from whoever runs (or does not run) the server process. */
export interface ServerProcess {
  /** The temp dir holding the data dir and socket, or `undefined` for an external server. */
  tempDir: string | undefined;
  logs(): string;
  stop(): Promise<void>;
}

/**
 * A running PostgreSQL server for tests: its superuser connection, fresh databases on demand, and
 * `stop()`. Get one from `startPostgres()`; call `stop()` in `afterAll`.
 */
export class PostgresServer {
  readonly host: string;
  readonly port: number;
  /** A superuser (for an external server: whichever user its connection string names). */
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** True when the server came from `TENANT_SCOPE_DATABASE_URL` and was not started by the harness. */
  readonly external: boolean;

  private readonly clients = new OpenClients();
  private readonly createdDatabases: string[] = [];
  private stopped = false;

  constructor(
    private readonly target: ConnectionTarget,
    private readonly serverProcess: ServerProcess | undefined,
  ) {
    this.host = target.host;
    this.port = target.port;
    this.user = target.user;
    this.password = target.password;
    this.database = target.database;
    this.external = serverProcess === undefined;
  }

  /** Superuser connection string to {@link PostgresServer.database}. */
  get url(): string {
    return this.urlFor(this.database);
  }

  /** The temp dir that holds the data dir, removed by `stop()`; `undefined` for an external server. */
  get tempDir(): string | undefined {
    return this.serverProcess?.tempDir;
  }

  /** Superuser connection string to another database on this server. */
  urlFor(database: string): string {
    return connectionUrl({ ...this.target, database });
  }

  /** A connected node-postgres client; `stop()` ends it if the test did not. */
  connect(options: ConnectOptions = {}): Promise<pg.Client> {
    const url = connectionUrl({
      ...this.target,
      database: options.database ?? this.database,
      user: options.user ?? this.user,
      password: options.password ?? (options.user === undefined ? this.password : ''),
    });
    return this.clients.connect({ connectionString: url, application_name: options.applicationName });
  }

  /**
   * Creates an empty database (from `template0`) and returns a superuser connection string to it,
   * so each test file can work in its own database. The name is random unless given.
   */
  async createDatabase(name = `tenant_scope_${randomBytes(6).toString('hex')}`): Promise<string> {
    const client = await this.connect();
    try {
      await client.query(`create database ${client.escapeIdentifier(name)} template template0`);
    } finally {
      await client.end();
    }
    this.createdDatabases.push(name);
    return this.urlFor(name);
  }

  /** The server's output so far (empty for an external server), for diagnosing a failure. */
  logs(): string {
    return this.serverProcess?.logs() ?? '';
  }

  /**
   * Ends the clients from `connect()`, then stops the server and removes its temp dir. For an
   * external server it drops the databases made by `createDatabase()` instead. Safe to call twice.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.clients.endAll();
    if (this.serverProcess) {
      await this.serverProcess.stop();
      return;
    }
    await this.dropCreatedDatabases();
  }

  private async dropCreatedDatabases(): Promise<void> {
    if (this.createdDatabases.length === 0) return;
    const client = await this.clients.connect({ connectionString: this.url });
    try {
      for (const name of this.createdDatabases.splice(0)) {
        // FORCE: a test may have left connections open, e.g. through PgBouncer.
        await client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`);
      }
    } finally {
      await client.end();
    }
  }
}
