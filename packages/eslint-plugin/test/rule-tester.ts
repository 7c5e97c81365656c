import type { InvalidTestCase } from '@typescript-eslint/rule-tester';
import { RuleTester } from '@typescript-eslint/rule-tester';
import { afterAll, describe, it } from 'vitest';

RuleTester.afterAll = afterAll;
RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

/** A RuleTester on typescript-eslint's parser, reporting through Vitest. */
export const ruleTester = new RuleTester();

/**
 * Test cases run in a project whose settings declare its tenant model (the default wrapper, given
 * explicitly): there `require-tenant-scope` judges every pool query, with or without other evidence in the file.
 */
export function inTenantApp<MessageIds extends string, Options extends readonly unknown[]>(
  cases: readonly InvalidTestCase<MessageIds, Options>[],
): InvalidTestCase<MessageIds, Options>[] {
  return cases.map((item) => {
    const given = (item.settings?.['tenant-scope'] ?? {}) as Record<string, unknown>;
    return { ...item, settings: { ...item.settings, 'tenant-scope': { wrappers: ['withTenant'], ...given } } };
  });
}
