/**
 * The project's schema, for `require-tenant-scope` to tell tenant queries from global ones: the
 * migration history named by `tenant-scope.config.*` (found up the tree from the linted file, as
 * the CLI finds it) or by `settings['tenant-scope'].migrations`, replayed by
 * `@tenant-scope/sql-lint`. That package is an optional peer dependency, loaded only when a query
 * outside a tenant scope needs a verdict; without it, or without a history, there is no schema.
 */
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import type * as SqlLintModule from '@tenant-scope/sql-lint';
import type { QueryTenancy, TenantSchema } from '@tenant-scope/sql-lint';
import { TenantScopeSettingsError } from './settings.js';

export type { QueryTenancy, TenantSchema };

type SqlLint = Pick<typeof SqlLintModule, 'findConfigDirectory' | 'loadTenantSchema'>;

/**
 * How long a looked-up schema is reused before the history is read again: one lint run reads it
 * once per second at most, and a long-lived process (an editor) sees edited migrations.
 */
const REVALIDATE_MS = 1000;

interface Cached<T> {
  at: number;
  value: T;
}

// Per folder of a linted file: the folder whose configuration applies.
const folders = new Map<string, Cached<string>>();
// Per configuration folder and configured history: the schema.
const schemas = new Map<string, Cached<TenantSchema | null>>();
let sqlLint: SqlLint | null | undefined;

/** `@tenant-scope/sql-lint` as installed beside the plugin, else for the linted file; null when neither has it. */
function loadSqlLint(filename: string): SqlLint | null {
  if (sqlLint !== undefined) return sqlLint;
  for (const from of [import.meta.url, filename]) {
    try {
      sqlLint = createRequire(from)('@tenant-scope/sql-lint') as SqlLint;
      return sqlLint;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  sqlLint = null;
  return sqlLint;
}

function fresh<T>(entry: Cached<T> | undefined, now: number): entry is Cached<T> {
  return entry !== undefined && now - entry.at < REVALIDATE_MS;
}

/** Loads the schema for `dir`, turning a configuration problem into an error that stops the lint run. */
function load(lint: SqlLint, dir: string, migrations: readonly string[] | null): TenantSchema | null {
  const loaded = lint.loadTenantSchema(dir, migrations ? { migrations } : {});
  if (loaded && 'problem' in loaded) {
    const { message, location, hint } = loaded.problem;
    throw new TenantScopeSettingsError(`@tenant-scope/eslint-plugin: the schema for require-tenant-scope cannot be read: ${message} (${location}); ${hint}`);
  }
  return loaded;
}

/**
 * The schema that applies to the linted file, or null (no history configured, or
 * `@tenant-scope/sql-lint` not installed while only a configuration file could name one).
 * `migrations` from the settings are resolved against ESLint's working directory.
 */
export function projectSchemaFor(filename: string, cwd: string, migrations: readonly string[] | null): TenantSchema | null {
  const lint = loadSqlLint(filename);
  if (!lint) {
    if (migrations) {
      throw new TenantScopeSettingsError(
        "@tenant-scope/eslint-plugin: settings['tenant-scope'].migrations needs @tenant-scope/sql-lint to read the schema (npm install --save-dev @tenant-scope/sql-lint)",
      );
    }
    return null;
  }
  const now = Date.now();
  const dir = dirname(resolve(cwd, filename));
  const absolute = migrations?.map((m) => resolve(cwd, m)) ?? null;
  let folder = folders.get(dir);
  if (!fresh(folder, now)) {
    folder = { at: now, value: lint.findConfigDirectory(dir) };
    folders.set(dir, folder);
  }
  const key = absolute ? `${folder.value}\0${absolute.join('\0')}` : folder.value;
  let schema = schemas.get(key);
  if (!fresh(schema, now)) {
    schema = { at: now, value: load(lint, folder.value, absolute) };
    schemas.set(key, schema);
  }
  return schema.value;
}
