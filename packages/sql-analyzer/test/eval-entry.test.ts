// The analyzer used from `node -e`/`node -p` before initAnalyzer(): parse calls go to the worker
// thread, which must start there too (it used to wait for ever).
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

const entry = join(import.meta.dirname, '..', 'dist', 'index.js');
const call = `import(${JSON.stringify(entry)}).then((m) => m.analyzeSql("set app.tenant_id = '1'").facts.map((f) => f.kind + ' ' + f.name + ' ' + f.scope).join())`;

function node(args: string[]): { code: number | null; stdout: string; stderr: string } {
  // The bound only keeps a broken build from hanging the suite; a good run takes a second or two.
  const result = spawnSync(process.execPath, args, { cwd: tmpdir(), encoding: 'utf8', timeout: 90_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('analyzeSql before the parser has loaded', () => {
  test('under node -e', () => {
    expect(node(['-e', `${call}.then((out) => console.log(out))`])).toEqual({ code: 0, stdout: 'guc-write app.tenant_id session\n', stderr: '' });
  });

  test('under node -p', () => {
    const result = node(['-p', `${call}.then((out) => console.log(out)) && ''`]);
    expect(result).toEqual({ code: 0, stdout: '\nguc-write app.tenant_id session\n', stderr: '' });
  });

  test('under node --input-type=module -e', () => {
    expect(node(['--input-type=module', '-e', `console.log(await ${call})`])).toEqual({ code: 0, stdout: 'guc-write app.tenant_id session\n', stderr: '' });
  });
});
