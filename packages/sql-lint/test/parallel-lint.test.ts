/**
 * Files parsed on worker threads give the same findings as files parsed on the main thread, byte
 * for byte: on every rule fixture, on statements too deep to analyze, and on the real-world
 * corpus (../shared/realworld, when it is there). The built package is used, as the CLI runs it:
 * the workers load `dist/migration-analysis-worker.js`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import { beforeAll, describe, expect, test } from 'vitest';
import { lintSql, lintSqlAsync } from '../dist/lint-sql.js';
import type { LintConfig, SqlFile } from '../dist/index.js';
import { analyzeMigration } from '../dist/migration-analysis.js';
import { analyzeMigrations } from '../dist/migration-analyses.js';
import { collectMigrationFiles } from '../dist/migration-files.js';
import { upMigrationText } from '../dist/up-migration-text.js';
import { readFixtureCases } from './fixture-cases.js';

const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
const repoRoot = join(import.meta.dirname, '..', '..', '..');

/** The corpus beside the checkout (`../shared/realworld`), or beside the folder of worktrees. */
const corpus = [join(repoRoot, '..', 'shared', 'realworld'), join(repoRoot, '..', '..', 'shared', 'realworld')].find((dir) =>
  existsSync(join(dir, 'score.mjs')),
);

/** What the CLI writes for a result with `--format json`. */
const rendered = (result: { findings: unknown[] }): string => JSON.stringify(result.findings, null, 2);

/** A corpus repository's history and configuration, read the way score.mjs has the CLI read them. */
function corpusHistory(repoDir: string): { files: SqlFile[]; config: LintConfig } {
  const configPath = join(repoDir, 'tenant-scope.config.json');
  const { ignore: _ignore, ...config } = existsSync(configPath) ? (JSON.parse(readFileSync(configPath, 'utf8')) as LintConfig) : {};
  const list = collectMigrationFiles(['migrations'], repoDir);
  expect(list.problems).toEqual([]);
  return { files: list.files.map((path) => ({ path, text: readFileSync(join(repoDir, path), 'utf8') })), config };
}

const corpusRepos = corpus ? readdirSync(corpus).filter((name) => existsSync(join(corpus, name, 'migrations'))).sort() : [];

beforeAll(async () => {
  await initAnalyzer();
});

describe('worker threads', () => {
  test('analyze every fixture file as this thread does', async () => {
    const texts = [...new Set(readFixtureCases().flatMap((c) => c.files.map((f) => upMigrationText(f.text))))];
    expect(texts.length).toBeGreaterThan(300);
    const analysisOf = analyzeMigrations(texts, { concurrency: 2 });
    for (const [i, text] of texts.entries()) {
      expect(JSON.stringify(await analysisOf(i))).toBe(JSON.stringify(analyzeMigration(text)));
    }
  });

  test.skipIf(!corpus).each(corpusRepos)('lint %s exactly as the main thread does', async (name) => {
    const { files, config } = corpusHistory(join(corpus as string, name));
    const single = lintSql({ files, config });
    const parallel = await lintSqlAsync({ files, config, concurrency: 2 });
    expect(single.findings.length).toBeGreaterThan(0);
    expect(rendered(parallel)).toBe(rendered(single));
  });

  test('statements too deep to analyze are set aside the same way (CLI)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenant-scope-parallel-'));
    try {
      const nested = (depth: number, wrap: (inner: string, i: number) => string, core: string): string => {
        let text = core;
        for (let i = 0; i < depth; i++) text = wrap(text, i);
        return text;
      };
      mkdirSync(join(dir, 'deep'));
      writeFileSync(join(dir, 'deep/1_policy.sql'), `create table t (id int, tenant_id uuid);\ncreate policy p on t using (${nested(2000, (e) => `coalesce(${e}, 1)`, 'id')} = 1);\n`);
      writeFileSync(join(dir, 'deep/2_body.sql'), `create function g(x int) returns int language sql as $fn$ select ${nested(3300, (e) => `coalesce(${e}, x)`, 'x')} $fn$;\ncreate table u (id int);\n`);
      writeFileSync(join(dir, 'deep/3_plpgsql.sql'), `create function f(x int) returns void language plpgsql as $$ begin ${nested(2000, (b, i) => `if x > ${i} then ${b} end if;`, 'perform 1;')} end $$;\n`);
      const run = (concurrency: string) => spawnSync(process.execPath, [cli, 'lint', '--format', 'json', '--concurrency', concurrency, 'deep'], { cwd: dir, encoding: 'utf8' });
      const single = run('off');
      const parallel = run('2');
      expect(single.status).toBe(1);
      const rules = (JSON.parse(single.stdout) as { ruleId: string }[]).map((f) => f.ruleId);
      expect(rules.filter((r) => r === 'unanalyzable')).toHaveLength(2);
      expect(parallel.status).toBe(single.status);
      expect(parallel.stdout).toBe(single.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

