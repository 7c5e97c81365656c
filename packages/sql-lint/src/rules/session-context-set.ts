import { defineRule, isContextGuc } from '../rule.js';
import type { RuleReport } from '../rule.js';

const SESSION_TARGETS = new Set(['search-path', 'role', 'session-authorization']);

/** A session-level write of tenant context, search_path or role in a function or DO block, or as a role/database default. */
export const sessionContextSet = defineRule({
  id: 'session-context-set',
  meta: {
    severity: 'error',
    description:
      'A function body or DO block sets tenant context, search_path or the role for the whole session, or ALTER ROLE/DATABASE … SET gives tenant context a default: the value outlives the transaction and reaches the next user of a pooled connection.',
    help: "Use SET LOCAL or set_config(name, value, true) inside the transaction; never give tenant context a role or database default.",
    messages: {
      sessionSet: '{{what}} sets {{name}} for the whole session: the value stays on the connection after the transaction and the next user of the pooled connection gets it',
      defaultContext: '{{what}} gives tenant context {{name}} a default value: every session of that {{scope}} starts inside a tenant',
    },
  },
  check(context) {
    const reports: RuleReport[] = [];
    for (const { write, file } of context.model.writes) {
      const isContext = isContextGuc(context, write);
      if (write.via === 'alter-role' || write.via === 'alter-database') {
        if (!isContext || !write.value || write.value.kind === 'default') continue;
        const scope = write.via === 'alter-role' ? 'role' : 'database';
        reports.push({
          source: { file, range: write.range },
          messageId: 'defaultContext',
          data: { what: `ALTER ${scope.toUpperCase()} … SET`, name: write.name ?? '?', scope },
        });
        continue;
      }
      if (write.origin === 'statement' || write.scope !== 'session') continue;
      if (write.via !== 'set' && write.via !== 'set-config') continue;
      if (!isContext && !SESSION_TARGETS.has(write.target)) continue;
      const where = write.origin === 'do-block' ? 'a DO block' : `function ${write.functionName ?? '?'}`;
      const how = write.via === 'set' ? 'SET' : 'set_config(…, false)';
      reports.push({ source: { file, range: write.range }, messageId: 'sessionSet', data: { what: `${how} in ${where}`, name: write.name ?? 'a setting' } });
    }
    return reports;
  },
});
