// A user's first hour, from the tarballs a release would publish: the root README's "Install into
// your app" commands run with plain npm in an app outside the workspace (the @tenant-scope/*
// names replaced by the tarballs, everything else from the registry), then its ESLint config on
// ESLint 10 and 9, the type-checked config of docs/adoption/eslint.md, `npx tenant-scope lint`,
// `check` and `explain`, and the guard against a real PostgreSQL. The blocks are read from the docs,
// so the docs cannot promise what the packages do not do.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type PostgresServer } from '@tenant-scope/pg-harness';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { codeBlocksUnder, fileBlock, packPublicPackages, repositoryRoot } from './public-packages.js';

const readme = readFileSync(join(repositoryRoot, 'README.md'), 'utf8');
const installBlocks = codeBlocksUnder(readme, '## Install into your app');
const typedBlocks = codeBlocksUnder(readFileSync(join(repositoryRoot, 'docs', 'adoption', 'eslint.md'), 'utf8'), '## With type information');

let work: string;
let app: string;
let postgres: PostgresServer | undefined;
let tarballs: Map<string, string>;

/** The environment of a user's shell: none of the variables pnpm or the test runner set for npm. */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|pnpm_|PNPM_|VITEST|NODE_OPTIONS$)/i.test(key)));
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd: app, encoding: 'utf8', env: { ...userEnv(), ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function npm(args: string[]): void {
  const result = run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error']);
  if (result.code !== 0) throw new Error(`npm ${args.join(' ')} failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
}

/** The `npm install` lines of the README's first sh block, with each @tenant-scope/* package replaced by its tarball. */
function installCommands(tarballs: ReadonlyMap<string, string>): string[][] {
  const block = installBlocks.find((b) => b.lang === 'sh');
  if (!block) throw new Error('no sh block under "## Install into your app"');
  const commands = block.text
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line.startsWith('npm install'))
    .map((line) =>
      line
        .split(/\s+/)
        .slice(1)
        .map((word) => tarballs.get(word) ?? word),
    );
  expect(commands.flat().filter((w) => w.startsWith('@tenant-scope/'))).toEqual([]);
  return commands;
}

interface EslintJson {
  filePath: string;
  messages: { ruleId: string | null; line: number; fatal?: boolean; message: string }[];
}
function eslintFindings(stdout: string): string[] {
  return (JSON.parse(stdout) as EslintJson[]).flatMap((r) => r.messages.map((m) => `${r.filePath.slice(app.length + 1)}:${m.line} ${m.ruleId ?? `fatal: ${m.message}`}`));
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tenant-scope-install-'));
  app = join(work, 'app');
  cpSync(join(repositoryRoot, 'test', 'fixtures', 'install-app'), app, { recursive: true });
  tarballs = packPublicPackages(work);
  // What the registry would serve for the dependency no README command names: the analyzer.
  const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as Record<string, unknown>;
  manifest['overrides'] = { '@tenant-scope/sql-analyzer': `file:${tarballs.get('@tenant-scope/sql-analyzer')}` };
  writeFileSync(join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const command of installCommands(tarballs)) npm(command);
  writeFileSync(join(app, 'eslint.config.mjs'), fileBlock(installBlocks, 'eslint.config.mjs'));
  postgres = await startPostgres();
}, 900_000);

afterAll(async () => {
  await postgres?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

// guard-check.mjs reads the setting on the raw pool on purpose, to see that nothing stayed on the connection.
const untypedFindings = ['guard-check.mjs:10 @tenant-scope/require-tenant-scope', 'src/orders.ts:9 @tenant-scope/no-session-set'];

describe('installed from the tarballs with npm', () => {
  test("ESLint 10 with the README's config reports the untyped finding", () => {
    expect(run('npx', ['eslint', '--version']).stdout.trim()).toMatch(/^v10\./);
    const result = run('npx', ['eslint', '--format', 'json', '.']);
    expect(result.code).toBe(1);
    expect(eslintFindings(result.stdout)).toEqual(untypedFindings);
  });

  test("the plugin README's quick start, as the installed package ships it, also recognises the pool named in settings", () => {
    const readme = readFileSync(join(app, 'node_modules', '@tenant-scope', 'eslint-plugin', 'README.md'), 'utf8');
    const config = join(app, 'eslint.readme.config.mjs');
    writeFileSync(config, fileBlock(codeBlocksUnder(readme, '## Quick start'), 'eslint.config.mjs'));
    try {
      const result = run('npx', ['eslint', '--config', config, '--format', 'json', 'src']);
      expect(result.code).toBe(1);
      expect(eslintFindings(result.stdout)).toEqual(['src/orders.ts:9 @tenant-scope/no-session-set', 'src/orders.ts:13 @tenant-scope/require-tenant-scope']);
    } finally {
      rmSync(config);
    }
  });

  test('the type-checked config of docs/adoption/eslint.md lints eslint.config.mjs too and finds the imported pool', () => {
    const config = join(app, 'eslint.typed.config.mjs');
    // Same folder, other name: allowDefaultProject lists eslint.config.mjs, which this run lints as well.
    writeFileSync(config, fileBlock(typedBlocks, 'eslint.config.mjs'));
    try {
      const result = run('npx', ['eslint', '--config', config, '--format', 'json', 'eslint.config.mjs', 'src']);
      expect(result.code).toBe(1);
      expect(eslintFindings(result.stdout)).toEqual(['src/orders.ts:9 @tenant-scope/no-session-set', 'src/orders.ts:13 @tenant-scope/require-tenant-scope']);
    } finally {
      rmSync(config);
    }
  });

  test('npx tenant-scope lint reports the migration history', () => {
    const result = run('npx', ['tenant-scope', 'lint', 'migrations', '--format', 'json']);
    expect(result.code).toBe(1);
    expect((JSON.parse(result.stdout) as { file: string; line: number; ruleId: string }[]).map((f) => `${f.file}:${f.line} ${f.ruleId}`)).toEqual([
      'migrations/001_orders.sql:2 rls-not-forced',
      'migrations/001_orders.sql:3 current-setting-unguarded-cast',
    ]);
  });

  test('npx tenant-scope check runs both with the app\'s own ESLint config; no local path in its output', () => {
    const result = run('npx', ['tenant-scope', 'check']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('src/orders.ts:9:28  error  @tenant-scope/no-session-set\n');
    expect(result.stdout).toContain('  docs: https://github.com/tenant-scope/tenant-scope/blob/main/packages/eslint-plugin/docs/rules/no-session-set.md');
    expect(result.stdout).toContain('  migrations (tenant-scope lint): 1 .sql file, 2 errors, 0 warnings (config: defaults)\n');
    expect(result.stdout).toContain('  app code (ESLint with @tenant-scope/eslint-plugin): 4 files (with eslint.config.mjs), 2 errors, 0 warnings, 3 query sites recognised\n');
    // The quick start's config is untyped: the pool imported from ./db is not recognised, and check says so.
    expect(result.stdout).toContain(
      "    - app code: 1 SQL-looking call on handles the plugin does not recognise, so nothing about it is checked: src/orders.ts (line 13); name the handles in settings['tenant-scope'].pools, annotate them with their library type, or lint with type information\n",
    );
    expect(result.stdout).not.toContain(work);
    expect(result.stdout).not.toContain('node_modules');
  });

  test("the GitHub Action's step runs check with the app's tenant-scope and writes SARIF and its outputs", () => {
    const outputs = join(work, 'github-output');
    writeFileSync(outputs, '');
    const result = run('bash', [join(repositoryRoot, 'scripts', 'action-check.sh')], { GITHUB_OUTPUT: outputs, RUNNER_TEMP: work, TENANT_SCOPE_ARGS: '--max-warnings 10' });
    expect(result.code).toBe(0);
    expect(readFileSync(outputs, 'utf8')).toBe(`exit-code=1\nsarif-file=${join(work, 'tenant-scope.sarif')}\n`);
    const sarif = JSON.parse(readFileSync(join(work, 'tenant-scope.sarif'), 'utf8')) as { runs: { results: { ruleId: string }[] }[] };
    expect(sarif.runs[0]!.results.map((r) => r.ruleId)).toEqual([
      'rls-not-forced',
      'current-setting-unguarded-cast',
      '@tenant-scope/require-tenant-scope',
      '@tenant-scope/no-session-set',
    ]);
    expect(result.stderr).toContain('Summary\n');
  });

  test('npx tenant-scope explain prints rule docs of both packages offline', () => {
    const sql = run('npx', ['tenant-scope', 'explain', 'rls-not-forced']);
    expect(sql.stdout.split('\n').slice(0, 3)).toEqual(['https://github.com/tenant-scope/tenant-scope/blob/main/packages/sql-lint/docs/rules/rls-not-forced.md', '', '# rls-not-forced']);
    const eslint = run('npx', ['tenant-scope', 'explain', '@tenant-scope/no-session-set']);
    expect(eslint.stdout.split('\n').slice(0, 3)).toEqual(['https://github.com/tenant-scope/tenant-scope/blob/main/packages/eslint-plugin/docs/rules/no-session-set.md', '', '# no-session-set']);
  });

  test('npx tenant-scope-analyze prints what a SQL file does to session state', () => {
    writeFileSync(join(app, 'set.sql'), "select set_config('app.tenant_id', '1', false);\n");
    try {
      const result = run('npx', ['tenant-scope-analyze', '--json', 'set.sql']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('"app.tenant_id"');
    } finally {
      rmSync(join(app, 'set.sql'));
    }
  });

  test('the guard scopes the context to one transaction and audits a real PostgreSQL', async () => {
    const url = await postgres!.createDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(readFileSync(join(app, 'migrations', '001_orders.sql'), 'utf8'));
    } finally {
      await client.end();
    }
    const result = run(process.execPath, ['guard-check.mjs'], { DATABASE_URL: url });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      inside: 'tenant-a',
      after: '',
      audit: [
        'app-role-bypasses-rls role postgres',
        'app-role-bypasses-rls table public.orders',
        'rls-not-forced table public.orders',
        'current-setting-unguarded-cast policy orders_tenant on public.orders',
      ],
    });
  });

  // Last: it changes the app's ESLint.
  test("ESLint 9 with the README's config reports the same", () => {
    npm(['install', '--save-dev', 'eslint@9']);
    expect(run('npx', ['eslint', '--version']).stdout.trim()).toMatch(/^v9\./);
    const result = run('npx', ['eslint', '--format', 'json', '.']);
    expect(result.code).toBe(1);
    expect(eslintFindings(result.stdout)).toEqual(untypedFindings);
  });
});

describe('the guard installed alone', () => {
  test('pulls in neither the CLI nor its dependencies, and audit() says what to install', async () => {
    const alone = join(work, 'guard-alone');
    cpSync(join(repositoryRoot, 'test', 'fixtures', 'install-app', 'guard-check.mjs'), join(alone, 'guard-check.mjs'));
    writeFileSync(
      join(alone, 'package.json'),
      `${JSON.stringify({ name: 'guard-alone', private: true, type: 'module', overrides: { '@tenant-scope/sql-analyzer': `file:${tarballs.get('@tenant-scope/sql-analyzer')}` } }, null, 2)}\n`,
    );
    const install = spawnSync('npm', ['install', tarballs.get('@tenant-scope/guard')!, 'pg', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: alone, encoding: 'utf8', env: userEnv() });
    expect(install.status, install.stderr).toBe(0);
    const installed = (name: string): boolean => existsSync(join(alone, 'node_modules', ...name.split('/')));
    expect(['@tenant-scope/guard', '@tenant-scope/sql-analyzer', '@tenant-scope/sql-lint', 'tinyglobby', 'picomatch'].map((n) => `${n}: ${installed(n)}`)).toEqual([
      '@tenant-scope/guard: true',
      '@tenant-scope/sql-analyzer: true',
      '@tenant-scope/sql-lint: false',
      'tinyglobby: false',
      'picomatch: false',
    ]);
    const url = await postgres!.createDatabase();
    const result = spawnSync(process.execPath, ['guard-check.mjs'], { cwd: alone, encoding: 'utf8', env: { ...userEnv(), DATABASE_URL: url } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Error: audit() needs @tenant-scope/sql-lint, which is not installed: npm install @tenant-scope/sql-lint');
  });
});
