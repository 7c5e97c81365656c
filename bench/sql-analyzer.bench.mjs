// Statements analyzed per second by @tenant-scope/sql-analyzer, cold (uncached) and cached, next to
// a bare libpg-query parse of the same text, measured in one run. Targets: cached analysis of a
// seen statement under 2 µs; uncached analysis within 1.5x of the bare parse.
//   npx -y pnpm@10 bench   (or: npx tsc -b && node bench/sql-analyzer.bench.mjs)
import { createRequire } from 'node:module';
import { analyzeSql, analyzeSqlUncached, initAnalyzer, clearAnalysisCache } from '@tenant-scope/sql-analyzer';

const requireFromAnalyzer = createRequire(new URL('../packages/sql-analyzer/package.json', import.meta.url));
const { loadModule, parseSync } = await import(requireFromAnalyzer.resolve('libpg-query'));

// What an application sends and what migrations contain, in the proportions of a typical service.
const templates = [
  (i) => `SELECT id, amount, status FROM invoices WHERE tenant_id = $1 AND id = $2 AND created_at > now() - interval '${i} days'`,
  (i) => `INSERT INTO invoices (tenant_id, customer_id, amount, status) VALUES ($1, $2, ${i}.50, 'draft') RETURNING id`,
  (i) => `UPDATE invoices SET status = 'paid', paid_at = now() WHERE tenant_id = $1 AND id = $2 AND version = ${i}`,
  (i) => `SELECT c.name, sum(i.amount) FROM customers c JOIN invoices i ON i.customer_id = c.id WHERE c.tenant_id = $1 GROUP BY c.name ORDER BY 2 DESC LIMIT ${i}`,
  (i) => `select set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true) /* ${i} */`,
  (i) => `DELETE FROM sessions WHERE tenant_id = $1 AND expires_at < now() - interval '${i} hours'`,
  (i) => `WITH recent AS (SELECT * FROM events WHERE tenant_id = $1 ORDER BY at DESC LIMIT ${i}) SELECT kind, count(*) FROM recent GROUP BY kind`,
  (i) => `CREATE POLICY tenant_isolation_${i} ON invoices USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))`,
  (i) => `SET LOCAL statement_timeout = ${i * 10}`,
  (i) => `CREATE FUNCTION touch_${i}(t uuid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN UPDATE tenants SET seen_at = now() WHERE id = t; END $$`,
];
const statements = [];
for (let i = 0; i < 100; i++) for (const template of templates) statements.push(template(i));

function opsPerSecond(fn, minMs = 400) {
  let iterations = 0;
  const start = performance.now();
  let elapsed;
  do {
    for (const sql of statements) fn(sql);
    iterations += statements.length;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return (iterations / elapsed) * 1000;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

await loadModule();
await initAnalyzer();

const rounds = 5;
const bare = [];
const cold = [];
const cached = [];
for (let round = 0; round < rounds; round++) {
  bare.push(opsPerSecond((sql) => parseSync(sql)));
  cold.push(opsPerSecond((sql) => analyzeSqlUncached(sql)));
  clearAnalysisCache();
  for (const sql of statements) analyzeSql(sql);
  cached.push(opsPerSecond((sql) => analyzeSql(sql)));
}

const bareOps = median(bare);
const coldOps = median(cold);
const cachedOps = median(cached);
const row = (name, ops) => `${name.padEnd(34)} ${Math.round(ops).toLocaleString('en-US').padStart(12)} statements/s  ${(1e6 / ops).toFixed(2).padStart(8)} µs each`;
console.log(`sql-analyzer benchmark: ${statements.length} distinct statements, median of ${rounds} rounds, node ${process.version}`);
console.log(row('libpg-query parseSync (bare)', bareOps));
console.log(row('analyzeSql uncached', coldOps));
console.log(row('analyzeSql cached (seen text)', cachedOps));
console.log(`uncached / bare parse time: ${(bareOps / coldOps).toFixed(2)}x   (target ≤ 1.5x)`);
console.log(`cached time per statement:  ${(1e6 / cachedOps).toFixed(3)} µs (target < 2 µs)`);
