/**
 * Finds and loads the configuration for the CLI: `--config <file>`, else the first of
 * `tenant-scope.config.json`, `tenant-scope.config.js`, `tenant-scope.config.mjs` and
 * `package.json#tenant-scope` in the working directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isConfigProblem, validateLintConfig } from './lint-config.js';
import type { ConfigProblem, LintConfig } from './lint-config.js';

/** Configuration file names, in the order they are looked for. */
export const CONFIG_FILES = ['tenant-scope.config.json', 'tenant-scope.config.js', 'tenant-scope.config.mjs'];

async function readConfigFile(path: string): Promise<unknown> {
  if (path.endsWith('.json')) return JSON.parse(readFileSync(path, 'utf8'));
  const module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  return module.default;
}

/** Loads and checks the configuration; no file found means the defaults. */
export async function loadLintConfig(cwd: string, explicitPath: string | undefined, ruleIds: readonly string[]): Promise<{ config: LintConfig; path: string | null } | ConfigProblem> {
  const candidates = explicitPath ? [resolve(cwd, explicitPath)] : CONFIG_FILES.map((name) => join(cwd, name));
  for (const path of candidates) {
    if (!existsSync(path)) {
      if (explicitPath) return { message: 'configuration file not found', location: explicitPath, hint: 'check the path given to --config' };
      continue;
    }
    let raw: unknown;
    try {
      raw = await readConfigFile(path);
    } catch (error) {
      return { message: `cannot load configuration: ${(error as Error).message}`, location: path, hint: 'fix the syntax of the file; JSON files must be strict JSON' };
    }
    const config = validateLintConfig(raw, path, ruleIds);
    return isConfigProblem(config) ? config : { config, path };
  }
  const packageJson = join(cwd, 'package.json');
  if (existsSync(packageJson)) {
    try {
      const raw = (JSON.parse(readFileSync(packageJson, 'utf8')) as Record<string, unknown>)['tenant-scope'];
      if (raw !== undefined) {
        const config = validateLintConfig(raw, `${packageJson}#tenant-scope`, ruleIds);
        return isConfigProblem(config) ? config : { config, path: `${packageJson}#tenant-scope` };
      }
    } catch (error) {
      return { message: `cannot read package.json: ${(error as Error).message}`, location: packageJson, hint: 'fix the JSON syntax of package.json' };
    }
  }
  return { config: {}, path: null };
}
