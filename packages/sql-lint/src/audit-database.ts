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
import type { SchemaModel } from './model/schema-model.js';

/** What the audit needs. */
export interface AuditOptions {
  databaseUrl: string;
  /** The role the application connects as; enables app-role-bypasses-rls. */
  appRole?: string;
  config: LintConfig;
}

/** The audit's findings (their `file` names a catalog object), the SQL each object was written as, and the model. */
export interface AuditResult {
  findings: Finding[];
  texts: Map<string, string>;
  model: SchemaModel;
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<database url>';
  }
}

/** Audits a live database. Connection and permission problems are values, not exceptions. */
export async function auditDatabase(options: AuditOptions): Promise<AuditResult | { problem: InputProblem }> {
  const client = new pg.Client({ connectionString: options.databaseUrl });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    return {
      problem: {
        message: `cannot connect: ${(error as Error).message}`,
        location: redact(options.databaseUrl),
        hint: 'check host, port, user and password; the URL looks like postgresql://user:password@host:5432/database',
      },
    };
  }
  try {
    return await auditConnection(client, { appRole: options.appRole, config: options.config, location: redact(options.databaseUrl) });
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The audit on a connection the caller holds (for example a pool client at application startup):
 * reads the catalog in a READ ONLY transaction that is rolled back, so it changes nothing.
 * The connection must not be inside a transaction. `location` names the database in problems.
 */
export async function auditConnection(
  client: pg.ClientBase,
  options: { appRole?: string | undefined; config: LintConfig; location?: string },
): Promise<AuditResult | { problem: InputProblem }> {
  const location = options.location ?? 'the database';
  try {
    await client.query('begin transaction isolation level repeatable read read only');
    let files;
    try {
      files = await catalogHistory(client);
    } finally {
      await client.query('rollback');
    }
    const appRole = options.appRole?.toLowerCase() ?? null;
    const { model, files: parsed } = buildSchemaModel(files, { searchPath: options.config.searchPath });
    if (appRole && !model.roles.has(appRole)) {
      return { problem: { message: `role "${options.appRole}" does not exist`, location, hint: 'pass the role your application connects as to --app-role' } };
    }
    const texts = new Map(parsed.map((f) => [f.path, { text: f.text, ignores: null }] as const));
    const findings = runRules(model, options.config, [...sqlLintRules, ...auditRules], texts, appRole);
    for (const file of parsed.filter((f) => f.error)) {
      // The catalog's own SQL always parses; if it does not, the audit has a bug worth seeing.
      throw new Error(`catalog object ${file.path} did not parse: ${file.error?.message}\n${file.text}`);
    }
    return { findings: sortFindings(findings, files.map((f) => f.path)), texts: new Map(files.map((f) => [f.path, f.text])), model };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '42501') {
      return { problem: { message: `permission denied reading the catalog: ${(error as Error).message}`, location, hint: 'connect as a role that can read pg_catalog (any role can by default)' } };
    }
    throw error;
  }
}
