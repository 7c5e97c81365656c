// What a release would publish: each public package packed as `pnpm publish` packs it, then checked
// with publint and @arethetypeswrong/cli, and its tarball read for what a user's install needs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { repositoryUrl } from '@tenant-scope/sql-analyzer';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packPublicPackages, publicPackages, repositoryRoot } from './public-packages.js';

let destination: string;
let tarballs: Map<string, string>;

beforeAll(() => {
  destination = mkdtempSync(join(tmpdir(), 'tenant-scope-pack-'));
  tarballs = packPublicPackages(destination);
}, 300_000);

afterAll(() => {
  if (destination) rmSync(destination, { recursive: true, force: true });
});

/** The files of a tarball (without the `package/` prefix) and a reader for one of them. */
function tarball(path: string): { files: string[]; read: (file: string) => string } {
  const list = spawnSync('tar', ['-tzf', path], { encoding: 'utf8' });
  if (list.status !== 0) throw new Error(`tar -tzf ${path}: ${list.stderr}`);
  const files = list.stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
  const read = (file: string): string => {
    const out = spawnSync('tar', ['-xzOf', path, `package/${file}`], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (out.status !== 0) throw new Error(`tar -xzOf ${path} package/${file}: ${out.stderr}`);
    return out.stdout;
  };
  return { files, read };
}

const packages = publicPackages();

test('the public packages are the four a user installs', () => {
  expect(packages.map((p) => p.name).sort()).toEqual(['@tenant-scope/eslint-plugin', '@tenant-scope/guard', '@tenant-scope/sql-analyzer', '@tenant-scope/sql-lint']);
});

describe.each(packages.map((p) => [p.name, p] as const))('%s', (name, pkg) => {
  test('publint reports nothing', async () => {
    const buffer = readFileSync(tarballs.get(name)!);
    const tarballBytes = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
    const { messages, pkg: manifest } = await publint({ pack: { tarball: tarballBytes }, level: 'suggestion', strict: true });
    expect(messages.map((m) => formatMessage(m, manifest, { color: false }))).toEqual([]);
  });

  test('@arethetypeswrong/cli reports nothing (ES modules only, which Node >= 20.19 also loads with require)', () => {
    const attw = join(repositoryRoot, 'node_modules', '.bin', 'attw');
    const result = spawnSync(attw, [tarballs.get(name)!, '--profile', 'esm-only', '--format', 'ascii', '--no-color'], { encoding: 'utf8' });
    expect({ exit: result.status, stderr: result.stderr }, result.stdout).toEqual({ exit: 0, stderr: '' });
  });

  test('the tarball has LICENSE, README, CHANGELOG and built code, names the repository and has no workspace: range', () => {
    const { files, read } = tarball(tarballs.get(name)!);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json', 'dist/index.js', 'dist/index.d.ts']));
    expect(read('LICENSE')).toBe(readFileSync(join(repositoryRoot, 'LICENSE'), 'utf8'));
    const manifest = read('package.json');
    expect(manifest).not.toContain('workspace:');
    const parsed = JSON.parse(manifest) as { repository: { url: string; directory: string }; homepage: string; bugs: { url: string }; license: string };
    expect(parsed.license).toBe('MIT');
    expect(parsed.repository).toEqual({ type: 'git', url: `git+${repositoryUrl}.git`, directory: `packages/${pkg.dir.split(/[\\/]/).pop()}` });
    expect(parsed.homepage).toBe(`${repositoryUrl}/tree/main/packages/${pkg.dir.split(/[\\/]/).pop()}#readme`);
    expect(parsed.bugs.url).toBe(`${repositoryUrl}/issues`);
  });

  test('every source map names sources the tarball ships, and no absolute path', () => {
    const { files, read } = tarball(tarballs.get(name)!);
    const maps = files.filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    const missing: string[] = [];
    for (const map of maps) {
      const { sources, sourceRoot } = JSON.parse(read(map)) as { sources: string[]; sourceRoot?: string };
      for (const source of sources) {
        if (posix.isAbsolute(source) || /^[a-z]+:/i.test(source)) missing.push(`${map}: absolute ${source}`);
        const path = posix.normalize(posix.join(posix.dirname(map), sourceRoot ?? '', source));
        if (!files.includes(path)) missing.push(`${map}: ${source}`);
      }
    }
    expect(missing).toEqual([]);
  });

  test('every bin is a built file with a node shebang', () => {
    const bin = (pkg.manifest['bin'] ?? {}) as Record<string, string>;
    const { files, read } = tarball(tarballs.get(name)!);
    for (const path of Object.values(bin)) {
      const file = path.replace(/^\.\//, '');
      expect(files).toContain(file);
      expect(read(file).split('\n')[0]).toBe('#!/usr/bin/env node');
    }
  });
});

test('the CLIs meant to be run have a bin: tenant-scope and tenant-scope-analyze', () => {
  const bins = Object.fromEntries(packages.map((p) => [p.name, Object.keys((p.manifest['bin'] ?? {}) as object)]));
  expect(bins).toEqual({
    '@tenant-scope/eslint-plugin': [],
    '@tenant-scope/guard': [],
    '@tenant-scope/sql-analyzer': ['tenant-scope-analyze'],
    '@tenant-scope/sql-lint': ['tenant-scope'],
  });
});

describe.each(packages.map((p) => [p.name, p] as const))('%s README', (_name, pkg) => {
  const readme = readFileSync(join(pkg.dir, 'README.md'), 'utf8');

  test('links the adoption guides', () => {
    expect(readme).toContain(`${repositoryUrl}/blob/main/docs/README.md#adopting-tenant-scope`);
  });

  test('every link into the repository names a file that exists, and no relative link leaves the package', () => {
    const inRepository = [...readme.matchAll(new RegExp(`${repositoryUrl.replace(/[.]/g, '\\.')}/(?:blob|tree)/main/([^)#\\s]+)`, 'g'))].map((m) => m[1]!);
    expect(inRepository.filter((path) => !existsSync(join(repositoryRoot, path)))).toEqual([]);
    // Links in the prose: code spans such as `pool['query'](…)` are not links.
    const prose = readme.replace(/```[\s\S]*?```|``[^\n]*?``|`[^`\n]*`/g, '');
    const relative = [...prose.matchAll(/\]\((?!https?:|#)([^)#\s]+)/g)].map((m) => m[1]!);
    expect(relative.filter((path) => path.startsWith('..') || !existsSync(join(pkg.dir, path)))).toEqual([]);
  });
});
