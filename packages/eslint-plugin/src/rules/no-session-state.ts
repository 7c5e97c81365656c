import { contextWriteHazards, sessionStateHazards } from '@tenant-scope/sql-analyzer';
import { isConnectionSetup } from '../connection-setup.js';
import { createRule } from '../create-rule.js';
import { isMigrationCode } from '../migration-code.js';
import { isPrivateConnection } from '../private-connection.js';
import { safely, sqlQueryContext, sqlQueryListener } from '../sql-queries.js';
import { sqlLocation } from '../sql-text.js';

/** Session state that outlives a transaction; each is a feature name the `allow` option accepts. */
const features = ['advisory-lock', 'listen', 'prepare', 'temp-table', 'cursor-with-hold', 'set-role', 'session-authorization'] as const;
type Feature = (typeof features)[number];

type Options = [{ allow?: Feature[]; checkFunctionBodies?: boolean }];
type MessageIds = 'advisoryLock' | 'listen' | 'prepare' | 'tempTable' | 'cursorWithHold' | 'sessionRole' | 'sessionAuthorization';

const messageOf: Record<Feature, MessageIds> = {
  'advisory-lock': 'advisoryLock',
  listen: 'listen',
  prepare: 'prepare',
  'temp-table': 'tempTable',
  'cursor-with-hold': 'cursorWithHold',
  'set-role': 'sessionRole',
  'session-authorization': 'sessionAuthorization',
};

export default createRule<Options, MessageIds>({
  name: 'no-session-state',
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow session state (advisory locks, LISTEN, PREPARE, temp tables, WITH HOLD cursors, session roles) that breaks or leaks under connection pooling',
      recommended: true,
    },
    messages: {
      advisoryLock:
        '`{{detail}}` takes a session-level advisory lock: it stays held on the pooled connection after the request, and under transaction pooling the unlock may run on another connection. Use `pg_advisory_xact_lock`, released at the end of the transaction.',
      listen:
        '`LISTEN {{detail}}` subscribes the pooled connection, not this request: notifications go to whoever holds the connection next, or nowhere under transaction pooling. Listen on a dedicated client outside the pool.',
      prepare:
        '`PREPARE {{detail}}` creates a prepared statement on one connection of the pool: later `EXECUTE`s may run on another connection and fail, or reuse a leftover statement. Use the driver\'s parameterized queries.',
      tempTable:
        'Temporary table `{{detail}}` lives as long as the connection: the next request on it sees this request\'s rows. Add `ON COMMIT DROP` and create it inside the transaction.',
      cursorWithHold:
        'Cursor `{{detail}}` is declared `WITH HOLD`, so it survives the transaction and stays open on the pooled connection. Declare it without `WITH HOLD` and read it inside the transaction.',
      sessionRole:
        '`SET ROLE` changes the role for the whole session: the next request on the connection runs as `{{detail}}` with its privileges and row-level security. Use `SET LOCAL ROLE` inside a transaction.',
      sessionAuthorization:
        '`SET SESSION AUTHORIZATION` changes the user for the whole session: the next request on the connection runs as `{{detail}}`. Use `SET LOCAL SESSION AUTHORIZATION` inside a transaction.',
    },
    schema: [
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          allow: {
            type: 'array',
            items: { type: 'string', enum: [...features] },
            uniqueItems: true,
            description: 'Session features this code base uses on purpose, for example `listen` on a dedicated client.',
          },
          checkFunctionBodies: {
            type: 'boolean',
            description: 'Also report session state inside `CREATE FUNCTION` bodies, which happens when the function is called. Default: true.',
          },
        },
      },
    ],
  },
  defaultOptions: [{ allow: [], checkFunctionBodies: true }],
  create(context, [options]) {
    const ctx = sqlQueryContext(context);
    const allowed = new Set<string>(options.allow ?? []);
    return sqlQueryListener(ctx, {
      onQuery(query) {
        for (const fact of query.analysis.facts) {
          if (fact.origin === 'function-body' && options.checkFunctionBodies === false) continue;
          let feature: Feature | null = null;
          let detail = '';
          if (fact.kind === 'session-state' && sessionStateHazards(fact).includes('outlives-transaction')) {
            feature = fact.feature as Feature;
            detail = fact.detail;
          } else if (fact.kind === 'guc-write' && (fact.target === 'role' || fact.target === 'session-authorization')) {
            // Returning to the login role (RESET ROLE, SET ROLE NONE) leaves no other role behind.
            const hazards = contextWriteHazards(fact, { contextGucs: null });
            // A role every connection is given when it opens is configuration, like `ALTER ROLE … SET role`.
            const unshared =
              isConnectionSetup(query.node, query.receiver, ctx.sourceCode) ||
              isPrivateConnection(query.node, query.receiver, ctx.sourceCode) ||
              isMigrationCode(query.node, ctx.filename);
            if (hazards.includes('session-level') && !hazards.includes('resets') && !unshared) {
              feature = fact.target === 'role' ? 'set-role' : 'session-authorization';
              detail = fact.value?.kind === 'literal' ? (fact.value.text ?? '') : query.sql.text.slice(fact.value?.range.start ?? 0, fact.value?.range.end ?? 0);
            }
          }
          if (feature === null || allowed.has(feature)) continue;
          const messageId = messageOf[feature];
          const data = { detail };
          safely(() => context.report({ loc: sqlLocation(query.sql, fact.range, ctx.sourceCode), messageId, data }));
        }
      },
    });
  },
});
