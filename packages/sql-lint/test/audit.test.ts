import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startPostgres, type PostgresServer } from '@tenant-scope/pg-harness';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');

function run(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const schema = `
create role app_user login;
create table orders (id bigint primary key, tenant_id uuid not null, total numeric);
alter table orders owner to app_user;
alter table orders enable row level security;
create policy tenant_rows on orders
  using (tenant_id = (select nullif(current_setting('app.tenant_id'), '')::uuid));
create view order_totals as select tenant_id, sum(total) as total from orders group by tenant_id;
create table invoices (id bigint primary key, tenant_id uuid not null);
alter table invoices enable row level security, force row level security;
create policy tenant_rows on invoices
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create view open_invoices with (security_invoker = true) as select * from invoices;
alter role app_user set app.tenant_id = 'demo';
`;

describe('tenant-scope audit', () => {
  let postgres: PostgresServer;
  let url: string;

  beforeAll(async () => {
    postgres = await startPostgres({ settings: { log_statement: 'all' } });
    url = await postgres.createDatabase('audited');
    const client = await postgres.connect({ database: 'audited' });
    await client.query(schema);
    await client.end();
  });

  afterAll(async () => {
    const admin = await postgres?.connect();
    await admin?.query('drop database if exists audited with (force)');
    await admin?.query('drop role if exists app_user');
    await admin?.end();
    await postgres?.stop();
  });

  test('writes each catalog object as SQL the pretty output can show', async () => {
    const result = await run('audit', '--database-url', url, '--app-role', 'app_user');
    expect(result.stdout).toContain(
      [
        'database: policy tenant_rows on public.orders:3:40  error  current-setting-missing-ok',
        "  `current_setting('app.tenant_id')` raises \"unrecognized configuration parameter\" on every connection that never set it; policy tenant_rows on orders reads it",
        "  3 |   using ((tenant_id = ( SELECT (NULLIF(current_setting('app.tenant_id'::text), ''::text))::uuid AS \"nullif\")))",
      ].join('\n'),
    );
  });

  test('reads the catalog in a read-only transaction and reports what the SQL rules and the app role rule find', async () => {
    const before = postgres.logs().length;
    const result = await run('audit', '--database-url', url, '--app-role', 'app_user', '--format', 'json');
    const findings = (JSON.parse(result.stdout) as { file: string; line: number; column: number; ruleId: string; severity: string }[])
      .filter((f) => f.ruleId !== 'role-bypasses-rls')
      .map((f) => `${f.file}:${f.line}:${f.column} ${f.severity} ${f.ruleId}`);
    expect(findings).toEqual([
      'database: table public.orders:3:1 error app-role-bypasses-rls',
      'database: table public.orders:3:1 error rls-not-forced',
      'database: view public.order_totals:1:1 error view-bypasses-rls',
      'database: policy tenant_rows on public.orders:3:40 error current-setting-missing-ok',
      'database: settings of role app_user:1:1 error session-context-set',
    ]);
    expect(result.code).toBe(1);
    const log = postgres.logs().slice(before);
    expect(log).toContain('begin transaction isolation level repeatable read read only');
    expect(log).not.toMatch(/statement: (create|alter|drop|insert|update|delete)/i);
  });

  test('the bootstrap superuser (usually the auditing role) is reported only when it is the app role', async () => {
    const result = await run('audit', '--database-url', url, '--format', 'json');
    const findings = JSON.parse(result.stdout) as { file: string; ruleId: string; message: string }[];
    expect(findings.filter((f) => f.ruleId === 'role-bypasses-rls').map((f) => f.file)).toEqual([]);
    const asApp = await run('audit', '--database-url', url, '--app-role', postgres.user, '--format', 'json');
    const appFindings = JSON.parse(asApp.stdout) as { file: string; ruleId: string; message: string }[];
    expect(appFindings.filter((f) => f.ruleId === 'role-bypasses-rls').map((f) => f.file)).toEqual([`database: role ${postgres.user}`]);
  });

  test('an unknown app role and an unreachable server exit 2 with a message', async () => {
    const missing = await run('audit', '--database-url', url, '--app-role', 'nobody');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('role "nobody" does not exist');
    const down = await run('audit', '--database-url', 'postgresql://u:secret@127.0.0.1:1/x');
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('cannot connect');
    expect(down.stderr).toContain('postgresql://u:***@127.0.0.1:1/x');
    expect(down.stderr).not.toContain('secret');
  });
});
