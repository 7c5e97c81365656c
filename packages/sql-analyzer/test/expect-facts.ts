/**
 * Table-driven expectations: a fact is described by its fields plus `at`, the exact text its
 * range must cover (`at: ['text', n]` for the n-th occurrence), so each case asserts positions.
 */
import { expect } from 'vitest';
import type { SessionFact, SourceRange } from '@tenant-scope/sql-analyzer';

export type At = string | [text: string, occurrence: number];

export type ExpectedFact = Record<string, unknown> & { at: At; nameAt?: At; valueAt?: At };

export function rangeOf(sql: string, at: At): SourceRange {
  const [text, occurrence] = typeof at === 'string' ? [at, 0] : at;
  let start = -1;
  for (let i = 0; i <= occurrence; i++) {
    start = sql.indexOf(text, start + 1);
    if (start === -1) throw new Error(`test case error: ${JSON.stringify(text)} (#${occurrence}) not in ${JSON.stringify(sql)}`);
  }
  return { start, end: start + text.length };
}

/** Asserts that `facts` are exactly `expected`, in order, with the given fields and ranges. */
export function expectFacts(sql: string, facts: readonly SessionFact[], expected: readonly ExpectedFact[]): void {
  const actual = facts.map((fact, i) => {
    const wanted = expected[i];
    if (!wanted) return fact;
    const picked: Record<string, unknown> = { range: fact.range };
    for (const key of Object.keys(wanted)) {
      if (key === 'at' || key === 'nameAt' || key === 'valueAt') continue;
      picked[key] = (fact as unknown as Record<string, unknown>)[key];
    }
    if (wanted.nameAt) picked.nameRange = (fact as { nameRange?: SourceRange }).nameRange;
    if (wanted.valueAt) picked.valueRange = (fact as { value?: { range: SourceRange } | null }).value?.range;
    return picked;
  });
  const wantedShapes = expected.map((wanted) => {
    const { at, nameAt, valueAt, ...fields } = wanted;
    const shape: Record<string, unknown> = { range: rangeOf(sql, at), ...fields };
    if (nameAt) shape.nameRange = rangeOf(sql, nameAt);
    if (valueAt) shape.valueRange = rangeOf(sql, valueAt);
    return shape;
  });
  expect(actual).toEqual(wantedShapes);
}
