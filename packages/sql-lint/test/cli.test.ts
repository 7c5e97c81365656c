import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';

const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
let dirs: string[] = [];

afterEach(() => {
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  dirs = [];
});

/** A temp project with the given files (paths relative to it). */
function project(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tenant-scope-cli-'));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

function run(cwd: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface JsonFinding {
  file: string;
  line: number;
  column: number;
  ruleId: string;
  severity: string;
}
const locations = (stdout: string): string[] => (JSON.parse(stdout) as JsonFinding[]).map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}`);

const safeOrders = `create table orders (id bigint primary key, tenant_id uuid not null);
alter table orders enable row level security;
alter table orders force row level security;
create policy tenant_rows on orders
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
`;

describe('tenant-scope lint', () => {
  test('applies files in natural order (2 before 10) and exits 1 on errors', () => {
    const dir = project({
      'migrations/10_disable.sql': 'alter table orders disable row level security;\n',
      'migrations/2_orders.sql': safeOrders,
    });
    const result = run(dir, 'lint', 'migrations', '--format', 'json');
    expect(locations(result.stdout)).toEqual(['migrations/10_disable.sql:1:1 rls-weakened']);
    expect(result.code).toBe(1);
  });

  test('without paths, lints the configuration\'s "migrations", found up the tree and relative to its folder', () => {
    const dir = project({
      'tenant-scope.config.json': JSON.stringify({ migrations: ['db/migrations'] }),
      'db/migrations/1_orders.sql': safeOrders,
      'db/migrations/2_disable.sql': 'alter table orders disable row level security;\n',
      'db/seeds/unrelated.sql': 'create table seeds (tenant_id uuid);\n',
      'src/app/.keep': '',
    });
    const result = run(join(dir, 'src', 'app'), 'lint', '--format', 'json');
    expect(locations(result.stdout)).toEqual(['../../db/migrations/2_disable.sql:1:1 rls-weakened']);
    expect(result.code).toBe(1);
  });

  test('reads Flyway, Prisma and Supabase layouts; Flyway undo files are not history', () => {
    const flyway = project({
      'db/V1__orders.sql': 'create table orders (id bigint primary key, tenant_id uuid not null);\n',
      'db/V2__rls.sql': safeOrders.split('\n').slice(1).join('\n'),
      'db/U2__undo_rls.sql': 'alter table orders disable row level security;\n',
    });
    expect(run(flyway, 'lint', 'db', '--format', 'json')).toMatchObject({ code: 0, stdout: '[]\n' });
    const prisma = project({
      'prisma/migrations/20240101000000_init/migration.sql': 'create table orders (id bigint primary key, tenant_id uuid not null);\n',
      'prisma/migrations/20240202000000_rls/migration.sql': 'alter table orders enable row level security;\n',
      'prisma/migrations/migration_lock.toml': 'provider = "postgresql"\n',
    });
    const prismaResult = run(prisma, 'lint', 'prisma/migrations', '--format', 'json');
    expect(locations(prismaResult.stdout)).toEqual([
      'prisma/migrations/20240202000000_rls/migration.sql:1:1 rls-enabled-no-policy',
      'prisma/migrations/20240202000000_rls/migration.sql:1:1 rls-not-forced',
    ]);
    const supabase = project({ 'supabase/migrations/20240101000000_orders.sql': safeOrders });
    expect(run(supabase, 'lint', 'supabase/migrations')).toMatchObject({ code: 0, stdout: '' });
  });

  test('only the up part of dbmate files counts', () => {
    const dir = project({ 'db/migrations/20240101_orders.sql': `-- migrate:up\n${safeOrders}\n-- migrate:down\nalter table orders disable row level security;\n` });
    expect(run(dir, 'lint', 'db/migrations', '--format', 'json')).toMatchObject({ code: 0, stdout: '[]\n' });
  });

  test('expands quoted globs', () => {
    const dir = project({ 'm/001.sql': 'create table a (id int, tenant_id uuid not null);\n', 'm/002.txt': 'not sql' });
    const result = run(dir, 'lint', 'm/*.sql', '--format', 'json');
    expect(locations(result.stdout)).toEqual(['m/001.sql:1:1 rls-not-enabled']);
  });

  test('pretty output shows location, rule, message, the statement underlined, help and doc', () => {
    const dir = project({ 'm/1.sql': 'create table a (id int, tenant_id uuid not null);\n' });
    const result = run(dir, 'lint', 'm');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      [
        'm/1.sql:1:1  error  rls-not-enabled',
        '  table a has tenant column tenant_id but row-level security is never enabled: every tenant reads every row',
        '  1 | create table a (id int, tenant_id uuid not null);',
        '    | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
        '  help: ALTER TABLE … ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY, and add a policy on the tenant column.',
        '  docs: https://github.com/tenant-scope/tenant-scope/blob/main/packages/sql-lint/docs/rules/rls-not-enabled.md (offline: tenant-scope explain rls-not-enabled)',
        '',
        '1 problem (1 error, 0 warnings)',
        '',
      ].join('\n'),
    );
  });

  test('github format prints workflow annotations', () => {
    const dir = project({ 'm/1.sql': 'create table a (id int, tenant_id uuid);\n' });
    const result = run(dir, 'lint', 'm', '--format', 'github');
    expect(result.stdout.split('\n')).toEqual([
      '::error file=m/1.sql,line=1,col=1,endLine=1,endColumn=40,title=rls-not-enabled::table a has tenant column tenant_id but row-level security is never enabled: every tenant reads every row (rls-not-enabled)',
      '::warning file=m/1.sql,line=1,col=1,endLine=1,endColumn=40,title=tenant-column-nullable::tenant column tenant_id of a allows NULL (tenant-column-nullable)',
      '',
    ]);
  });

  test('sarif format is a SARIF 2.1.0 log with rules and regions', () => {
    const dir = project({ 'm/1.sql': 'create table a (id int, tenant_id uuid);\n' });
    const result = run(dir, 'lint', 'm', '--format', 'sarif');
    const log = JSON.parse(result.stdout) as {
      version: string;
      runs: { tool: { driver: { name: string; rules: { id: string }[] } }; results: { ruleId: string; ruleIndex: number; level: string; locations: unknown[] }[] }[];
    };
    expect(log.version).toBe('2.1.0');
    const run0 = log.runs[0];
    expect(run0?.tool.driver.name).toBe('tenant-scope');
    expect(run0?.results.map((r) => [r.ruleId, r.level, run0.tool.driver.rules[r.ruleIndex]?.id])).toEqual([
      ['rls-not-enabled', 'error', 'rls-not-enabled'],
      ['tenant-column-nullable', 'warning', 'tenant-column-nullable'],
    ]);
    expect(run0?.results[0]?.locations).toEqual([
      { physicalLocation: { artifactLocation: { uri: 'm/1.sql' }, region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 40 } } },
    ]);
  });

  test('warnings alone exit 0; --max-warnings makes too many exit 1', () => {
    const dir = project({ 'm/1.sql': 'create table a (id int, tenant_id uuid);\n', 'tenant-scope.config.json': '{ "rules": { "rls-not-enabled": "off" } }' });
    expect(run(dir, 'lint', 'm').code).toBe(0);
    expect(run(dir, 'lint', 'm', '--max-warnings', '1').code).toBe(0);
    const strict = run(dir, 'lint', 'm', '--max-warnings', '0');
    expect(strict.code).toBe(1);
    expect(strict.stderr).toBe('tenant-scope: 1 warnings found, more than --max-warnings 0\n');
  });

  test('reads configuration from .mjs files and package.json#tenant-scope', () => {
    const files = { 'm/1.sql': "select set_config('app.tenantid', 'x', true);\n" };
    const mjs = project({ ...files, 'tenant-scope.config.mjs': "export default { contextGucs: ['app.tenant_id'] };\n" });
    expect(locations(run(mjs, 'lint', 'm', '--format', 'json').stdout)).toEqual(['m/1.sql:1:19 unknown-context-guc']);
    const pkg = project({ ...files, 'package.json': JSON.stringify({ name: 'app', 'tenant-scope': { contextGucs: ['app.tenantid'] } }) });
    expect(run(pkg, 'lint', 'm', '--format', 'json')).toMatchObject({ code: 0, stdout: '[]\n' });
  });

  test('config ignore globs and inline ignores silence findings', () => {
    const dir = project({
      'm/1_legacy.sql': 'create table a (id int, tenant_id uuid not null);\n',
      'm/2.sql': '-- tenant-scope-ignore rls-not-enabled -- filled by the importer, read by nobody\ncreate table b (id int, tenant_id uuid not null);\n',
      'tenant-scope.config.json': '{ "ignore": ["m/1_*.sql"] }',
    });
    expect(run(dir, 'lint', 'm', '--format', 'json')).toMatchObject({ code: 0, stdout: '[]\n' });
  });

  test('a file that does not parse is a finding (exit 1); the other files are still linted', () => {
    const dir = project({
      'm/1.sql': 'create table a (id int, tenant_id uuid not null);\n',
      'm/2.sql': "create function f() returns int language sql as $$ select 1;\n",
    });
    const result = run(dir, 'lint', 'm', '--format', 'json');
    expect(locations(result.stdout)).toEqual(['m/1.sql:1:1 rls-not-enabled', 'm/2.sql:1:49 parse-error']);
    expect(result.code).toBe(1);
  });

  test.each([
    ['a missing path', {}, ['lint', 'nope'], 'tenant-scope: nope: no such file or directory\n  hint: check the path; it is resolved from the current directory\n'],
    ['an empty directory', { 'empty/.keep': '' }, ['lint', 'empty'], 'tenant-scope: empty: no .sql files in this directory\n  hint: point at the folder that holds your migrations, e.g. `tenant-scope lint db/migrations`\n'],
    ['a binary file', { 'm/1.sql': Buffer.from([0x63, 0x00, 0x01, 0x02]) }, ['lint', 'm'], 'tenant-scope: m/1.sql: this is a binary file, not SQL text\n  hint: pass only .sql migration files, or add the file to "ignore" in the configuration\n'],
    ['a non-UTF-8 file', { 'm/1.sql': Buffer.from('select \'caf\xe9\';\n', 'latin1') }, ['lint', 'm'], 'tenant-scope: m/1.sql: the file is not valid UTF-8 (first bad byte at offset 11)\n  hint: convert it to UTF-8, e.g. `iconv -f latin1 -t utf-8`\n'],
    ['a bad config', { 'm/1.sql': 'select 1;\n', 'tenant-scope.config.json': '{ "rules": { "rls-not-enabled": "loud" } }' }, ['lint', 'm'], 'rule "rls-not-enabled" has severity "loud"'],
  ] as const)('%s exits 2 with a clear message', (_, files, args, message) => {
    const dir = project(files as Record<string, string | Buffer>);
    const result = run(dir, ...args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });

  test.each([
    [['lint'], 'lint needs at least one file, directory, glob or - (standard input), or "migrations" in the configuration'],
    [['lint', 'm', '--format', 'xml'], 'unknown --format "xml"'],
    [['lint', 'm', '--max-warnings', 'many'], '--max-warnings needs a whole number, got "many"'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['lint', 'm', '--colour'], "Unknown option '--colour'"],
  ])('bad usage %j exits 2', (args, message) => {
    const dir = project({ 'm/1.sql': 'select 1;\n' });
    const result = run(dir, ...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('Usage:');
  });
});
