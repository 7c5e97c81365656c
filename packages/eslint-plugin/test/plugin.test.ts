import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import plugin, { rules } from '../src/index.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const packageJson = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name: string; version: string };
const ruleIds = Object.keys(plugin.rules).sort();

describe('plugin', () => {
  it('has meta with the package name and version', () => {
    expect(plugin.meta).toEqual({ name: '@tenant-scope/eslint-plugin', version: packageJson.version, namespace: '@tenant-scope' });
  });

  it('exposes the same rule objects on the plugin as the rules export', () => {
    expect(plugin.rules).toBe(rules);
  });

  it('has the seven rules of the specification', () => {
    expect(ruleIds).toEqual([
      'no-interpolated-context',
      'no-pool-transaction',
      'no-session-search-path',
      'no-session-set',
      'no-session-state',
      'require-client-release',
      'require-tenant-scope',
    ]);
  });

  describe.each(ruleIds)('%s', (ruleId) => {
    const rule = rules[ruleId as keyof typeof rules];

    it('has a doc page with the sections every doc has', () => {
      const doc = readFileSync(join(packageDir, 'docs', 'rules', `${ruleId}.md`), 'utf8');
      expect(doc.startsWith(`# ${ruleId}\n`)).toBe(true);
      for (const heading of ['## Why', '## Examples', '## Options', '## When not to use it']) expect(doc).toContain(heading);
      expect(doc).toContain('❌');
      expect(doc).toContain('✅');
    });

    it('has meta.docs.url pointing at its doc', () => {
      expect(rule.meta.docs?.url).toBe(`https://github.com/tenant-scope/tenant-scope/blob/main/packages/eslint-plugin/docs/rules/${ruleId}.md`);
    });

    it('has a test file', () => {
      expect(existsSync(join(packageDir, 'test', 'rules', `${ruleId}.test.ts`))).toBe(true);
    });

    it('has camelCase message ids and an options schema that rejects unknown properties', () => {
      for (const id of Object.keys(rule.meta.messages)) expect(id).toMatch(/^[a-z][a-zA-Z]*$/);
      const schema = rule.meta.schema as unknown as { additionalProperties?: boolean; properties?: Record<string, { description?: string }> }[];
      for (const option of schema) {
        expect(option.additionalProperties).toBe(false);
        for (const property of Object.values(option.properties ?? {})) expect(property.description).toBeTruthy();
      }
    });
  });

  it('turns every rule on in every config, with the levels of the specification', () => {
    expect(plugin.configs.recommended.rules).toEqual({
      '@tenant-scope/no-session-set': 'error',
      '@tenant-scope/no-session-search-path': 'error',
      '@tenant-scope/require-tenant-scope': 'error',
      '@tenant-scope/no-pool-transaction': 'error',
      '@tenant-scope/no-session-state': 'warn',
      '@tenant-scope/no-interpolated-context': 'error',
      '@tenant-scope/require-client-release': 'warn',
    });
    expect(Object.keys(plugin.configs.strict.rules).sort()).toEqual(ruleIds.map((id) => `@tenant-scope/${id}`));
    expect(plugin.configs['recommended-type-checked'].rules).toEqual(plugin.configs.recommended.rules);
    expect(plugin.configs['recommended-type-checked'].languageOptions).toEqual({ parserOptions: { projectService: true } });
    for (const config of Object.values(plugin.configs)) expect(config.plugins?.['@tenant-scope']).toBe(plugin);
  });
});
