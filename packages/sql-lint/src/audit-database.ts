/**
 * The live audit: reads the catalog inside a READ ONLY transaction (and changes nothing),
 * replays it into the schema model and runs the same rules as `lint`, plus the audit's own.
 */
import pg from 'pg';
import { buildSchemaModel } from './model/replay.js';
import { auditRules } from './audit-rules.js';
import { catalogHistory } from './catalog-history.js';
import type { LintConfig } from './lint-config.js';
import { runRules, sortFindings } from './lint-sql.js';
import type { Finding } from './lint-sql.js';
import type { InputProblem } from './migration-files.js';
import { sqlLintRules } from './rules.js';
import { readAppRoleAccess } from './app-role-access.js';
import type { AppRoleAccess } from './app-role-access.js';
import { escapeControlCharacters } from './control-characters.js';
import { platformPresetFor } from './platform-preset.js';
import { parseDatabaseTarget, safeMessage } from './database-target.js';
import type { DatabaseTarget } from './database-target.js';
import type { SchemaModel } from './model/schema-model.js';

/** What the audit needs. */
export interface AuditOptions {
  /** A `postgresql://` URL or a libpq keyword string. */
  databaseUrl: string;
  /** The role the application connects as; enables app-role-bypasses-rls, exposed-table and default-search-path-writable. */
  appRole?: string;
  config: LintConfig;
  /** Give up connecting after this many milliseconds (default 10,000). */
  connectTimeoutMs?: number;
  /** Give up on any catalog read after this many milliseconds (default 30,000); also the server's statement_timeout. */
  statementTimeoutMs?: number;
}

/** The audit's findings (their `file` names a catalog object), the SQL each object was written as, and the model. */
export interface AuditResult {
  findings: Finding[];
  texts: Map<string, string>;
  model: SchemaModel;
}

/** How long closing the connection may take before it is abandoned (a silent server never answers). */
const CLOSE_TIMEOUT_MS = 2000;

/** Why a connection failed, in one line and with what to check. */
function connectProblem(error: unknown, target: DatabaseTarget, timeoutMs: number): InputProblem {
  const err = error as { code?: string; message?: string };
  const message = String(err.message ?? error);
  if (/timeout/i.test(message)) {
    return {
      message: `cannot connect: no answer from the server within ${timeoutMs / 1000} s`,
      location: target.display,
      hint: 'check that host and port point at PostgreSQL (or PgBouncer with a running server); raise --connect-timeout on slow networks',
    };
  }
  return {
    message: `cannot connect: ${safeMessage(message, target.secrets)}${err.code && !message.includes(err.code) ? ` (${err.code})` : ''}`,
    location: target.display,
    hint: 'check host, port, user, password and database; the URL looks like postgresql://user:password@host:5432/database',
  };
}

/** Audits a live database. Connection, timeout and permission problems are values, not exceptions. */
export async function auditDatabase(options: AuditOptions): Promise<AuditResult | { problem: InputProblem }> {
  const target = parseDatabaseTarget(options.databaseUrl);
  if ('reason' in target) {
    return { problem: { message: target.reason, location: '--database-url', hint: 'use postgresql://user:password@host:5432/database or "host=… port=… dbname=… user=…"' } };
  }
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  let client: pg.Client;
  try {
    client = new pg.Client({
      connectionString: target.connectionString,
      connectionTimeoutMillis: connectTimeoutMs,
      // The server cancels a slow read; the client gives up too if the server never answers.
      statement_timeout: statementTimeoutMs,
      query_timeout: statementTimeoutMs + connectTimeoutMs,
      application_name: 'tenant-scope audit',
    });
  } catch (error) {
    return { problem: connectProblem(error, target, connectTimeoutMs) };
  }
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await closeQuietly(client);
    return { problem: connectProblem(error, target, connectTimeoutMs) };
  }
  try {
    return await auditConnection(client, { appRole: options.appRole, config: options.config, location: target.display, secrets: target.secrets });
  } finally {
    await closeQuietly(client);
  }
}

async function closeQuietly(client: pg.Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([client.end().catch(() => {}), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)))]);
  clearTimeout(timer);
  // A connection that did not close in time is dropped with the process; it holds no transaction.
  (client as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream?.destroy?.();
}

/** A failed catalog read as a problem: permission, timeout, cancellation or a lost connection. */
function readProblem(error: unknown, location: string, secrets: readonly string[]): InputProblem {
  const err = error as { code?: string; message?: string };
  const message = safeMessage(String(err.message ?? error), secrets);
  if (err.code === '42501') {
    return { message: `permission denied reading the catalog: ${message}`, location, hint: 'connect as a role that can read pg_catalog (any role can by default)' };
  }
  if (err.code === '57014' || /timeout/i.test(message)) {
    return { message: `a catalog read did not finish in time and was cancelled: ${message}`, location, hint: 'raise --statement-timeout, or check that the role has no tiny statement_timeout' };
  }
  return { message: `cannot read the catalog: ${message}${err.code ? ` (${err.code})` : ''}`, location, hint: 'check that the connection stays up and that the role may read pg_catalog' };
}

/**
 * The audit on a connection the caller holds (for example a pool client at application startup):
 * reads the catalog in a READ ONLY transaction that is rolled back, so it changes nothing.
 * The connection must not be inside a transaction. `location` names the database in problems.
 */
export async function auditConnection(
  client: pg.ClientBase,
  options: { appRole?: string | undefined; config: LintConfig; location?: string; secrets?: readonly string[] },
): Promise<AuditResult | { problem: InputProblem }> {
  const location = options.location ?? 'the database';
  let files;
  let access: AppRoleAccess | null = null;
  let bootstrap: string | null;
  const appRole = options.appRole?.toLowerCase() ?? null;
  try {
    await client.query('begin transaction isolation level repeatable read read only');
    try {
      files = await catalogHistory(client);
      if (appRole) access = await readAppRoleAccess(client, appRole, platformPresetFor(options.config, files)?.clientRoles ?? []);
      bootstrap = (await client.query<{ name: string }>('select quote_ident(rolname) as name from pg_catalog.pg_roles where oid = 10')).rows[0]?.name ?? null;
    } finally {
      await client.query('rollback');
    }
  } catch (error) {
    return { problem: readProblem(error, location, options.secrets ?? []) };
  }
  const { model, files: parsed } = buildSchemaModel(files, { searchPath: options.config.searchPath });
  if (appRole && !model.roles.has(appRole)) {
    return { problem: { message: `role "${escapeControlCharacters(options.appRole ?? '')}" does not exist`, location, hint: 'pass the role your application connects as to --app-role' } };
  }
  const texts = new Map(parsed.map((f) => [f.path, { text: f.text, ignores: null }] as const));
  // The bootstrap superuser exists in every cluster (it usually runs the audit): only worth a finding when the app uses it.
  const bootstrapFile = bootstrap !== null && bootstrap.toLowerCase().replace(/"/g, '') !== appRole ? `database: role ${bootstrap}` : null;
  const findings = runRules(model, options.config, sqlLintRules, texts, appRole).filter((f) => !(f.ruleId === 'role-bypasses-rls' && f.file === bootstrapFile));
  findings.push(...runRules(model, options.config, auditRules, texts, appRole, access));
  for (const file of parsed.filter((f) => f.error)) {
    // The catalog's own SQL always parses; if it does not, the audit has a bug worth seeing.
    throw new Error(`catalog object ${file.path} did not parse: ${file.error?.message}\n${file.text}`);
  }
  return { findings: sortFindings(findings, files.map((f) => f.path)), texts: new Map(files.map((f) => [f.path, f.text])), model };
}
