import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuleTester } from '@typescript-eslint/rule-tester';
import noPoolTransaction from '../src/rules/no-pool-transaction.js';
import requireClientRelease from '../src/rules/require-client-release.js';
import requireTenantScope from '../src/rules/require-tenant-scope.js';
import { ruleTester as untypedRuleTester, inTenantApp } from './rule-tester.js';

// RuleTester's hooks are set to Vitest's in ./rule-tester.js.
const typedRuleTester = new RuleTester({
  languageOptions: {
    parserOptions: {
      projectService: true,
      tsconfigRootDir: join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'typed'),
    },
  },
});

const importPool = "import { pool } from './db.js';\n";
const newPool = "import pg from 'pg';\nconst pool = new pg.Pool();\n";

typedRuleTester.run('no-pool-transaction with types', noPoolTransaction, {
  valid: [
    { name: 'a PoolClient parameter is one connection', code: "import type { PoolClient } from 'pg';\nexport async function f(client: PoolClient) { await client.query('BEGIN'); }" },
    { name: 'a pg.Client parameter is one connection', code: "import pg from 'pg';\nexport async function f(client: pg.Client) { await client.query('BEGIN'); }" },
    { name: 'a client from an imported pool', code: `${importPool}const client = await pool.connect();\nawait client.query('BEGIN');\nclient.release();` },
    { name: 'a type that is not a pool', code: "export async function f(db: { query(t: string): Promise<void> }) { await db.query('BEGIN'); }" },
    { name: 'the syntax answer is kept with types: withTenant client', code: `${newPool}await withTenant(pool, 't', async (client) => client.query('BEGIN'));\ndeclare function withTenant(p: unknown, t: string, f: (c: any) => Promise<unknown>): Promise<void>;` },
  ],
  invalid: [
    { name: 'a pool imported from ./db', code: `${importPool}await pool.query('BEGIN');`, errors: [{ messageId: 'poolTransaction', line: 2, column: 19 }] },
    { name: 'a pg.Pool parameter', code: "import pg from 'pg';\nexport async function f(p: pg.Pool) { await p.query('COMMIT'); }", errors: [{ messageId: 'poolTransaction', line: 2, column: 54 }] },
    { name: 'the syntax answer is kept with types: new Pool', code: `${newPool}await pool.query('BEGIN');`, errors: [{ messageId: 'poolTransaction', line: 3, column: 19 }] },
    {
      name: 'poolTypes names an application type',
      code: "import { appDb } from './db.js';\nawait appDb.query('BEGIN');",
      settings: { 'tenant-scope': { poolTypes: [{ from: 'file', name: 'AppDatabase', path: 'db.ts' }] } },
      errors: [{ messageId: 'poolTransaction', line: 2, column: 20 }],
    },
  ],
});

typedRuleTester.run('require-tenant-scope with types', requireTenantScope, {
  valid: [
    { name: 'a PoolClient parameter', code: "import type { PoolClient } from 'pg';\nexport async function f(client: PoolClient) { await client.query('select 1'); }" },
    { name: 'an application type not configured', code: "import { appDb } from './db.js';\nawait appDb.query('select 1');" },
  ],
  invalid: inTenantApp([
    { name: 'a pool imported from ./db', code: `${importPool}await pool.query('select 1');`, errors: [{ messageId: 'unscopedQuery', line: 2, column: 7 }] },
    { name: 'a pool typed parameter', code: "import pg from 'pg';\nexport function f(p: pg.Pool) { return p.query('select 1'); }", errors: [{ messageId: 'unscopedQuery', line: 2, column: 40 }] },
  ]),
});

typedRuleTester.run('require-client-release with types', requireClientRelease, {
  valid: [{ name: 'released in finally', code: `${importPool}const client = await pool.connect();\ntry { await client.query('select 1'); } finally { client.release(); }` }],
  invalid: [{ name: 'a client of an imported pool never released', code: `${importPool}const client = await pool.connect();\nawait client.query('select 1');`, errors: [{ messageId: 'clientNotReleased', line: 2, column: 7 }] }],
});

// Without types the same imported pool is not recognised: the rules stay silent rather than guess.
untypedRuleTester.run('no-pool-transaction without types', noPoolTransaction, {
  valid: [{ name: 'a pool imported from ./db is unknown without types', code: `${importPool}await pool.query('BEGIN');` }],
  invalid: [{ name: 'the same new Pool as with types', code: `${newPool}await pool.query('BEGIN');`, errors: [{ messageId: 'poolTransaction', line: 3, column: 19 }] }],
});
