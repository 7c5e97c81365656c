// What @tenant-scope/eslint-plugin adds to an ESLint run, measured in one run on a generated
// corpus of query-heavy TypeScript (services, repositories, raw SQL in every style the plugin
// reads, Prisma and Knex, pools from `new Pool` and from ./db, withTenant callbacks, some leaks):
//   untyped: typescript-eslint recommended        vs  + configs.recommended
//   typed:   typescript-eslint recommendedTypeChecked (projectService)  vs  + configs['recommended-type-checked']
// Each pair runs back to back in every round (order alternating), with `cache: false`; the median of
// the per-round ratios is judged. Targets: our rules add
// at most 10% untyped and 5% typed. The target is judged on the CPU time of this process, which
// other load on the machine does not inflate; wall time is printed beside it. The corpus lives in a
// temp dir that is deleted afterwards.
// The corpus has a migration history named in its tenant-scope.config.json, so require-tenant-scope
// reads the schema (tenant tables, global ones) through @tenant-scope/sql-lint; the replay is cached
// per process, so its cost (reported apart) is paid in the warm-up run, once per real ESLint run.
//   npx tsc -b && node bench/eslint-plugin.bench.mjs
// Sizes: BENCH_FILES (untyped corpus, default 2000), BENCH_TYPED_FILES (default 600), BENCH_ROUNDS (default 5).
// BENCH_SCHEMA=0 leaves the history out; BENCH_PLUGIN=<path to a built index.js> measures another build
// of the plugin (an older commit's, for a before/after comparison).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
const repoDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const pluginEntry = process.env.BENCH_PLUGIN ?? join(repoDir, 'packages/eslint-plugin/dist/index.js');
const { default: tenantScope } = await import(pathToFileURL(pluginEntry).href);
const SCHEMA = process.env.BENCH_SCHEMA !== '0';
const FILES = Number(process.env.BENCH_FILES ?? 2000);
const TYPED_FILES = Number(process.env.BENCH_TYPED_FILES ?? 600);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

// A full collection before every run, so one run's garbage is not collected on the next one's time.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc');

// The analyzer instance the plugin uses, so each run starts with a cold SQL analysis cache.
const requireFromPlugin = createRequire(pluginEntry);
const { clearAnalysisCache } = await import(pathToFileURL(requireFromPlugin.resolve('@tenant-scope/sql-analyzer')).href);

// ---------------------------------------------------------------------------------------------
// The corpus

const domains = [
  { entity: 'Invoice', table: 'invoices', columns: ['amount', 'status', 'customer_id', 'due_at'] },
  { entity: 'Customer', table: 'customers', columns: ['name', 'email', 'country', 'plan'] },
  { entity: 'Order', table: 'orders', columns: ['total', 'state', 'customer_id', 'placed_at'] },
  { entity: 'Payment', table: 'payments', columns: ['amount', 'method', 'invoice_id', 'settled_at'] },
  { entity: 'Subscription', table: 'subscriptions', columns: ['plan', 'status', 'renews_at', 'seats'] },
  { entity: 'Project', table: 'projects', columns: ['name', 'owner_id', 'archived', 'budget'] },
  { entity: 'Ticket', table: 'tickets', columns: ['title', 'priority', 'assignee_id', 'closed_at'] },
  { entity: 'Shipment', table: 'shipments', columns: ['carrier', 'tracking', 'order_id', 'shipped_at'] },
];

const camel = (column) => column.replace(/_(\w)/g, (_, c) => c.toUpperCase());

/** Plain application code around the queries: types, validation, mapping. */
function domainCode(d, i) {
  const E = `${d.entity}${i}`;
  const fields = d.columns.map((c) => `  ${camel(c)}: string | number | boolean | null;`).join('\n');
  const mapped = d.columns.map((c) => `    ${camel(c)}: (row['${c}'] ?? null) as ${E}['${camel(c)}'],`).join('\n');
  return `export interface ${E} {
  id: string;
  tenantId: string;
${fields}
  createdAt: Date;
}

export interface ${E}Filter {
  status?: string;
  limit?: number;
  offset?: number;
  search?: string;
}

export class ${E}NotFound extends Error {
  constructor(readonly id: string) {
    super(\`${d.entity} \${id} not found\`);
  }
}

function to${E}(row: Record<string, unknown>): ${E} {
  return {
    id: String(row['id']),
    tenantId: String(row['tenant_id']),
${mapped}
    createdAt: new Date(String(row['created_at'])),
  };
}

function page(filter: ${E}Filter): { limit: number; offset: number } {
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
  const offset = Math.max(filter.offset ?? 0, 0);
  return { limit, offset };
}

function assertId(id: string): void {
  if (!/^[0-9a-f-]{36}$/.test(id)) throw new ${E}NotFound(id);
}
`;
}

/** A service on the shared pool from ./db: every query inside withTenant, in every SQL style. */
function serviceFile(d, i) {
  const E = `${d.entity}${i}`;
  const [c1, c2, c3, c4] = d.columns;
  return `import { pool, withTenant, withoutTenant } from '../db.js';
import { sql } from '../sql.js';

${domainCode(d, i)}
const selectById = 'SELECT id, tenant_id, ${d.columns.join(', ')}, created_at FROM ${d.table} WHERE id = $1';
const listSql = \`SELECT id, tenant_id, ${d.columns.join(', ')}, created_at
  FROM ${d.table}
  WHERE ($1::text IS NULL OR ${c2} = $1)
  ORDER BY created_at DESC
  LIMIT $2 OFFSET $3\`;
const table = '${d.table}';

export async function get${E}(tenantId: string, id: string): Promise<${E}> {
  assertId(id);
  return withTenant(tenantId, async (client) => {
    const { rows } = await client.query(selectById, [id]);
    if (!rows[0]) throw new ${E}NotFound(id);
    return to${E}(rows[0]);
  });
}

export async function list${E}(tenantId: string, filter: ${E}Filter = {}): Promise<${E}[]> {
  const { limit, offset } = page(filter);
  return withTenant(tenantId, async (client) => {
    const result = await client.query({ text: listSql, values: [filter.status ?? null, limit, offset] });
    return result.rows.map(to${E});
  });
}

export async function search${E}(tenantId: string, filter: ${E}Filter): Promise<${E}[]> {
  const term = \`%\${(filter.search ?? '').replace(/[%_]/g, '')}%\`;
  return withTenant(tenantId, async (client) => {
    const query = sql\`SELECT id, tenant_id, ${d.columns.join(', ')}, created_at FROM ${d.table} WHERE ${c1}::text ILIKE \${term} ORDER BY ${c1} LIMIT \${page(filter).limit}\`;
    const { rows } = await client.query(query);
    return rows.map(to${E});
  });
}

export async function create${E}(tenantId: string, input: Omit<${E}, 'id' | 'tenantId' | 'createdAt'>): Promise<string> {
  return withTenant(tenantId, async (client) => {
    const { rows } = await client.query(
      \`INSERT INTO ${d.table} (tenant_id, ${d.columns.join(', ')})
       VALUES (current_setting('app.tenant_id')::uuid, $1, $2, $3, $4)
       RETURNING id\`,
      [input.${camel(c1)}, input.${camel(c2)}, input.${camel(c3)}, input.${camel(c4)}],
    );
    return String(rows[0]?.id);
  });
}

export async function update${E}(tenantId: string, id: string, patch: Partial<${E}>): Promise<void> {
  assertId(id);
  await withTenant(tenantId, async (client) => {
    await client.query('UPDATE ' + table + ' SET ${c2} = coalesce($2, ${c2}), ${c3} = coalesce($3, ${c3}) WHERE id = $1', [
      id,
      patch.${camel(c2)} ?? null,
      patch.${camel(c3)} ?? null,
    ]);
  });
}

export async function remove${E}(tenantId: string, id: string): Promise<boolean> {
  return withTenant(tenantId, async (client) => {
    const result = await client.query(\`DELETE FROM ${d.table} WHERE id = $1 AND ${c4} IS NULL\`, [id]);
    return (result.rowCount ?? 0) > 0;
  });
}

export async function stats${E}(tenantId: string): Promise<Record<string, number>> {
  return withTenant(tenantId, async (client) => {
    const { rows } = await client.query(\`WITH recent AS (
        SELECT ${c2}, created_at FROM ${d.table} WHERE created_at > now() - interval '${(i % 90) + 1} days'
      )
      SELECT ${c2}::text AS key, count(*)::int AS n FROM recent GROUP BY ${c2} ORDER BY n DESC\`);
    return Object.fromEntries(rows.map((row) => [String(row.key), Number(row.n)]));
  });
}

export async function count${E}ForAllTenants(): Promise<number> {
  return withoutTenant(async () => {
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM ${d.table}');
    return Number(rows[0]?.n ?? 0);
  });
}
`;
}

/** A repository with its own pool and hand-written transactions on a checked-out client. */
function repositoryFile(d, i) {
  const E = `${d.entity}${i}`;
  const [c1, c2] = d.columns;
  return `import pg from 'pg';

${domainCode(d, i)}
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

export class ${E}Repository {
  async findById(tenantId: string, id: string): Promise<${E} | null> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("select set_config('app.tenant_id', $1, true)", [tenantId]);
      const { rows } = await client.query('SELECT * FROM ${d.table} WHERE id = $1', [id]);
      await client.query('COMMIT');
      return rows[0] ? to${E}(rows[0]) : null;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  async rename(tenantId: string, id: string, value: string): Promise<void> {
    assertId(id);
    const client = await pool.connect();
    try {
      await client.query(\`BEGIN;
        SELECT set_config('app.tenant_id', $1, true);\`, [tenantId]);
      await client.query({ text: 'UPDATE ${d.table} SET ${c1} = $2, updated_at = now() WHERE id = $1', values: [id, value] });
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [id]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  }

  async page(tenantId: string, filter: ${E}Filter): Promise<${E}[]> {
    const { limit, offset } = page(filter);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("SET LOCAL app.tenant_id = '" + '00000000-0000-0000-0000-000000000000' + "'");
      await client.query("select set_config('app.tenant_id', $1, true)", [tenantId]);
      const { rows } = await client.query(
        'SELECT * FROM ${d.table} WHERE ${c2} = coalesce($1, ${c2}) ORDER BY created_at DESC LIMIT $2 OFFSET $3',
        [filter.status ?? null, limit, offset],
      );
      await client.query('COMMIT');
      return rows.map(to${E});
    } finally {
      client.release();
    }
  }
}
`;
}

/** Prisma: tagged $queryRaw/$executeRaw in a transaction, $executeRawUnsafe for admin work. */
function prismaFile(d, i) {
  const E = `${d.entity}${i}`;
  const [c1, c2] = d.columns;
  return `import { Prisma, PrismaClient } from '@prisma/client';
import { withoutTenant } from '../db.js';

${domainCode(d, i)}
const prisma = new PrismaClient();

export async function report${E}(tenantId: string, from: Date, to: Date): Promise<unknown[]> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw\`select set_config('app.tenant_id', \${tenantId}, true)\`;
    return tx.$queryRaw<unknown[]>\`SELECT ${c2}, count(*) FROM ${d.table} WHERE created_at BETWEEN \${from} AND \${to} GROUP BY ${c2}\`;
  });
}

export async function find${E}(tenantId: string, ids: string[]): Promise<unknown[]> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw\`select set_config('app.tenant_id', \${tenantId}, true)\`;
    return tx.$queryRaw<unknown[]>(Prisma.sql\`SELECT * FROM ${d.table} WHERE id = ANY(\${ids}::uuid[]) ORDER BY ${c1}\`);
  });
}

export async function purge${E}(days: number): Promise<number> {
  return withoutTenant(async () =>
    prisma.$executeRawUnsafe('DELETE FROM ${d.table} WHERE created_at < now() - $1::interval', \`\${days} days\`),
  );
}
`;
}

/** Knex: raw with ? bindings (not PostgreSQL syntax, so skipped) and with plain SQL. */
function knexFile(d, i) {
  const E = `${d.entity}${i}`;
  const [c1, c2] = d.columns;
  return `import knex from 'knex';

${domainCode(d, i)}
const db = knex({ client: 'pg', connection: process.env.DATABASE_URL });

export async function search${E}(tenantId: string, term: string): Promise<unknown> {
  return db.transaction(async (trx) => {
    await trx.raw("select set_config('app.tenant_id', ?, true)", [tenantId]);
    return trx.raw('SELECT id, ${c1} FROM ${d.table} WHERE ${c1}::text ILIKE ? LIMIT 50', [\`%\${term}%\`]);
  });
}

export async function top${E}(tenantId: string): Promise<unknown> {
  return db.transaction(async (trx) => {
    await trx.raw('select set_config($$app.tenant_id$$, ' + "'" + tenantId.replace(/'/g, '') + "'" + ', true)');
    return trx.raw(\`SELECT ${c2}, count(*) AS n FROM ${d.table} GROUP BY ${c2} ORDER BY n DESC LIMIT ${(i % 20) + 5}\`);
  });
}
`;
}

/** The leaks the plugin exists for, one per file in some files. */
const mistakes = [
  () => `export async function setTenant(tenantId: string): Promise<void> {
  await pool.query(\`SET app.tenant_id = '\${tenantId}'\`);
}
`,
  (d) => `export async function archiveAll(): Promise<void> {
  await pool.query('BEGIN');
  await pool.query('UPDATE ${d.table} SET archived_at = now()');
  await pool.query('COMMIT');
}
`,
  (d) => `export async function lockAndLoad(key: number): Promise<unknown[]> {
  const client = await pool.connect();
  await client.query('SELECT pg_advisory_lock($1)', [key]);
  const { rows } = await client.query('SELECT * FROM ${d.table}');
  client.release();
  return rows;
}
`,
  () => `export async function useSchema(schema: string): Promise<void> {
  await pool.query('SET search_path = ' + schema);
}
`,
  // Pool queries that need no tenant: with the schema they are parsed, judged global and not reported.
  () => `export async function health(): Promise<boolean> {
  const { rows } = await pool.query('select 1 as ok');
  return rows[0]?.ok === 1;
}
`,
  () => `export async function planNames(): Promise<unknown[]> {
  const { rows } = await pool.query('select p.id, p.name from plans p join countries c on c.code = p.country order by p.name');
  return rows;
}
`,
  (d) => `export async function unscoped(): Promise<unknown[]> {
  const { rows } = await pool.query('SELECT * FROM ${d.table} ORDER BY created_at DESC LIMIT 10');
  return rows;
}
`,
];

const sharedFiles = {
  'src/db.ts': `import pg from 'pg';

export const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });

export async function withTenant<T>(tenantId: string, run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("select set_config('app.tenant_id', $1, true)", [tenantId]);
    const result = await run(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

export async function withoutTenant<T>(run: () => Promise<T>): Promise<T> {
  return run();
}
`,
  'src/sql.ts': `export interface SqlQuery {
  text: string;
  values: unknown[];
}

export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlQuery {
  return { text: strings.reduce((text, part, index) => \`\${text}$\${index}\${part}\`), values };
}
`,
  // The corpus does not install Prisma or Knex; these declare the parts it uses.
  'src/vendor.d.ts': `declare module '@prisma/client' {
  export namespace Prisma {
    function sql(strings: TemplateStringsArray, ...values: unknown[]): unknown;
  }
  export interface TransactionClient {
    $queryRaw<T = unknown>(query: TemplateStringsArray | unknown, ...values: unknown[]): Promise<T>;
    $executeRaw(query: TemplateStringsArray | unknown, ...values: unknown[]): Promise<number>;
    $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  }
  export class PrismaClient implements TransactionClient {
    $queryRaw<T = unknown>(query: TemplateStringsArray | unknown, ...values: unknown[]): Promise<T>;
    $executeRaw(query: TemplateStringsArray | unknown, ...values: unknown[]): Promise<number>;
    $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
    $transaction<T>(run: (tx: TransactionClient) => Promise<T>): Promise<T>;
  }
}

declare module 'knex' {
  export interface Knex {
    raw(sql: string, bindings?: unknown[]): Promise<unknown>;
    transaction<T>(run: (trx: Knex) => Promise<T>): Promise<T>;
  }
  export default function knex(config: { client: string; connection?: string }): Knex;
}
`,
};

const kinds = [serviceFile, serviceFile, serviceFile, repositoryFile, repositoryFile, prismaFile, knexFile];
const folders = new Map([
  [serviceFile, 'services'],
  [repositoryFile, 'repositories'],
  [prismaFile, 'reports'],
  [knexFile, 'search'],
]);

/** The migration history: one tenant table per domain (RLS and a tenant column), two global lookup tables, a view and a function. */
function migrations() {
  const tenant = domains.map(
    (d) => `create table ${d.table} (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null,
${d.columns.map((c) => `  ${c} text,`).join('\n')}
  archived_at timestamptz,
  updated_at timestamptz,
  created_at timestamptz not null default now()
);
alter table ${d.table} enable row level security;
alter table ${d.table} force row level security;
create policy ${d.table}_tenant on ${d.table} using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
`,
  );
  return {
    'db/migrations/001_tenant_tables.sql': tenant.join('\n'),
    'db/migrations/002_global_tables.sql': `create table countries (code text primary key, name text not null);
create table plans (id int primary key, name text not null, country text references countries (code));
create view plan_names as select p.name, c.name as country from plans p join countries c on c.code = p.country;
create function open_invoices() returns bigint language sql stable as $$ select count(*) from invoices where status = 'open' $$;
`,
    'tenant-scope.config.json': JSON.stringify({ contextGucs: ['app.tenant_id'], migrations: ['db/migrations'] }, null, 2),
  };
}

/** Writes a project of `count` files (plus db.ts, sql.ts, vendor.d.ts and a tsconfig.json); returns its line count. */
function writeCorpus(dir, count) {
  let lines = 0;
  const write = (path, text) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
    lines += text.split('\n').length;
  };
  for (const [path, text] of Object.entries(sharedFiles)) write(path, text);
  for (let i = 0; i < count - Object.keys(sharedFiles).length; i++) {
    const d = domains[i % domains.length];
    const kind = kinds[i % kinds.length];
    let text = kind(d, i);
    // About one file in nine gets a leak; files without ./db get the import the mistake needs.
    if (i % 9 === 4) {
      const mistake = mistakes[Math.floor(i / 9) % mistakes.length](d);
      text += `\n${text.includes("from '../db.js'") ? '' : "import { pool } from '../db.js';\n"}${mistake}`;
    }
    write(`src/${folders.get(kind)}/${d.table}-${i}.ts`, text);
  }
  if (SCHEMA) for (const [path, text] of Object.entries(migrations())) write(path, text);
  write('package.json', JSON.stringify({ name: 'bench-corpus', private: true, type: 'module' }, null, 2));
  write(
    'tsconfig.json',
    JSON.stringify(
      {
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, noEmit: true, types: ['node'] },
        include: ['src'],
      },
      null,
      2,
    ),
  );
  // Type information for pg and Node from the workspace's own installs.
  mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
  symlinkSync(join(repoDir, 'node_modules', 'pg'), join(dir, 'node_modules', 'pg'), 'dir');
  for (const name of ['pg', 'node']) symlinkSync(join(repoDir, 'node_modules', '@types', name), join(dir, 'node_modules', '@types', name), 'dir');
  return lines;
}

// ---------------------------------------------------------------------------------------------
// The measurement

const settings = { 'tenant-scope': { contextGucs: ['app.tenant_id'], pools: ['pool', 'db', 'prisma'] } };
const tsFiles = { files: ['**/*.ts'] };

function configs(dir) {
  const typed = { languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: dir } } };
  return {
    untyped: {
      baseline: [tsFiles, ...tseslint.configs.recommended, { settings }],
      plugin: [tsFiles, ...tseslint.configs.recommended, tenantScope.configs.recommended, { settings }],
    },
    typed: {
      baseline: [tsFiles, ...tseslint.configs.recommendedTypeChecked, typed, { settings }],
      plugin: [tsFiles, ...tseslint.configs.recommendedTypeChecked, tenantScope.configs['recommended-type-checked'], typed, { settings }],
    },
  };
}

async function lint(dir, overrideConfig, stats = false) {
  clearAnalysisCache();
  collectGarbage();
  const eslint = new ESLint({ cwd: dir, cache: false, overrideConfigFile: true, overrideConfig, stats });
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const results = await eslint.lintFiles(['src/**/*.ts']);
  const cpu = process.cpuUsage(cpuStart);
  return { ms: performance.now() - start, cpuMs: (cpu.user + cpu.system) / 1000, results };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function findingsByRule(results) {
  const counts = {};
  for (const result of results) {
    for (const message of result.messages) {
      if (message.ruleId?.startsWith('@tenant-scope/')) counts[message.ruleId] = (counts[message.ruleId] ?? 0) + 1;
      if (message.fatal) counts['(parse error)'] = (counts['(parse error)'] ?? 0) + 1;
    }
  }
  return counts;
}

/** Milliseconds per rule over all files, from ESLint's `stats`. */
function ruleTimes(results) {
  const times = {};
  for (const result of results) {
    for (const pass of result.stats?.times.passes ?? []) {
      for (const [rule, { total }] of Object.entries(pass.rules ?? {})) times[rule] = (times[rule] ?? 0) + total;
    }
  }
  return times;
}

async function compare(label, dir, pair, target) {
  // One untimed run of each loads modules and warms the JIT, as a long-lived editor or CI run would be.
  await lint(dir, pair.baseline);
  const findings = findingsByRule((await lint(dir, pair.plugin)).results);
  const runs = { baseline: { wall: [], cpu: [] }, plugin: { wall: [], cpu: [] } };
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which config goes first, so drift (thermal, GC, page cache) hits both alike.
    const order = round % 2 === 0 ? ['baseline', 'plugin'] : ['plugin', 'baseline'];
    for (const which of order) {
      const { ms, cpuMs } = await lint(dir, pair[which]);
      runs[which].wall.push(ms);
      runs[which].cpu.push(cpuMs);
    }
  }
  // Each round's two runs are neighbours in time, so their ratio cancels most drift of a shared
  // machine; the median of those paired ratios is the figure judged.
  const paired = (kind) => runs.plugin[kind].map((t, i) => t / runs.baseline[kind][i]);
  const wallRatio = median(paired('wall'));
  const ratio = median(paired('cpu'));
  const s = (ms) => (ms / 1000).toFixed(2);
  const line = (name, { wall, cpu }) =>
    `  ${name.padEnd(26)} median ${s(median(cpu))} s CPU, ${s(median(wall))} s wall   (CPU runs: ${cpu.map(s).join(' ')}; wall: ${wall.map(s).join(' ')})`;
  console.log(`\n${label}`);
  console.log(line('typescript-eslint alone', runs.baseline));
  console.log(line('+ @tenant-scope', runs.plugin));
  const percent = (r) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;
  console.log(`  paired CPU ratios per round: ${paired('cpu').map((r) => r.toFixed(3)).join(' ')}`);
  console.log(`  ratio ${ratio.toFixed(3)} CPU (${percent(ratio)}, median of the paired ratios), target <= ${target.toFixed(2)}: ${ratio <= target ? 'met' : 'MISSED'}   [wall ${wallRatio.toFixed(3)}]`);
  console.log(`  findings of our rules: ${JSON.stringify(findings)}`);
  return ratio;
}

async function profile(dir, pair) {
  const { results } = await lint(dir, pair.plugin, true);
  const times = ruleTimes(results);
  const all = Object.values(times).reduce((sum, t) => sum + t, 0);
  const ours = Object.entries(times).filter(([rule]) => rule.startsWith('@tenant-scope/'));
  const oursTotal = ours.reduce((sum, [, t]) => sum + t, 0);
  console.log(`  rule time (stats: true): all rules ${all.toFixed(0)} ms, ours ${oursTotal.toFixed(0)} ms`);
  for (const [rule, t] of ours.sort((a, b) => b[1] - a[1])) console.log(`    ${rule.padEnd(42)} ${t.toFixed(1).padStart(8)} ms`);
}

/** The replay of the corpus's history, apart from the lint runs: cold (read, hash, replay) and the replay alone. */
async function schemaCost(dir) {
  const sqlLint = await import(pathToFileURL(requireFromPlugin.resolve('@tenant-scope/sql-lint')).href);
  const start = performance.now();
  const schema = sqlLint.loadTenantSchema(dir);
  const cold = performance.now() - start;
  const files = readdirSync(join(dir, 'db/migrations')).sort().map((name) => ({ path: name, text: readFileSync(join(dir, 'db/migrations', name), 'utf8') }));
  const replays = [];
  for (let i = 0; i < 5; i++) replays.push(sqlLint.tenantSchemaOf(files, { migrations: ['db/migrations'] }).buildMs);
  const again = performance.now();
  sqlLint.loadTenantSchema(dir);
  const cached = performance.now() - again;
  console.log(
    `schema model (${schema.migrationFiles} migration files): first load ${cold.toFixed(0)} ms (read, hash, replay; once per process), ` +
      `replay alone median ${median(replays).toFixed(1)} ms, a cached load (read and hash only, at most once a second) ${cached.toFixed(1)} ms`,
  );
}

const root = mkdtempSync(join(tmpdir(), 'tenant-scope-eslint-bench-'));
try {
  const untypedDir = join(root, 'untyped');
  const typedDir = join(root, 'typed');
  const untypedLines = writeCorpus(untypedDir, FILES);
  const typedLines = writeCorpus(typedDir, TYPED_FILES);
  console.log(`@tenant-scope/eslint-plugin (${pluginEntry === join(repoDir, 'packages/eslint-plugin/dist/index.js') ? 'this checkout' : pluginEntry}) on ESLint ${ESLint.version}, typescript-eslint, Node ${process.version}; schema: ${SCHEMA ? 'db/migrations in tenant-scope.config.json' : 'none'}`);
  console.log(`corpus: ${FILES} files (${untypedLines} lines) untyped; ${TYPED_FILES} files (${typedLines} lines) typed, a smaller corpus because type-checked runs are slow`);
  console.log(`${ROUNDS} timed rounds per config after one warm-up run each, alternating; cache: false; a full GC and a cleared SQL analysis cache before every run`);

  if (SCHEMA) await schemaCost(untypedDir);
  const started = performance.now();
  const untyped = configs(untypedDir).untyped;
  const untypedRatio = await compare(`untyped (recommended)`, untypedDir, untyped, 1.1);
  await profile(untypedDir, untyped);
  const typed = configs(typedDir).typed;
  const typedRatio = await compare(`typed (recommendedTypeChecked, projectService)`, typedDir, typed, 1.05);
  await profile(typedDir, typed);
  const percent = (r) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;
  console.log(
    `\nsummary (CPU time): untyped ${percent(untypedRatio)} (target <= +10%: ${untypedRatio <= 1.1 ? 'met' : 'MISSED'}), ` +
      `typed ${percent(typedRatio)} (target <= +5%: ${typedRatio <= 1.05 ? 'met' : 'MISSED'}); bench took ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
