/**
 * Which relations and functions of a project hold tenant data, for tools that judge queries in
 * application code (the ESLint plugin's `require-tenant-scope`): the migration history that the
 * project's configuration names (`migrations`), replayed into the schema model once per content
 * of that history (a module-level cache keyed by its hash).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { calledFunctionName, sqlTokens, walkTree } from '@tenant-scope/sql-analyzer';
import { findConfigDirectory } from './config-directory.js';
import type { ConfigProblem, LintConfig } from './lint-config.js';
import { knownRuleIds } from './lint-sql.js';
import { loadLintConfigSync } from './load-config.js';
import { collectMigrationFiles } from './migration-files.js';
import type { InputProblem } from './migration-files.js';
import { buildSchemaModel } from './model/replay.js';
import type { FunctionModel, SchemaModel, TableModel } from './model/schema-model.js';
import { relationKey } from './model/schema-model.js';
import { platformPresetFor, preludeFile } from './platform-preset.js';
import { readSqlFile } from './read-sql-file.js';
import { columnNamed, displayName } from './rule.js';
import { upMigrationText } from './up-migration-text.js';

/**
 * What a query touches: a tenant relation (a table with row-level security or a tenant column, a
 * view over one, a function that reads one), a name the history does not define, or neither.
 */
export type QueryTenancy = { kind: 'tenant'; name: string } | { kind: 'unknown'; name: string } | { kind: 'global' };

/** A project's schema as far as tenant data goes. */
export interface TenantSchema {
  /** The configuration file the history was named in, or null (the history came from the caller). */
  configPath: string | null;
  /** The folder the configuration was looked up from and history paths are relative to. */
  configDirectory: string;
  /** How many migration files were replayed. */
  migrationFiles: number;
  /** SHA-256 of the history (paths, texts) and the options that shape the model. */
  historyHash: string;
  /** Milliseconds the replay took when this schema was built. */
  buildMs: number;
  /** What the statements of one query touch; each is a parse tree (`statementTree` of the analyzer's `parseSql`). */
  tenancyOf(statements: readonly unknown[]): QueryTenancy;
}

/** Options of `loadTenantSchema`. */
export interface TenantSchemaOptions {
  /** The history, overriding the configuration's `migrations` (absolute, or relative to the configuration's folder). */
  migrations?: readonly string[];
}

// Relations of the system catalogs: global, whatever the history says.
const CATALOG_SCHEMAS = new Set(['pg_catalog', 'information_schema']);

const built = new Map<string, TenantSchema>();
const MAX_CACHED = 8;

/** Tables that hold tenant rows: row-level security on, a tenant column, or a child of such a table. */
function tenantTables(model: SchemaModel, tenantColumns: readonly string[]): Set<string> {
  const direct = (table: TableModel): boolean => table.rowSecurity.enabled || tenantColumns.some((c) => columnNamed(table, c) !== undefined);
  const keys = new Set<string>();
  for (const [key, table] of model.tables) {
    if (direct(table) || table.parents.some((parent) => { const p = model.tables.get(parent); return p !== undefined && direct(p); })) keys.add(key);
  }
  return keys;
}

/**
 * The relation a node names: a `RangeVar` node, or the target of a statement, which the parse tree
 * holds as a bare RangeVar (`InsertStmt.relation`, `UpdateStmt.relation`, `DeleteStmt.relation`).
 */
function namedRelation(type: string, body: unknown): { schemaname: string | undefined; relname: string } | undefined {
  const candidate = type === 'RangeVar' ? body : (body as { relation?: unknown }).relation;
  if (typeof candidate !== 'object' || candidate === null) return undefined;
  const { schemaname, relname } = candidate as { schemaname?: unknown; relname?: unknown };
  return typeof relname === 'string' ? { schemaname: typeof schemaname === 'string' ? schemaname : undefined, relname } : undefined;
}

/** Identifier tokens of a body the model did not parse (PL/pgSQL and others), unquoted, for a name match. */
function bodyIdentifiers(fn: FunctionModel): Set<string> {
  const names = new Set<string>();
  for (const token of sqlTokens(fn.bodyText, 0)) {
    if (token.tokenName !== 'IDENT') continue;
    names.add(token.lower.startsWith('"') ? fn.bodyText.slice(token.start + 1, token.end - 1).replaceAll('""', '"') : token.lower);
  }
  return names;
}

/** The tenancy verdicts of one model: relations and functions, each computed once. */
function tenancyJudge(model: SchemaModel, config: LintConfig): (statements: readonly unknown[]) => QueryTenancy {
  const tables = tenantTables(model, config.tenantColumns ?? ['tenant_id']);
  const searchPath = config.searchPath ?? ['public'];
  const viewVerdicts = new Map<string, boolean>();
  const isTenantRelation = (key: string): boolean => {
    if (tables.has(key)) return true;
    const view = model.views.get(key);
    if (!view) return false;
    const known = viewVerdicts.get(key);
    if (known !== undefined) return known;
    viewVerdicts.set(key, false);
    const verdict = view.relations.some(isTenantRelation);
    viewVerdicts.set(key, verdict);
    return verdict;
  };
  const tenantNames = new Set([...model.tables.keys(), ...model.views.keys()].filter(isTenantRelation).map((key) => key.slice(key.indexOf('.') + 1)));
  const byName = new Map<string, FunctionModel[]>();
  for (const fn of model.functions.values()) byName.set(fn.name, [...(byName.get(fn.name) ?? []), fn]);
  const functionVerdicts = new Map<FunctionModel, boolean>();
  const isTenantFunction = (fn: FunctionModel): boolean => {
    const known = functionVerdicts.get(fn);
    if (known !== undefined) return known;
    functionVerdicts.set(fn, false);
    // Bodies the model did not parse (PL/pgSQL), and statement targets it does not list, are read by their words.
    const readsTenant = fn.bodyRelations.some(isTenantRelation) || [...bodyIdentifiers(fn)].some((n) => tenantNames.has(n));
    const verdict = readsTenant || fn.bodyCalls.some((call) => (byName.get(call.name) ?? []).some((f) => (call.schema === undefined || f.schema === call.schema) && isTenantFunction(f)));
    functionVerdicts.set(fn, verdict);
    return verdict;
  };
  /** The keys a relation name may mean: along the search path, else in any schema; empty when the history has none. */
  const candidates = (schema: string | undefined, name: string): string[] => {
    if (schema !== undefined) return [relationKey(schema, name)].filter((k) => model.tables.has(k) || model.views.has(k));
    const onPath = searchPath.map((s) => relationKey(s, name)).find((k) => model.tables.has(k) || model.views.has(k));
    if (onPath) return [onPath];
    return [...model.tables.keys(), ...model.views.keys()].filter((k) => k.slice(k.indexOf('.') + 1) === name);
  };
  return (statements) => {
    let unknown: string | null = null;
    for (const tree of statements) {
      const ctes = new Set<string>();
      walkTree(tree, (type, body) => {
        if (type === 'CommonTableExpr' && typeof body.ctename === 'string') ctes.add(body.ctename);
      });
      let tenant: string | null = null;
      walkTree(tree, (type, body) => {
        if (tenant !== null) return;
        const relation = namedRelation(type, body);
        if (relation) {
          const { schemaname: schema, relname: name } = relation;
          if (schema === undefined && ctes.has(name)) return;
          if ((schema !== undefined && CATALOG_SCHEMAS.has(schema)) || (schema === undefined && name.startsWith('pg_'))) return;
          const keys = candidates(schema, name);
          if (keys.some(isTenantRelation)) tenant = displayName(schema ?? 'public', name);
          else if (keys.length === 0) unknown ??= displayName(schema ?? 'public', name);
        }
        if (type === 'FuncCall') {
          const call = calledFunctionName(body);
          const matches = (byName.get(call.name) ?? []).filter((f) => call.schema === undefined || f.schema === call.schema);
          if (matches.some(isTenantFunction)) tenant = `${call.schema ? `${call.schema}.` : ''}${call.name}()`;
          // An unqualified name the history does not define is taken as a built-in (now(), count()).
          else if (matches.length === 0 && call.schema !== undefined && !CATALOG_SCHEMAS.has(call.schema)) unknown ??= `${call.schema}.${call.name}()`;
        }
      });
      if (tenant !== null) return { kind: 'tenant', name: tenant };
    }
    return unknown === null ? { kind: 'global' } : { kind: 'unknown', name: unknown };
  };
}

/**
 * The tenant schema of a history given as files (in the order they are applied) and a
 * configuration: `tenantColumns`, `searchPath` and `platform` shape it. Not cached.
 */
export function tenantSchemaOf(files: readonly { path: string; text: string }[], config: LintConfig): Omit<TenantSchema, 'configPath' | 'configDirectory' | 'historyHash'> {
  const started = performance.now();
  const history = files.map((f) => ({ path: f.path, text: upMigrationText(f.text) }));
  const platform = platformPresetFor(config, history);
  const { model } = buildSchemaModel(platform ? [preludeFile(platform), ...history] : history, { searchPath: config.searchPath });
  const tenancyOf = tenancyJudge(model, config);
  return { migrationFiles: files.length, buildMs: performance.now() - started, tenancyOf };
}

/**
 * The tenant schema of the project around `dir`: its configuration is found as the CLI finds it
 * (`tenant-scope.config.*` or `package.json#tenant-scope` in `dir` or the nearest parent that has
 * one), its history is `options.migrations` or the configuration's `migrations`. Null when neither
 * names a history; a problem when the configuration or a history file cannot be read. The model
 * is replayed once per history content: a second call with the same files returns the same object.
 */
export function loadTenantSchema(dir: string, options: TenantSchemaOptions = {}): TenantSchema | null | { problem: ConfigProblem | InputProblem } {
  const configDirectory = findConfigDirectory(dir);
  const loaded = loadLintConfigSync(configDirectory, undefined, knownRuleIds());
  if ('hint' in loaded) return { problem: loaded };
  const inputs = options.migrations ?? loaded.config.migrations;
  if (!inputs || inputs.length === 0) return null;
  const list = collectMigrationFiles(inputs, configDirectory);
  const first = list.problems[0];
  if (first) return { problem: options.migrations ? first : { ...first, hint: `${first.hint.replace(/; it is resolved from the current directory$/, '')}: "migrations" in ${loaded.path} is resolved from that file's folder` } };
  const files: { path: string; text: string }[] = [];
  for (const path of list.files) {
    const read = readSqlFile(join(configDirectory, path));
    if ('problem' in read) return { problem: read.problem };
    files.push({ path, text: read.text });
  }
  const { tenantColumns, searchPath, platform } = loaded.config;
  const hash = createHash('sha256').update(JSON.stringify({ configDirectory, configPath: loaded.path, tenantColumns, searchPath, platform }));
  for (const file of files) hash.update(`\0${file.path}\0${file.text}`);
  const historyHash = hash.digest('hex');
  const cached = built.get(historyHash);
  if (cached) return cached;
  const schema: TenantSchema = { ...tenantSchemaOf(files, loaded.config), configPath: loaded.path, configDirectory, historyHash };
  if (built.size >= MAX_CACHED) built.delete(built.keys().next().value as string);
  built.set(historyHash, schema);
  return schema;
}
