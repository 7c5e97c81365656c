/** Where the CLI looks for its configuration: the working directory, else the nearest parent that has one. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CONFIG_FILES } from './load-config.js';

function hasConfig(dir: string): boolean {
  if (CONFIG_FILES.some((name) => existsSync(join(dir, name)))) return true;
  const packageJson = join(dir, 'package.json');
  if (!existsSync(packageJson)) return false;
  try {
    return (JSON.parse(readFileSync(packageJson, 'utf8')) as Record<string, unknown>)['tenant-scope'] !== undefined;
  } catch {
    // A broken package.json here is reported by loadLintConfig when this directory is chosen.
    return true;
  }
}

/**
 * The nearest directory from `cwd` upwards that holds a configuration file (or a package.json
 * with a "tenant-scope" key). The search stops at the repository root (a directory with `.git`)
 * and at the file system root; with no configuration found it is `cwd` (the defaults apply).
 */
export function findConfigDirectory(cwd: string): string {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (hasConfig(dir)) return dir;
    if (existsSync(join(dir, '.git')) || dirname(dir) === dir) return cwd;
  }
}
