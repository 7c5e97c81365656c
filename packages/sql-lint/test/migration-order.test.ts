/**
 * The order migration tools apply files in, where names do not say it: a Drizzle folder follows
 * its meta/_journal.json, and `migration-order-ambiguous` warns where the order is not clear
 * (a journal that does not match the files, equal version numbers, two numbering schemes).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempProjects } from './temp-project.js';
import { collectMigrationFiles } from '../src/migration-files.js';

const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');

const project = tempProjects('tenant-scope-order-');

const journal = (...tags: [number, string][]): string =>
  JSON.stringify({ version: '7', dialect: 'postgresql', entries: tags.map(([idx, tag]) => ({ idx, version: '7', when: 1700000000000 + idx, tag, breakpoints: true })) });

const orders = `create table orders (id bigint primary key, tenant_id uuid not null);
alter table orders enable row level security;
alter table orders force row level security;
create policy tenant_rows on orders using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
`;

describe('Drizzle journal', () => {
  test('decides the order of its folder, whatever the names say', () => {
    const dir = project({
      'drizzle/0000_zebra.sql': orders,
      'drizzle/0001_apple.sql': 'alter table orders disable row level security;\n',
      'drizzle/meta/_journal.json': journal([1, '0001_apple'], [0, '0000_zebra']),
      'other/1_x.sql': 'select 1;\n',
    });
    expect(collectMigrationFiles(['.'], dir)).toEqual({
      files: ['drizzle/0000_zebra.sql', 'drizzle/0001_apple.sql', 'other/1_x.sql'],
      problems: [],
      orderNotes: [],
    });
    const swapped = project({
      'drizzle/0000_zebra.sql': 'alter table orders enable row level security;\n',
      'drizzle/0001_apple.sql': orders.replace('alter table orders enable row level security;\n', ''),
      // The journal, not the names: apple (creates the table) runs before zebra (enables RLS).
      'drizzle/meta/_journal.json': journal([0, '0001_apple'], [1, '0000_zebra']),
    });
    const listed = collectMigrationFiles(['drizzle'], swapped);
    expect(listed.files).toEqual(['drizzle/0001_apple.sql', 'drizzle/0000_zebra.sql']);
    const result = spawnSync(process.execPath, [cli, 'lint', 'drizzle', '--format', 'json'], { cwd: swapped, encoding: 'utf8' });
    expect(JSON.parse(result.stdout)).toEqual([]);
    expect(result.status).toBe(0);
  });

  test('a journal entry without its file, a file not in the journal and idx values with a gap are each a warning', () => {
    const dir = project({
      'drizzle/0000_init.sql': orders,
      'drizzle/0002_extra.sql': 'select 1;\n',
      'drizzle/custom.sql': 'select 2;\n',
      'drizzle/meta/_journal.json': journal([0, '0000_init'], [2, '0002_extra'], [3, '0003_gone']),
    });
    const result = spawnSync(process.execPath, [cli, 'lint', 'drizzle', '--format', 'json'], { cwd: dir, encoding: 'utf8' });
    const findings = JSON.parse(result.stdout) as { file: string; line: number; ruleId: string; severity: string; message: string }[];
    expect(findings.map((f) => `${f.file}:${f.line} ${f.severity} ${f.ruleId}: ${f.message}`)).toEqual([
      'drizzle/custom.sql:1 warn migration-order-ambiguous: this file is not in drizzle/meta/_journal.json, so drizzle-kit does not apply it; it is linted after the journal\'s migrations',
      'drizzle/meta/_journal.json:1 warn migration-order-ambiguous: the "idx" values of this Drizzle journal are not 0, 1, 2, … (0, 2, 3): which migration runs when is not clear',
      'drizzle/meta/_journal.json:1 warn migration-order-ambiguous: this Drizzle journal lists "0003_gone" (idx 3), but 0003_gone.sql is not among the files linted: the history is missing a migration',
    ]);
    expect(result.status).toBe(0);
    expect(collectMigrationFiles(['drizzle'], dir).files).toEqual(['drizzle/0000_init.sql', 'drizzle/0002_extra.sql', 'drizzle/custom.sql']);
  });

  test('a journal that is not JSON falls back to the names, with a warning', () => {
    const dir = project({ 'drizzle/0000_init.sql': orders, 'drizzle/meta/_journal.json': '{ not json' });
    const listed = collectMigrationFiles(['drizzle'], dir);
    expect(listed.files).toEqual(['drizzle/0000_init.sql']);
    expect(listed.orderNotes.map((n) => n.file)).toEqual(['drizzle/meta/_journal.json']);
    expect(listed.orderNotes[0]?.message).toMatch(/^this Drizzle journal cannot be read as JSON \(.+\): the files of its folder are taken in the order of their names$/);
  });
});

describe('folders ordered by name', () => {
  test('two files with the same version number are a warning on the second', () => {
    const dir = project({ 'migrations/001_orders.sql': orders, 'migrations/001_invoices.sql': 'select 1;\n', 'migrations/002_x.sql': 'select 1;\n' });
    expect(collectMigrationFiles(['migrations'], dir).orderNotes).toEqual([
      {
        file: 'migrations/001_orders.sql',
        message: 'this file has the same version number (001) as 001_invoices.sql: the order between them is only that of their names, and tools that key migrations by version apply one of them, or refuse both',
      },
    ]);
  });

  test('sequence numbers mixed with timestamps are a warning on the first file of the second scheme', () => {
    const dir = project({ 'migrations/001_orders.sql': orders, 'migrations/002_x.sql': 'select 1;\n', 'migrations/20240105120000_y.sql': 'select 1;\n' });
    expect(collectMigrationFiles(['migrations'], dir).orderNotes).toEqual([
      {
        file: 'migrations/20240105120000_y.sql',
        message: 'this folder numbers its migrations two ways (sequence numbers, then timestamps, from 001_orders.sql and this file): the natural order puts every sequence number before every timestamp, which may not be the order they were applied in',
      },
    ]);
  });

  test('clear layouts give no warning: sequences, timestamps, Prisma folders, golang-migrate up/down pairs, Flyway, names without numbers', () => {
    const dir = project({
      'seq/001_a.sql': 'select 1;\n',
      'seq/002_b.sql': 'select 1;\n',
      'seq/seed.sql': 'select 1;\n',
      'ts/20240101000000_a.sql': 'select 1;\n',
      'ts/20240102000000_b.sql': 'select 1;\n',
      'prisma/migrations/20240101000000_init/migration.sql': 'select 1;\n',
      'prisma/migrations/20240102000000_next/migration.sql': 'select 1;\n',
      'go/000001_init.up.sql': 'select 1;\n',
      'go/000001_init.down.sql': 'select 1;\n',
      'go/000002_next.up.sql': 'select 1;\n',
      'flyway/V1__a.sql': 'select 1;\n',
      'flyway/V2__b.sql': 'select 1;\n',
      'flyway/R__views.sql': 'select 1;\n',
    });
    expect(collectMigrationFiles(['.'], dir).orderNotes).toEqual([]);
  });

  test('the warning can be turned off in the configuration', () => {
    const dir = project({
      'migrations/001_orders.sql': orders,
      'migrations/001_invoices.sql': 'select 1;\n',
      'tenant-scope.config.json': JSON.stringify({ rules: { 'migration-order-ambiguous': 'off' } }),
    });
    const result = spawnSync(process.execPath, [cli, 'lint', 'migrations', '--format', 'json'], { cwd: dir, encoding: 'utf8' });
    expect(JSON.parse(result.stdout)).toEqual([]);
    expect(result.status).toBe(0);
  });
});
