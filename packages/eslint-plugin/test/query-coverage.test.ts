import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import tsParser from '@typescript-eslint/parser';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import plugin, { queryCoverage } from '../src/index.js';

const appDir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'coverage-app');

describe('queryCoverage', () => {
  it('counts query sites on recognised handles and SQL-looking calls on receivers the plugin does not recognise', async () => {
    const eslint = new ESLint({ cwd: appDir, overrideConfigFile: true, overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tsParser } }, plugin.configs.recommended as never] });
    const results = await eslint.lintFiles(['src/**/*.ts']);
    // The injected handle's queries give no finding: only the coverage says they were not checked.
    expect(results.flatMap((r) => r.messages)).toEqual([]);
    const coverage = queryCoverage();
    expect(coverage.get(join(appDir, 'src', 'invoices.service.ts'))).toEqual({ recognised: 0, unrecognised: 4, unrecognisedLines: [10, 14, 19, 20] });
    expect(coverage.get(join(appDir, 'src', 'reports.ts'))).toEqual({ recognised: 4, unrecognised: 0, unrecognisedLines: [] });
  });

  // Named as pools, db and sql are recognised (a postgres.js fragment on the handle counts as a site, as the rules read it); db.one is a method no rule reads.
  it('counts a handle once it is named in the settings as recognised', async () => {
    const eslint = new ESLint({
      cwd: appDir,
      overrideConfigFile: true,
      overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tsParser } }, plugin.configs.recommended as never, { settings: { 'tenant-scope': { pools: ['db', 'sql'] } } }],
    });
    await eslint.lintFiles(['src/invoices.service.ts']);
    expect(queryCoverage().get(join(appDir, 'src', 'invoices.service.ts'))).toEqual({ recognised: 4, unrecognised: 1, unrecognisedLines: [14] });
  });
});
