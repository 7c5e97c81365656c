/**
 * Files parsed on worker threads or read from the `--cache` directory give the same findings as
 * files parsed on the main thread without a cache, byte for byte: on every rule fixture, on
 * statements too deep to analyze, and on the real-world corpus (../shared/realworld, when it is
 * there), with a cold cache, a warm one, and after one file is edited. The built package is used,
 * as the CLI runs it: the workers load `dist/migration-analysis-worker.js`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lintSql, lintSqlAsync, lintSqlFindings } from '../dist/lint-sql.js';
import type { LintConfig, SqlFile } from '../dist/index.js';
import { analyzeMigration } from '../dist/migration-analysis.js';
import type { MigrationAnalysis } from '../dist/migration-analysis.js';
import { replayAnalyzedFile } from '../dist/model/replay.js';
import { emptySchemaModel } from '../dist/model/schema-model.js';
import { analyzeMigrations } from '../dist/migration-analyses.js';
import { openMigrationAnalysisCache } from '../dist/migration-analysis-cache.js';
import { collectMigrationFiles } from '../dist/migration-files.js';
import { platformPresetFor } from '../dist/platform-preset.js';
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

const temp = mkdtempSync(join(tmpdir(), 'tenant-scope-parallel-'));
let caches = 0;
/** A new, empty cache directory. */
const freshCache = (): string => join(temp, `cache-${++caches}`);
/** The entries of a cache directory with their modification times. */
const entries = (dir: string): Map<string, number> => new Map(readdirSync(dir).map((name) => [name, statSync(join(dir, name)).mtimeMs]));
/** The whole-run entries of a cache directory. */
const runEntries = (dir: string): string[] => readdirSync(dir).filter((name) => /^run-[0-9a-f]{64}\.json$/.test(name));

/** The history with `text` added at the end of its middle file (the edit a re-run follows). */
function edited(files: readonly SqlFile[], text: string): SqlFile[] {
  const middle = Math.floor((files.length - 1) / 2);
  return files.map((file, i) => (i === middle ? { ...file, text: `${file.text}\n${text}` } : file));
}

beforeAll(async () => {
  await initAnalyzer();
});

afterAll(() => {
  rmSync(temp, { recursive: true, force: true });
});

describe('worker threads', () => {
  test('workers that cannot start leave every file to this thread, with the same findings', async () => {
    // From the TypeScript sources the worker's script does not exist: every worker fails to start.
    const { lintSqlAsync: fromSources } = await import('../src/lint-sql.js');
    const fixture = readFixtureCases().find((c) => c.kind === 'invalid' && c.files.length > 2) as { files: SqlFile[]; config: LintConfig };
    const single = lintSql({ files: fixture.files, config: fixture.config });
    expect(single.findings.length).toBeGreaterThan(0);
    const result = await fromSources({ files: fixture.files, config: fixture.config, concurrency: 2 });
    expect(rendered(result)).toBe(rendered(single));
  });

  test('this thread parses the next file while the one it needs is on a worker; every analysis is the one made here', async () => {
    const texts = [...new Set(readFixtureCases().flatMap((c) => c.files.map((f) => upMigrationText(f.text))))];
    const analyses = analyzeMigrations(texts, { concurrency: 1 });
    for (const [i, text] of texts.entries()) {
      expect(JSON.stringify(await analyses.analysisOf(i))).toBe(JSON.stringify(analyzeMigration(text)));
    }
    const { cache, workers, here } = analyses.sources;
    expect(cache).toBe(0);
    expect(workers + here).toBe(texts.length);
    expect(workers).toBeGreaterThan(0);
    expect(here).toBeGreaterThan(0);
  });

  test('statements too deep to analyze are set aside the same way, also through the default cache location (CLI)', () => {
    const dir = join(temp, 'deep-project');
    mkdirSync(dir);
    {
      const nested = (depth: number, wrap: (inner: string, i: number) => string, core: string): string => {
        let text = core;
        for (let i = 0; i < depth; i++) text = wrap(text, i);
        return text;
      };
      mkdirSync(join(dir, 'deep'));
      writeFileSync(join(dir, 'deep/1_policy.sql'), `create table t (id int, tenant_id uuid);\ncreate policy p on t using (${nested(2000, (e) => `coalesce(${e}, 1)`, 'id')} = 1);\n`);
      writeFileSync(join(dir, 'deep/2_body.sql'), `create function g(x int) returns int language sql as $fn$ select ${nested(3300, (e) => `coalesce(${e}, x)`, 'x')} $fn$;\ncreate table u (id int);\n`);
      writeFileSync(join(dir, 'deep/3_plpgsql.sql'), `create function f(x int) returns void language plpgsql as $$ begin ${nested(2000, (b, i) => `if x > ${i} then ${b} end if;`, 'perform 1;')} end $$;\n`);
      const run = (concurrency: string, ...more: string[]) =>
        spawnSync(process.execPath, [cli, 'lint', '--format', 'json', '--concurrency', concurrency, ...more, 'deep'], { cwd: dir, encoding: 'utf8' });
      const single = run('off');
      const parallel = run('2');
      expect(single.status).toBe(1);
      const rules = (JSON.parse(single.stdout) as { ruleId: string }[]).map((f) => f.ruleId);
      expect(rules.filter((r) => r === 'unanalyzable')).toHaveLength(2);
      expect(parallel.status).toBe(single.status);
      expect(parallel.stdout).toBe(single.stdout);
      const cached = [run('2', '--cache'), run('off', '--cache')];
      expect(cached.map((r) => r.stdout)).toEqual([single.stdout, single.stdout]);
      // One entry per file, and one for the whole run (which the second run read).
      const names = readdirSync(join(dir, '.tenant-scope-cache'));
      expect(names.filter((name) => /^[0-9a-f]{64}\.json$/.test(name))).toHaveLength(3);
      expect(names.filter((name) => /^run-[0-9a-f]{64}\.json$/.test(name))).toHaveLength(1);
      expect(names).toHaveLength(4);
      // The run entry holds findings, not output: every format reads it and prints what it prints without the cache.
      for (const format of ['pretty', 'sarif', 'github']) {
        const lint = (...more: string[]) => spawnSync(process.execPath, [cli, 'lint', '--format', format, ...more, 'deep'], { cwd: dir, encoding: 'utf8' });
        const uncached = lint('--concurrency', 'off');
        expect(uncached.status, format).toBe(1);
        expect(lint('--cache').stdout, format).toBe(uncached.stdout);
      }
      expect(readdirSync(join(dir, '.tenant-scope-cache')).sort()).toEqual([...names].sort());
    }
  });
});


describe('--cache', () => {
  const cases = readFixtureCases();
  const edit = 'create table added_by_edit (id int);';

  test('every fixture file analyzed on workers as on this thread; every case linted from those entries, and after editing one file', async () => {
    const cache = freshCache();
    const texts = [...new Set(cases.flatMap((c) => c.files.map((f) => upMigrationText(f.text))))];
    expect(texts.length).toBeGreaterThan(300);
    const analyses = analyzeMigrations(texts, { concurrency: 2, cacheLocation: cache });
    for (const [i, text] of texts.entries()) {
      expect(JSON.stringify(await analyses.analysisOf(i))).toBe(JSON.stringify(analyzeMigration(text)));
    }
    expect(entries(cache).size).toBe(texts.length);
    expect(analyses.sources.cache).toBe(0);
    const warm = analyzeMigrations(texts, { concurrency: 2, cacheLocation: cache });
    for (const [i, text] of texts.entries()) expect(JSON.stringify(await warm.analysisOf(i))).toBe(JSON.stringify(analyzeMigration(text)));
    expect(warm.sources).toEqual({ cache: texts.length, workers: 0, here: 0 });
    for (const fixture of cases) {
      const { files, config } = fixture;
      const warm = await lintSqlAsync({ files, config, concurrency: 'off', cacheLocation: cache });
      expect(rendered(warm), fixture.name).toBe(rendered(lintSql({ files, config })));
      const changed = edited(files, edit);
      const afterEdit = await lintSqlAsync({ files: changed, config, concurrency: 'off', cacheLocation: cache });
      expect(rendered(afterEdit), fixture.name).toBe(rendered(lintSql({ files: changed, config })));
    }
  });

  test('whole runs: every fixture case linted again gives the same findings from its run entry', async () => {
    const cache = freshCache();
    for (const fixture of cases) {
      const { files, config } = fixture;
      const expected = rendered(lintSql({ files, config }));
      expect(rendered(await lintSqlFindings({ files, config, concurrency: 'off', cacheLocation: cache })), fixture.name).toBe(expected);
      expect(rendered(await lintSqlFindings({ files, config, concurrency: 'off', cacheLocation: cache })), fixture.name).toBe(expected);
    }
    // The newest eight run entries are kept.
    expect(runEntries(cache)).toHaveLength(8);
  });

  test('whole runs: a stored run is read only for the same inputs; a damaged run entry is ignored', async () => {
    const cache = freshCache();
    const { files, config } = cases.find((c) => c.kind === 'invalid' && c.files.length > 2) as { files: SqlFile[]; config: LintConfig };
    await lintSqlFindings({ files, config, cacheLocation: cache });
    const stored = join(cache, runEntries(cache)[0] as string);
    // A stored run is read: a forged entry shows it (and never happens without a change to the cache directory).
    const forged = [{ file: 'forged.sql', line: 1, column: 1, endLine: 1, endColumn: 2, ruleId: 'rls-not-enabled', severity: 'error', message: 'forged' }];
    writeFileSync(stored, JSON.stringify(forged));
    expect((await lintSqlFindings({ files, config, cacheLocation: cache })).findings).toEqual(forged);
    // Any change of input is another run: a rule switched off, another path, an edited file, another order.
    const single = lintSql({ files, config });
    const ruleOff = { ...config, rules: { ...config.rules, [single.findings[0]?.ruleId as string]: 'off' as const } };
    const renamed = files.map((f, i) => (i === 0 ? { ...f, path: `renamed/${f.path}` } : f));
    const changed = edited(files, 'create table added_by_edit (id int);');
    const reordered = [files[1], files[0], ...files.slice(2)] as SqlFile[];
    for (const [name, run] of [['rule off', { files, config: ruleOff }], ['renamed', { files: renamed, config }], ['edited', { files: changed, config }], ['reordered', { files: reordered, config }]] as const) {
      expect(rendered(await lintSqlFindings({ ...run, cacheLocation: cache })), name).toBe(rendered(lintSql(run)));
    }
    // A damaged entry, or one that is not a list of findings, is ignored (and rewritten).
    for (const damage of ['[{"file": "a.sql", "line": 1', '{"findings": []}', '[{"file": "a.sql"}]', '']) {
      writeFileSync(stored, damage);
      expect(rendered(await lintSqlFindings({ files, config, cacheLocation: cache }))).toBe(rendered(single));
      expect(JSON.parse(readFileSync(stored, 'utf8'))).toEqual(single.findings);
    }
  });

  test('an entry of the right JSON but the wrong shape is ignored and rewritten, never replayed', async () => {
    const cache = freshCache();
    const { files, config } = cases.find((c) => c.kind === 'invalid' && c.files.length > 2) as { files: SqlFile[]; config: LintConfig };
    const expected = rendered(lintSql({ files, config }));
    expect(rendered(await lintSqlAsync({ files, config, concurrency: 'off', cacheLocation: cache }))).toBe(expected);
    const names = [...entries(cache).keys()];
    const good = names.map((name) => readFileSync(join(cache, name), 'utf8'));
    const shapes = [
      '{"error": null, "statements": [1], "skipped": [], "facts": [], "unanalyzable": []}',
      '{"error": null, "statements": [{"type": "CreateStmt", "node": {}, "range": {"start": 0}}], "skipped": [], "facts": [], "unanalyzable": []}',
      '{"error": null, "statements": [], "skipped": [null], "facts": [], "unanalyzable": []}',
      '{"error": null, "statements": [], "skipped": [], "facts": [{"kind": "guc-read", "range": {"start": 0, "end": 1}}], "unanalyzable": []}',
      '{"error": null, "statements": [], "skipped": [], "facts": [], "unanalyzable": [{"range": {"start": 0, "end": 1}}]}',
      '{"error": {"message": "x"}, "statements": [], "skipped": [], "facts": [], "unanalyzable": []}',
      '[]',
    ];
    for (const shape of shapes) {
      for (const name of names) writeFileSync(join(cache, name), shape);
      expect(rendered(await lintSqlAsync({ files, config, concurrency: 'off', cacheLocation: cache })), shape).toBe(expected);
      expect(names.map((name) => readFileSync(join(cache, name), 'utf8')), shape).toEqual(good);
    }
  });

  test('an entry of the right shape whose tree breaks the replay: the run is made again without reading entries, and the entry rewritten', async () => {
    const cache = freshCache();
    const files = [
      { path: '1_orders.sql', text: 'create table orders (id int, tenant_id uuid not null);\nalter table orders enable row level security;\n' },
      { path: '2_items.sql', text: 'create table items (id int, tenant_id uuid not null);\n' },
    ];
    const expected = rendered(lintSql({ files }));
    expect(rendered(await lintSqlAsync({ files, cacheLocation: cache }))).toBe(expected);
    const entry = join(cache, `${openMigrationAnalysisCache(cache).keyOf(files[1]?.text as string)}.json`);
    const good = readFileSync(entry, 'utf8');
    const analysis = JSON.parse(good) as { statements: { node: Record<string, unknown> }[] };
    (analysis.statements[0] as { node: Record<string, unknown> }).node.tableElts = 7;
    writeFileSync(entry, JSON.stringify(analysis));
    const model = emptySchemaModel();
    expect(() => replayAnalyzedFile(model, files[1] as SqlFile, analysis as unknown as MigrationAnalysis)).toThrow(TypeError);
    expect(rendered(await lintSqlAsync({ files, cacheLocation: cache }))).toBe(expected);
    expect(readFileSync(entry, 'utf8')).toBe(good);
  });

  test('entries no run used are removed once they outnumber the used ones by more than 64; old partial files too', async () => {
    const cache = freshCache();
    const fixture = cases.find((c) => c.kind === 'invalid' && c.files.length > 2) as { files: SqlFile[]; config: LintConfig };
    const { files, config } = fixture;
    await lintSqlAsync({ files, config, concurrency: 'off', cacheLocation: cache });
    const used = [...entries(cache).keys()];
    expect(used).toHaveLength(new Set(files.map((f) => upMigrationText(f.text))).size);
    const stale = (i: number): string => `${String(i).padStart(64, '0')}.json`;
    const old = Date.now() / 1000 - 3600;
    for (let i = 0; i < used.length + 64; i++) writeFileSync(join(cache, stale(i)), '{}');
    writeFileSync(join(cache, 'a.1.tmp'), '{');
    writeFileSync(join(cache, 'b.2.tmp'), '{');
    utimesSync(join(cache, 'b.2.tmp'), old, old);
    writeFileSync(join(cache, 'notes.txt'), 'kept');
    // As many unused entries as used ones plus 64: all kept; the partial file of an hour ago is not.
    await lintSqlAsync({ files, config, concurrency: 'off', cacheLocation: cache });
    expect(readdirSync(cache).sort()).toEqual([...used, ...Array.from({ length: used.length + 64 }, (_, i) => stale(i)), 'a.1.tmp', 'notes.txt'].sort());
    // One more: every unused entry goes, the used ones stay untouched.
    writeFileSync(join(cache, stale(used.length + 64)), '{}');
    const before = entries(cache);
    expect(rendered(await lintSqlAsync({ files, config, concurrency: 'off', cacheLocation: cache }))).toBe(rendered(lintSql({ files, config })));
    expect(readdirSync(cache).sort()).toEqual([...used, 'a.1.tmp', 'notes.txt'].sort());
    for (const name of used) expect(entries(cache).get(name)).toBe(before.get(name));
  });

  test.skipIf(!corpus).each(corpusRepos)('%s: on workers, then cold, warm, and after one edit and one corrupt entry', async (name) => {
    const { files, config } = corpusHistory(join(corpus as string, name));
    const result = lintSql({ files, config });
    expect(result.findings.length).toBeGreaterThan(0);
    const single = rendered(result);
    expect(rendered(await lintSqlAsync({ files, config, concurrency: 2 }))).toBe(single);
    const cache = freshCache();
    expect(rendered(await lintSqlAsync({ files, config, concurrency: 'off', cacheLocation: cache }))).toBe(single);
    const written = entries(cache);
    // One entry per distinct text, the platform's prelude included.
    const prelude = platformPresetFor(config, files) ? 1 : 0;
    expect(written.size).toBe(new Set(files.map((f) => upMigrationText(f.text))).size + prelude);
    expect(rendered(await lintSqlAsync({ files, config, concurrency: 2, cacheLocation: cache }))).toBe(single);
    expect(entries(cache)).toEqual(written);
    // One entry is damaged and one file edited: both are analyzed again, nothing else is.
    const damaged = `${openMigrationAnalysisCache(cache).keyOf(upMigrationText((files.at(-1) as SqlFile).text))}.json`;
    expect(written.has(damaged)).toBe(true);
    writeFileSync(join(cache, damaged), '{"error": null, "statements": [');
    const changed = edited(files, edit);
    const afterEdit = await lintSqlAsync({ files: changed, config, concurrency: 2, cacheLocation: cache });
    expect(rendered(afterEdit)).toBe(rendered(lintSql({ files: changed, config })));
    const now = entries(cache);
    expect(now.size).toBe(written.size + 1);
    const untouched = [...written].filter(([entry, mtime]) => now.get(entry) === mtime).map(([entry]) => entry);
    expect(untouched).toEqual([...written.keys()].filter((entry) => entry !== damaged));
    expect(Object.keys(JSON.parse(readFileSync(join(cache, damaged), 'utf8')) as object)).toEqual(['error', 'statements', 'skipped', 'facts', 'unanalyzable']);
    // Whole runs: stored, read back, and not read for the edited history.
    const runs = freshCache();
    expect(rendered(await lintSqlFindings({ files, config, cacheLocation: runs }))).toBe(single);
    expect(runEntries(runs)).toHaveLength(1);
    expect(rendered(await lintSqlFindings({ files, config, cacheLocation: runs }))).toBe(single);
    expect(rendered(await lintSqlFindings({ files: changed, config, cacheLocation: runs }))).toBe(rendered(afterEdit));
    expect(runEntries(runs)).toHaveLength(2);
  });
});
