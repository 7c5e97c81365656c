import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSql, contextReadHazards, initAnalyzer } from '@tenant-scope/sql-analyzer';
import type { GucRead } from '@tenant-scope/sql-analyzer';

beforeAll(async () => {
  await initAnalyzer();
});

function hazardsOf(expression: string): string[] {
  const read = analyzeSql(`SELECT ${expression}`).facts.find((f): f is GucRead => f.kind === 'guc-read');
  if (!read) throw new Error(`no current_setting read in ${expression}`);
  return contextReadHazards(read);
}

describe('contextReadHazards', () => {
  const cases: Array<[expression: string, hazards: string[]]> = [
    ["(select NULLIF(current_setting('app.tenant_id', true), '')::uuid)", []],
    ["NULLIF(current_setting('app.tenant_id', true), '')::uuid", ['evaluated-per-row']],
    ["(select current_setting('app.tenant_id')::uuid)", ['raises-when-unset', 'cast-without-nullif']],
    ["(select current_setting('app.tenant_id', false))", ['raises-when-unset']],
    ["(select current_setting('app.tenant_id', true)::uuid)", ['cast-without-nullif']],
    ["(select CAST(current_setting('app.tenant_id', true) AS bigint))", ['cast-without-nullif']],
    ["(select coalesce(current_setting('app.tenant_id', true), '')::uuid)", ['cast-without-nullif']],
    ["(select current_setting('app.tenant_id', true)::text)", []],
    ["(select current_setting('app.tenant_id', true)::varchar::uuid)", ['cast-without-nullif']],
    ["(select current_setting('app.tenant_id', $1)::uuid)", ['cast-without-nullif']],
  ];
  for (const [expression, hazards] of cases) {
    it(`${expression} → ${hazards.join(', ') || 'safe'}`, () => {
      expect(hazardsOf(expression)).toEqual(hazards);
    });
  }
});
