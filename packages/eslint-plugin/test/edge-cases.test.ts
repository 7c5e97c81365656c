/**
 * Code shapes the rules used to miss: the guard's `scope.pool` outside a scope, computed method
 * names, templates with 1,000 holes or more, SQL the analyzer fails on, and SET ROLE wording.
 */
import noInterpolatedContext from '../src/rules/no-interpolated-context.js';
import noSessionSet from '../src/rules/no-session-set.js';
import requireTenantScope from '../src/rules/require-tenant-scope.js';
import { ruleTester, inTenantApp } from './rule-tester.js';

const scope = "import pg from 'pg';\nimport { createTenantScope } from '@tenant-scope/guard';\nconst scope = createTenantScope(new pg.Pool(), {});\n";
const pool = "import pg from 'pg';\nconst pool = new pg.Pool();\n";
const manyHoles = Array.from({ length: 1000 }, () => '${x}').join(', ');
const deepSum = Array.from({ length: 3000 }, () => '1').join(' + ');

ruleTester.run('require-tenant-scope: edge cases', requireTenantScope, {
  valid: [
    { name: 'scope.pool inside scope.withTenant', code: `${scope}await scope.withTenant({ tenantId }, async (client) => client.query('select 1'));` },
    { name: 'scope.pool inside scope.withoutTenant', code: `${scope}await scope.withoutTenant(async () => scope.pool.query('select count(*) from tenants'));` },
  ],
  invalid: inTenantApp([
    { name: 'scope.pool outside withTenant', code: `${scope}await scope.pool.query('select * from invoices');`, errors: [{ messageId: 'unscopedQuery', line: 4, column: 7 }] },
    { name: "pool['query'](…)", code: `${pool}await pool['query']('select * from invoices');`, errors: [{ messageId: 'unscopedQuery', line: 3, column: 7 }] },
  ]),
});

ruleTester.run('no-session-set: edge cases', noSessionSet, {
  valid: [
    { name: 'SQL the analyzer fails on is silent by default', code: `await client.query("select set_config('app.tenant_id', 'a', false), ${deepSum}");` },
  ],
  invalid: [
    { name: "client['query'](…)", code: "await client['query'](\"SET app.tenant_id = 'a'\");", errors: [{ messageId: 'sessionSet', line: 1, column: 24, suggestions: [{ messageId: 'useSetLocal', output: "await client['query'](\"SET LOCAL app.tenant_id = 'a'\");" }] }] },
    {
      name: 'a template with 1,000 holes still shows its SET',
      code: `await client.query(\`SET app.tenant_id = 'a'; select ${manyHoles}\`);`,
      errors: [{ messageId: 'sessionSet', line: 1, column: 20 }],
    },
    {
      name: 'SQL the analyzer fails on is unanalyzable in strict, and the next query is still checked',
      code: `await client.query("select set_config('app.tenant_id', 'a', false), ${deepSum}");\nawait client.query("SET app.tenant_id = 'b'");`,
      options: [{ reportParseErrors: true }],
      errors: [
        { messageId: 'unanalyzable', line: 1, column: 7 },
        { messageId: 'sessionSet', line: 2, column: 21, suggestions: [{ messageId: 'useSetLocal', output: `await client.query("select set_config('app.tenant_id', 'a', false), ${deepSum}");\nawait client.query("SET LOCAL app.tenant_id = 'b'");` }] },
      ],
    },
  ],
});

ruleTester.run('no-interpolated-context: SET ROLE', noInterpolatedContext, {
  valid: [],
  invalid: [
    { name: 'a role spliced into SET ROLE', code: 'await client.query(`SET LOCAL ROLE ${role}`);', errors: [{ messageId: 'interpolatedRole', data: { name: 'role' }, line: 1, column: 38 }] },
    { name: 'a role spliced into set_config', code: "await client.query(`select set_config('role', '${role}', true)`);", errors: [{ messageId: 'interpolatedRole', line: 1, column: 50 }] },
    { name: 'a tenant spliced keeps the tenant wording', code: "await client.query(`SET LOCAL app.tenant_id = '${id}'`);", errors: [{ messageId: 'interpolatedContext', data: { name: 'app.tenant_id' }, line: 1, column: 50 }] },
  ],
});
