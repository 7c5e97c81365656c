/** Every rule of the SQL linter, in the order their findings are listed for one statement. */
import { currentSettingMissingOk } from './rules/current-setting-missing-ok.js';
import { currentSettingUnguardedCast } from './rules/current-setting-unguarded-cast.js';
import { doBlockNotFollowed } from './rules/do-block-not-followed.js';
import { partitionWithoutRls } from './rules/partition-without-rls.js';
import { policyAlwaysTrue } from './rules/policy-always-true.js';
import { policyMissingTenantPredicate } from './rules/policy-missing-tenant-predicate.js';
import { policyOnTableWithoutRls } from './rules/policy-on-table-without-rls.js';
import { policyPerRowSetting } from './rules/policy-per-row-setting.js';
import { rlsEnabledNoPolicy } from './rules/rls-enabled-no-policy.js';
import { rlsNotEnabled } from './rules/rls-not-enabled.js';
import { rlsNotForced } from './rules/rls-not-forced.js';
import { rlsWeakened } from './rules/rls-weakened.js';
import { roleBypassesRls } from './rules/role-bypasses-rls.js';
import { forgeableContext } from './rules/forgeable-context.js';
import { securityDefinerPublicExecute } from './rules/security-definer-public-execute.js';
import { securityDefinerRlsBypass } from './rules/security-definer-rls-bypass.js';
import { securityDefinerSearchPath } from './rules/security-definer-search-path.js';
import { sessionContextSet } from './rules/session-context-set.js';
import { tenantColumnNullable } from './rules/tenant-column-nullable.js';
import { unknownContextGuc } from './rules/unknown-context-guc.js';
import { viewBypassesRls } from './rules/view-bypasses-rls.js';
import type { LintRule } from './rule.js';

/** The rules `lintSql` runs. */
export const sqlLintRules: readonly LintRule[] = [
  currentSettingMissingOk,
  currentSettingUnguardedCast,
  rlsNotEnabled,
  rlsNotForced,
  rlsEnabledNoPolicy,
  policyOnTableWithoutRls,
  policyMissingTenantPredicate,
  policyAlwaysTrue,
  unknownContextGuc,
  viewBypassesRls,
  securityDefinerSearchPath,
  securityDefinerPublicExecute,
  securityDefinerRlsBypass,
  forgeableContext,
  sessionContextSet,
  rlsWeakened,
  roleBypassesRls,
  policyPerRowSetting,
  tenantColumnNullable,
  partitionWithoutRls,
  doBlockNotFollowed,
];
