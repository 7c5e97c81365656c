/**
 * Finds and loads the configuration for the CLI: `--config <file>`, else the first of
 * `tenant-scope.config.json`, `tenant-scope.config.js`, `tenant-scope.config.mjs` and
 * `package.json#tenant-scope` in the working directory. `loadLintConfigSync` does the same for
 * callers that cannot wait (an ESLint rule), loading JavaScript configs with `require`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isConfigProblem, validateLintConfig } from './lint-config.js';
import type { ConfigProblem, LintConfig } from './lint-config.js';

/** Configuration file names, in the order they are looked for. */
export const CONFIG_FILES = ['tenant-scope.config.json', 'tenant-scope.config.js', 'tenant-scope.config.mjs'];

/** A loaded configuration and where it came from (null: none found, the defaults). */
export type LoadedConfig = { config: LintConfig; path: string | null } | ConfigProblem;

/** The configuration file to read: the explicit one, else the first candidate that exists; null for none. */
function configFileIn(cwd: string, explicitPath: string | undefined): string | null {
  if (explicitPath) return resolve(cwd, explicitPath);
  return CONFIG_FILES.map((name) => join(cwd, name)).find((path) => existsSync(path)) ?? null;
}

/** Node's `require` of a JavaScript config (ESM without top-level await works from Node 20.19): its default export. */
function requireConfigFile(path: string): unknown {
  const loaded = createRequire(path)(path) as { default?: unknown; [Symbol.toStringTag]?: string };
  return loaded?.[Symbol.toStringTag] === 'Module' || (loaded && 'default' in loaded) ? loaded.default : loaded;
}

/**
 * Loads and checks the configuration without waiting: JSON is read, JavaScript configs are loaded
 * with `read` (default: `require`). No file found means the defaults.
 */
export function loadLintConfigSync(cwd: string, explicitPath: string | undefined, ruleIds: readonly string[], read: (path: string) => unknown = requireConfigFile): LoadedConfig {
  const path = configFileIn(cwd, explicitPath);
  if (path !== null) {
    if (!existsSync(path)) return { message: 'configuration file not found', location: explicitPath ?? path, hint: 'check the path given to --config' };
    let raw: unknown;
    try {
      raw = path.endsWith('.json') ? JSON.parse(readFileSync(path, 'utf8')) : read(path);
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

/** Loads and checks the configuration; no file found means the defaults. A JavaScript config is imported. */
export async function loadLintConfig(cwd: string, explicitPath: string | undefined, ruleIds: readonly string[]): Promise<LoadedConfig> {
  const path = configFileIn(cwd, explicitPath);
  if (path === null || path.endsWith('.json') || !existsSync(path)) return loadLintConfigSync(cwd, explicitPath, ruleIds);
  let imported: { value: unknown } | { error: unknown };
  try {
    imported = { value: ((await import(pathToFileURL(path).href)) as { default?: unknown }).default };
  } catch (error) {
    imported = { error };
  }
  return loadLintConfigSync(cwd, explicitPath, ruleIds, () => {
    if ('error' in imported) throw imported.error;
    return imported.value;
  });
}
