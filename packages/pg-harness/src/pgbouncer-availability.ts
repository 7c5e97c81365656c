import { findPgBouncer } from './find-pgbouncer.js';

/** Whether PgBouncer suites can run here: the binary's path, or why not and how to fix it. */
export type PgBouncerAvailability = { available: true; path: string } | { available: false; reason: string; hint: string };

/** Inputs of {@link pgbouncerAvailability}; the defaults are the real environment. */
export interface PgBouncerAvailabilityOptions {
  env?: Record<string, string | undefined>;
  find?: () => string | undefined;
  warn?: (message: string) => void;
}

const reason = 'the pgbouncer binary was not found on PATH, in /usr/sbin or in /usr/bin';
const hint = 'Install it (Debian/Ubuntu: apt-get install -y pgbouncer; macOS: brew install pgbouncer) and run the tests again.';

/**
 * Decides whether a PgBouncer suite runs. Use it at the top of a test file:
 *
 * ```ts
 * const pgbouncer = pgbouncerAvailability();
 * describe.skipIf(!pgbouncer.available)('through PgBouncer', () => { ... });
 * ```
 *
 * A missing binary skips the suite with a loud warning, except in CI (env `CI` set, not `false`) or
 * with `TENANT_SCOPE_REQUIRE_PGBOUNCER=1`: there it throws, so the run fails instead of skipping.
 */
export function pgbouncerAvailability(options: PgBouncerAvailabilityOptions = {}): PgBouncerAvailability {
  const env = options.env ?? process.env;
  const path = (options.find ?? findPgBouncer)();
  if (path !== undefined) return { available: true, path };

  const required = requiredBy(env);
  if (required !== undefined) {
    throw new Error(`PgBouncer is required because ${required}, but ${reason}. ${hint}`);
  }
  const warn = options.warn ?? ((message: string) => console.warn(message));
  warn(
    [
      '',
      '!!! PgBouncer tests are SKIPPED !!!',
      `!!! ${reason}.`,
      `!!! ${hint}`,
      '!!! (In CI, or with TENANT_SCOPE_REQUIRE_PGBOUNCER=1, this fails the run instead.)',
      '',
    ].join('\n'),
  );
  return { available: false, reason, hint };
}

function requiredBy(env: Record<string, string | undefined>): string | undefined {
  if (env['TENANT_SCOPE_REQUIRE_PGBOUNCER'] === '1') return 'TENANT_SCOPE_REQUIRE_PGBOUNCER=1';
  const ci = env['CI'];
  if (ci !== undefined && ci !== '' && ci !== 'false') return `CI=${ci} (tests must not skip silently in CI)`;
  return undefined;
}
