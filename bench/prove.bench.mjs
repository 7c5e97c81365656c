// Wall time of `tenant-scope prove` on a generated 50-table history, split into building the
// database (create it, apply the history), seeding the three tenants, and probing (directly and,
// when pgbouncer is installed, through PgBouncer). Target: under 30 s on two cores. The history:
// a tenants table, 49 tenant tables in chains of foreign keys (a child reaches its tenant through
// its parent), each with RLS forced, a tenant policy, a security_invoker view on every fifth, and
// a SECURITY DEFINER reader on every tenth; a few tables are left with mistakes to find.
//   npx tsc -b && node bench/prove.bench.mjs
// Rounds: BENCH_ROUNDS (default 3; the median is reported). Uses TENANT_SCOPE_DATABASE_URL when
// set, else a throwaway server from the test harness.
import { startPostgres } from '@tenant-scope/pg-harness';
import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import { proveHistory } from '../packages/sql-lint/dist/prove/prove-history.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TABLES = 50;
const TARGET_MS = 30_000;
const ctx = "(select nullif(current_setting('app.tenant_id', true), '')::uuid)";

/** The history as files of ten tables each. */
function history() {
  const statements = [
    'create role bench_app nologin;',
    'create table tenants (id uuid primary key, name text not null);',
  ];
  for (let n = 1; n < TABLES; n++) {
    const t = `t${n}`;
    // Every third table hangs off the one before it; the others off the tenant directly.
    const parent = n % 3 === 0 ? `t${n - 1}` : null;
    statements.push(
      `create table ${t} (\n  id bigint generated always as identity primary key,\n  tenant_id uuid not null references tenants (id),\n` +
        (parent ? `  ${parent}_id bigint not null references ${parent} (id),\n` : '') +
        `  name text not null,\n  status text not null default 'new' check (status in ('new', 'paid', 'void')),\n  amount numeric(12, 2) not null default 0,\n  created_at timestamptz not null default now()\n);`,
      `alter table ${t} enable row level security;`,
      // Two tables the app role owns without FORCE, one with a USING (true) policy.
      n % 23 === 0 ? `alter table ${t} owner to bench_app;` : `alter table ${t} force row level security;`,
      n === 17 ? `create policy ${t}_open on ${t} using (true);` : `create policy ${t}_tenant on ${t} using (tenant_id = ${ctx}) with check (tenant_id = ${ctx});`,
      `grant select, insert, update, delete on ${t} to bench_app;`,
    );
    if (n % 5 === 0) statements.push(`create view ${t}_totals with (security_invoker = true) as select tenant_id, count(*) as n from ${t} group by tenant_id;`, `grant select on ${t}_totals to bench_app;`);
    if (n % 10 === 0) statements.push(`create function ${t}_names() returns setof text language sql stable security definer set search_path = public, pg_temp as $$ select name from ${t} where tenant_id = ${ctx} $$;`);
  }
  const files = [];
  for (let i = 0; i < statements.length; i += 40) files.push({ path: `migrations/${String(files.length + 1).padStart(3, '0')}.sql`, text: statements.slice(i, i + 40).join('\n\n') + '\n' });
  return files;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

await initAnalyzer();
const server = await startPostgres();
try {
  const files = history();
  const runs = [];
  let report;
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    report = await proveHistory({ files, config: { contextGucs: ['app.tenant_id'] }, databaseUrl: server.url });
    runs.push({ total: performance.now() - started, ...report.timings });
  }
  const pick = (key) => Math.round(median(runs.map((r) => r[key])));
  const total = pick('total');
  const bad = report.entries.filter((e) => e.outcome === 'leak' || e.outcome === 'raises');
  const objects = new Set(report.entries.map((e) => e.object)).size;
  console.log(`prove: ${TABLES} tables (${objects} objects, ${report.entries.length} matrix cells, ${bad.length} leaks or raises), pgbouncer ${report.pgbouncer ? 'on' : 'off'}, median of ${ROUNDS}`);
  console.log(`  total ${total} ms = build ${pick('build')} ms + seed ${pick('seed')} ms + probes ${pick('probe')} ms (+ ${total - pick('build') - pick('seed') - pick('probe')} ms model and cleanup)`);
  console.log(`  target: under ${TARGET_MS} ms: ${total < TARGET_MS ? 'met' : 'MISSED'} (${(total / TARGET_MS).toFixed(2)} of the budget)`);
  if (process.env.BENCH_VERBOSE) for (const e of bad) console.log(`  ${e.object} ${e.operation} ${e.context}: ${e.outcome}`);
  if (total >= TARGET_MS) process.exitCode = 1;
} finally {
  await server.stop();
}
