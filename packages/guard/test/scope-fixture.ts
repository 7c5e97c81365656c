import type pg from 'pg';
import { createTenantScope, type AssertionMode, type TenantScope, type TenantScopeViolation } from '@tenant-scope/guard';

/** A scope over `pool` whose violations and log lines are collected for assertions. */
export function recordingScope(pool: pg.Pool, assertions: AssertionMode): { scope: TenantScope<'tenantId'>; violations: TenantScopeViolation[]; logged: string[] } {
  const violations: TenantScopeViolation[] = [];
  const logged: string[] = [];
  const scope = createTenantScope(pool, {
    context: { tenantId: 'app.tenant_id' },
    validate: { tenantId: 'uuid' },
    assertions,
    onViolation: (violation) => violations.push(violation),
    logger: { warn: (message) => logged.push(message) },
  });
  return { scope, violations, logged };
}

/** The codes of the violations, in order. */
export function codes(violations: readonly TenantScopeViolation[]): string[] {
  return violations.map((v) => v.code);
}

/** What `promise` rejected with (fails the test if it resolved). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}
