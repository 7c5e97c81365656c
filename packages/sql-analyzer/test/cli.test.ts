import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
const example = join(import.meta.dirname, '..', 'examples', 'pooled-session-state.sql');

function run(args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('tenant-scope-analyze', () => {
  it('prints each fact of the bundled example at its line and column', () => {
    const { status, stdout } = run([example]);
    expect(status).toBe(0);
    const lines = stdout.trim().split('\n').map((l) => l.slice(example.length + 1));
    expect(lines).toHaveLength(13);
    expect(lines[0]).toBe('5:1: set writes app.tenant_id (value: a literal); lasts for the session: the next user of this connection sees it');
    expect(lines[3]).toBe('10:8: set-config writes app.tenant_id (value: a bind parameter); lasts until the transaction ends');
    expect(lines[5]).toMatch(/^16:22: reads app\.tenant_id: cast without NULLIF/);
    expect(lines[6]).toBe('18:37: reads app.tenant_id');
    expect(lines[8]).toMatch(/^26:11: set-config writes app\.tenant_id .*\(in app\.use_tenant body, when called\)$/);
  });

  it('reports 1-based ranges in JSON', () => {
    const { status, stdout } = run(['--json', example]);
    expect(status).toBe(0);
    const report = JSON.parse(stdout) as Array<{ line: number; column: number; endLine: number; endColumn: number; fact: { kind: string } }>;
    expect(report[0]).toMatchObject({ line: 5, column: 1, endLine: 5, endColumn: 59, fact: { kind: 'guc-write' } });
  });

  it('exits 1 with a located message for SQL that does not parse', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenant-scope-cli-'));
    const file = join(dir, 'broken.sql');
    writeFileSync(file, 'SELECT 1;\nSELECT FROM WHERE;\n');
    try {
      const { status, stdout } = run([file]);
      expect(status).toBe(1);
      expect(stdout).toBe(`${file}:2:13: syntax error: syntax error at or near "WHERE"\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 for a missing file and for no arguments', () => {
    expect(run(['/nonexistent/x.sql'])).toMatchObject({ status: 2, stderr: expect.stringMatching(/^\/nonexistent\/x\.sql: cannot read: ENOENT/) });
    expect(run([])).toMatchObject({ status: 2, stderr: 'usage: tenant-scope-analyze [--json] <file.sql>…\n' });
  });
});
