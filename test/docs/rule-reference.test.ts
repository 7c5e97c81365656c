import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';

// The script is plain JavaScript run by Node; it is imported by URL so the type check does not need its types.
const scriptUrl = new URL('../../scripts/rule-reference.mjs', import.meta.url).href;
const referenceFile = new URL('../../docs/rules.md', import.meta.url);

describe('docs/rules.md', () => {
  test('is what scripts/rule-reference.mjs generates from the rules of the built packages', async () => {
    const { ruleReference } = (await import(scriptUrl)) as { ruleReference: () => string };
    // On failure: `npx tsc -b && node scripts/rule-reference.mjs`, then review and commit docs/rules.md.
    expect(readFileSync(referenceFile, 'utf8')).toBe(ruleReference());
  });
});
