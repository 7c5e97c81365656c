import { defineRule, displayName } from '../rule.js';
import type { RuleReport } from '../rule.js';
import { describeCallers } from '../untrusted-callers.js';
import { exposedDefiners, functionSignature } from '../untrusted-functions.js';

/**
 * A SECURITY DEFINER function that PUBLIC (or the platform's client roles) can call and that uses
 * a tenant table or sets tenant context. Who can call it comes from the model's EXECUTE grants
 * (PUBLIC by default, GRANT/REVOKE, default privileges) and schema USAGE.
 */
export const securityDefinerPublicExecute = defineRule({
  id: 'security-definer-public-execute',
  meta: {
    severity: 'warn',
    description:
      'A SECURITY DEFINER function that uses a tenant table or sets tenant context can be called by PUBLIC (the default for every new function) or by the platform\'s client roles: any of them runs it with its owner\'s rights.',
    help: 'REVOKE EXECUTE ON FUNCTION … FROM PUBLIC (and from anon, authenticated on Supabase), then GRANT EXECUTE only to the roles that need it; or make it SECURITY INVOKER.',
    messages: {
      usesTenantTable:
        'SECURITY DEFINER function {{function}} uses tenant table {{table}} with its owner\'s rights, and {{callers}} can call it ({{how}})',
      setsContext: 'SECURITY DEFINER function {{function}} sets tenant context {{name}}, and {{callers}} can call it ({{how}})',
    },
  },
  check(context) {
    return exposedDefiners(context).map(({ fn, callers, table, write }): RuleReport => {
      const how = callers.includes('public')
        ? 'a new function is executable by PUBLIC until EXECUTE is revoked from PUBLIC'
        : 'they hold EXECUTE on it, granted directly or by default privileges';
      const common = { function: functionSignature(fn), callers: describeCallers(callers), how };
      if (table) return { source: fn.source, messageId: 'usesTenantTable', data: { ...common, table: displayName(table.schema, table.name) } };
      return { source: fn.source, messageId: 'setsContext', data: { ...common, name: write?.name ?? '?' } };
    });
  },
});
