import { describe, expect, test } from 'vitest';
import { pgbouncerAvailability } from '@tenant-scope/pg-harness';

const missing = () => undefined;

describe('pgbouncerAvailability', () => {
  test('reports the binary when there is one', () => {
    const warnings: string[] = [];
    const find = () => '/usr/sbin/pgbouncer';
    const result = pgbouncerAvailability({ env: { CI: 'true' }, find, warn: (message) => warnings.push(message) });

    expect(result).toEqual({ available: true, path: '/usr/sbin/pgbouncer' });
    expect(warnings).toEqual([]);
  });

  test('skips loudly when the binary is missing outside CI', () => {
    const warnings: string[] = [];
    for (const env of [{}, { CI: '' }, { CI: 'false' }, { TENANT_SCOPE_REQUIRE_PGBOUNCER: '0' }]) {
      const result = pgbouncerAvailability({ env, find: missing, warn: (message) => warnings.push(message) });
      expect(result.available).toBe(false);
    }

    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toContain('PgBouncer tests are SKIPPED');
    expect(warnings[0]).toContain('apt-get install -y pgbouncer');
  });

  test('fails when the binary is missing in CI or when PgBouncer is required', () => {
    const warn = () => {
      throw new Error('must not warn when failing');
    };

    expect(() => pgbouncerAvailability({ env: { CI: 'true' }, find: missing, warn })).toThrow(
      /required because CI=true.*apt-get install -y pgbouncer/,
    );
    expect(() => pgbouncerAvailability({ env: { CI: '1' }, find: missing, warn })).toThrow(/required because CI=1/);
    expect(() => pgbouncerAvailability({ env: { TENANT_SCOPE_REQUIRE_PGBOUNCER: '1' }, find: missing, warn })).toThrow(
      /required because TENANT_SCOPE_REQUIRE_PGBOUNCER=1/,
    );
  });
});
