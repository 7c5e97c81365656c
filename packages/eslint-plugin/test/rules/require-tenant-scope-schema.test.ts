import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import rule from '../../src/rules/require-tenant-scope.js';
import { ruleTester, inTenantApp } from '../rule-tester.js';

// The fixture app's tenant-scope.config.json names its migrations: tenant tables (invoices with RLS,
// audit_events with a tenant column), global ones (tenants, countries), views and functions over each.
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const filename = join(fixtures, 'schema-app', 'src', 'queries.ts');
const pool = "import pg from 'pg';\nconst pool = new pg.Pool();\n";
// A file in another fixture folder, with no configuration above it: the history comes from the settings.
const elsewhere = join(fixtures, 'app', 'src', 'queries.ts');
const migrationsSetting = { 'tenant-scope': { migrations: [join(fixtures, 'schema-app', 'db', 'migrations')] } };

ruleTester.run('require-tenant-scope with the project schema', rule, {
  valid: [
    { name: 'select 1 touches no table', filename, code: `${pool}await pool.query('select 1');` },
    { name: 'a global lookup table', filename, code: `${pool}await pool.query('select code, name from countries order by name');` },
    { name: 'a global table written', filename, code: `${pool}await pool.query('insert into tenants (id, name) values ($1, $2)', [id, name]);` },
    { name: 'a view over a global table', filename, code: `${pool}await pool.query('select * from country_names');` },
    { name: 'a function that reads a global table', filename, code: `${pool}await pool.query('select country_count()');` },
    { name: 'built-in functions', filename, code: `${pool}await pool.query('select now(), gen_random_uuid()');` },
    { name: 'the system catalogs', filename, code: `${pool}await pool.query('select count(*) from pg_catalog.pg_tables; select * from information_schema.tables');` },
    { name: 'a CTE named like a tenant table', filename, code: `${pool}await pool.query('with invoices as (select 1 as n) select n from invoices');` },
    { name: 'a bound Prisma template on a global table', filename, code: 'const prisma = new PrismaClient();\nawait prisma.$queryRaw`select * from countries where code = ${code}`;' },
    { name: 'the outer pool inside the wrapper, on a global table', filename, code: `${pool}await withTenant(pool, t, async (client) => { await pool.query('select * from countries'); });` },
    { name: 'the history named in the settings', filename: elsewhere, code: `${pool}await pool.query('select * from countries');`, settings: migrationsSetting },
  ],
  invalid: inTenantApp([
    {
      name: 'a table with row-level security',
      filename,
      code: `${pool}await pool.query('select * from invoices');`,
      errors: [{ messageId: 'unscopedTenantQuery', data: { method: 'query', relation: 'invoices', wrapper: 'withTenant', escape: 'withoutTenant' }, line: 3, column: 7 }],
    },
    {
      name: 'a table with a tenant column, written',
      filename,
      code: `${pool}await pool.query("insert into audit_events (tenant_id, action) values ($1, 'login')", [t]);`,
      errors: [{ messageId: 'unscopedTenantQuery', data: { method: 'query', relation: 'audit_events', wrapper: 'withTenant', escape: 'withoutTenant' }, line: 3, column: 7 }],
    },
    {
      name: 'a view over a tenant table',
      filename,
      code: `${pool}await pool.query('select * from invoice_totals');`,
      errors: [{ messageId: 'unscopedTenantQuery', data: { method: 'query', relation: 'invoice_totals', wrapper: 'withTenant', escape: 'withoutTenant' }, line: 3, column: 7 }],
    },
    {
      name: 'an SQL function that reads a tenant table',
      filename,
      code: `${pool}await pool.query('select open_invoice_count()');`,
      errors: [{ messageId: 'unscopedTenantQuery', data: { method: 'query', relation: 'open_invoice_count()', wrapper: 'withTenant', escape: 'withoutTenant' }, line: 3, column: 7 }],
    },
    {
      name: 'a PL/pgSQL function that reads a tenant table, in FROM',
      filename,
      code: `${pool}await pool.query('select * from recent_actions()');`,
      errors: [{ messageId: 'unscopedTenantQuery', data: { method: 'query', relation: 'recent_actions()', wrapper: 'withTenant', escape: 'withoutTenant' }, line: 3, column: 7 }],
    },
    {
      name: 'a tenant table in the second statement',
      filename,
      code: `${pool}await pool.query('select 1; update invoices set amount = 0');`,
      errors: [{ messageId: 'unscopedTenantQuery', data: { method: 'query', relation: 'invoices', wrapper: 'withTenant', escape: 'withoutTenant' }, line: 3, column: 7 }],
    },
    {
      name: 'a bound Prisma template on a tenant table',
      filename,
      code: 'const prisma = new PrismaClient();\nawait prisma.$queryRaw`select * from invoices where id = ${id}`;',
      errors: [{ messageId: 'unscopedTenantQuery', data: { method: '$queryRaw', relation: 'invoices', wrapper: 'withTenant', escape: 'withoutTenant' }, line: 2, column: 7 }],
    },
    { name: 'a table the history does not define', filename, code: `${pool}await pool.query('select * from legacy_orders');`, errors: [{ messageId: 'unscopedQuery', line: 3, column: 7 }] },
    { name: 'a quoted name the history does not define', filename, code: `${pool}await pool.query('select * from "Invoices"');`, errors: [{ messageId: 'unscopedQuery', line: 3, column: 7 }] },
    { name: 'a function in a schema the history does not define', filename, code: `${pool}await pool.query('select billing.balance()');`, errors: [{ messageId: 'unscopedQuery', line: 3, column: 7 }] },
    { name: 'a table name spliced into the text', filename, code: `${pool}await pool.query(\`delete from \${table}\`);`, errors: [{ messageId: 'unscopedQuery', line: 3, column: 7 }] },
    { name: 'text not known', filename, code: `${pool}await pool.query(text, values);`, errors: [{ messageId: 'unscopedQuery', line: 3, column: 7 }] },
    {
      name: 'the outer pool inside the wrapper, on a tenant table',
      filename,
      code: `${pool}await withTenant(pool, t, async (client) => { await pool.query('select * from invoices'); });`,
      errors: [{ messageId: 'poolInsideScope', line: 3, column: 53 }],
    },
    {
      name: 'the history named in the settings, a tenant table',
      filename: elsewhere,
      settings: migrationsSetting,
      code: `${pool}await pool.query('select * from invoices');`,
      errors: [{ messageId: 'unscopedTenantQuery', line: 3, column: 7 }],
    },
    { name: 'without a history, select 1 is reported as before', filename: elsewhere, code: `${pool}await pool.query('select 1');`, errors: [{ messageId: 'unscopedQuery', line: 3, column: 7 }] },
  ]),
});
