import { contextWriteHazards, contextWriteTarget } from '@tenant-scope/sql-analyzer';
import { isInCurrentDefinition } from '../current-definitions.js';
import { defineRule } from '../rule.js';
import type { RuleReport } from '../rule.js';

/**
 * A session-level write of tenant context, search_path or role in a function or DO block, or as a
 * role/database default. The verdict is the analyzer's `contextWriteHazards`; a migration's own
 * top-level statements run on the migration's connection and are not judged here.
 */
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
    const settings = { contextGucs: context.contextGucs };
    for (const { write, file } of context.model.writes) {
      if (!isInCurrentDefinition(context.model, write)) continue;
      const hazards = contextWriteHazards(write, settings);
      if (hazards.includes('session-default')) {
        const scope = write.via === 'alter-role' ? 'role' : write.via === 'alter-database' ? 'database' : 'system';
        reports.push({
          source: { file, range: write.range },
          messageId: 'defaultContext',
          data: { what: `ALTER ${scope.toUpperCase()} … SET`, name: write.name ?? 'a setting named at run time', scope },
        });
        continue;
      }
      if (write.origin === 'statement' || !hazards.includes('session-level') || hazards.includes('resets')) continue;
      if (contextWriteTarget(write, settings) === 'all') continue;
      const where = write.origin === 'do-block' ? 'a DO block' : `function ${write.functionName ?? '?'}`;
      const how = write.via === 'set' ? 'SET' : hazards.includes('lifetime-unknown') ? 'set_config(…, is_local unknown)' : 'set_config(…, false)';
      reports.push({ source: { file, range: write.range }, messageId: 'sessionSet', data: { what: `${how} in ${where}`, name: write.name ?? 'a setting named at run time' } });
    }
    return reports;
  },
});
