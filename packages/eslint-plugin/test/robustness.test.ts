import tsParser from '@typescript-eslint/parser';
import { Linter } from 'eslint';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { readSettings } from '../src/settings.js';
import { sqlQueryContext, sqlQueryListener } from '../src/sql-queries.js';

const allRules = Object.fromEntries(Object.keys(plugin.rules).map((id) => [`@tenant-scope/${id}`, 'error' as const]));

function lint(code: string, settings: Record<string, unknown> = {}): string[] {
  const linter = new Linter({ configType: 'flat' });
  const messages = linter.verify(code, [
    { files: ['**/*.ts'], languageOptions: { parser: tsParser as never }, plugins: { '@tenant-scope': plugin as never }, rules: allRules, settings },
  ], 'odd.ts');
  return messages.map((m) => `${m.line}:${m.column} ${m.ruleId ?? 'fatal'} ${m.messageId ?? m.message}`);
}

const oddCode = [
  'const pool = new pg.Pool();',
  'await pool.query();',
  'await pool.query(...args);',
  "await pool?.query?.('select 1');",
  "await pool['query']('select 1');",
  "await pool.query({ ...base, text: undefined });",
  "await pool.query({ ['text']: 'select 1' });",
  'await pool.query({ text: 42 });',
  'await pool.query(`${a}${b}`);',
  'await pool.query(`${`${nested}`}`);',
  'await query`select 1`;',
  'await (0, pool.query)("select 1");',
  'const x = sql`\\unicode`;',
  "const loop1 = loop2 + 'a'; const loop2 = loop1 + 'b'; await pool.query(loop1);",
  'class Repo extends Base { #db = pool; run() { return [super.query("BEGIN"), this.#db.query("BEGIN")]; } }',
  'await pool.query(/regex/);',
  'await pool.query(null);',
  'await pool.query(`é€😀 ${x}`);',
  "await withTenant(pool, t, async ({ query }) => query('select 1'));",
  'await withTenant();',
  'await withoutTenant(pool.query("select 1"));',
  'const client = await pool.connect(); const { release } = client;',
].join('\n');

describe('robustness: odd code never fails a lint run', () => {
  it('reports only what it understands in odd code, without throwing', () => {
    // Settings that declare the tenant model: every pool query is judged, `select 1` included.
    expect(lint(oddCode, { 'tenant-scope': { wrappers: ['withTenant'] } })).toEqual([
      '2:7 @tenant-scope/require-tenant-scope unscopedQuery',
      '3:7 @tenant-scope/require-tenant-scope unscopedQuery',
      '4:7 @tenant-scope/require-tenant-scope unscopedQuery',
      '5:7 @tenant-scope/require-tenant-scope unscopedQuery',
      '6:7 @tenant-scope/require-tenant-scope unscopedQuery',
      '7:7 @tenant-scope/require-tenant-scope unscopedQuery',
      '8:7 @tenant-scope/require-tenant-scope unscopedQuery',
      '9:7 @tenant-scope/require-tenant-scope unscopedQuery',
      '10:7 @tenant-scope/require-tenant-scope unscopedQuery',
      '14:61 @tenant-scope/require-tenant-scope unscopedQuery',
      // `#db = pool` makes this.#db the pool; super.query is not knowable; BEGIN alone needs no tenant scope.
      '15:93 @tenant-scope/no-pool-transaction poolTransaction',
      '16:7 @tenant-scope/require-tenant-scope unscopedQuery',
      '17:7 @tenant-scope/require-tenant-scope unscopedQuery',
      '18:7 @tenant-scope/require-tenant-scope unscopedQuery',
      '21:21 @tenant-scope/require-tenant-scope unscopedQuery',
    ]);
  });

  it('lints a huge file of queries and a long concatenation', () => {
    const lines = ['const pool = new pg.Pool();', 'await withTenant(pool, t, async (client) => {'];
    for (let i = 0; i < 5000; i++) lines.push(`  await client.query('select ${i}');`);
    lines.push(`  await client.query("SET app.tenant_id = '" + ${Array.from({ length: 300 }, (_, i) => `p${i}`).join(' + ')} + "'");`);
    lines.push('});');
    const findings = lint(lines.join('\n'));
    expect(findings[0]).toBe('5003:22 @tenant-scope/no-session-set sessionSet');
    // One finding per spliced part, on its own column.
    const spliced = findings.slice(1);
    expect(spliced).toHaveLength(300);
    expect(spliced.every((finding) => /^5003:\d+ @tenant-scope\/no-interpolated-context interpolatedContext$/.test(finding))).toBe(true);
    expect(new Set(spliced).size).toBe(300);
  });

  it('uses the defaults when the shared settings throw', () => {
    const settings = {
      get 'tenant-scope'(): never {
        throw new Error('settings getter');
      },
    };
    const read = readSettings({ settings } as never);
    expect(read.wrappers).toEqual(['withTenant']);
    expect(read.contextGucs).toBeNull();
  });

  it('rejects settings of the wrong shape and unknown keys with a clear configuration error', () => {
    const read = (given: Record<string, unknown>) => () => readSettings({ settings: { 'tenant-scope': given } } as never);
    expect(read({ pools: 'db' })).toThrow(`@tenant-scope/eslint-plugin: invalid settings['tenant-scope']:\n  "pools" must be an array of strings, got "db"`);
    expect(read({ wrappers: [1, 'scoped'] })).toThrow('"wrappers" must be an array of strings, got [1,"scoped"]');
    expect(read({ poolTypes: [null, 'Db'] })).toThrow('"poolTypes" must be an array of type names or { from, name } specifiers, got [null,"Db"]');
    expect(read({ pool: ['db'] })).toThrow('unknown key "pool" (known: contextGucs, wrappers, unscopedWrappers, pools, sqlTags, poolTypes, clientTypes, migrations)');
    expect(readSettings({ settings: { 'tenant-scope': { contextGucs: ['App.Tenant_Id'], poolTypes: ['Db', { from: 'package', name: 'Sql', package: 'postgres' }] } } } as never)).toMatchObject({
      contextGucs: ['app.tenant_id'],
    });
  });

  it('reports invalid settings as a configuration error of the lint run', () => {
    expect(() => lint("await pool.query('select 1');", { 'tenant-scope': { pool: ['db'] } })).toThrow(/unknown key "pool"/);
  });

  it('swallows exceptions from AST shapes no parser produces', () => {
    const linter = new Linter({ configType: 'flat' });
    let listener: ReturnType<typeof sqlQueryListener> | undefined;
    const found: string[] = [];
    linter.verify('x;', [
      {
        plugins: {
          probe: {
            rules: {
              capture: {
                create(context) {
                  listener = sqlQueryListener(sqlQueryContext(context as never), { onQuery: (query) => found.push(query.sql.text) });
                  return {};
                },
              },
            },
          },
        },
        rules: { 'probe/capture': 'error' },
      },
    ]);
    const malformed = { type: 'CallExpression', callee: { type: 'MemberExpression', computed: false, object: null, property: { type: 'Identifier', name: 'query' } }, arguments: [{ type: 'Literal', value: 'BEGIN', raw: "'BEGIN'" }] };
    expect(() => (listener?.CallExpression as (node: unknown) => void)(malformed)).not.toThrow();
    expect(() => (listener?.TaggedTemplateExpression as (node: unknown) => void)({ type: 'TaggedTemplateExpression', tag: null })).not.toThrow();
    expect(listener).toBeDefined();
    expect(found).toEqual([]);
  });
});

describe('queries found once per file and shared by the rules', () => {
  it('gives every rule the same queries, and nested SQL only with its outer call', () => {
    const code = [
      'const pool = new pg.Pool();',
      "await pool.query(`SET app.tenant_id = '${t}'; BEGIN`);",
      'await pool.execute(sql.raw(`SET app.tenant_id = ${t}`));',
    ].join('\n');
    expect(lint(code)).toEqual([
      '2:19 @tenant-scope/no-session-set sessionSet',
      '2:42 @tenant-scope/no-interpolated-context interpolatedContext',
      '2:47 @tenant-scope/no-pool-transaction poolTransaction',
      '3:29 @tenant-scope/no-session-set sessionSet',
      '3:51 @tenant-scope/no-interpolated-context interpolatedContext',
    ]);
  });
});
