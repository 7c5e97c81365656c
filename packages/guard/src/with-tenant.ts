import type pg from 'pg';
import type { TenantTransactionOptions } from './scope-options.js';
import { TenantScope } from './tenant-scope.js';

const shortcutScopes = new WeakMap<pg.Pool, TenantScope<'tenantId'>>();

function shortcutScope(pool: pg.Pool): TenantScope<'tenantId'> {
  let scope = shortcutScopes.get(pool);
  if (!scope) {
    scope = new TenantScope(pool, { context: { tenantId: 'app.tenant_id' } });
    shortcutScopes.set(pool, scope);
  }
  return scope;
}

/**
 * `withTenant(pool, tenantId, fn)`: a scope with one context setting, `app.tenant_id`, and
 * assertions from `TENANT_SCOPE_ASSERT`, made once per pool. `withTenant.query(pool, tenantId,
 * text, values)` is that scope's `query`: one statement in one round trip.
 */
export const withTenant = Object.assign(
  function withTenant<T>(pool: pg.Pool, tenantId: string, fn: (client: pg.PoolClient) => Promise<T> | T, options?: TenantTransactionOptions): Promise<T> {
    return shortcutScope(pool).withTenant({ tenantId }, fn, options);
  },
  {
    /** One statement in its own tenant transaction, in one round trip (see `TenantScope.query`). */
    query<R extends pg.QueryResultRow = Record<string, unknown>>(
      pool: pg.Pool,
      tenantId: string,
      text: string,
      values?: readonly unknown[],
      options?: TenantTransactionOptions,
    ): Promise<pg.QueryResult<R>> {
      return shortcutScope(pool).query<R>({ tenantId }, text, values, options);
    },
  },
);
