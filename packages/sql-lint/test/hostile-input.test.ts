/**
 * `tenant-scope lint` on hostile and unusual input: it never crashes, never hangs, keeps stdout a
 * valid JSON/SARIF document, and still lints everything it can. Each case asserts the exit code,
 * a stderr free of stack traces, the document, and a generous time bound.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { postgresSystemUser, type SystemUser } from '@tenant-scope/pg-harness';
import { MAX_FILE_BYTES } from '../src/read-sql-file.js';

const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
const root = mkdtempSync(join(tmpdir(), 'tenant-scope-hostile-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function write(path: string, content: string | Buffer): string {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
  return full;
}

// Records the child's peak RSS (kB) in a file, so the bound covers the whole run.
const rssProbe = write('rss-probe.mjs', "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(process.env.RSS_FILE, String(process.resourceUsage().maxRSS)));\n");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  rssMb: number;
}

function run(args: string[], options: { stdin?: string; asUser?: SystemUser } = {}): Promise<Run> {
  const rssFile = join(options.asUser ? tmpdir() : root, `rss-${Math.random().toString(36).slice(2)}`);
  const started = Date.now();
  return new Promise((resolve) => {
    const user = options.asUser ? { uid: options.asUser.uid, gid: options.asUser.gid } : {};
    const child = spawn(process.execPath, ['--import', rssProbe, cli, ...args], { cwd: root, env: { ...process.env, RSS_FILE: rssFile }, ...user });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(options.stdin ?? '');
    child.on('close', (code) => {
      let rssMb: number;
      try {
        rssMb = Number(readFileSync(rssFile, 'utf8')) / 1024;
      } catch {
        rssMb = Number.NaN;
      }
      resolve({ code, stdout, stderr, ms: Date.now() - started, rssMb });
    });
  });
}

interface JsonFinding {
  file: string;
  line: number;
  column: number;
  ruleId: string;
  severity: string;
  message: string;
}

function expectClean(result: Run): void {
  expect(result.stderr).not.toMatch(/internal error|RangeError|\n\s+at |FATAL/);
  expect(result.stdout).not.toMatch(/FATAL|Terminating/);
}

const json = (result: Run): JsonFinding[] => JSON.parse(result.stdout) as JsonFinding[];
const summary = (result: Run): string[] => json(result).map((f) => `${f.line}:${f.column} ${f.severity} ${f.ruleId}`);

const unsafeTable = 'create table leaks (id int, tenant_id uuid not null);\n';

function nested(depth: number, wrap: (inner: string, i: number) => string, seed: string): string {
  let text = seed;
  for (let i = 0; i < depth; i++) text = wrap(text, i);
  return text;
}

describe('deeply nested statements PostgreSQL accepts', () => {
  test('2,000 nested coalesce in a policy: one unanalyzable warning there, the rest of the file linted', async () => {
    const expr = nested(2000, (e) => `coalesce(${e}, tenant_id)`, 'tenant_id');
    const file = write(
      'deep/coalesce.sql',
      `create table t (tenant_id uuid not null);\nalter table t enable row level security, force row level security;\ncreate policy p on t using (${expr} = current_setting('app.tenant_id', true)::uuid);\n${unsafeTable}`,
    );
    const result = await run(['lint', '--format', 'json', file]);
    expectClean(result);
    expect(summary(result)).toEqual(['2:1 warn rls-enabled-no-policy', '3:1 warn unanalyzable', '4:1 error rls-not-enabled']);
    expect(json(result)[1]?.message).toBe(
      'this statement is not analyzed, so nothing in it is linted or counted in the schema: its parse tree nests more than 1,000 levels deep',
    );
    expect(result.code).toBe(1);
    expect(result.ms).toBeLessThan(60_000);
  });

  test('1,000 nested CASE in a view, and the next file of the history is still linted', async () => {
    const expr = nested(1000, (e, i) => `case when x > ${i} then ${e} else 0 end`, '1');
    const first = write('deep-case/001_view.sql', `create table t2 (x int);\ncreate view v as select ${expr} as y from t2;\n`);
    const second = write('deep-case/002_table.sql', unsafeTable);
    const result = await run(['lint', '--format', 'json', first, second]);
    expectClean(result);
    expect(json(result).map((f) => `${f.file.split('/').pop()}:${f.line} ${f.ruleId}`)).toEqual(['001_view.sql:2 unanalyzable', '002_table.sql:1 rls-not-enabled']);
    expect(result.code).toBe(1);
  });

  test('a shallow statement with a deep SQL function body is set aside by the fallback', async () => {
    const expr = nested(3300, (e) => `coalesce(${e}, x)`, 'x');
    const file = write('deep/body.sql', `create function g(x int) returns int language sql as $fn$ select ${expr} $fn$;\n${unsafeTable}`);
    const result = await run(['lint', '--format', 'json', file]);
    expectClean(result);
    expect(summary(result)).toEqual(['1:1 warn unanalyzable', '2:1 error rls-not-enabled']);
    expect(json(result)[0]?.message).toContain('a body or expression in it is nested too deeply to analyze');
  });

  test('PL/pgSQL with 2,000 nested IFs is linted without a crash', async () => {
    const body = nested(2000, (b, i) => `if x > ${i} then ${b} end if;`, 'perform 1;');
    const file = write('deep/plpgsql.sql', `create function f(x int) returns void language plpgsql as $$ begin ${body} end $$;\n${unsafeTable}`);
    const result = await run(['lint', '--format', 'sarif', file]);
    expectClean(result);
    const log = JSON.parse(result.stdout) as { runs: { results: { ruleId: string }[] }[] };
    expect(log.runs[0]?.results.map((r) => r.ruleId)).toEqual(['rls-not-enabled']);
    expect(result.code).toBe(1);
  });
});

describe('sizes', () => {
  test('a file over the size limit is refused before parsing; json stays a valid document', async () => {
    const file = write('big/too-big.sql', `-- ${'x'.repeat(MAX_FILE_BYTES)}\nselect 1;\n`);
    const result = await run(['lint', '--format', 'json', file]);
    expectClean(result);
    expect(result.code).toBe(2);
    expect(json(result).map((f) => f.ruleId)).toEqual(['input-error']);
    expect(json(result)[0]?.message).toMatch(/^the file is larger than 8 MB \(8\.0 MB\), the most tenant-scope lints/);
    expect(result.stderr).toContain('the file is larger than 8 MB');
    expect(result.rssMb).toBeLessThan(300);
  });

  test('the largest accepted file is linted within 1.5 GB of memory', async () => {
    const head = `create table items (id int, tenant_id uuid not null, name text);\nalter table items enable row level security;\n`;
    const row = "insert into items (id, tenant_id, name) values (1, '00000000-0000-0000-0000-000000000000', 'a name that is long enough');\n";
    const file = write('big/largest.sql', head + row.repeat(Math.floor((MAX_FILE_BYTES - head.length) / row.length)));
    const result = await run(['lint', '--format', 'json', file]);
    expectClean(result);
    expect(summary(result)).toEqual(['2:1 warn rls-enabled-no-policy', '2:1 error rls-not-forced']);
    expect(result.rssMb).toBeLessThan(1536);
    expect(result.ms).toBeLessThan(120_000);
  }, 180_000);
});

describe('text', () => {
  test('an unterminated quote in a file of data statements is a parse-error', async () => {
    const file = write('text/quote.sql', "select 1;\nselect 'never closed;\n");
    const result = await run(['lint', '--format', 'json', file]);
    expectClean(result);
    expect(summary(result)).toEqual(['2:8 error parse-error']);
    expect(result.code).toBe(1);
  });

  test('CR, LF and CRLF line endings are counted as editors count them', async () => {
    const cr = write('text/cr.sql', `select 1;\rselect 2;\r${unsafeTable.trim()}\r`);
    const crlf = write('text/crlf.sql', `select 1;\r\n\r\n${unsafeTable.trim().replace('leaks', 'leaks_too')}\r\n`);
    const result = await run(['lint', '--format', 'json', cr, crlf]);
    expect(json(result).filter((f) => f.ruleId === 'rls-not-enabled').map((f) => `${f.file.split('/').pop()}:${f.line}:${f.column}`)).toEqual(['cr.sql:3:1', 'crlf.sql:3:1']);
  });

  test('a 1 MB line is cut in code frames', async () => {
    const file = write('text/long-line.sql', `${unsafeTable.trim()} -- ${'y'.repeat(1024 * 1024)}\ncreate table more (tenant_id int not null);\n`);
    const result = await run(['lint', file]);
    expectClean(result);
    expect(result.stdout.length).toBeLessThan(5000);
    expect(result.stdout).toContain('1 | create table leaks (id int, tenant_id uuid not null); -- yyy');
    expect(result.code).toBe(1);
  });

  test('control characters in object names are escaped in every format', async () => {
    const file = write('text/names.sql', 'create table "evil\n::error file=x::forged\u001b[31m" (tenant_id int not null);\n');
    const pretty = await run(['lint', file]);
    expect(pretty.stdout).toContain('  table evil\\n::error file=x::forged\\x1b[31m has tenant column');
    expect(pretty.stdout).not.toContain('\u001b');
    expect(pretty.stdout.split('\n').filter((l) => l.startsWith('::error'))).toEqual([]);
    const github = await run(['lint', '--format', 'github', file]);
    expect(github.stdout.trim().split('\n').map((l) => l.slice(0, 8))).toEqual(['::error ']);
    const jsonRun = await run(['lint', '--format', 'json', file]);
    expect(json(jsonRun)[0]?.message).toContain('evil\\n::error');
    const sarif = await run(['lint', '--format', 'sarif', file]);
    const message = (JSON.parse(sarif.stdout) as { runs: { results: { message: { text: string } }[] }[] }).runs[0]?.results[0]?.message.text;
    expect(message).toContain('table evil\\n::error file=x::forged\\x1b[31m has');
  });
});

describe('files and paths', () => {
  test('symbolic links to files and directories are followed; a loop is reported, not followed', async () => {
    write('links/real/001_leak.sql', unsafeTable);
    mkdirSync(join(root, 'links', 'history'));
    symlinkSync(join(root, 'links', 'real'), join(root, 'links', 'history', 'linked'), 'dir');
    const linked = await run(['lint', '--format', 'json', join(root, 'links', 'history')]);
    expect(json(linked).map((f) => `${f.file.replace(/^.*links\//, '')} ${f.ruleId}`)).toEqual(['history/linked/001_leak.sql rls-not-enabled']);
    symlinkSync(join(root, 'links', 'history'), join(root, 'links', 'history', 'linked', 'back'), 'dir');
    const looped = await run(['lint', '--format', 'json', join(root, 'links', 'history')]);
    expectClean(looped);
    expect(looped.code).toBe(2);
    expect(json(looped).map((f) => `${f.file.replace(/^.*links\//, '')} ${f.ruleId}`)).toEqual(['history/linked/back input-error']);
    expect(looped.stderr).toContain('symbolic link loop');
  });

  test('an unreadable sub-directory is reported cleanly', async () => {
    write('unreadable-dir/001.sql', unsafeTable);
    write('unreadable-dir/locked/002.sql', unsafeTable);
    chmodSync(join(root, 'unreadable-dir', 'locked'), 0o000);
    // Root reads any directory, so as root the linter runs as the unprivileged account the harness uses.
    const asUser = postgresSystemUser();
    if (asUser) chmodSync(root, 0o755);
    const result = await run(['lint', join(root, 'unreadable-dir')], { asUser });
    chmodSync(join(root, 'unreadable-dir', 'locked'), 0o755);
    expectClean(result);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot read this directory: permission denied');
  });

  test('a broken configuration found in a parent folder is named relative to the working directory, never by its absolute path', async () => {
    write('broken-config/tenant-scope.config.json', '{ "rules": ');
    write('broken-config/db/001.sql', unsafeTable);
    const cwd = join(root, 'broken-config', 'db');
    const result = await new Promise<Run>((resolve) => {
      const child = spawn(process.execPath, [cli, 'lint', '.'], { cwd });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr, ms: 0, rssMb: 0 }));
    });
    expectClean(result);
    expect(result.code).toBe(2);
    expect(result.stdout + result.stderr).toContain('../tenant-scope.config.json');
    expect(result.stdout + result.stderr).not.toContain(root);
  });

  test('config ignore patterns apply before reading, so an ignored binary file is no problem', async () => {
    write('ignored/tenant-scope.config.json', JSON.stringify({ ignore: ['db/blob.sql'] }));
    write('ignored/db/blob.sql', Buffer.from([0, 1, 2, 3]));
    write('ignored/db/001.sql', unsafeTable);
    const cwd = join(root, 'ignored', 'db');
    const result = await new Promise<Run>((resolve) => {
      const child = spawn(process.execPath, [cli, 'lint', '--format', 'json', '.'], { cwd });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr, ms: 0, rssMb: 0 }));
    });
    expectClean(result);
    // The configuration is found in the parent directory, and its patterns are relative to it.
    expect(summary(result)).toEqual(['1:1 error rls-not-enabled']);
    expect(result.code).toBe(1);
  });

  test('- reads SQL from standard input', async () => {
    const result = await run(['lint', '--format', 'json', '-'], { stdin: unsafeTable });
    expect(json(result).map((f) => `${f.file}:${f.line} ${f.ruleId}`)).toEqual(['<stdin>:1 rls-not-enabled']);
    expect(result.code).toBe(1);
  });

  test('usage errors and missing files still give a valid SARIF document', async () => {
    const result = await run(['lint', '--format', 'sarif', join(root, 'does-not-exist.sql')]);
    expect(result.code).toBe(2);
    const log = JSON.parse(result.stdout) as { runs: { results: unknown[]; invocations: { executionSuccessful: boolean; toolExecutionNotifications: { message: { text: string } }[] }[] }[] };
    expect(log.runs[0]?.results).toEqual([]);
    expect(log.runs[0]?.invocations[0]?.executionSuccessful).toBe(false);
    expect(log.runs[0]?.invocations[0]?.toolExecutionNotifications.map((n) => n.message.text)).toEqual([
      'no such file or directory (hint: check the path; it is resolved from the current directory)',
    ]);
    const usage = await run(['lint', '--format', 'json', '--no-such-option']);
    expect(usage.code).toBe(2);
    expect(json(usage).map((f) => f.ruleId)).toEqual(['input-error']);
  });
});

describe('help', () => {
  test.each([
    [['--help'], ['check', 'lint', 'audit', 'explain', '--format', '--max-warnings', '--config', 'Examples:', 'Exit codes:']],
    [['lint', '--help'], ['--format', '--max-warnings', '--config', 'standard input', '8 MB', 'unanalyzable', 'Examples:', 'tenant-scope lint -']],
    [['audit', '--help'], ['--database-url', '--app-role', '--connect-timeout', '--statement-timeout', '(default: 10)', '(default: 30)', '--format', 'Examples:']],
  ])('%j describes every option with examples', async (args, expected) => {
    const result = await run(args);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    for (const text of expected) expect(result.stdout).toContain(text);
  });
});
