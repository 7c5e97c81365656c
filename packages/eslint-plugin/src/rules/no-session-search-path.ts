import { contextWriteHazards } from '@tenant-scope/sql-analyzer';
import { isConnectionSetup } from '../connection-setup.js';
import { createRule } from '../create-rule.js';
import { localFormFix } from '../local-form-fix.js';
import { isMigrationCode } from '../migration-code.js';
import { isPrivateConnection } from '../private-connection.js';
import { safely, sqlQueryContext, sqlQueryListener } from '../sql-queries.js';
import { sqlLocation } from '../sql-text.js';

type Options = [{ allowLocal?: boolean; checkFunctionBodies?: boolean }];
type MessageIds = 'sessionSearchPath' | 'localSearchPath' | 'useSetLocal' | 'useSetConfigLocal';

export default createRule<Options, MessageIds>({
  name: 'no-session-search-path',
  meta: {
    type: 'problem',
    hasSuggestions: true,
    docs: {
      description: 'Disallow session-level `search_path` changes, which send the next request on the connection to another schema',
      recommended: true,
    },
    messages: {
      sessionSearchPath:
        '`search_path` is changed for the whole session: the connection goes back to the pool with it, and the next request resolves unqualified table names in this schema (possibly another tenant\'s). Use `SET LOCAL search_path` or `set_config(\'search_path\', …, true)` inside a transaction, or qualify names with their schema.',
      localSearchPath:
        '`search_path` is changed for this transaction: unqualified names now depend on it, and outside a transaction the change silently does nothing. Qualify names with their schema.',
      useSetLocal: 'Use `SET LOCAL search_path`, which ends with the transaction.',
      useSetConfigLocal: 'Pass `true` as `is_local`, so the change ends with the transaction.',
    },
    schema: [
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          allowLocal: {
            type: 'boolean',
            description: 'Allow transaction-local changes (`SET LOCAL search_path`, `set_config(…, true)`). Default: true.',
          },
          checkFunctionBodies: {
            type: 'boolean',
            description: 'Also report changes inside `CREATE FUNCTION` bodies, which happen when the function is called. Default: true.',
          },
        },
      },
    ],
  },
  defaultOptions: [{ allowLocal: true, checkFunctionBodies: true }],
  create(context, [options]) {
    const ctx = sqlQueryContext(context);
    return sqlQueryListener(ctx, {
      onQuery(query) {
        const { sql } = query;
        for (const fact of query.analysis.facts) {
          if (fact.kind !== 'guc-write' || fact.target !== 'search-path') continue;
          if (fact.origin === 'function-body' && options.checkFunctionBodies === false) continue;
          // search_path is tenant context whatever the configured context settings are.
          const hazards = contextWriteHazards(fact, { contextGucs: null });
          safely(() => {
            const loc = sqlLocation(sql, fact.range, ctx.sourceCode);
            if (hazards.includes('switches-context')) {
              if (options.allowLocal === false) context.report({ loc, messageId: 'localSearchPath' });
              return;
            }
            // A role or database default of search_path is configuration (no session-level hazard), and so is
            // a value every connection is given when it opens.
            if (!hazards.includes('session-level') || isConnectionSetup(query.node, query.receiver, ctx.sourceCode)) return;
            // A connection this function opens and closes for itself goes back to no pool.
            if (isPrivateConnection(query.node, query.receiver, ctx.sourceCode) || isMigrationCode(query.node, ctx.filename)) return;
            const suggestion = options.allowLocal === false ? null : localFormFix(sql, fact);
            context.report({ loc, messageId: 'sessionSearchPath', suggest: suggestion ? [suggestion] : [] });
          });
        }
      },
    });
  },
});
