/**
 * The static checks on the example, without a database: `tenant-scope lint` flags every mistake
 * of the before migrations and nothing in the correct ones; the ESLint plugin flags every mistake
 * of the before code and nothing in the correct code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import tenantScope from '@tenant-scope/eslint-plugin';
import { lintSql } from '@tenant-scope/sql-lint';

const root = join(import.meta.dirname, '..');

function history(dir: string) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => ({ path: relative(root, join(dir, f)), text: readFileSync(join(dir, f), 'utf8') }));
}

async function eslintFindings(files: string[]): Promise<string[]> {
  const eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [
      { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: root } } },
      tenantScope.configs['recommended-type-checked'],
    ],
  });
  const results = await eslint.lintFiles(files);
  return results.flatMap((r) => r.messages.map((m) => `${relative(root, r.filePath)}:${m.line}:${m.column} ${m.ruleId}`));
}

describe('tenant-scope lint on the migrations', () => {
  it('flags every mistake of the before migrations', () => {
    const { findings } = lintSql({ files: history(join(root, 'before', 'migrations')) });
    expect(findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.severity} ${f.ruleId}`)).toEqual([
      // RLS enabled but not forced, while the app role owns the table
      'before/migrations/002_row_level_security.sql:2:1 error rls-not-forced',
      // current_setting('app.tenant_id')::uuid: no missing_ok and a bare cast, one defect
      'before/migrations/002_row_level_security.sql:7:22 error current-setting-unguarded-cast',
      // a view without security_invoker
      'before/migrations/002_row_level_security.sql:10:1 error view-bypasses-rls',
    ]);
  });

  it('flags nothing in the correct migrations', () => {
    expect(lintSql({ files: history(join(root, 'migrations')) }).findings).toEqual([]);
  });
});

describe('ESLint with @tenant-scope/eslint-plugin on the code', () => {
  it('flags every mistake of the before code', async () => {
    expect(await eslintFindings(['before/src/invoices-app.ts'])).toEqual([
      // GET /invoices: session-level set_config on the pool, and a query outside withTenant
      // (a statement that only sets up the connection is left to the rule that judges it)
      'before/src/invoices-app.ts:24:32 @tenant-scope/no-session-set',
      'before/src/invoices-app.ts:25:23 @tenant-scope/require-tenant-scope',
      // GET /invoices/:id: a session-level re-set inside withTenant
      'before/src/invoices-app.ts:34:38 @tenant-scope/no-session-set',
      // POST /invoices: a transaction on the pool
      'before/src/invoices-app.ts:44:25 @tenant-scope/no-pool-transaction',
      'before/src/invoices-app.ts:45:32 @tenant-scope/no-pool-transaction',
      'before/src/invoices-app.ts:46:32 @tenant-scope/require-tenant-scope',
      'before/src/invoices-app.ts:47:25 @tenant-scope/no-pool-transaction',
    ]);
  });

  it('flags nothing in the correct code', async () => {
    expect(await eslintFindings(['src/invoices-app.ts', 'src/json-server.ts'])).toEqual([]);
  });
});
