import type pg from 'pg';
import type { TenantTransactionOptions } from './scope-options.js';
import { TenantScope } from './tenant-scope.js';

const shortcutScopes = new WeakMap<pg.Pool, TenantScope<'tenantId'>>();

/**
 * `withTenant(pool, tenantId, fn)`: a scope with one context setting, `app.tenant_id`, and
 * assertions from `TENANT_SCOPE_ASSERT`, made once per pool.
 */
export function withTenant<T>(pool: pg.Pool, tenantId: string, fn: (client: pg.PoolClient) => Promise<T> | T, options?: TenantTransactionOptions): Promise<T> {
  let scope = shortcutScopes.get(pool);
  if (!scope) {
    scope = new TenantScope(pool, { context: { tenantId: 'app.tenant_id' } });
    shortcutScopes.set(pool, scope);
  }
  return scope.withTenant({ tenantId }, fn, options);
}
