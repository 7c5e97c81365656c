import noInterpolatedContext from './no-interpolated-context.js';
import noPoolTransaction from './no-pool-transaction.js';
import noSessionSearchPath from './no-session-search-path.js';
import noSessionSet from './no-session-set.js';
import noSessionState from './no-session-state.js';
import requireClientRelease from './require-client-release.js';
import requireTenantScope from './require-tenant-scope.js';

/** Every rule of the plugin, by its id. */
export const rules = {
  'no-session-set': noSessionSet,
  'no-session-search-path': noSessionSearchPath,
  'require-tenant-scope': requireTenantScope,
  'no-pool-transaction': noPoolTransaction,
  'no-session-state': noSessionState,
  'no-interpolated-context': noInterpolatedContext,
  'require-client-release': requireClientRelease,
};
