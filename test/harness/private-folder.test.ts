// The harness started from inside a private folder (mode 700, like root's home or `mktemp -d`):
// as root, PostgreSQL runs as the `postgres` user, which cannot enter it, so the harness must say so
// within seconds, naming the folder and the fix; as a normal user the server runs as that user and
// the private folder is fine.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';

const harness = join(import.meta.dirname, '..', '..', 'packages', 'pg-harness', 'dist', 'index.js');
let privateDir: string;

beforeAll(() => {
  privateDir = mkdtempSync(join(tmpdir(), 'tenant-scope-private-'));
  chmodSync(privateDir, 0o700);
  mkdirSync(join(privateDir, 'tmp'));
});

afterAll(() => {
  if (privateDir) rmSync(privateDir, { recursive: true, force: true });
});

test('a data folder inside a private folder: a clear error at once as root, a working server otherwise', () => {
  const script = `const h = await import(${JSON.stringify(harness)});
const server = await h.startPostgres();
const client = await server.connect();
console.log((await client.query('select 1 as one')).rows[0].one);
await client.end();
await server.stop();`;
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: join(privateDir, 'tmp') };
  delete env['TENANT_SCOPE_DATABASE_URL'];
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8', timeout: 120_000 });
  if (process.getuid?.() === 0) {
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `PostgreSQL runs as the "postgres" system user (the tests run as root, and PostgreSQL refuses to run as root), and that user cannot reach the folder for its data directory at ${join(privateDir, 'tmp')}: ${privateDir} (mode 700) does not let it in. Fix: clone the repository into a folder other users can enter (for example /srv or /opt), or allow entering that folder (chmod o+x ${privateDir}), or run the tests as a normal user, or set TENANT_SCOPE_DATABASE_URL to a server of your own.`,
    );
    // Seconds, not the two minutes of a server that never reports ready.
    expect(Date.now() - started).toBeLessThan(30_000);
  } else {
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 0, stdout: '1\n' });
  }
});
