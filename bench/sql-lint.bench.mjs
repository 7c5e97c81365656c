// Wall time and peak memory of `tenant-scope lint --format json` next to squawk (a Rust migration
// linter, `squawk --reporter json`) on the same generated migration history, measured in one run:
// 50,000 statements in 500 files for the comparison (cold, no cache: by default, with worker
// threads, and on one thread; then --cache re-runs after editing one file and with no change), then 10k / 50k / 200k
// statements to show how time grows with the history. Targets: cold wall time at most squawk's,
// the cached re-run at most a tenth of the cold run, and a time per statement that stays flat as
// the history grows. The history is seeded, so every run lints the same
// SQL; it lives in a temp dir that is deleted afterwards.
//   npx tsc -b && node bench/sql-lint.bench.mjs
// Rounds per measurement: BENCH_ROUNDS (default 3; the median is reported).
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(repoDir, 'packages/sql-lint/dist/cli.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STATEMENTS_PER_FILE = 100;

// squawk-cli's launcher only finds the platform package's binary; run the binary itself, so that its
// time and memory are squawk's alone.
const requireFromSqlLint = createRequire(join(repoDir, 'packages/sql-lint/package.json'));
const { getBinaryPath } = requireFromSqlLint('squawk-cli/js/index.js');
const squawk = getBinaryPath();

// ---------------------------------------------------------------------------------------------
// The history

/** mulberry32: a small seeded generator, so the history is the same on every run. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const domains = ['invoices', 'orders', 'payments', 'customers', 'tickets', 'projects', 'shipments', 'subscriptions'];
const tenantRead = "(select nullif(current_setting('app.tenant_id', true), '')::uuid)";

/**
 * The statements of one tenant table's life: created, RLS enabled and forced, a policy, indexes, a
 * view (most with security_invoker), a PL/pgSQL function (some SECURITY DEFINER), grants, and the
 * data migrations that fill it. A few tables leave something for the rules to find.
 */
function tableStatements(n, random) {
  const t = `${domains[n % domains.length]}_${n}`;
  const pick = (values) => values[Math.floor(random() * values.length)];
  const flawed = random() < 0.05;
  // A quarter of the functions run as their owner; a few of those without a fixed search_path.
  const definer = random() < 0.25 ? `\n  security definer${random() < 0.1 ? '' : '\n  set search_path = public'}` : '\n  set search_path = public';
  const out = [
    `create table ${t} (\n  id bigint generated always as identity primary key,\n  tenant_id uuid not null,\n  name text not null,\n  amount numeric(12, 2) not null default 0,\n  status text not null default 'new',\n  created_at timestamptz not null default now()\n);`,
    `alter table ${t} enable row level security;`,
    flawed ? `comment on table ${t} is 'owner reads all rows';` : `alter table ${t} force row level security;`,
    `create policy ${t}_tenant on ${t}\n  using (tenant_id = ${tenantRead})\n  with check (tenant_id = ${tenantRead});`,
    `create index ${t}_tenant_created_idx on ${t} (tenant_id, created_at);`,
    `create index ${t}_status_idx on ${t} (tenant_id, status) where status <> 'done';`,
    `create view ${t}_summary${random() < 0.9 ? ' with (security_invoker = true)' : ''} as\n  select tenant_id, status, count(*) as n, sum(amount) as total from ${t} group by tenant_id, status;`,
    `create function ${t}_touch(p_id bigint) returns void\n  language plpgsql${definer}\nas $$\nbegin\n  update ${t} set status = 'seen' where id = p_id and tenant_id = ${tenantRead};\nend\n$$;`,
    `grant select, insert, update on ${t} to app_user;`,
    `grant select on ${t}_summary to app_user;`,
    `alter table ${t} add column note_${pick(['a', 'b', 'c'])} text;`,
  ];
  for (let i = 0; out.length < 20; i++) {
    out.push(
      random() < 0.6
        ? `insert into ${t} (tenant_id, name, amount) values ('${pick(['0b1c', '7d2e', 'a9f0', 'c3d4'])}0000-0000-4000-8000-00000000000${i % 10}', 'seed ${n}-${i}', ${Math.floor(random() * 100000) / 100});`
        : `update ${t} set amount = amount * ${1 + Math.floor(random() * 10) / 100} where status = '${pick(['new', 'open', 'late'])}';`,
    );
  }
  return out;
}

/** Writes `statements` statements, STATEMENTS_PER_FILE to a file named in apply order. */
function writeHistory(dir, statements, seed) {
  const random = seeded(seed);
  mkdirSync(dir, { recursive: true });
  let file = [];
  let files = 0;
  const flush = () => {
    files++;
    writeFileSync(join(dir, `${String(files).padStart(5, '0')}_migration.sql`), `${file.join('\n\n')}\n`);
    file = [];
  };
  let written = 0;
  for (let n = 0; written < statements; n++) {
    for (const statement of tableStatements(n, random)) {
      file.push(statement);
      written++;
      if (file.length === STATEMENTS_PER_FILE) flush();
      if (written === statements) break;
    }
  }
  if (file.length > 0) flush();
  return files;
}

// ---------------------------------------------------------------------------------------------
// Measuring

// Peak RSS is the kernel's own high-water mark: /usr/bin/time's %M (wait4's ru_maxrss) where GNU time
// is installed, else VmHWM polled from /proc/<pid>/status every 5 ms until the process exits.
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const memoryMethod = gnuTime ? '/usr/bin/time -f %M (ru_maxrss)' : 'VmHWM from /proc/<pid>/status, polled every 5 ms';

/** Runs a command with stdout to a file; resolves to its wall time (ms), peak RSS (MiB) and exit code. */
function measure(command, args, cwd, outFile) {
  return new Promise((resolve, reject) => {
    const out = openSync(outFile, 'w');
    const rssFile = `${outFile}.rss`;
    const [file, argv] = gnuTime ? [gnuTime, ['-f', '%M', '-o', rssFile, command, ...args]] : [command, args];
    const start = performance.now();
    const child = spawn(file, argv, { cwd, stdio: ['ignore', out, 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    let hwmKb = 0;
    const poll = gnuTime
      ? null
      : setInterval(() => {
          try {
            const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (match) hwmKb = Math.max(hwmKb, Number(match[1]));
          } catch {
            // The process has just exited.
          }
        }, 5);
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - start;
      if (poll) clearInterval(poll);
      closeSync(out);
      const kb = gnuTime ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1)) : hwmKb;
      if (code !== 0 && code !== 1) reject(new Error(`${command} exited ${code}: ${stderr}`));
      else resolve({ ms, mib: kb / 1024, code });
    });
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// The parser alone, as a floor: a fresh Node process that only reads the history and hands each file
// to libpg-query (the parser tenant-scope is built on), once for trees of every statement (parseSync,
// the JSON trees a linter walks) and once for a syntax check without trees (normalizeSync, the
// cheapest call that runs the whole grammar). tenant-scope checks most data statements without a
// tree and builds trees for the rest and for PL/pgSQL bodies, so its parser work lies near the first.
const libpgQuery = createRequire(join(repoDir, 'packages/sql-analyzer/package.json')).resolve('libpg-query');
const parserAlone = (call) => `
  const { readdirSync, readFileSync } = await import('node:fs');
  const q = await import(${JSON.stringify(libpgQuery)});
  await q.loadModule();
  let n = 0;
  for (const f of readdirSync('history').sort()) n += String(q.${call}(readFileSync('history/' + f, 'utf8'))).length;
  console.log(n);`;

// The cold runs are honest: no --cache, so every file is parsed. `tenant-scope` is the default
// (--concurrency auto: worker threads once the history holds enough SQL); `one thread` parses on
// the main thread only.
const lint = (dir, out, ...options) => measure(process.execPath, [cli, 'lint', 'history', '--format', 'json', ...options], dir, out);
const tools = {
  'tenant-scope': (dir, out) => lint(dir, out),
  'tenant-scope one thread': (dir, out) => lint(dir, out, '--concurrency', 'off'),
  squawk: (dir, out) => measure(squawk, ['--reporter', 'json', 'history/*.sql'], dir, out),
};
const floors = {
  'libpg-query trees': (dir, out) => measure(process.execPath, ['--input-type=module', '-e', parserAlone('parseSync')], dir, out),
  'libpg-query check': (dir, out) => measure(process.execPath, ['--input-type=module', '-e', parserAlone('normalizeSync')], dir, out),
};

/** Alternates the tools ROUNDS times on one history; the median time and the largest peak of each. */
async function compare(dir, withFloors) {
  const runs = withFloors ? { ...tools, ...floors } : tools;
  const samples = Object.fromEntries(Object.keys(runs).map((name) => [name, { ms: [], mib: [] }]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(runs)) {
      const result = await run(dir, join(dir, `${name}.json`));
      samples[name].ms.push(result.ms);
      samples[name].mib.push(result.mib);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, { ms: median(s.ms), mib: Math.max(...s.mib) }]));
}

/**
 * Re-runs with --cache once the cache holds the history: after editing one file (a new statement at
 * the end of the middle file, then of the last file, a different one each round, so that file is
 * parsed again every time), and with nothing changed. Also checks that each writes what an
 * uncached one-thread run writes.
 */
async function warmReruns(dir, files) {
  const cache = ['--cache', '--cache-location', join(dir, 'cache')];
  await lint(dir, join(dir, 'fill.json'), ...cache);
  const name = (n) => join(dir, 'history', `${String(n).padStart(5, '0')}_migration.sql`);
  const rerun = async (label, edit) => {
    const ms = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (edit) appendFileSync(edit, `\ncreate table edited_${label}_${round} (id bigint primary key, tenant_id uuid not null);\n`);
      ms.push((await lint(dir, join(dir, `warm-${label}.json`), ...cache)).ms);
    }
    await lint(dir, join(dir, `uncached-${label}.json`), '--concurrency', 'off');
    const same = readFileSync(join(dir, `warm-${label}.json`), 'utf8') === readFileSync(join(dir, `uncached-${label}.json`), 'utf8');
    return { ms: median(ms), same };
  };
  return {
    middle: await rerun('middle', name(Math.ceil(files / 2))),
    last: await rerun('last', name(files)),
    unchanged: await rerun('unchanged', null),
  };
}

function findingCounts(dir) {
  const ours = JSON.parse(readFileSync(join(dir, 'tenant-scope.json'), 'utf8'));
  const byRule = {};
  for (const f of ours) byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
  const theirs = JSON.parse(readFileSync(join(dir, 'squawk.json'), 'utf8'));
  return { ours: ours.length, byRule, theirs: Array.isArray(theirs) ? theirs.length : '?' };
}

// ---------------------------------------------------------------------------------------------

const root = mkdtempSync(join(tmpdir(), 'tenant-scope-sql-lint-bench-'));
try {
  const version = (await new Promise((resolve) => {
    const child = spawn(squawk, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let text = '';
    child.stdout.on('data', (chunk) => (text += chunk));
    child.on('close', () => resolve(text.trim()));
  }));
  console.log(`${new Date().toISOString().slice(0, 10)}, ${availableParallelism()} CPUs (${cpus()[0]?.model ?? '?'}), load average ${loadavg()[0].toFixed(1)} at start`);
  console.log(`node ${process.version}, ${version}; ${ROUNDS} rounds, median wall time; peak RSS by ${memoryMethod}\n`);

  const sizes = [10_000, 50_000, 200_000];
  const results = [];
  for (const statements of sizes) {
    const dir = join(root, String(statements));
    const files = writeHistory(join(dir, 'history'), statements, 20261122);
    const measured = await compare(dir, statements === 50_000);
    const counts = findingCounts(dir);
    const warm = statements === 50_000 ? await warmReruns(dir, files) : null;
    results.push({ statements, files, measured, counts, warm });
    rmSync(dir, { recursive: true, force: true });
  }

  const main = results.find((r) => r.statements === 50_000);
  const ours = main.measured['tenant-scope'];
  const single = main.measured['tenant-scope one thread'];
  const theirs = main.measured.squawk;
  console.log(`History of ${main.statements.toLocaleString('en')} statements in ${main.files} files`);
  console.log(`  tenant-scope lint --format json (cold)  ${(ours.ms / 1000).toFixed(2)} s  peak ${ours.mib.toFixed(0)} MiB  ${main.counts.ours} findings ${JSON.stringify(main.counts.byRule)}`);
  console.log(`    ... --concurrency off (one thread)    ${(single.ms / 1000).toFixed(2)} s  peak ${single.mib.toFixed(0)} MiB`);
  console.log(`  squawk --reporter json                  ${(theirs.ms / 1000).toFixed(2)} s  peak ${theirs.mib.toFixed(0)} MiB  ${main.counts.theirs} findings`);
  const ratio = ours.ms / theirs.ms;
  console.log(`  wall time tenant-scope / squawk = ${ratio.toFixed(2)}  (target <= 1.00: ${ratio <= 1 ? 'met' : 'NOT met'}); one thread / squawk = ${(single.ms / theirs.ms).toFixed(2)}`);
  console.log(`  peak RSS  tenant-scope / squawk = ${(ours.mib / theirs.mib).toFixed(2)}`);
  for (const [key, label] of [['middle', 'after editing the middle file'], ['last', 'after editing the last file  '], ['unchanged', 'with nothing changed         ']]) {
    const warm = main.warm[key];
    const warmRatio = warm.ms / ours.ms;
    const target = key === 'unchanged' ? '' : ` (target <= 0.10: ${warmRatio <= 0.1 ? 'met' : 'NOT met'})`;
    console.log(`  --cache ${label}  ${(warm.ms / 1000).toFixed(2)} s = ${warmRatio.toFixed(2)} x the cold run${target}; ${(warm.ms / theirs.ms).toFixed(2)} x squawk; output ${warm.same ? 'identical to' : 'DIFFERENT from'} an uncached one-thread run`);
  }
  console.log('  The parser alone (read every file and parse it, nothing else), as a floor for any libpg-query linter:');
  for (const [name, label] of [['libpg-query trees', 'trees of every statement (parseSync)'], ['libpg-query check', 'syntax check only (normalizeSync)']]) {
    const floor = main.measured[name];
    console.log(`    ${label.padEnd(37)} ${(floor.ms / 1000).toFixed(2)} s  = ${(floor.ms / theirs.ms).toFixed(2)} x squawk`);
  }
  console.log('');

  console.log('Growth with history size (time per statement should stay flat):');
  console.log('  statements  files  tenant-scope         µs/stmt  one thread           µs/stmt  squawk               µs/stmt');
  for (const r of results) {
    const cell = (m) => `${(m.ms / 1000).toFixed(2).padStart(6)} s ${m.mib.toFixed(0).padStart(5)} MiB`;
    const per = (m) => ((m.ms * 1000) / r.statements).toFixed(1).padStart(7);
    const columns = Object.keys(tools).map((name) => `${cell(r.measured[name])}  ${per(r.measured[name])}`);
    console.log(`  ${String(r.statements).padStart(10)}  ${String(r.files).padStart(5)}  ${columns.join('  ')}`);
  }
  // Start-up weighs most on the smallest history, so growth is judged on the time each further
  // statement adds: linear when the last step's cost per statement is within 1.5x of the first's.
  for (const name of Object.keys(tools)) {
    const steps = results.slice(1).map((r, i) => {
      const before = results[i];
      return ((r.measured[name].ms - before.measured[name].ms) * 1000) / (r.statements - before.statements);
    });
    const labels = results.slice(1).map((r, i) => `${results[i].statements / 1000}k->${r.statements / 1000}k ${steps[i].toFixed(1)} µs`);
    const growth = steps.at(-1) / steps[0];
    console.log(`  ${name}: per added statement ${labels.join(', ')}; last/first = ${growth.toFixed(2)} -> ${growth <= 1.5 ? 'linear' : 'superlinear'}`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
