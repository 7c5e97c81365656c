import { contextReadHazards } from '@tenant-scope/sql-analyzer';
import type { GucRead } from '@tenant-scope/sql-analyzer';
import { policyReadsWhere } from '../policy-predicates.js';
import { defineRule, displayName } from '../rule.js';
import type { RuleReport } from '../rule.js';

/** `current_setting(name)` without `missing_ok => true` in a policy or in a function a policy calls. */
export const currentSettingMissingOk = defineRule({
  id: 'current-setting-missing-ok',
  meta: {
    severity: 'error',
    description: 'A policy reads a setting with `current_setting(name)`, which raises on connections that never set it.',
    help: "Pass missing_ok: current_setting('app.tenant_id', true), and wrap it in NULLIF(…, '') before a cast.",
    messages: {
      raisesWhenUnset:
        "`current_setting('{{name}}')` raises \"unrecognized configuration parameter\" on every connection that never set it; policy {{policy}} on {{table}} reads it{{via}}",
    },
  },
  check(context) {
    // A read that is also cast without NULLIF is one defect, reported once by current-setting-unguarded-cast.
    const raises = (read: GucRead): boolean => {
      const hazards = contextReadHazards(read);
      return read.target === 'custom' && hazards.includes('raises-when-unset') && !hazards.includes('cast-without-nullif');
    };
    return policyReadsWhere(context, raises).map(({ read, file, via, policy, table }): RuleReport => ({
      source: { file, range: read.range },
      messageId: 'raisesWhenUnset',
      data: {
        name: read.name ?? '?',
        policy: policy.name,
        table: displayName(table.schema, table.name),
        via: via ? ` through ${displayName(via.schema, via.name)}()` : '',
      },
    }));
  },
});
