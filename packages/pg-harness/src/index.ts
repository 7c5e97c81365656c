/**
 * Test harness for tenant-scope: a throwaway real PostgreSQL server and a real PgBouncer in front
 * of it, so that tests observe what PostgreSQL and PgBouncer actually do with tenant context.
 *
 * @packageDocumentation
 */

/** Starts (or, with `TENANT_SCOPE_DATABASE_URL`, reuses) a PostgreSQL server for a test file. */
export { startPostgres, type StartPostgresOptions } from './start-postgres.js';
/** Handle to a running test server: connection details, `connect()`, `createDatabase()`, `stop()`. */
export { PostgresServer } from './postgres-server.js';
/** Server settings passed as `postgres -c name=value`. */
export type { ServerSettings } from './embedded-server.js';
/** Which database and login a client from `connect()` uses. */
export type { ConnectOptions } from './connect-options.js';
/** Starts the real `pgbouncer` binary in front of a test server. */
export { startPgBouncer, type StartPgBouncerOptions } from './start-pgbouncer.js';
/** Handle to a running PgBouncer: `url`, `urlFor()`, `connect()`, `stop()`, `kill()`, `restart()`. */
export { PgBouncerServer } from './pgbouncer-server.js';
/** PgBouncer's `pool_mode` values, and extra `[pgbouncer]` settings. */
export type { PoolMode, PgBouncerSettings } from './pgbouncer-ini.js';
/** A login that PgBouncer accepts and passes on to PostgreSQL. */
export type { PgBouncerUser } from './pgbouncer-userlist.js';
/** Locates the `pgbouncer` binary on PATH, /usr/sbin or /usr/bin. */
export { findPgBouncer } from './find-pgbouncer.js';
/** Decides whether a PgBouncer suite runs, is skipped loudly, or fails the run (in CI). */
export {
  pgbouncerAvailability,
  type PgBouncerAvailability,
  type PgBouncerAvailabilityOptions,
} from './pgbouncer-availability.js';
/** The unprivileged `postgres` account the harness runs servers as when it runs as root. */
export { postgresSystemUser, type SystemUser } from './postgres-system-user.js';
