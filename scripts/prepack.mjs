// `prepack` of every public package: builds it (tsc -b, with the packages it references) and
// removes files in dist/ whose source is gone (a renamed or moved module), so a tarball holds
// exactly what the sources build: never an empty dist, never a stale module.
//   run from a package folder: node ../../scripts/prepack.mjs
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

const pkg = process.cwd();
const tsc = createRequire(join(pkg, 'package.json')).resolve('typescript/bin/tsc');
const build = spawnSync(process.execPath, [tsc, '-b'], { cwd: pkg, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const OUTPUT = /(\.d\.ts\.map|\.d\.ts|\.js\.map|\.js|\.d\.mts\.map|\.d\.mts|\.mjs\.map|\.mjs)$/;
const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.mjs', '.js'];
function prune(dist, src) {
  for (const entry of readdirSync(dist, { withFileTypes: true })) {
    const path = join(dist, entry.name);
    if (entry.isDirectory()) {
      prune(path, join(src, entry.name));
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
      continue;
    }
    const base = entry.name.replace(OUTPUT, '');
    if (base === entry.name) continue;
    if (!SOURCE_EXTENSIONS.some((ext) => existsSync(join(src, base + ext)))) {
      rmSync(path);
      console.log(`prepack: removed ${relative(pkg, path)} (its source is gone)`);
    }
  }
}
if (existsSync(join(pkg, 'dist'))) prune(join(pkg, 'dist'), join(pkg, 'src'));
