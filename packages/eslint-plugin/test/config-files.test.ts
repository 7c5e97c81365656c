import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const eslintBin = join(dirname(createRequire(import.meta.url).resolve('eslint/package.json')), 'bin', 'eslint.js');

interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; messageId?: string; line: number; column: number; fatal?: boolean; message: string }[];
}

/** Runs the real ESLint CLI in a fixture folder, so its config file is loaded the way a user's is. */
function lint(folder: string, file: string): string[] {
  let output: string;
  try {
    output = execFileSync(process.execPath, [eslintBin, '--format', 'json', file], { cwd: join(fixtures, folder), encoding: 'utf8' });
  } catch (error) {
    // ESLint exits with 1 when it reports errors; the JSON is still on stdout.
    output = (error as { stdout: string }).stdout;
  }
  const results = JSON.parse(output) as LintResult[];
  return results.flatMap((result) => result.messages.map((m) => `${m.line}:${m.column} ${m.ruleId ?? 'fatal'} ${m.messageId ?? m.message}`));
}

describe('loading the plugin from a config file (built dist)', () => {
  beforeAll(() => {
    if (!existsSync(join(fixtures, '..', '..', 'dist', 'index.js'))) throw new Error('build first: npx tsc -b packages/eslint-plugin');
  });

  it('from a CommonJS eslint.config.js with require()', () => {
    expect(lint('config-cjs', 'query.js')).toEqual(['2:23 @tenant-scope/no-session-set sessionSet']);
  });

  it('from eslint.config.mjs', () => {
    expect(lint('config-mjs', 'query.cjs')).toEqual(['2:23 @tenant-scope/no-session-set sessionSet']);
  });

  it('from eslint.config.ts', () => {
    expect(lint('config-ts', 'query.ts')).toEqual(['2:23 @tenant-scope/no-session-set sessionSet']);
  });
});
