// Tenant transactions per second with @tenant-scope/guard, directly to PostgreSQL and through
// PgBouncer (transaction mode), each also through a proxy that adds a fixed delay each way
// (BENCH_DELAY_MS, default 0.5: what a database a little away costs per round trip, which
// loopback hides), measured in one run against an RLS-protected table:
//   (a) the hand-written correct pattern: BEGIN; select set_config(…, true); SELECT …; COMMIT
//   (b) withTenant, assertions off      (c) withTenant, assertions 'throw'
//   (d) a single unguarded pool.query of the same SELECT: the ceiling
//   (e) scope.query, assertions off: BEGIN, the context, the SELECT, the check and COMMIT in one round trip
// Targets on loopback: b/a >= 1.3 through PgBouncer and >= 1.2 directly, c/b >= 0.85, e/d >= 0.6
// directly; with the delay: b/a >= 1.8 and e/a >= 3.0 (the round-trip limits are 2 and 4), e/d >= 0.8.
// The delayed transports run twice: at concurrency 32 like loopback, where client, server, pooler
// and proxy share the machine's cores, so CPU per transaction decides; and at BENCH_DELAY_CONCURRENCY
// (default 8), where the cores are not saturated and round trips decide, as with a database on
// another machine; and one transaction at a time (BENCH_SEQUENTIAL_TRANSACTIONS, default 400), where
// the ratios are those of what one request waits. Each variant's row says where the CPU went (µs per transaction, read from
// /proc on Linux): the client (this process), the server (every PostgreSQL process), PgBouncer and
// the delay proxy.
// Last, what each check costs the server, one transaction after another on one connection.
//   npx tsc -b && node bench/guard.bench.mjs
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { pgbouncerAvailability, startPgBouncer, startPostgres } from '../packages/pg-harness/dist/index.js';
import { createTenantScope } from '../packages/guard/dist/index.js';
import { enterSql, quoteLiteral, SESSION_STATE_PROBE_SQL, sessionCheckSql, verifySql } from '../packages/guard/dist/transaction-sql.js';
import { startDelayProxy } from './delay-proxy.mjs';

const CONCURRENCY = 32;
const DELAY_CONCURRENCY = Number(process.env.BENCH_DELAY_CONCURRENCY ?? 8);
const TRANSACTIONS = Number(process.env.BENCH_TRANSACTIONS ?? 12_000);
const WARMUP = 2_000;
// One transaction at a time through the delay: what one request waits, round trips and all.
const SEQUENTIAL_TRANSACTIONS = Number(process.env.BENCH_SEQUENTIAL_TRANSACTIONS ?? 400);
const ROUNDS = 2;
const TENANTS = Array.from({ length: 20 }, () => randomUUID());
const SELECT = 'select count(*)::int as n from items';
const DELAY_MS = Number(process.env.BENCH_DELAY_MS ?? 0.5);
const CHECK_TRANSACTIONS = Number(process.env.BENCH_CHECK_TRANSACTIONS ?? 2_000);

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

// /proc/<pid>/stat: utime and stime (fields 14 and 15) in clock ticks of 10 ms (USER_HZ on Linux).
const TICK_US = 10_000;

/** CPU time of a process so far in µs (0 where /proc cannot tell). */
function cpuOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_US;
  } catch {
    return 0;
  }
}

/** CPU time so far in µs of a process and of its children (the postmaster and its backends). */
function cpuOfTree(pid) {
  let total = cpuOf(pid);
  let entries;
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return total;
  }
  for (const entry of entries) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) total += cpuOf(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

/** Runs `count` transactions at `concurrency`; returns transactions/s, latency percentiles (ms) and CPU per transaction (µs) of each watched process. */
async function measure(count, transaction, concurrency = CONCURRENCY, watched = {}) {
  const latencies = new Float64Array(count);
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const watchedBefore = Object.fromEntries(Object.entries(watched).map(([name, read]) => [name, read()]));
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
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
  const watchedCpu = Object.fromEntries(Object.entries(watched).map(([name, read]) => [name, (read() - watchedBefore[name]) / count]));
  latencies.sort();
  const at = (q) => latencies[Math.min(count - 1, Math.floor(q * count))];
  return { tps: (count / elapsed) * 1000, p50: at(0.5), p99: at(0.99), clientCpuUs: (cpu.user + cpu.system) / count, watchedCpu };
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

/** The median round trip of `select 1` on one connection, in ms. */
async function roundTrip(pool) {
  const client = await pool.connect();
  try {
    const times = [];
    for (let i = 0; i < 200; i++) {
      const began = performance.now();
      await client.query('select 1');
      times.push(performance.now() - began);
    }
    return times.sort((x, y) => x - y)[100];
  } finally {
    client.release();
  }
}

const summary = [];

async function benchTarget(label, connectionString, concurrency, watched, transactions = TRANSACTIONS) {
  const pool = new pg.Pool({ connectionString, max: concurrency });
  const rtt = await roundTrip(pool);
  const { list, violations } = variants(pool);
  const best = new Map();
  for (const [, run] of list) await measure(Math.min(WARMUP, transactions), run, concurrency);
  // Rounds interleave the variants so that drift on a shared machine hits them alike; the best round counts.
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of list) {
      const result = await measure(transactions, run, concurrency, watched);
      if (!best.has(name) || best.get(name).tps < result.tps) best.set(name, result);
    }
  }
  await pool.end();
  if (violations.length > 0) throw new Error(`${violations.length} violations in the benchmark: ${violations[0].message}`);
  const rows = [...best].map(([name, r]) => ({ variant: name, 'tx/s': Math.round(r.tps), 'p50 ms': r.p50.toFixed(2), 'p99 ms': r.p99.toFixed(2), 'client CPU µs/tx': Math.round(r.clientCpuUs), ...Object.fromEntries(Object.entries(r.watchedCpu).map(([name, us]) => [`${name} µs/tx`, Math.round(us)])) }));
  const tps = [...best.values()].map((r) => r.tps);
  const [a, b, c, d, e] = tps;
  console.log(`\n${label}: ${transactions} transactions per variant, concurrency ${concurrency}, round trip of select 1: ${rtt.toFixed(2)} ms`);
  console.table(rows);
  console.log(`b/a = ${(b / a).toFixed(2)}   c/b = ${(c / b).toFixed(2)}   e/a = ${(e / a).toFixed(2)}   e/d = ${(e / d).toFixed(2)} (a tenant query against an unguarded one)`);
  summary.push({ transport: label, conc: concurrency, 'rtt ms': rtt.toFixed(2), a: Math.round(a), b: Math.round(b), c: Math.round(c), d: Math.round(d), e: Math.round(e), 'b/a': (b / a).toFixed(2), 'c/b': (c / b).toFixed(2), 'e/a': (e / a).toFixed(2), 'e/d': (e / d).toFixed(2) });
}

/**
 * What each check costs: one connection, one transaction after another, each sent as one
 * simple-protocol message (BEGIN, the statements, COMMIT), so that only the statements differ.
 * µs per transaction, the best of three interleaved rounds.
 */
async function checkCosts(connectionString) {
  const client = new pg.Client({ connectionString });
  await client.connect();
  const gucs = ['app.tenant_id'];
  const value = quoteLiteral(TENANTS[0]);
  const path = (await client.query(`select current_setting('search_path') as path`)).rows[0].path;
  const enter = enterSql(gucs, 'BEGIN', { values: [value], login: quoteLiteral(app.user), searchPath: quoteLiteral(path) });
  const verify = verifySql(gucs, [value]);
  const steps = [
    ['BEGIN; set_config; COMMIT (the context alone)', `BEGIN; SELECT pg_catalog.set_config('app.tenant_id', ${value}, true); COMMIT`],
    ['the context statement with the arrival checks instead', `${enter}; COMMIT`],
    ['+ the check before COMMIT', `${enter}; ${verify}; COMMIT`],
    ['+ the session check after COMMIT (warn/throw)', `${enter}; ${verify}; COMMIT; ${sessionCheckSql(gucs)}`],
    ['+ the session-state probe (when a text names HOLD, LISTEN or PREPARE)', `${enter}; ${verify}; COMMIT; ${sessionCheckSql(gucs)}; ${SESSION_STATE_PROBE_SQL}`],
  ];
  const costs = new Map();
  for (let round = 0; round < 3; round++) {
    for (const [step, text] of steps) {
      const began = performance.now();
      for (let i = 0; i < CHECK_TRANSACTIONS; i++) await client.query(text);
      const us = ((performance.now() - began) / CHECK_TRANSACTIONS) * 1000;
      costs.set(step, Math.min(costs.get(step) ?? Infinity, us));
    }
  }
  await client.end();
  return [...costs].map(([step, us]) => ({ step, 'µs/tx': Math.round(us) }));
}

/** The postmaster's process id (the parent of a backend), or undefined where /proc cannot tell. */
async function postmasterPid(postgres) {
  const client = await postgres.connect();
  try {
    const backend = (await client.query('select pg_backend_pid() as pid')).rows[0].pid;
    const stat = readFileSync(`/proc/${backend}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  } finally {
    await client.end();
  }
}

/** `url` with its host and port replaced by a delay proxy's. */
function throughProxy(url, proxy) {
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return proxied.toString();
}

const postgres = await startPostgres();
let bouncer;
const proxies = [];
try {
  const database = await createDatabase(postgres);
  const appUrl = new URL(postgres.urlFor(database));
  appUrl.username = app.user;
  appUrl.password = app.password;
  const postmaster = await postmasterPid(postgres);
  const server = postmaster === undefined ? {} : { server: () => cpuOfTree(postmaster) };
  const targets = [['direct to PostgreSQL', appUrl.toString(), CONCURRENCY, server]];
  if (pgbouncerAvailability().available) {
    bouncer = await startPgBouncer(postgres, { poolMode: 'transaction', poolSize: 8, users: [app] });
    const pooler = bouncer.pid === undefined ? {} : { pgbouncer: () => cpuOf(bouncer.pid) };
    targets.push(['through PgBouncer (transaction mode, default_pool_size 8)', bouncer.urlFor(database, app), CONCURRENCY, { ...server, ...pooler }]);
  } else {
    console.log('\nPgBouncer not installed: skipped the PgBouncer runs');
  }
  for (const [label, url, , watched] of [...targets]) {
    const { hostname, port } = new URL(url);
    const proxy = await startDelayProxy({ host: hostname, port: Number(port) }, DELAY_MS);
    proxies.push(proxy);
    const delayed = { ...watched, proxy: () => cpuOf(proxy.pid) };
    for (const concurrency of [CONCURRENCY, DELAY_CONCURRENCY]) targets.push([`${label}, ${DELAY_MS} ms added each way`, throughProxy(url, proxy), concurrency, delayed]);
    targets.push([`${label}, ${DELAY_MS} ms added each way, one at a time`, throughProxy(url, proxy), 1, delayed, SEQUENTIAL_TRANSACTIONS]);
  }
  for (const [label, url, concurrency, watched, transactions] of targets) await benchTarget(label, url, concurrency, watched, transactions);
  console.log(`\nSummary (tx/s; rtt: median round trip of select 1; a hand-written, b withTenant, c assertions 'throw', d unguarded, e scope.query)`);
  console.table(summary);
  console.log('\nWhat each check costs the server: one connection, one transaction after another, each one message (directly)');
  console.table(await checkCosts(appUrl.toString()));
} finally {
  for (const proxy of proxies) await proxy.stop();
  await bouncer?.stop();
  await postgres.stop();
}
