import type { ContextSettings } from '@tenant-scope/sql-analyzer';
import type { TSESLint } from '@typescript-eslint/utils';

/**
 * A type as typescript-eslint's `TypeOrValueSpecifier` describes it: a name, or an object saying
 * where the type is declared (`{ from: 'package', name: 'Pool', package: 'pg' }`).
 */
export type TypeSpecifier =
  | string
  | { from: 'file'; name: string | string[]; path?: string }
  | { from: 'lib'; name: string | string[] }
  | { from: 'package'; name: string | string[]; package: string };

/** What `settings['tenant-scope']` may hold; every rule reads the same values. */
export interface TenantScopeSettings {
  /** Settings that carry tenant context; `null` means every custom dotted setting (`app.tenant_id`). */
  contextGucs: string[] | null;
  /** Functions (or methods of that name) whose callback receives a tenant-scoped client. */
  wrappers: string[];
  /** Functions (or methods) whose callback is deliberately unscoped, for admin work. */
  unscopedWrappers: string[];
  /** Names or `/regex/flags` of pool and database handles imported from elsewhere. */
  pools: NameMatcher[];
  /** Tags of template literals whose holes become bound parameters (`sql`). */
  sqlTags: string[];
  /** Types that are pools or database handles, used when type information is available. */
  poolTypes: TypeSpecifier[];
  /** Types that are single connections (clients), used when type information is available. */
  clientTypes: TypeSpecifier[];
  /** Handles of a transaction an ORM opens and ends (not configurable: the libraries' own types). */
  transactionTypes: TypeSpecifier[];
  /** The migration history `require-tenant-scope` reads the schema from, overriding `tenant-scope.config.*`; null: the config file's. */
  migrations: string[] | null;
  /**
   * Whether the settings describe the project's tenant model (`contextGucs`, `wrappers`,
   * `unscopedWrappers`, `pools` or `migrations` given): then every pool is taken to serve tenant data.
   */
  tenantModelGiven: boolean;
}

/** A configured name: an exact identifier, or a regular expression written as `/source/flags`. */
export type NameMatcher = { exact: string } | { pattern: RegExp };

/** Pool and database handle types of the libraries the rules know. */
export const defaultPoolTypes: TypeSpecifier[] = [
  { from: 'package', name: ['Pool'], package: 'pg' },
  { from: 'package', name: ['Sql'], package: 'postgres' },
  { from: 'package', name: ['Kysely'], package: 'kysely' },
  { from: 'package', name: ['Knex'], package: 'knex' },
  {
    from: 'package',
    name: ['NodePgDatabase', 'PgDatabase', 'PostgresJsDatabase', 'NeonDatabase', 'NeonHttpDatabase', 'VercelPgDatabase', 'PgliteDatabase'],
    package: 'drizzle-orm',
  },
  { from: 'package', name: ['PrismaClient'], package: '@prisma/client' },
  { from: 'package', name: ['DataSource', 'EntityManager', 'Connection'], package: 'typeorm' },
  { from: 'package', name: ['Sequelize'], package: 'sequelize' },
  { from: 'package', name: ['Sequelize'], package: 'sequelize-typescript' },
  { from: 'package', name: ['EntityManager', 'SqlEntityManager', 'MikroORM'], package: '@mikro-orm/core' },
  { from: 'package', name: ['EntityManager', 'PostgreSqlEntityManager', 'MikroORM', 'PostgreSqlMikroORM'], package: '@mikro-orm/postgresql' },
  { from: 'package', name: ['EntityManager', 'SqlEntityManager'], package: '@mikro-orm/sql' },
  { from: 'package', name: ['EntityManager', 'SqlEntityManager'], package: '@mikro-orm/knex' },
];

/** Single-connection types: what `pool.connect()` returns, a standalone `pg.Client`, TypeORM's query runner. */
export const defaultClientTypes: TypeSpecifier[] = [
  { from: 'package', name: ['PoolClient', 'Client', 'ClientBase'], package: 'pg' },
  { from: 'package', name: ['ReservedSql'], package: 'postgres' },
  { from: 'package', name: ['QueryRunner'], package: 'typeorm' },
];

/** Transaction handles the libraries hand out: their queries run inside a transaction the library ends. */
export const defaultTransactionTypes: TypeSpecifier[] = [
  { from: 'package', name: ['TransactionSql'], package: 'postgres' },
  { from: 'package', name: ['Transaction'], package: 'kysely' },
  { from: 'package', name: ['Transaction'], package: 'knex' },
  { from: 'package', name: ['PgTransaction', 'NodePgTransaction', 'PostgresJsTransaction', 'NeonTransaction'], package: 'drizzle-orm' },
  { from: 'package', name: ['TransactionClient'], package: '@prisma/client' },
];

const typeSpecifierSchema = {
  oneOf: [
    { type: 'string' },
    {
      type: 'object',
      additionalProperties: false,
      properties: {
        from: { type: 'string', enum: ['file', 'lib', 'package'] },
        name: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
        path: { type: 'string' },
        package: { type: 'string' },
      },
      required: ['from', 'name'],
    },
  ],
} as const;

/** JSON schema of `settings['tenant-scope']`, shown in the README; `readSettings` enforces it. */
export const settingsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    contextGucs: { type: 'array', items: { type: 'string' }, description: 'Settings that carry tenant context (default: every custom dotted setting).' },
    wrappers: { type: 'array', items: { type: 'string' }, description: 'Functions or methods whose callback gets a tenant-scoped client (default: withTenant).' },
    unscopedWrappers: { type: 'array', items: { type: 'string' }, description: 'Functions or methods that mark deliberately unscoped admin work (default: withoutTenant).' },
    pools: { type: 'array', items: { type: 'string' }, description: 'Names or /regex/ of pool and database handles imported from other files.' },
    sqlTags: { type: 'array', items: { type: 'string' }, description: 'Template tags whose holes are bound parameters (default: sql).' },
    poolTypes: { type: 'array', items: typeSpecifierSchema, description: 'Extra pool or database handle types (TypeOrValueSpecifier).' },
    clientTypes: { type: 'array', items: typeSpecifierSchema, description: 'Extra single-connection client types (TypeOrValueSpecifier).' },
    migrations: {
      type: 'array',
      items: { type: 'string' },
      description: 'Migration folders, files or globs (from ESLint\'s working directory) whose schema tells tenant tables from global ones (default: "migrations" of tenant-scope.config.*).',
    },
  },
} as const;

/** Parses a configured name: `/source/flags` is a regular expression, anything else an exact name. */
export function parseNameMatcher(text: string): NameMatcher {
  const match = /^\/(.+)\/([a-z]*)$/s.exec(text);
  if (match) {
    try {
      return { pattern: new RegExp(match[1] ?? '', match[2]) };
    } catch {
      return { exact: text };
    }
  }
  return { exact: text };
}

/** Whether `name` is one of the configured names. */
export function matchesName(matchers: readonly NameMatcher[], name: string): boolean {
  return matchers.some((m) => ('exact' in m ? m.exact === name : m.pattern.test(name)));
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

function typeList(value: unknown): TypeSpecifier[] {
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is TypeSpecifier => typeof v === 'string' || (typeof v === 'object' && v !== null && 'from' in v && 'name' in v));
}

const cache = new WeakMap<object, TenantScopeSettings>();

/** Settings that say how the project scopes tenants, as opposed to how its code is written (`sqlTags`, types). */
const tenantModelKeys = ['contextGucs', 'wrappers', 'unscopedWrappers', 'pools', 'migrations'] as const;

/** A configuration mistake in `settings['tenant-scope']`: an unknown key or a value of the wrong shape. */
export class TenantScopeSettingsError extends Error {
  override readonly name = 'TenantScopeSettingsError';
}

function isTypeSpecifier(value: unknown): boolean {
  return typeof value === 'string' || (typeof value === 'object' && value !== null && 'from' in value && 'name' in value);
}

/** What is wrong with the given settings, one line each (empty when nothing is). */
function settingsProblems(given: Record<string, unknown>): string[] {
  const known = Object.keys(settingsSchema.properties);
  const problems: string[] = [];
  for (const [key, value] of Object.entries(given)) {
    if (!known.includes(key)) {
      problems.push(`unknown key "${key}" (known: ${known.join(', ')})`);
      continue;
    }
    const itemOk = key === 'poolTypes' || key === 'clientTypes' ? isTypeSpecifier : (v: unknown) => typeof v === 'string';
    if (!Array.isArray(value) || !value.every(itemOk)) {
      const want = key === 'poolTypes' || key === 'clientTypes' ? 'an array of type names or { from, name } specifiers' : 'an array of strings';
      problems.push(`"${key}" must be ${want}, got ${JSON.stringify(value)}`);
    }
  }
  return problems;
}

/**
 * Reads `settings['tenant-scope']`, with defaults for anything not given. An unknown key or a value
 * of the wrong shape is a configuration error, reported like ESLint's own for invalid rule options.
 */
export function readSettings(context: Readonly<TSESLint.RuleContext<string, readonly unknown[]>>): TenantScopeSettings {
  try {
    return readGivenSettings(context);
  } catch (error) {
    if (error instanceof TenantScopeSettingsError) throw error;
    // Settings objects with throwing getters or proxies must not fail the lint run: use the defaults.
    return readGivenSettings({ settings: {} });
  }
}

function readGivenSettings(context: { settings: unknown }): TenantScopeSettings {
  const raw: unknown = (context.settings as Record<string, unknown> | undefined)?.['tenant-scope'];
  const key = typeof raw === 'object' && raw !== null ? raw : cache;
  const cached = cache.get(key);
  if (cached) return cached;
  const given = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const problems = settingsProblems(given);
  if (problems.length > 0) {
    throw new TenantScopeSettingsError(`@tenant-scope/eslint-plugin: invalid settings['tenant-scope']:\n  ${problems.join('\n  ')}`);
  }
  const contextGucs = stringList(given.contextGucs);
  const settings: TenantScopeSettings = {
    contextGucs: contextGucs ? contextGucs.map((name) => name.toLowerCase()) : null,
    wrappers: stringList(given.wrappers) ?? ['withTenant'],
    unscopedWrappers: stringList(given.unscopedWrappers) ?? ['withoutTenant'],
    pools: (stringList(given.pools) ?? []).map(parseNameMatcher),
    sqlTags: stringList(given.sqlTags) ?? ['sql'],
    poolTypes: [...defaultPoolTypes, ...typeList(given.poolTypes)],
    clientTypes: [...defaultClientTypes, ...typeList(given.clientTypes)],
    transactionTypes: defaultTransactionTypes,
    migrations: stringList(given.migrations) ?? null,
    tenantModelGiven: tenantModelKeys.some((name) => given[name] !== undefined),
  };
  cache.set(key, settings);
  return settings;
}

/**
 * The context settings the analyzer's verdicts (`contextWriteHazards`) use: a rule's own
 * `contextGucs` option when given, else `settings['tenant-scope'].contextGucs` (null: every
 * custom dotted setting).
 */
export function contextSettings(settings: TenantScopeSettings, override?: readonly string[]): ContextSettings {
  return { contextGucs: override ? override.map((n) => n.toLowerCase()) : settings.contextGucs };
}
