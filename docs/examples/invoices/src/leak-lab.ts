/**
 * The leak lab: the invoices service behind a real PgBouncer in transaction mode, driven with
 * concurrent requests for several tenants, counting the rows of one tenant served to another.
 *
 *   npx -y pnpm@10 leak-lab          (from the repository root; needs pgbouncer installed)
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPgBouncer, startPostgres } from '@tenant-scope/pg-harness';
import type { PgBouncerServer, PostgresServer } from '@tenant-scope/pg-harness';
import type { TenantScopeViolation } from '@tenant-scope/guard';
import pg from 'pg';
import { createInvoicesApp as createBeforeApp } from '../before/src/invoices-app.js';
import { createInvoicesApp } from './invoices-app.js';
import type { InvoicesApp, InvoicesAppOptions } from './invoices-app.js';

/** The example's folder (the one holding migrations/ and before/), from src/ or dist/src/. */
export function exampleRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!readdirSync(dir).includes('migrations')) dir = dirname(dir);
  return dir;
}

export const TENANTS = [
  '0a000000-0000-4000-8000-000000000001',
  '0a000000-0000-4000-8000-000000000002',
  '0a000000-0000-4000-8000-000000000003',
  '0a000000-0000-4000-8000-000000000004',
] as const;
const INVOICES_PER_TENANT = 5;
const APP_ROLE = 'invoices_app';
const APP_PASSWORD = 'invoices-app-password';

/** A database with one of the example's migration histories applied and seeded. */
export interface LabDatabase {
  postgres: PostgresServer;
  bouncer: PgBouncerServer;
  /** Connection string for the application role, through PgBouncer. */
  appUrl: string;
  stop(): Promise<void>;
}

/** Starts PostgreSQL and PgBouncer (transaction mode, `poolSize` server connections) with `migrationsDir` applied. */
export async function startLabDatabase(migrationsDir: string, poolSize = 2): Promise<LabDatabase> {
  const postgres = await startPostgres();
  try {
    const admin = await postgres.connect();
    for (const file of readdirSync(migrationsDir).filter((f) => f.endsWith('.sql')).sort()) {
      await admin.query(readFileSync(join(migrationsDir, file), 'utf8'));
    }
    await admin.query(`ALTER ROLE ${APP_ROLE} PASSWORD '${APP_PASSWORD}'`);
    for (const [i, tenant] of TENANTS.entries()) {
      await admin.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [tenant, `Tenant ${i + 1}`]);
      for (let n = 1; n <= INVOICES_PER_TENANT; n++) {
        await admin.query('INSERT INTO invoices (tenant_id, customer, amount_cents) VALUES ($1, $2, $3)', [tenant, `Customer ${n}`, 1000 * n]);
      }
    }
    await admin.end();
    const bouncer = await startPgBouncer(postgres, { poolMode: 'transaction', poolSize, users: [{ user: APP_ROLE, password: APP_PASSWORD }] });
    return {
      postgres,
      bouncer,
      appUrl: bouncer.urlFor(postgres.database, { user: APP_ROLE, password: APP_PASSWORD }),
      stop: async () => {
        await bouncer.stop();
        await postgres.stop();
      },
    };
  } catch (error) {
    await postgres.stop();
    throw error;
  }
}

/**
 * Leaves `tenant` set at session level on every PgBouncer server connection, as the before code
 * does: `poolSize` clients each hold a server connection at the same time and set it.
 */
export async function leaveTenantOnServerConnections(database: LabDatabase, tenant: string): Promise<void> {
  await database.bouncer.restart();
  const clients = await Promise.all(
    Array.from({ length: database.bouncer.poolSize }, () => new pg.Client({ connectionString: database.appUrl })),
  );
  await Promise.all(clients.map((c) => c.connect()));
  try {
    await Promise.all(
      clients.map((c) => c.query(`BEGIN; SELECT set_config('app.tenant_id', '${tenant}', false); SELECT pg_sleep(0.2); COMMIT`)),
    );
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

/** What one run of traffic showed. */
export interface TrafficResult {
  requests: number;
  /** Rows in responses whose tenant_id is not the requesting tenant. */
  leakedRows: number;
  /** Requests answered with an error. */
  failedRequests: number;
  /** Violation codes reported by the guard, with counts. */
  violations: Record<string, number>;
}

type AppFactory = (pool: pg.Pool, options: InvoicesAppOptions) => InvoicesApp;

/** The two variants of the service. */
export const VARIANTS: Record<'before' | 'correct', AppFactory> = { before: createBeforeApp, correct: createInvoicesApp };

/**
 * Runs `requests` requests, `concurrency` at a time, round-robin over the tenants and the routes,
 * against the service built by `factory` on a pool to `database`.
 */
export async function driveTraffic(
  database: LabDatabase,
  factory: AppFactory,
  options: { requests?: number; concurrency?: number; assertions?: 'off' | 'warn' | 'throw'; freshServerConnections?: boolean } = {},
): Promise<TrafficResult> {
  const { requests = 400, concurrency = 16, assertions = 'off', freshServerConnections = true } = options;
  // PgBouncer keeps its server connections, and whatever an earlier run left on them, across clients.
  if (freshServerConnections) await database.bouncer.restart();
  const violations: Record<string, number> = {};
  const pool = new pg.Pool({ connectionString: database.appUrl, max: concurrency });
  pool.on('error', () => undefined);
  const app = factory(pool, {
    assertions,
    onViolation: (v: TenantScopeViolation) => {
      violations[v.code] = (violations[v.code] ?? 0) + 1;
    },
    logger: { warn: () => undefined },
  });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  let leakedRows = 0;
  let failedRequests = 0;
  let next = 0;
  const request = async (i: number) => {
    const tenant = TENANTS[i % TENANTS.length] as string;
    // Each tenant's own invoices have ids (t * 5 + 1 … t * 5 + 5) in seed order.
    const ownId = (i % TENANTS.length) * INVOICES_PER_TENANT + 1 + (i % INVOICES_PER_TENANT);
    const route = [
      ['GET', '/invoices'],
      ['GET', '/invoice-totals'],
      ['GET', `/invoices/${ownId}`],
      ['POST', '/invoices'],
      ['POST', `/invoices/${ownId}/pay`],
    ][Math.floor(i / TENANTS.length) % 5] as [string, string];
    const response = await fetch(base + route[1], {
      method: route[0],
      headers: { 'x-tenant-id': tenant, 'content-type': 'application/json' },
      body: route[0] === 'POST' ? JSON.stringify({ customer: 'Lab', amountCents: 1 }) : undefined,
    });
    const body = (await response.json()) as unknown;
    if (response.status !== 200) failedRequests++;
    else if (Array.isArray(body)) leakedRows += body.filter((row: { tenant_id?: string }) => row.tenant_id !== tenant).length;
  };
  const workers = Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < requests; i = next++) await request(i);
  });
  try {
    await Promise.all(workers);
  } finally {
    await new Promise<void>((resolve) => app.server.close(() => resolve()));
    await pool.end();
  }
  return { requests, leakedRows, failedRequests, violations };
}

async function main(): Promise<void> {
  const root = exampleRoot();
  const before = await startLabDatabase(join(root, 'before', 'migrations'));
  const correct = await startLabDatabase(join(root, 'migrations'));
  try {
    const rows: Array<[string, TrafficResult]> = [
      ['before: code and migrations', await driveTraffic(before, VARIANTS.before)],
      ['before code, correct migrations', await driveTraffic(correct, VARIANTS.before)],
      ['correct code, on connections left with a tenant', await leaveTenantOnServerConnections(correct, TENANTS[0]).then(() => driveTraffic(correct, VARIANTS.correct, { freshServerConnections: false }))],
      ['correct: code and migrations', await driveTraffic(correct, VARIANTS.correct)],
      ['before code, TENANT_SCOPE_ASSERT=throw', await driveTraffic(correct, VARIANTS.before, { assertions: 'throw' })],
    ];
    console.log('Leak lab: 4 tenants, 16 concurrent clients, through PgBouncer in transaction mode (2 server connections).');
    console.log('Violations are what @tenant-scope/guard reported to onViolation (it reports in every mode).\n');
    for (const [name, r] of rows) {
      const codes = Object.entries(r.violations).map(([code, n]) => `${code}×${n}`).join(', ') || 'none';
      console.log(`${name.padEnd(48)} ${String(r.requests).padStart(4)} requests  ${String(r.leakedRows).padStart(5)} rows of another tenant  ${String(r.failedRequests).padStart(4)} failed  violations: ${codes}`);
    }
  } finally {
    await before.stop();
    await correct.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
