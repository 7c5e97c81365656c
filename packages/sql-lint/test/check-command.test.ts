// `tenant-scope check` and `tenant-scope explain`, run as the CLI on temporary projects. ESLint,
// the plugin and typescript-eslint come from the workspace (the fallback when a project has none).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempProjects } from './temp-project.js';

const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');

const project = tempProjects('tenant-scope-check-');

function run(cwd: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface CheckJson {
  findings: { file: string; line: number; ruleId: string }[];
}
/** Gives a project the workspace's pg and its types, so that type information knows `pg.Pool`. */
function withPg(dir: string): string {
  const modules = join(import.meta.dirname, '..', '..', '..', 'node_modules');
  mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
  symlinkSync(join(modules, 'pg'), join(dir, 'node_modules', 'pg'), 'dir');
  symlinkSync(join(modules, '@types', 'pg'), join(dir, 'node_modules', '@types', 'pg'), 'dir');
  return dir;
}

const found = (stdout: string): string[] => (JSON.parse(stdout) as CheckJson).findings.map((f) => `${f.file}:${f.line} ${f.ruleId}`);

const app = {
  'package.json': '{ "name": "app", "type": "module" }\n',
  'migrations/001_orders.sql': 'create table orders (id bigint primary key, tenant_id uuid not null);\nalter table orders enable row level security;\n',
  // The history names the tenant tables for the plugin too (without it, and without settings, it judges pool queries only in files that use tenant context).
  'tenant-scope.config.json': '{ "migrations": ["migrations"] }\n',
  'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', noEmit: true }, include: ['src'] }),
  // A pool imported from another module: recognised only with type information.
  'src/db.ts': "import pg from 'pg';\nexport const db: pg.Pool = new pg.Pool();\n",
  'src/orders.ts': "import { db } from './db.js';\nexport async function orders() {\n  return db.query('select * from orders');\n}\n",
  // Outside the tsconfig's include: linted without type information instead of failing.
  'scripts/seed.mjs': "import pg from 'pg';\nconst pool = new pg.Pool();\nawait pool.query(\"select set_config('app.tenant_id', '1', false)\");\n",
};

describe('tenant-scope check', () => {
  test('lints migrations and code, typed where the tsconfig.json reaches and untyped elsewhere', () => {
    const dir = withPg(project(app));
    const result = run(dir, 'check', '--format', 'json');
    expect(result.code).toBe(1);
    expect(found(result.stdout)).toEqual([
      'migrations/001_orders.sql:2 rls-enabled-no-policy',
      'migrations/001_orders.sql:2 rls-not-forced',
      // The context write on the pool is no-session-set's alone (require-tenant-scope leaves set-up text to it).
      'scripts/seed.mjs:3 @tenant-scope/no-session-set',
      'src/orders.ts:3 @tenant-scope/require-tenant-scope',
    ]);
    expect(result.stderr).toBe(
      [
        'Summary',
        '  migrations (tenant-scope lint): 1 .sql file, 1 error, 1 warning (config: tenant-scope.config.json)',
        '  app code (ESLint with @tenant-scope/eslint-plugin): 3 files (2 with type information from tsconfig.json, 1 without), 2 errors, 0 warnings, 2 query sites recognised',
        '  not checked: nothing',
        '',
      ].join('\n'),
    );
  });

  test('pretty output has a section per tool, https rule links and the summary; paths are relative to the working directory', () => {
    const dir = withPg(project(app));
    const result = run(dirname(dir), 'check', dir.split(/[\\/]/).pop()!);
    expect(result.code).toBe(1);
    const name = dir.split(/[\\/]/).pop()!;
    expect(result.stdout).toContain('== Migrations: tenant-scope lint\n');
    expect(result.stdout).toContain('== App code: ESLint with @tenant-scope/eslint-plugin\n');
    expect(result.stdout).toContain(`${name}/src/orders.ts:3:10  error  @tenant-scope/require-tenant-scope\n`);
    expect(result.stdout).toContain('  docs: https://github.com/tenant-scope/tenant-scope/blob/main/packages/eslint-plugin/docs/rules/require-tenant-scope.md (offline: tenant-scope explain @tenant-scope/require-tenant-scope)\n');
    expect(result.stdout).toContain(`with type information from ${name}/tsconfig.json`);
    expect(result.stdout).not.toContain(tmpdir());
  });

  test("uses the project's tenant-scope config and its own ESLint config (settings included)", () => {
    const dir = project({
      'package.json': '{ "name": "app", "type": "module" }\n',
      'tenant-scope.config.json': '{ "rules": { "rls-enabled-no-policy": "off" } }\n',
      'migrations/001_orders.sql': app['migrations/001_orders.sql'],
      // No import: the config is read from the project folder, where nothing is installed.
      'eslint.config.mjs': "export default [{ settings: { 'tenant-scope': { pools: ['db'] } } }];\n",
      'src/report.js': "import { db } from './db.js';\nexport const report = () => db.query('select 1');\n",
    });
    const result = run(dir, 'check', '--format', 'json');
    expect(found(result.stdout)).toEqual(['migrations/001_orders.sql:2 rls-not-forced', 'src/report.js:2 @tenant-scope/require-tenant-scope']);
    expect(result.stderr).toContain('(config: tenant-scope.config.json)');
    expect(result.stderr).toContain('2 files (with eslint.config.mjs), 1 error, 0 warnings');
  });

  test('the configuration\'s migrations are the history, and the plugin reads its schema: global queries are not reported', () => {
    const dir = project({
      'package.json': '{ "name": "app", "type": "module" }\n',
      'tenant-scope.config.json': '{ "migrations": ["db/migrations"] }\n',
      'db/migrations/001.sql': [
        'create table countries (code text primary key);',
        'create table orders (id bigint primary key, tenant_id uuid not null);',
        'alter table orders enable row level security;',
        'alter table orders force row level security;',
        "create policy orders_tenant on orders using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);",
        '',
      ].join('\n'),
      // Not in the history: a scratch file that does not even parse.
      'scratch/notes.sql': 'this is not sql;\n',
      'src/app.js': "import pg from 'pg';\nconst pool = new pg.Pool();\nawait pool.query('select 1');\nawait pool.query('select * from countries');\nawait pool.query('select * from orders');\n",
    });
    const result = run(dir, 'check', '--format', 'json');
    expect(result.code).toBe(1);
    expect(found(result.stdout)).toEqual(['src/app.js:5 @tenant-scope/require-tenant-scope']);
    expect(result.stderr).toContain('  migrations (tenant-scope lint): 1 .sql file, 0 errors, 0 warnings (config: tenant-scope.config.json)\n');
  });

  test('a configured migrations folder that does not exist exits 2 with a hint', () => {
    const result = run(project({ 'tenant-scope.config.json': '{ "migrations": ["db/nope"] }\n' }), 'check');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('tenant-scope: db/nope: no such file or directory\n  hint: check the path; it is resolved from the current directory ("migrations" in tenant-scope.config.json)\n');
  });

  test('SQL-looking calls on a handle the plugin does not recognise are listed as not checked, per file with their lines', () => {
    const dir = project({
      'package.json': '{ "name": "app", "type": "module" }\n',
      // A NestJS service with the handle injected under the application's own type: not recognised without settings.
      'src/invoices.service.ts': [
        "import { Injectable } from '@nestjs/common';",
        "import { DatabaseService } from './database.service';",
        '',
        '@Injectable()',
        'export class InvoicesService {',
        '  constructor(private readonly db: DatabaseService) {}',
        '  list() {',
        "    return this.db.query('select * from invoices');",
        '  }',
        '  one(id: string) {',
        "    return this.db.oneOrNone('select * from invoices where id = $1', [id]);",
        '  }',
        '}',
        '',
      ].join('\n'),
      // The wrapper call shows the pool serves tenants, so its unscoped query is judged.
      'src/health.js': "import pg from 'pg';\nconst pool = new pg.Pool();\nexport const health = () => pool.query('select count(*) from invoices');\nexport const scoped = (tenant, work) => withTenant(pool, tenant, work);\n",
    });
    const result = run(dir, 'check', '--format', 'json');
    expect(result.code).toBe(1);
    expect(found(result.stdout)).toEqual(['src/health.js:3 @tenant-scope/require-tenant-scope']);
    expect((JSON.parse(result.stdout) as { code: { coverage: unknown } }).code.coverage).toEqual([
      { file: 'src/health.js', recognised: 1, unrecognised: 0, unrecognisedLines: [] },
      { file: 'src/invoices.service.ts', recognised: 0, unrecognised: 2, unrecognisedLines: [8, 11] },
    ]);
    expect(result.stderr).toContain('2 files (without type information), 1 error, 0 warnings, 1 query site recognised\n');
    expect(result.stderr).toContain(
      "  not checked:\n    - app code: 2 SQL-looking calls on handles the plugin does not recognise, so nothing about them is checked: src/invoices.service.ts (lines 8, 11); name the handles in settings['tenant-scope'].pools, annotate them with their library type, or lint with type information\n",
    );
  });

  test('a file that does not parse is listed as not checked, and SARIF carries https help links', () => {
    const dir = project({ 'package.json': '{ "type": "module" }\n', 'src/broken.js': 'const = ;\n', 'src/ok.js': "import pg from 'pg';\nconst pool = new pg.Pool();\nawait pool.query('BEGIN');\n" });
    const result = run(dir, 'check', '--format', 'sarif');
    expect(result.code).toBe(1);
    const log = JSON.parse(result.stdout) as { runs: { results: { ruleId: string }[]; tool: { driver: { rules: { id: string; helpUri: string }[] } } }[] };
    expect(log.runs[0]!.results.map((r) => r.ruleId)).toEqual(['code-parse-error', '@tenant-scope/no-pool-transaction']);
    expect(log.runs[0]!.tool.driver.rules.find((r) => r.id === '@tenant-scope/no-pool-transaction')?.helpUri).toBe(
      'https://github.com/tenant-scope/tenant-scope/blob/main/packages/eslint-plugin/docs/rules/no-pool-transaction.md',
    );
    expect(result.stderr).toContain('  not checked:\n    - app code: 1 file that did not parse (listed above)\n');
  });

  test('notes are counted apart and never trip --max-warnings', () => {
    const dir = project({
      'migrations/001.sql': [
        'create table orders (id bigint primary key, tenant_id uuid not null);',
        "do $$ declare t text; begin for t in select tablename from pg_tables loop execute format('alter table %I enable row level security', t); end loop; end $$;",
        'alter table orders enable row level security;',
        'alter table orders force row level security;',
        "create policy orders_tenant on orders using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));",
        '',
      ].join('\n'),
    });
    const result = run(dir, 'check', '--max-warnings', '0', '--format', 'json');
    expect(result.code).toBe(0);
    expect(found(result.stdout)).toEqual(['migrations/001.sql:2 do-block-not-followed']);
    expect(result.stderr).toContain('  migrations (tenant-scope lint): 1 .sql file, 0 errors, 0 warnings, 1 note (config: defaults)\n');
  });

  test('a missing folder exits 2 with a hint', () => {
    const result = run(project({}), 'check', 'nope');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('tenant-scope: nope: not a folder\n  hint: give the folder of your project, e.g. `tenant-scope check .`\n');
  });
});

describe('tenant-scope explain', () => {
  test('prints a SQL rule\'s doc from the package, headed by its https page', () => {
    const result = run(project({}), 'explain', 'rls-not-forced');
    expect(result.code).toBe(0);
    const doc = readFileSync(join(import.meta.dirname, '..', 'docs', 'rules', 'rls-not-forced.md'), 'utf8');
    expect(result.stdout).toBe(`https://github.com/tenant-scope/tenant-scope/blob/main/packages/sql-lint/docs/rules/rls-not-forced.md\n\n${doc}`);
  });

  test('prints an ESLint rule\'s doc, with or without the plugin prefix', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'eslint-plugin', 'docs', 'rules', 'no-session-set.md'), 'utf8');
    for (const id of ['no-session-set', '@tenant-scope/no-session-set']) {
      const result = run(project({}), 'explain', id);
      expect(result.stdout).toBe(`https://github.com/tenant-scope/tenant-scope/blob/main/packages/eslint-plugin/docs/rules/no-session-set.md\n\n${doc}`);
    }
  });

  test('an unknown rule exits 2 and lists the known ones', () => {
    const result = run(project({}), 'explain', 'no-such-rule');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^tenant-scope: explain: no rule named "no-such-rule"\n {2}hint: known rules: app-role-bypasses-rls, .*, no-session-set, .*require-tenant-scope\n$/);
  });
});
