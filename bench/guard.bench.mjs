// Tenant transactions per second with @tenant-scope/guard, directly to PostgreSQL and through
// PgBouncer (transaction mode), measured in one run against an RLS-protected table:
//   (a) the hand-written correct pattern: BEGIN; select set_config(…, true); SELECT …; COMMIT
//   (b) withTenant, assertions off      (c) withTenant, assertions 'throw'
//   (d) a single unguarded pool.query of the same SELECT: the ceiling
//   (e) scope.query, assertions off: BEGIN, the context, the SELECT, the check and COMMIT in one round trip
// Targets: b/a >= 1.3 (BEGIN and the context share the SELECT's round trip); c/b >= 0.85.
//   npx tsc -b && node bench/guard.bench.mjs
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { pgbouncerAvailability, startPgBouncer, startPostgres } from '../packages/pg-harness/dist/index.js';
import { createTenantScope } from '../packages/guard/dist/index.js';

const CONCURRENCY = 32;
const TRANSACTIONS = Number(process.env.BENCH_TRANSACTIONS ?? 12_000);
const WARMUP = 2_000;
const ROUNDS = 2;
const TENANTS = Array.from({ length: 20 }, () => randomUUID());
const SELECT = 'select count(*)::int as n from items';

const app = { user: `bench_app_${randomBytes(3).toString('hex')}`, password: randomBytes(8).toString('hex') };

async function createDatabase(postgres) {
  const url = await postgres.createDatabase();
  const database = new URL(url).pathname.slice(1);
  const admin = await postgres.connect({ database });
  await admin.query(`
    create role ${app.user} login password '${app.password}';
    create table items (id bigserial primary key, tenant_id uuid not null, label text not null);
    alter table items enable row level security;
    alter table items force row level security;
    create policy tenant_isolation on items using (tenant_id = (select NULLIF(current_setting('app.tenant_id', true), '')::uuid));
    grant select on items to ${app.user};
  `);
  await admin.query(`insert into items (tenant_id, label) select t::uuid, 'row ' || n from unnest($1::text[]) t, generate_series(1, 5) n`, [TENANTS]);
  await admin.end();
  return database;
}

/** Runs `count` transactions at CONCURRENCY; returns transactions/s and latency percentiles (ms). */
async function measure(count, transaction) {
  const latencies = new Float64Array(count);
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++;
        const began = performance.now();
        const n = await transaction(TENANTS[i % TENANTS.length]);
        latencies[i] = performance.now() - began;
        if (n !== 5 && n !== 0) throw new Error(`unexpected row count ${n}`);
      }
    }),
  );
  const elapsed = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort();
  const at = (q) => latencies[Math.min(count - 1, Math.floor(q * count))];
  return { tps: (count / elapsed) * 1000, p50: at(0.5), p99: at(0.99), clientCpuUs: (cpu.user + cpu.system) / count };
}

function variants(pool) {
  const off = createTenantScope(pool, { context: { tenantId: 'app.tenant_id' }, assertions: 'off' });
  const violations = [];
  const checked = createTenantScope(pool, { context: { tenantId: 'app.tenant_id' }, assertions: 'throw', onViolation: (v) => violations.push(v) });
  const select = async (client) => (await client.query(SELECT)).rows[0].n;
  return {
    violations,
    list: [
      [
        '(a) hand-written BEGIN/set_config/SELECT/COMMIT',
        async (tenant) => {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            await client.query(`select set_config('app.tenant_id', $1, true)`, [tenant]);
            const n = await select(client);
            await client.query('COMMIT');
            return n;
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          } finally {
            client.release();
          }
        },
      ],
      ['(b) withTenant, assertions off', (tenant) => off.withTenant({ tenantId: tenant }, select)],
      ["(c) withTenant, assertions 'throw'", (tenant) => checked.withTenant({ tenantId: tenant }, select)],
      ['(d) unguarded pool.query (ceiling)', async () => (await pool.query(SELECT)).rows[0].n],
      ['(e) scope.query, assertions off', async (tenant) => (await off.query({ tenantId: tenant }, SELECT)).rows[0].n],
    ],
  };
}

async function benchTarget(label, connectionString) {
  const pool = new pg.Pool({ connectionString, max: CONCURRENCY });
  const { list, violations } = variants(pool);
  const best = new Map();
  for (const [, run] of list) await measure(WARMUP, run);
  // Rounds interleave the variants so that drift on a shared machine hits them alike; the best round counts.
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of list) {
      const result = await measure(TRANSACTIONS, run);
      if (!best.has(name) || best.get(name).tps < result.tps) best.set(name, result);
    }
  }
  await pool.end();
  if (violations.length > 0) throw new Error(`${violations.length} violations in the benchmark: ${violations[0].message}`);
  const rows = [...best].map(([name, r]) => ({ variant: name, 'tx/s': Math.round(r.tps), 'p50 ms': r.p50.toFixed(2), 'p99 ms': r.p99.toFixed(2), 'client CPU µs/tx': Math.round(r.clientCpuUs) }));
  const tps = [...best.values()].map((r) => r.tps);
  const [a, b, c, d, e] = tps;
  console.log(`\n${label}: ${TRANSACTIONS} transactions per variant, concurrency ${CONCURRENCY}`);
  console.table(rows);
  console.log(`b/a = ${(b / a).toFixed(2)} (target >= 1.30)   c/b = ${(c / b).toFixed(2)} (target >= 0.85)`);
  console.log(`e/a = ${(e / a).toFixed(2)}   e/d = ${(e / d).toFixed(2)} (a tenant query against an unguarded one)`);
}

const postgres = await startPostgres();
let bouncer;
try {
  const database = await createDatabase(postgres);
  const appUrl = new URL(postgres.urlFor(database));
  appUrl.username = app.user;
  appUrl.password = app.password;
  await benchTarget('direct to PostgreSQL', appUrl.toString());
  if (pgbouncerAvailability().available) {
    bouncer = await startPgBouncer(postgres, { poolMode: 'transaction', poolSize: 8, users: [app] });
    await benchTarget('through PgBouncer (transaction mode, default_pool_size 8)', bouncer.urlFor(database, app));
  } else {
    console.log('\nPgBouncer not installed: skipped the PgBouncer run');
  }
} finally {
  await bouncer?.stop();
  await postgres.stop();
}
