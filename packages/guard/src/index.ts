/**
 * @tenant-scope/guard: per-transaction tenant context for node-postgres pools, with runtime
 * assertions that catch tenant context leaking through the pool.
 *
 * @packageDocumentation
 */

/** Creates a {@link TenantScope} for a pool: `withTenant`, `withoutTenant`, the guarded `pool`, `audit()`. */
export { createTenantScope, TenantScope } from './tenant-scope.js';
/** One-setting shortcut: `app.tenant_id`, assertions from `TENANT_SCOPE_ASSERT`. */
export { withTenant } from './with-tenant.js';
/** A violation seen at runtime, with its code, the SQL, the context keys and the caller's stack. */
export { TenantScopeViolation, type ViolationCode } from './tenant-scope-violation.js';
/** Options of a scope and of one tenant transaction; the errors for a bad option (config) and a bad context value (400-class). */
export {
  TenantScopeConfigError,
  TenantValueError,
  type AssertionMode,
  type ContextValidator,
  type TenantScopeOptions,
  type TenantTransactionOptions,
} from './scope-options.js';
/** What `scope.audit()` returns. */
export type { AuditFinding } from './audit.js';
