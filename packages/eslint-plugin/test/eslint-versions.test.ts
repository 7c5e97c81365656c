import { Linter as Linter10 } from 'eslint';
import { Linter as Linter9 } from 'eslint-v9';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';

const code = [
  "import pg from 'pg';",
  'const pool = new pg.Pool();',
  'export async function handler(tenantId) {',
  "  await pool.query(`SET app.tenant_id = '${tenantId}'`);",
  "  await pool.query('BEGIN');",
  '  const client = await pool.connect();',
  "  await client.query('LISTEN jobs');",
  '}',
].join('\n');

const expected = [
  '4:21 @tenant-scope/no-session-set sessionSet',
  '4:44 @tenant-scope/no-interpolated-context interpolatedContext',
  '5:21 @tenant-scope/no-pool-transaction poolTransaction',
  '6:9 @tenant-scope/require-client-release clientNotReleased',
  '7:23 @tenant-scope/no-session-state listen',
];

interface Finding {
  line: number;
  column: number;
  ruleId: string | null;
  messageId?: string;
  message: string;
}

const linters: [string, () => Finding[]][] = [
  ['ESLint 10', () => new Linter10({ configType: 'flat' }).verify(code, [plugin.configs.recommended as never], 'handler.mjs')],
  ['ESLint 9', () => new Linter9({ configType: 'flat' }).verify(code, [plugin.configs.recommended as never], 'handler.mjs')],
];

describe.each(linters)('%s', (_version, lint) => {
  it('runs configs.recommended with the same findings', () => {
    expect(lint().map((m) => `${m.line}:${m.column} ${m.ruleId ?? 'fatal'} ${m.messageId ?? m.message}`)).toEqual(expected);
  });
});
