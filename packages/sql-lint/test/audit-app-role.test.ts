/**
 * `tenant-scope audit --app-role`: every way the app role gets around row-level security (role
 * membership with PostgreSQL 16+ SET/INHERIT options, role defaults, inherited table ownership),
 * tables it reads without RLS, and a clean exit 2 with secrets masked for every failure to connect
 * or read. All against a real server.
 */
import { spawn } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { join } from 'node:path';
import { startPostgres, type PostgresServer } from '@tenant-scope/pg-harness';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(...args: string[]): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DATABASE_URL: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

interface JsonFinding {
  file: string;
  line: number;
  ruleId: string;
  severity: string;
  message: string;
}

const schema = `
create role ra_app login;
create role ra_direct login;
create role ra_noset login;
create role ra_defaulted login password 'defaulted-pw';
create role ra_bypass nologin bypassrls;
create role ra_middle nologin;
create role ra_owner nologin;
grant ra_middle to ra_app;
grant ra_bypass to ra_middle;
grant ra_bypass to ra_direct;
grant ra_bypass to ra_noset with set false;
grant ra_owner to ra_noset;
grant ra_bypass to ra_defaulted;
alter role ra_defaulted set role = 'ra_bypass';
create table notes (id int, tenant_id int not null);
alter table notes owner to ra_owner;
alter table notes enable row level security;
create policy tenant_rows on notes using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::int);
create table countries (code text primary key, name text);
create table internal_log (id int, line text);
grant select on notes, countries to public;
`;

const bypassFindings = (result: Run): string[] =>
  (JSON.parse(result.stdout) as JsonFinding[]).filter((f) => f.ruleId === 'app-role-bypasses-rls' || f.ruleId === 'exposed-table').map((f) => `${f.file} ${f.severity} ${f.ruleId}: ${f.message}`);

describe('tenant-scope audit --app-role', () => {
  let postgres: PostgresServer;
  let url: string;
  let database: string;

  beforeAll(async () => {
    postgres = await startPostgres();
    url = await postgres.createDatabase();
    database = new URL(url).pathname.slice(1);
    const client = await postgres.connect({ database });
    await client.query(schema);
    await client.end();
  });

  afterAll(async () => {
    const admin = await postgres?.connect();
    await admin?.query(`drop database if exists ${database} with (force)`);
    for (const role of ['ra_app', 'ra_direct', 'ra_noset', 'ra_defaulted', 'ra_bypass', 'ra_middle', 'ra_owner']) await admin?.query(`drop role if exists ${role}`);
    await admin?.end();
    await postgres?.stop();
  });

  test('a chain of memberships to a BYPASSRLS role exits 1 naming the path', async () => {
    const result = await run('audit', '--database-url', url, '--app-role', 'ra_app', '--format', 'json');
    expect(bypassFindings(result)).toEqual([
      'database: role ra_app error app-role-bypasses-rls: the application role ra_app can act as a role that bypasses row-level security: ra_app → ra_middle → ra_bypass (BYPASSRLS); ra_app is a member of ra_middle and may SET ROLE to it; ra_middle is a member of ra_bypass and may SET ROLE to it',
      'database: table public.countries warn exposed-table: table countries is readable by the application role ra_app and has no row-level security and no tenant column: every tenant reads all of its rows',
    ]);
    expect(result.code).toBe(1);
  });

  test('a direct membership is the one-step path app → bypass_role (BYPASSRLS)', async () => {
    const result = await run('audit', '--database-url', url, '--app-role', 'ra_direct', '--format', 'json');
    expect(bypassFindings(result)[0]).toContain('ra_direct → ra_bypass (BYPASSRLS); ra_direct is a member of ra_bypass and may SET ROLE to it');
    expect(result.code).toBe(1);
  });

  test('a grant WITH SET FALSE cannot be used to bypass, but inheriting the owner of a table whose RLS is not forced can', async () => {
    const result = await run('audit', '--database-url', url, '--app-role', 'ra_noset', '--format', 'json');
    expect(bypassFindings(result)).toEqual([
      'database: table public.notes error app-role-bypasses-rls: the application role ra_noset has the privileges of the owner of notes, whose row-level security is not forced: ra_noset → ra_owner (owner); ra_noset is a member of ra_owner and may SET ROLE to it',
      'database: table public.countries warn exposed-table: table countries is readable by the application role ra_noset and has no row-level security and no tenant column: every tenant reads all of its rows',
    ]);
  });

  test('ALTER ROLE … SET role makes every session of the app role run as the bypassing role', async () => {
    const result = await run('audit', '--database-url', url, '--app-role', 'ra_defaulted', '--format', 'json');
    expect(bypassFindings(result)[0]).toBe(
      "database: role ra_defaulted error app-role-bypasses-rls: the application role ra_defaulted can act as a role that bypasses row-level security: ra_defaulted → ra_bypass (BYPASSRLS); ra_defaulted's sessions start as ra_bypass (ALTER ROLE|DATABASE … SET role)",
    );
    // What the default does is also what PostgreSQL does: a new session of the role runs as the bypassing role.
    const client = await postgres.connect({ database, user: 'ra_defaulted', password: 'defaulted-pw' });
    const { rows } = await client.query<{ current_user: string }>('select current_user');
    await client.end();
    expect(rows[0]?.current_user).toBe('ra_bypass');
  });

  test('a libpq keyword string connects like a URL', async () => {
    const parsed = new URL(url);
    const keywords = `host=${parsed.hostname} port=${parsed.port} user=${decodeURIComponent(parsed.username)} password='${decodeURIComponent(parsed.password)}' dbname=${database}`;
    const result = await run('audit', '--database-url', keywords, '--app-role', 'ra_app', '--format', 'json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(bypassFindings(result)).toHaveLength(2);
  });

  test('catalog reads cancelled by statement_timeout exit 2 with one line', async () => {
    const admin = await postgres.connect({ database });
    await admin.query(`do $$ begin for i in 1..300 loop execute format('create table filler_%s (id int, tenant_id int)', i); end loop; end $$`);
    await admin.end();
    const result = await run('audit', '--database-url', url, '--statement-timeout', '0.001');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^tenant-scope: postgresql:\/\/[^\n]*: a catalog read did not finish in time and was cancelled: canceling statement due to statement timeout\n {2}hint: raise --statement-timeout/);
    expect(result.stdout).toBe('');
  });
});

describe('tenant-scope audit against what is not a database', () => {
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  afterAll(async () => {
    sockets.forEach((s) => s.destroy());
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  function listen(server: Server): Promise<number> {
    servers.push(server);
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  }

  test('a port that accepts and never answers times out with exit 2', async () => {
    const port = await listen(createServer((socket) => sockets.push(socket)));
    const result = await run('audit', '--database-url', `postgresql://u:hunter2@127.0.0.1:${port}/x`, '--connect-timeout', '1', '--format', 'sarif');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `tenant-scope: postgresql://u:***@127.0.0.1:${port}/x: cannot connect: no answer from the server within 1 s\n  hint: check that host and port point at PostgreSQL (or PgBouncer with a running server); raise --connect-timeout on slow networks\n`,
    );
    const log = JSON.parse(result.stdout) as { runs: { invocations: { executionSuccessful: boolean }[] }[] };
    expect(log.runs[0]?.invocations[0]?.executionSuccessful).toBe(false);
    expect(result.ms).toBeLessThan(20_000);
  });

  test('an HTTP server exits 2 with one line', async () => {
    const port = await listen(createHttpServer((_, response) => response.end('hello')));
    const result = await run('audit', '--database-url', `postgresql://u@127.0.0.1:${port}/x`, '--connect-timeout', '5');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^tenant-scope: postgresql://u@127\\.0\\.0\\.1:${port}/x: cannot connect: [^\\n]+\\n {2}hint: [^\\n]+\\n$`));
    expect(result.ms).toBeLessThan(20_000);
  });

  test.each([
    ['a password query parameter', 'postgresql://u@127.0.0.1:1/x?password=hunter2', 'postgresql://u@127.0.0.1:1/x?password=***: cannot connect'],
    ['a libpq keyword string', "host=127.0.0.1 port=1 user=u password='hun ter2' dbname=x", "host=127.0.0.1 port=1 user=u password=*** dbname=x: cannot connect"],
    ['an invalid port', 'postgresql://u:hunter2@127.0.0.1:99999/x', '--database-url: the database URL is not a valid URL'],
    ['a keyword port that is no number', 'host=localhost port=five password=hunter2', '--database-url: the port "five" is not a number from 1 to 65535'],
    ['a string that is neither', 'hunter2', '--database-url: the database is neither a postgresql:// URL nor a libpq keyword string'],
  ])('%s: exit 2, secret never printed', async (_, target, expected) => {
    const result = await run('audit', '--database-url', target, '--connect-timeout', '5', '--format', 'json');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`tenant-scope: ${expected}`);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/hunter2|hun ter2/);
    expect((JSON.parse(result.stdout) as JsonFinding[]).map((f) => f.ruleId)).toEqual(['input-error']);
  });
});
