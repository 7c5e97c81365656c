import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import tsParser from '@typescript-eslint/parser';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';

const appDir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'app');

describe('ESLint with configs.recommended on the fixture app', () => {
  it('reports exactly the leaks in the app', async () => {
    const eslint = new ESLint({
      cwd: appDir,
      overrideConfigFile: true,
      overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tsParser } }, plugin.configs.recommended as never],
    });
    const results = await eslint.lintFiles(['src/**/*.ts']);
    const findings = results.flatMap((result) =>
      result.messages.map((message) => `${relative(appDir, result.filePath)}:${message.line}:${message.column} ${message.severity === 2 ? 'error' : 'warn'} ${message.ruleId} ${message.messageId}`),
    );
    expect(findings).toEqual([
      'src/invoices.ts:7:21 error @tenant-scope/no-session-set sessionSet',
      'src/invoices.ts:7:44 error @tenant-scope/no-interpolated-context interpolatedContext',
      'src/invoices.ts:8:10 error @tenant-scope/require-tenant-scope unscopedQuery',
      'src/invoices.ts:14:11 error @tenant-scope/require-tenant-scope poolInsideScope',
      'src/invoices.ts:14:30 warn @tenant-scope/no-session-state advisoryLock',
      'src/invoices.ts:23:3 warn @tenant-scope/require-client-release releaseNotInFinally',
      'src/invoices.ts:27:21 error @tenant-scope/no-pool-transaction poolTransaction',
      'src/invoices.ts:28:10 error @tenant-scope/require-tenant-scope unscopedQuery',
    ]);
  });
});
