/**
 * `tenant-scope prove` on a real PostgreSQL: the bundled example's correct and "before" histories,
 * and one history with every mistake prove must catch, each located at the statement responsible.
 * One server for the file; each run creates (and drops) its own database.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pgbouncerAvailability, postgresSystemUser, startPostgres, type PostgresServer, type SystemUser } from '@tenant-scope/pg-harness';
import { initAnalyzer } from '@tenant-scope/sql-analyzer';
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { formatProveMarkdown, formatProveSarif } from '../../src/prove/format-prove.js';
import { proveHistory } from '../../src/prove/prove-history.js';
import type { ProveReport } from '../../src/prove/prove-history.js';
import type { ProveEntry } from '../../src/prove/prove-result.js';

const root = join(import.meta.dirname, '..', '..', '..', '..');
const example = join(root, 'docs', 'examples', 'invoices');
const mistakes = join(import.meta.dirname, 'fixtures', 'mistakes');
const cli = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

function history(dir: string): { path: string; text: string }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => ({ path: join(dir, f), text: readFileSync(join(dir, f), 'utf8') }));
}

/** `object operation context outcome file:line` for each entry that is not isolated. */
function problems(entries: readonly ProveEntry[]): string[] {
  return entries.filter((e) => e.outcome !== 'isolated').map((e) => `${e.object} ${e.operation} ${e.context} ${e.outcome} ${e.file ?? '-'}:${e.line ?? '-'}`);
}

let server: PostgresServer;
// PgBouncer is used when installed; in CI or with TENANT_SCOPE_REQUIRE_PGBOUNCER=1 a missing one fails the file.
const availability = pgbouncerAvailability();
const pgbouncer = availability.available ? 'require' : 'off';
const display = (file: string) => file.slice(root.length + 1);

beforeAll(async () => {
  await initAnalyzer();
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

async function databasesAndRoles(): Promise<{ databases: string[]; roles: string[] }> {
  const client = await server.connect();
  try {
    const databases = await client.query<{ datname: string }>('SELECT datname FROM pg_database ORDER BY 1');
    const roles = await client.query<{ rolname: string }>('SELECT rolname FROM pg_roles ORDER BY 1');
    return { databases: databases.rows.map((r) => r.datname), roles: roles.rows.map((r) => r.rolname) };
  } finally {
    await client.end();
  }
}

let beforeHistory: ProveReport | undefined;

describe('what the probes rely on', () => {
  test('PostgreSQL checks a row against the policies before constraints and keys: a constraint error means the policies let it in', async () => {
    const database = `prove_oracle_${process.pid}`;
    await server.createDatabase(database);
    const client = await server.connect({ database });
    try {
      await client.query(`CREATE ROLE prove_oracle_app NOLOGIN;
        CREATE TABLE parent (id int PRIMARY KEY); INSERT INTO parent VALUES (1);
        CREATE TABLE t (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent (id), note text NOT NULL CHECK (note <> 'x'));
        INSERT INTO t VALUES (1, 1, 'a'), (150, 1, 'a');
        ALTER TABLE t ENABLE ROW LEVEL SECURITY;
        CREATE POLICY open_reads ON t FOR SELECT USING (true);
        CREATE POLICY closed ON t FOR INSERT WITH CHECK (false);
        CREATE POLICY open ON t FOR INSERT TO prove_oracle_app WITH CHECK (id > 100);
        GRANT SELECT, INSERT ON t TO prove_oracle_app;`);
      const attempt = async (values: string): Promise<string> => {
        await client.query('BEGIN; SET LOCAL ROLE prove_oracle_app');
        try {
          await client.query(`INSERT INTO t VALUES ${values}`);
          return 'ok';
        } catch (error) {
          return (error as { code: string }).code;
        } finally {
          await client.query('ROLLBACK');
        }
      };
      // Refused by the policies: 42501, whatever else is wrong with the row.
      expect(await attempt('(1, 1, NULL)')).toBe('42501');
      expect(await attempt("(2, 99, 'x')")).toBe('42501');
      expect(await attempt("(1, 1, 'a')")).toBe('42501');
      // Accepted by the policies: then NOT NULL, CHECK, the primary key and the foreign key speak.
      expect(await attempt('(101, 1, NULL)')).toBe('23502');
      expect(await attempt("(101, 1, 'x')")).toBe('23514');
      expect(await attempt("(150, 1, 'a')")).toBe('23505');
      expect(await attempt("(101, 99, 'a')")).toBe('23503');
    } finally {
      await client.query('DROP OWNED BY prove_oracle_app; DROP ROLE prove_oracle_app').catch(() => undefined);
      await client.end();
    }
  });
});

describe('the bundled example', () => {
  test('the correct history proves clean, and leaves no database or role behind', async () => {
    const before = await databasesAndRoles();
    const report = await proveHistory({ files: history(join(example, 'migrations')), config: {}, databaseUrl: server.url, display });
    expect(report.appRole).toEqual({ name: 'invoices_app', how: 'history' });
    expect(report.context).toEqual({ settings: ['app.tenant_id'], idType: 'uuid' });
    expect(report.entries.map((e) => `${e.object} ${e.operation} ${e.context} ${e.outcome}`)).toEqual([
      'table public.invoices select tenant isolated',
      'table public.invoices insert tenant isolated',
      'table public.invoices update tenant isolated',
      'table public.invoices delete tenant isolated',
      'table public.invoices move-tenant tenant isolated',
      'view public.invoice_totals select tenant isolated',
      'table public.invoices select none isolated',
      'view public.invoice_totals select none isolated',
      'table public.invoices select reused isolated',
      'view public.invoice_totals select reused isolated',
    ]);
    expect(report.entries.find((e) => e.operation === 'delete')?.detail).toBe('the app role may not DELETE it');
    expect(report.entries.find((e) => e.operation === 'insert')?.detail).toBe('refused: new row violates row-level security policy for table "invoices"');
    expect(await databasesAndRoles()).toEqual(before);
  });

  test('the "before" history leaks through the owned table and the view, at the statements responsible', async () => {
    const report = await proveHistory({ files: history(join(example, 'before', 'migrations')), config: {}, databaseUrl: server.url, display });
    const rls = 'docs/examples/invoices/before/migrations/002_row_level_security.sql';
    beforeHistory = report;
    expect(problems(report.entries)).toEqual([
      ...['select', 'insert', 'update', 'delete', 'move-tenant'].map((op) => `table public.invoices ${op} tenant leak ${rls}:2`),
      `view public.invoice_totals select tenant leak ${rls}:10`,
      `table public.invoices select none leak ${rls}:2`,
      `view public.invoice_totals select none leak ${rls}:10`,
      `table public.invoices select reused leak ${rls}:2`,
      `view public.invoice_totals select reused leak ${rls}:10`,
    ]);
    expect(report.entries[0]?.detail).toBe('tenant A sees 1 row of tenant B and 1 row of tenant C (the app role owns the table and row-level security is not forced)');
  });
});

describe('each mistake is caught and located', () => {
  let report: ProveReport;
  const at = (line: number) => `packages/sql-lint/test/prove/fixtures/mistakes/002_policies.sql:${line}`;
  const functions = 'packages/sql-lint/test/prove/fixtures/mistakes/003_functions.sql';
  beforeAll(async () => {
    report = await proveHistory({ files: history(mistakes), config: { contextGucs: ['app.tenant_id'] }, databaseUrl: server.url, appRole: 'app', pgbouncer, display });
  });
  const writes = ['select', 'insert', 'update', 'delete', 'move-tenant'];

  test('a policy without the tenant predicate, USING (true), RLS not forced for the owner: every operation leaks', () => {
    for (const [table, line] of [
      ['notes', 8],
      ['files', 13],
      ['ledgers', 25],
    ] as const) {
      expect(problems(report.entries.filter((e) => e.object === `table public.${table}`))).toEqual([
        ...writes.map((op) => `table public.${table} ${op} tenant leak ${at(line)}`),
        ...(table === 'notes' ? [] : [`table public.${table} select none leak ${at(line)}`]),
        `table public.${table} select reused leak ${at(line)}`,
      ]);
    }
  });

  test('a fail-open COALESCE leaks only without context', () => {
    expect(problems(report.entries.filter((e) => e.object === 'table public.orders'))).toEqual([`table public.orders select none leak ${at(17)}`, `table public.orders select reused leak ${at(17)}`]);
  });

  test('a policy through the parent without WITH CHECK lets a row move tenants, and be filed under another tenant', () => {
    const tasks = report.entries.filter((e) => e.object === 'table public.tasks');
    expect(problems(tasks)).toEqual([`table public.tasks insert tenant leak ${at(22)}`, `table public.tasks move-tenant tenant leak ${at(22)}`]);
    expect(tasks.find((e) => e.operation === 'insert')?.detail).toBe('tenant A inserted a row of tenant B (policy tasks_through_project)');
    expect(tasks.find((e) => e.operation === 'move-tenant')?.detail).toBe('tenant A moved its row to tenant B (tenant_id) (policy tasks_through_project)');
  });

  test('a view without security_invoker shows every tenant', () => {
    expect(problems(report.entries.filter((e) => e.object === 'view public.project_names'))).toEqual(['tenant', 'none', 'reused'].map((c) => `view public.project_names select ${c} leak ${at(36)}`));
  });

  test('current_setting(…, true)::uuid raises on a reused connection, at the read', () => {
    const invoices = report.entries.filter((e) => e.object === 'table public.invoices');
    expect(problems(invoices)).toEqual([`table public.invoices select reused raises ${at(33)}`]);
    expect(invoices.find((e) => e.outcome === 'raises')?.detail).toBe('invalid input syntax for type uuid: "" (policy invoices_tenant)');
  });

  test('SECURITY DEFINER readers leak, also when they trust a tenant argument; one that filters by the context does not', () => {
    const fns = report.entries.filter((e) => e.object.startsWith('function '));
    expect(fns.map((e) => `${e.object} ${e.operation} ${e.context} ${e.outcome} ${e.file ?? '-'}:${e.line ?? '-'}`)).toEqual([
      `function public.all_projects() execute tenant leak ${functions}:2`,
      `function public.own_project_count() execute tenant isolated -:-`,
      `function public.projects_of(uuid) execute tenant leak ${functions}:7`,
    ]);
    expect(fns[2]?.detail).toBe('tenant A sees values of tenant B (1 row) (SECURITY DEFINER function)');
  });

  test('the probes also ran through PgBouncer in transaction mode', () => {
    expect(report.pgbouncer).toBe(pgbouncer !== 'off');
  });

  test('the correct tables stay isolated', () => {
    expect(problems(report.entries.filter((e) => e.object === 'table public.projects'))).toEqual([]);
    expect(report.entries.filter((e) => e.object === 'table public.projects')).toHaveLength(7);
  });
});

describe('memberships and platforms', () => {
  const fixtures = join(import.meta.dirname, 'fixtures');

  test('a context naming the user reaches the list through the membership; an own-row INSERT policy lets a user join any list', async () => {
    const before = await databasesAndRoles();
    const report = await proveHistory({ files: history(join(fixtures, 'membership')), config: { tenantColumns: ['list_id'], contextGucs: ['app.user_id'] }, databaseUrl: server.url, pgbouncer, display });
    expect(problems(report.entries)).toEqual(['table public.memberships insert tenant leak packages/sql-lint/test/prove/fixtures/membership/001_lists.sql:26']);
    expect(report.entries.find((e) => e.object === 'table public.items' && e.operation === 'select' && e.context === 'tenant')?.detail).toBe('tenant A sees only its own rows');
    expect(report.appRole).toEqual({ name: 'lists_app', how: 'history' });
    expect(report.notes).toEqual([
      'role lists_app is named by the history but never created: created NOLOGIN for the run',
      'packages/sql-lint/test/prove/fixtures/membership/001_lists.sql:3: CREATE EXTENSION pg_net skipped: extension "pg_net" is not available',
    ]);
    expect(await databasesAndRoles()).toEqual(before);
  });

  test('Supabase: the preset\'s auth schema, a profile made by a trigger, and a policy open to every signed-in user', async () => {
    const before = await databasesAndRoles();
    const report = await proveHistory({ files: history(join(fixtures, 'supabase', 'supabase', 'migrations')), config: { tenantColumns: ['user_id'] }, databaseUrl: server.url, pgbouncer, display });
    expect(report.appRole).toEqual({ name: 'authenticated', how: 'platform' });
    expect(report.context.settings).toEqual(['request.jwt.claims']);
    expect(problems(report.entries)).toEqual(['table public.notes select tenant leak packages/sql-lint/test/prove/fixtures/supabase/supabase/migrations/20240101000000_profiles.sql:22']);
    expect(report.entries.filter((e) => e.object === 'table public.profiles').map((e) => e.outcome)).toEqual(Array(7).fill('isolated'));
    expect(await databasesAndRoles()).toEqual(before);
  });
});

describe('formats', () => {
  test('SARIF is valid 2.1.0 with one result per leak at the responsible line; Markdown has the matrix', () => {
    if (!beforeHistory) throw new Error('the "before" run did not happen');
    const log = JSON.parse(formatProveSarif(beforeHistory, '0.0.0')) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
    const ajv = new ajvDraft04.default({ allErrors: true, unicodeRegExp: false });
    ajvFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as object);
    expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);
    const results = log.runs[0]?.results ?? [];
    expect(results).toHaveLength(10);
    expect(new Set(results.map((r) => r.ruleId))).toEqual(new Set(['prove-leak']));
    expect(results[0]?.locations[0]?.physicalLocation).toEqual({ artifactLocation: { uri: 'docs/examples/invoices/before/migrations/002_row_level_security.sql' }, region: { startLine: 2 } });
    const markdown = formatProveMarkdown(beforeHistory).split('\n');
    expect(markdown[0]).toBe('### tenant-scope prove: 10 leaks or raises');
    expect(markdown).toContain('| `table public.invoices` | ❌ leak | ❌ leak | ❌ leak | ❌ leak | ❌ leak |  | ❌ leak | ❌ leak |');
  });
});

describe('the CLI', () => {
  function run(args: string[], cwd = example, asUser?: SystemUser): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const user = asUser ? { uid: asUser.uid, gid: asUser.gid } : {};
      const child = spawn(process.execPath, [cli, ...args], { cwd, ...user });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  test('--format json prints one array of entries and exits 1 on a leak', async () => {
    const result = await run(['prove', 'before/migrations', '--database-url', server.url, '--format', 'json']);
    expect(result.code).toBe(1);
    const entries = JSON.parse(result.stdout) as ProveEntry[];
    expect(entries).toHaveLength(10);
    expect(entries[0]).toEqual({
      object: 'table public.invoices',
      operation: 'select',
      context: 'tenant',
      outcome: 'leak',
      detail: 'tenant A sees 1 row of tenant B and 1 row of tenant C (the app role owns the table and row-level security is not forced)',
      file: 'before/migrations/002_row_level_security.sql',
      line: 2,
    });
  });

  test('Ctrl-C during a run drops the run database and roles, and exits 130', async () => {
    // The history's last statement waits for a lock this test holds on a role, so the run is
    // interrupted while it is applying the history, with its database and a role of its own made.
    const gate = await server.connect();
    await gate.query('CREATE ROLE prove_sigint_gate NOLOGIN');
    const before = await databasesAndRoles();
    await gate.query('BEGIN');
    await gate.query('ALTER ROLE prove_sigint_gate CONNECTION LIMIT 5');
    try {
      const child = spawn(process.execPath, [cli, 'prove', 'gated', '--database-url', server.url], { cwd: join(import.meta.dirname, 'fixtures') });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      const client = await server.connect();
      try {
        for (const deadline = Date.now() + 60_000; ; ) {
          const waiting = await client.query("SELECT 1 FROM pg_stat_activity WHERE datname LIKE 'tenant\\_scope\\_prove\\_%' AND wait_event_type = 'Lock'");
          if (waiting.rowCount === 1) break;
          if (Date.now() > deadline) throw new Error(`the run never reached the gate: ${stderr}`);
          await new Promise((resolve) => setImmediate(resolve));
        }
      } finally {
        await client.end();
      }
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toBe('tenant-scope: interrupted; dropping the run database\n');
    } finally {
      await gate.query('ROLLBACK');
    }
    expect(await databasesAndRoles()).toEqual(before);
    await gate.query('DROP ROLE prove_sigint_gate');
    await gate.end();
  });

  test('without --database-url: an embedded server proves the correct example clean (as root: a clear refusal first)', async () => {
    const asUser = postgresSystemUser();
    if (asUser) {
      const refused = await run(['prove', 'migrations', '--format', 'json']);
      expect(refused.code).toBe(2);
      expect(refused.stdout).toBe('[]\n');
      expect(refused.stderr).toContain('PostgreSQL refuses to run as root, so prove cannot start its embedded server');
    }
    // As root (CI) the run goes as the unprivileged account the harness runs PostgreSQL as.
    const result = await run(['prove', 'migrations', '--format', 'json'], example, asUser);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const entries = JSON.parse(result.stdout) as ProveEntry[];
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.filter((e) => e.outcome !== 'isolated')).toEqual([]);
  });

  test('a history that does not apply exits 2 with the failing statement', async () => {
    const before = await databasesAndRoles();
    const result = await run(['prove', 'broken', '--database-url', server.url, '--format', 'json'], join(import.meta.dirname, 'fixtures'));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('[]\n');
    expect(result.stderr).toBe(
      'tenant-scope: broken/001_broken.sql:3: the history does not apply: relation "missing" does not exist\n' +
        '  hint: prove builds the database from the history on a plain PostgreSQL; a statement that needs an extension or object the server lacks must be created by the history (or use a server that has it, with --database-url)\n',
    );
    expect(await databasesAndRoles()).toEqual(before);
  });
});
