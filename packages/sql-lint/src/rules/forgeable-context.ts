import { defineRule } from '../rule.js';
import type { RuleReport } from '../rule.js';
import { describeCallers } from '../untrusted-callers.js';
import { forgeableFunctions, functionSignature } from '../untrusted-functions.js';

/**
 * A function untrusted roles can call that sets tenant context for the whole session, reported at
 * its definition (where EXECUTE is decided). A transaction-local write is not reported: it ends
 * with the caller's own transaction (through an API such as PostgREST, the call itself), and a
 * client that runs its own SQL can call `set_config` without the function. A warning by default,
 * as whether an untrusted role can connect at all is outside the history; an error with a platform
 * preset whose clients are database roles (Supabase `anon`, `authenticated`).
 */
export const forgeableContext = defineRule({
  id: 'forgeable-context',
  meta: {
    severity: 'warn',
    description:
      'A function that PUBLIC or the platform\'s client roles can call sets tenant context for the whole session: any of them picks its own tenant, and the value stays on the pooled connection for the clients after it.',
    help: 'REVOKE EXECUTE on the function FROM PUBLIC (and from anon, authenticated on Supabase) and GRANT it only to the server\'s role; set tenant context with set_config(name, value, true) inside the transaction.',
    messages: {
      forgeable:
        '{{function}} sets tenant context {{name}} for the whole session and {{callers}} can call it: a caller can choose its tenant, and the value stays on the pooled connection for the next client',
    },
  },
  check(context) {
    return forgeableFunctions(context).map(({ fn, write, callers }): RuleReport => ({
      source: fn.source,
      messageId: 'forgeable',
      data: { function: functionSignature(fn), name: write.name ?? '?', callers: describeCallers(callers) },
    }));
  },
});
