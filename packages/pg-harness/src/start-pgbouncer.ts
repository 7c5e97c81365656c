import { findPgBouncer } from './find-pgbouncer.js';
import { freePort } from './free-port.js';
import type { PgBouncerSettings, PoolMode } from './pgbouncer-ini.js';
import { PgBouncerServer } from './pgbouncer-server.js';
import type { PgBouncerUser } from './pgbouncer-userlist.js';
import type { PostgresServer } from './postgres-server.js';

/** How {@link startPgBouncer} configures PgBouncer. */
export interface StartPgBouncerOptions {
  poolMode: PoolMode;
  /** `default_pool_size`: server connections per database and user. */
  poolSize: number;
  /** `max_client_conn`. Default 1000. */
  maxClientConnections?: number;
  /** `server_reset_query`. Default: PgBouncer's own (`DISCARD ALL`, run in session mode only); `''` disables it. */
  serverResetQuery?: string;
  /** `server_reset_query_always`: run the reset query in transaction and statement mode too. Default false. */
  serverResetQueryAlways?: boolean;
  /** More logins besides the server's superuser, e.g. an application role for RLS tests. */
  users?: readonly PgBouncerUser[];
  /** Any other `[pgbouncer]` settings, written last so they win. */
  settings?: PgBouncerSettings;
  /** The pgbouncer binary. Default: {@link findPgBouncer}. */
  binary?: string;
  /** How long PgBouncer may take to accept logins. Default 15 s. */
  readyTimeoutMs?: number;
}

const startAttempts = 3;

/**
 * Starts the real `pgbouncer` binary on a free port on 127.0.0.1 in front of `postgres`, and waits
 * until it accepts logins. Clients log in with the server's own user and password (plus `users`);
 * every database name is passed through to the server. As root it runs as the `postgres` system user.
 *
 * Guard the suite with `pgbouncerAvailability()`, start it in `beforeAll` and `stop()` it in
 * `afterAll` before the server.
 */
export async function startPgBouncer(postgres: PostgresServer, options: StartPgBouncerOptions): Promise<PgBouncerServer> {
  if (!Number.isInteger(options.poolSize) || options.poolSize < 1) {
    throw new Error(`poolSize must be a positive integer, got ${options.poolSize}`);
  }
  const binary = options.binary ?? findPgBouncer();
  if (binary === undefined) {
    throw new Error(
      'the pgbouncer binary was not found on PATH, in /usr/sbin or in /usr/bin. ' +
        'Install it (apt-get install -y pgbouncer) or guard the suite with pgbouncerAvailability().',
    );
  }
  for (let attempt = 1; ; attempt++) {
    const pgbouncer = new PgBouncerServer({
      binary,
      ini: {
        listenPort: await freePort(),
        server: { host: postgres.host, port: postgres.port },
        poolMode: options.poolMode,
        poolSize: options.poolSize,
        maxClientConnections: options.maxClientConnections ?? 1000,
        adminUser: postgres.user,
        serverResetQuery: options.serverResetQuery,
        serverResetQueryAlways: options.serverResetQueryAlways ?? false,
        settings: options.settings ?? {},
      },
      users: [{ user: postgres.user, password: postgres.password }, ...(options.users ?? [])],
      database: postgres.database,
      readyTimeoutMs: options.readyTimeoutMs ?? 15_000,
    });
    try {
      await pgbouncer.start();
      return pgbouncer;
    } catch (error) {
      await pgbouncer.stop();
      // Another process may have taken the port between freePort() and PgBouncer's bind().
      if (attempt < startAttempts && /address already in use/i.test(String(error))) continue;
      throw error;
    }
  }
}
