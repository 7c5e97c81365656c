import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import tsParser from '@typescript-eslint/parser';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';

const appDir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'schema-app');
const temporary: string[] = [];

afterAll(() => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function eslintIn(cwd: string): ESLint {
  return new ESLint({ cwd, overrideConfigFile: true, overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tsParser } }, plugin.configs.recommended as never] });
}

describe('require-tenant-scope with the schema of tenant-scope.config.json', () => {
  it('reports the pool queries that touch tenant data or names the history does not define, and no others', async () => {
    const results = await eslintIn(appDir).lintFiles(['src/**/*.ts']);
    const findings = results.flatMap((result) => result.messages.map((m) => `${relative(appDir, result.filePath)}:${m.line} ${m.ruleId} ${m.messageId}`));
    expect(findings).toEqual([
      'src/queries.ts:14 @tenant-scope/require-tenant-scope unscopedTenantQuery',
      'src/queries.ts:18 @tenant-scope/require-tenant-scope unscopedTenantQuery',
      'src/queries.ts:22 @tenant-scope/require-tenant-scope unscopedTenantQuery',
      'src/queries.ts:26 @tenant-scope/require-tenant-scope unscopedQuery',
      'src/queries.ts:30 @tenant-scope/require-tenant-scope unscopedQuery',
    ]);
  });

  it('stops the run with the configuration problem, as for invalid settings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenant-scope-plugin-schema-'));
    temporary.push(dir);
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'tenant-scope.config.json'), '{ "migrations": ["db"], "tenantColumn": ["org_id"] }\n');
    const code = "import pg from 'pg';\nconst pool = new pg.Pool();\nawait pool.query('select 1');\n";
    await expect(eslintIn(dir).lintText(code, { filePath: join(dir, 'src', 'a.ts') })).rejects.toThrow(
      /the schema for require-tenant-scope cannot be read: unknown option "tenantColumn" \(.*tenant-scope\.config\.json\); known options are/,
    );
  });
});
