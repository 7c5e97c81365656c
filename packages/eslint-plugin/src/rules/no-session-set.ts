import { contextWriteHazards, contextWriteTarget } from '@tenant-scope/sql-analyzer';
import type { ContextWriteHazard, GucWrite, SessionFact } from '@tenant-scope/sql-analyzer';
import type { TransactionProbe } from '../client-transactions.js';
import { clientTransactionListeners, isTrackedClientQuery, mergeListeners } from '../client-transactions.js';
import { createRule } from '../create-rule.js';
import { isInFinally } from '../in-finally.js';
import { localFormFix } from '../local-form-fix.js';
import { isMigrationCode } from '../migration-code.js';
import { isPrivateConnection } from '../private-connection.js';
import { connectionOf, isInsideTransaction } from '../query-connection.js';
import { contextSettings } from '../settings.js';
import type { SqlQuery } from '../sql-queries.js';
import { safely, sqlQueryContext, sqlQueryListener } from '../sql-queries.js';
import { sqlLocation } from '../sql-text.js';

type Options = [{ contextGucs?: string[]; checkFunctionBodies?: boolean; reportParseErrors?: boolean }];
type MessageIds = 'sessionSet' | 'maybeSessionSet' | 'sessionSetDefault' | 'sessionReset' | 'unparsableSql' | 'unanalyzable' | 'useSetLocal' | 'useSetConfigLocal';

export default createRule<Options, MessageIds>({
  name: 'no-session-set',
  meta: {
    type: 'problem',
    hasSuggestions: true,
    docs: {
      description: 'Disallow session-level writes of tenant context settings, which outlive the request on a pooled connection',
      recommended: true,
    },
    messages: {
      sessionSet:
        '`{{name}}` is set for the whole session: the connection goes back to the pool still carrying it, and the next request that gets it runs with this tenant\'s context. Use `SET LOCAL` or `set_config(…, true)` inside a transaction.',
      maybeSessionSet:
        '`{{name}}` may be set for the whole session: `is_local` is not a literal, so nothing shows the value ends with the transaction, and a session-level value goes back to the pool with the connection. Pass `true` as `is_local` inside a transaction.',
      sessionSetDefault:
        '`ALTER {{owner}} … SET {{name}}` makes one value the default of every new session, so every connection starts inside one tenant. Set tenant context per transaction with `set_config(…, true)`.',
      sessionReset:
        '`{{statement}}` cleans up a connection after use, which is too late: an error or an early return skips it and the context leaks to the next request. Set context with `SET LOCAL` or `set_config(…, true)` so it ends with the transaction.',
      unparsableSql: 'This SQL does not parse ({{message}}), so its effect on tenant context cannot be checked.',
      unanalyzable: 'The SQL analyzer failed on this text ({{message}}), so its effect on tenant context cannot be checked. Split the statement, or check it by hand.',
      useSetLocal: 'Use `SET LOCAL`, which ends with the transaction.',
      useSetConfigLocal: 'Pass `true` as `is_local`, so the setting ends with the transaction.',
    },
    schema: [
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          contextGucs: {
            type: 'array',
            items: { type: 'string' },
            description: "Settings that carry tenant context. Default: `settings['tenant-scope'].contextGucs`, else every custom dotted setting.",
          },
          checkFunctionBodies: {
            type: 'boolean',
            description: 'Also report writes inside `CREATE FUNCTION` bodies, which happen when the function is called. Default: true.',
          },
          reportParseErrors: {
            type: 'boolean',
            description: 'Report SQL text that does not parse (it is skipped otherwise). Default: false.',
          },
        },
      },
    ],
  },
  defaultOptions: [{ checkFunctionBodies: true, reportParseErrors: false }],
  create(context, [options]) {
    const ctx = sqlQueryContext(context);
    const settings = contextSettings(ctx.settings, options.contextGucs);
    /** The hazards of a write this rule reports, or null when it reports nothing for it. */
    const reportedHazards = (fact: SessionFact): ContextWriteHazard[] | null => {
      if (fact.kind !== 'guc-write') return null;
      if (fact.origin === 'function-body' && options.checkFunctionBodies === false) return null;
      const target = contextWriteTarget(fact, settings);
      if (target !== 'context-setting' && target !== 'all' && target !== 'unknown') return null;
      const hazards = contextWriteHazards(fact, settings);
      return hazards.includes('session-level') || hazards.includes('session-default') ? hazards : null;
    };
    const reportWrite = (query: SqlQuery, fact: GucWrite, hazards: readonly ContextWriteHazard[]): void => {
      safely(() => {
        const loc = sqlLocation(query.sql, fact.range, ctx.sourceCode);
        const name = fact.name ?? (fact.nameRange ? query.sql.text.slice(fact.nameRange.start, fact.nameRange.end) : 'setting');
        if (hazards.includes('session-default')) {
          const owner = fact.via === 'alter-role' ? 'ROLE' : fact.via === 'alter-database' ? 'DATABASE' : 'SYSTEM';
          context.report({ loc, messageId: 'sessionSetDefault', data: { owner, name } });
        } else if (fact.via === 'discard-all' || fact.via === 'reset') {
          const statement = fact.via === 'discard-all' ? 'DISCARD ALL' : `RESET ${fact.name ?? 'ALL'}`;
          context.report({ loc, messageId: 'sessionReset', data: { statement } });
        } else {
          const suggestion = localFormFix(query.sql, fact);
          const messageId = hazards.includes('lifetime-unknown') ? 'maybeSessionSet' : 'sessionSet';
          context.report({ loc, messageId, data: { name }, suggest: suggestion ? [suggestion] : [] });
        }
      });
    };
    // A reset is no too-late cleanup inside a transaction: on a client it depends on the path taken, so it is judged there.
    const isCleanupReset = (fact: GucWrite, hazards: readonly ContextWriteHazard[]): boolean => hazards.includes('resets') && fact.via !== 'discard-all';
    // A reset (or DISCARD ALL) in a `finally` block runs on every way out, errors and early returns included.
    const isCleanupInFinally = (query: SqlQuery, fact: GucWrite, hazards: readonly ContextWriteHazard[]): boolean =>
      hazards.includes('resets') && isInFinally(query.node);
    const resetProbe = (query: SqlQuery, fact: SessionFact): TransactionProbe | null => {
      const hazards = reportedHazards(fact);
      if (!hazards || fact.kind !== 'guc-write' || !isCleanupReset(fact, hazards) || isCleanupInFinally(query, fact, hazards)) return null;
      return (state) => {
        if (state !== 'open') reportWrite(query, fact, hazards);
      };
    };
    return mergeListeners(clientTransactionListeners(ctx, resetProbe), sqlQueryListener(ctx, {
      wantsParseErrors: options.reportParseErrors === true,
      onParseError(query, error) {
        if (!options.reportParseErrors) return;
        safely(() => context.report({ node: query.node, messageId: 'unparsableSql', data: { message: error.message } }));
      },
      onUnanalyzable(query, reason) {
        if (!options.reportParseErrors) return;
        safely(() => context.report({ node: query.node, messageId: 'unanalyzable', data: { message: reason } }));
      },
      onQuery(query) {
        for (const fact of query.analysis.facts) {
          const hazards = reportedHazards(fact);
          if (!hazards || fact.kind !== 'guc-write') continue;
          if (isCleanupInFinally(query, fact, hazards)) continue;
          // A session-level value on a connection this function opens and closes for itself reaches no other request.
          if (hazards.includes('session-level') && (isPrivateConnection(query.node, query.receiver, ctx.sourceCode) || isMigrationCode(query.node, ctx.filename))) continue;
          if (isCleanupReset(fact, hazards) && (isInsideTransaction(connectionOf(query, ctx)) || isTrackedClientQuery(query, ctx))) continue;
          reportWrite(query, fact, hazards);
        }
      },
    }));
  },
});
