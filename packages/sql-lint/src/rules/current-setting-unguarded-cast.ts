import { contextReadHazards } from '@tenant-scope/sql-analyzer';
import type { GucRead } from '@tenant-scope/sql-analyzer';
import { policyReadsWhere } from '../policy-predicates.js';
import { defineRule, displayName } from '../rule.js';
import type { RuleReport } from '../rule.js';

/** `current_setting(name, true)` cast to a non-text type without `NULLIF(…, '')`. */
export const currentSettingUnguardedCast = defineRule({
  id: 'current-setting-unguarded-cast',
  meta: {
    severity: 'error',
    description: "A policy casts a setting to a non-text type without NULLIF(…, ''), which raises once a pooled connection has had the setting set locally.",
    help: "Read with missing_ok and cast through NULLIF: NULLIF(current_setting('app.tenant_id', true), '')::uuid (a missing tenant then matches no row).",
    messages: {
      castWithoutNullif:
        "`current_setting('{{name}}')` is cast to {{type}} without NULLIF(…, ''): after a transaction-local set ends the setting reads '' on that connection and the cast raises; policy {{policy}} on {{table}} reads it{{via}}",
      castWithoutNullifOrMissingOk:
        "`current_setting('{{name}}')` has no missing_ok and is cast to {{type}} without NULLIF(…, ''): it raises on every connection that never set it, and after a transaction-local set ends the cast of '' raises; read it as NULLIF(current_setting('{{name}}', true), '') before the cast; policy {{policy}} on {{table}} reads it{{via}}",
    },
  },
  check(context) {
    const castsBare = (read: GucRead): boolean => contextReadHazards(read).includes('cast-without-nullif');
    return policyReadsWhere(context, castsBare).map(({ read, file, via, policy, table }): RuleReport => {
      const cast = read.wrappers.find((w) => w.kind === 'cast');
      const raises = read.target === 'custom' && contextReadHazards(read).includes('raises-when-unset');
      return {
        source: { file, range: read.range },
        messageId: raises ? 'castWithoutNullifOrMissingOk' : 'castWithoutNullif',
        data: {
          name: read.name ?? '?',
          type: cast?.kind === 'cast' ? cast.type : 'a non-text type',
          policy: policy.name,
          table: displayName(table.schema, table.name),
          via: via ? ` through ${displayName(via.schema, via.name)}()` : '',
        },
      };
    });
  },
});
