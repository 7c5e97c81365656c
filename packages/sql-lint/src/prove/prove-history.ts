/**
 * `tenant-scope prove`: builds a throwaway database from the history, seeds two tenants and an
 * unrelated third, and probes every tenant table and view as the application role, with the
 * context set the way @tenant-scope/guard sets it, in transactions that are rolled back.
 */
import pg from 'pg';
import type { LintConfig } from '../lint-config.js';
import { buildSchemaModel } from '../model/replay.js';
import type { SqlFile } from '../model/replay.js';
import { isPreludeFile, platformPresetFor, preludeFile } from '../platform-preset.js';
import { upMigrationText } from '../up-migration-text.js';
import { appRoleFor } from './app-role.js';
import type { AppRole } from './app-role.js';
import { applyHistory } from './apply-history.js';
import { quoteIdent, readCatalogTables, readCatalogViews, readSecurityDefinerFunctions } from './catalog-tables.js';
import { functionTargets } from './probe-functions.js';
import { findPgBouncerBinary, startRunPgBouncer } from './pgbouncer.js';
import type { RunPgBouncer } from './pgbouncer.js';
import { RunProblem } from './run-problem.js';
import type { CatalogTable } from './catalog-tables.js';
import { contextFor } from './tenant-context.js';
import { probeAll } from './probe-all.js';
import type { ProveEntry } from './prove-result.js';
import { StatementLocator } from './responsible-statement.js';
import { createEmbeddedRunDatabase, createRunDatabase } from './run-database.js';
import type { RunDatabase } from './run-database.js';
import { seedTenants } from './seed-tenants.js';

/** Options of `proveHistory`. */
export interface ProveOptions {
  /** Migration files in history order (as `collectMigrationFiles` orders them). */
  files: readonly SqlFile[];
  config: LintConfig;
  /** A superuser URL of a server to create the run database on; without it an embedded server is started. */
  databaseUrl?: string;
  /** The role the application connects as. */
  appRole?: string;
  /** Probe through PgBouncer too: `auto` when the binary is installed (default), `require` fails without it, `off`. */
  pgbouncer?: 'auto' | 'require' | 'off';
  /** Called with a function that cleans up, so that an interrupt (SIGINT) can run it. */
  onCleanup?: (cleanup: (() => Promise<void>) | null) => void;
  /** Paths as the report shows them. */
  display?: (file: string) => string;
}

/** What a run found. */
export interface ProveReport {
  entries: ProveEntry[];
  appRole: AppRole;
  /** The settings that carried tenant context, and the type of the tenant ids. */
  context: { settings: string[]; idType: string };
  /** What the run did beyond the history (roles it created, extensions it skipped). */
  notes: string[];
  /** Whether the probes also ran through PgBouncer in transaction mode. */
  pgbouncer: boolean;
  /** Milliseconds spent building the database, seeding and probing. */
  timings: { build: number; seed: number; probe: number };
}

/**
 * What a Supabase project has from the start beyond the preset's schema stubs: pgcrypto and
 * uuid-ossp in `extensions` (when this server has them), the empty `supabase_realtime`
 * publication that migrations add tables to, and the default privileges that give the client
 * roles every table, sequence and function created in `public` (RLS is what limits them).
 */
const PLATFORM_SETUP = `DO $$ DECLARE e text; BEGIN
  FOREACH e IN ARRAY ARRAY['pgcrypto', 'uuid-ossp'] LOOP
    IF EXISTS (SELECT FROM pg_catalog.pg_available_extensions WHERE name = e) THEN
      EXECUTE pg_catalog.format('CREATE EXTENSION IF NOT EXISTS %I WITH SCHEMA extensions', e);
    END IF;
  END LOOP;
  CREATE PUBLICATION supabase_realtime;
  GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
  ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
  ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
  ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
END $$`;

/** Runs the whole proof; throws a RunProblem when the history does not apply or the run cannot start. */
export async function proveHistory(options: ProveOptions): Promise<ProveReport> {
  const display = options.display ?? ((f: string) => f);
  const files = options.files.map((f) => ({ path: f.path, text: upMigrationText(f.text) }));
  const platform = platformPresetFor(options.config, files);
  const history = platform ? [preludeFile(platform), ...files] : files;
  const { model, files: parsed } = buildSchemaModel(history, { searchPath: options.config.searchPath });
  const texts = new Map(history.map((f) => [f.path, f.text]));
  const started = performance.now();
  const run: RunDatabase = options.databaseUrl ? await createRunDatabase(options.databaseUrl) : await createEmbeddedRunDatabase();
  let client: pg.Client | undefined;
  let bouncer: RunPgBouncer | undefined;
  const runRoles: string[] = [];
  const historyText = history.map((f) => f.text.toLowerCase()).join('\n');
  // Dropping the database (WITH FORCE) comes first: it also ends a statement of the run that is
  // still waiting (on a lock, say) when the user presses Ctrl-C; the run's client is closed after.
  const cleanup = async (): Promise<void> => {
    options.onCleanup?.(null);
    await bouncer?.stop().catch(() => undefined);
    await run.dispose(historyText, runRoles);
    await client?.end().catch(() => undefined);
  };
  options.onCleanup?.(cleanup);
  try {
    client = new pg.Client({ connectionString: run.url });
    // The drop at cleanup ends this connection from the server side; that is expected, not an error to crash on.
    client.on('error', () => undefined);
    await client.connect();
    // Supabase sessions start on `"$user", public, extensions`, where pgcrypto and uuid-ossp live.
    const searchPath = options.config.searchPath ?? (platform ? ['public', 'extensions'] : ['public']);
    const prelude = parsed.filter((f) => isPreludeFile(f.path));
    await applyHistory(client, prelude, searchPath, display);
    if (platform) await client.query(PLATFORM_SETUP);
    const platformTables = new Set((await readCatalogTables(client)).map((t) => t.key));
    const platformFunctions = new Set((await readSecurityDefinerFunctions(client)).map((f) => f.oid));
    const applied = await applyHistory(client, parsed.filter((f) => !isPreludeFile(f.path)), searchPath, display);
    runRoles.push(...applied.createdRoles);
    // Seeding runs as sessions of the platform do (Supabase: defaults that call extensions' functions).
    await client.query(`SET search_path TO ${searchPath.map(quoteIdent).join(', ')}`);
    const tables = await readCatalogTables(client);
    const views = (await readCatalogViews(client)).filter((v) => !v.materialized);
    const tenantColumns = new Set(options.config.tenantColumns ?? ['tenant_id']);
    const targets = tables.filter((t) => !platformTables.has(t.key) && (t.rlsEnabled || t.columns.some((c) => tenantColumns.has(c.name))));
    const context = contextFor(options.config, model, platform, targets, tenantColumns);
    const appRole = await appRoleFor(client, { given: options.appRole, platformRole: platform ? 'authenticated' : undefined, rolesBefore: run.rolesBefore, targets, views });
    if (appRole.how === 'created') runRoles.push(appRole.name);
    const built = performance.now();
    const seed = await seedTenants(client, { tables, targets: new Set(targets.map((t) => t.key)), tenantColumns, idType: context.idType, identityTables: platform ? ['auth.users'] : [], setContext: (c, tenant) => context.set(c, tenant), clearContext: (c) => context.clear(c) });
    const seeded = performance.now();
    const locator = new StatementLocator(model, texts, display);
    const owners = await ownedByAppRole(client, appRole.name, targets);
    const definers = (await readSecurityDefinerFunctions(client)).filter((f) => !platformFunctions.has(f.oid));
    const functions = await functionTargets(client, { functions: definers, appRole: appRole.name, model, tables: targets, idType: context.idType });
    const binary = options.pgbouncer === 'off' ? undefined : findPgBouncerBinary();
    if (options.pgbouncer === 'require' && binary === undefined) throw new RunProblem('--pgbouncer was given but no pgbouncer binary is installed', 'install PgBouncer (apt-get install pgbouncer, brew install pgbouncer) or leave out --pgbouncer');
    bouncer = binary === undefined ? undefined : await startRunPgBouncer(binary, { host: run.host, port: run.port, user: run.user, password: run.password, database: run.name });
    const entries = await probeAll({ client, run, appRole: appRole.name, context, seed, targets, views, functions, locator, owners, tenantColumns, searchPath, pooledUrl: bouncer?.url });
    const probed = performance.now();
    return {
      entries,
      appRole,
      context: { settings: [...context.settings], idType: context.idType },
      pgbouncer: bouncer !== undefined,
      notes: [...applied.createdRoles.map((r) => `role ${r} is named by the history but never created: created NOLOGIN for the run`), ...applied.skipped],
      timings: { build: Math.round(built - started), seed: Math.round(seeded - built), probe: Math.round(probed - seeded) },
    };
  } finally {
    await cleanup();
  }
}

/** Keys of the tables whose owner is the app role or one of its roles (owners bypass unforced RLS). */
async function ownedByAppRole(client: pg.ClientBase, role: string, targets: readonly CatalogTable[]): Promise<Set<string>> {
  const result = await client.query<{ key: string }>(
    `SELECT t.key FROM unnest($2::text[], $3::text[]) t(key, owner) WHERE pg_catalog.pg_has_role($1, t.owner, 'USAGE')`,
    [role, targets.map((t) => t.key), targets.map((t) => t.owner)],
  );
  return new Set(result.rows.map((r) => r.key));
}
