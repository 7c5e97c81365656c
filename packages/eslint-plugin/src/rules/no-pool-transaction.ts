import { transactionControlHazards } from '@tenant-scope/sql-analyzer';
import type { SessionFact, TransactionControl } from '@tenant-scope/sql-analyzer';
import { AST_NODE_TYPES } from '@typescript-eslint/utils';
import type { TransactionProbe } from '../client-transactions.js';
import { clientTransactionListeners, mergeListeners } from '../client-transactions.js';
import { createRule } from '../create-rule.js';
import { connectionOf } from '../query-connection.js';
import type { SqlQuery } from '../sql-queries.js';
import { safely, sqlQueryContext, sqlQueryListener } from '../sql-queries.js';
import { sqlLocation } from '../sql-text.js';

type MessageIds = 'poolTransaction' | 'poolLocalSet' | 'clientLocalSet';

/** How each transaction-control operation is written. */
const statementOf: Record<TransactionControl['operation'], string> = {
  begin: 'BEGIN',
  commit: 'COMMIT',
  rollback: 'ROLLBACK',
  savepoint: 'SAVEPOINT',
  'release-savepoint': 'RELEASE SAVEPOINT',
  'rollback-to-savepoint': 'ROLLBACK TO SAVEPOINT',
  'prepare-transaction': 'PREPARE TRANSACTION',
  'commit-prepared': 'COMMIT PREPARED',
  'rollback-prepared': 'ROLLBACK PREPARED',
};

/** A text that opens and closes its own transaction runs on one connection, in one round trip. */
function isSelfContained(facts: readonly SessionFact[]): boolean {
  const controls = facts.filter((fact) => fact.kind === 'transaction-control' && fact.origin === 'statement');
  const first = controls[0];
  const last = controls[controls.length - 1];
  if (first?.kind !== 'transaction-control' || last?.kind !== 'transaction-control') return false;
  const ends = transactionControlHazards(last);
  return transactionControlHazards(first).includes('begins-transaction') && ends.includes('ends-transaction') && !ends.includes('chains');
}

export default createRule<[], MessageIds>({
  name: 'no-pool-transaction',
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow transaction control and transaction-local settings sent through a pool, where each query may take another connection',
      recommended: true,
    },
    messages: {
      poolTransaction:
        '`{{operation}}` is sent through the pool: each pool query may run on a different connection, so the queries after it are not in this transaction, and an open transaction can go back to the pool. Take one client (`pool.connect()` or the tenant-scope wrapper) and run the whole transaction on it.',
      poolLocalSet:
        '`{{name}}` is set transaction-locally through the pool: outside a transaction the value ends with this statement, so the following queries run without it and nothing warns. Set it on one client inside a transaction, for example in `withTenant`.',
      clientLocalSet:
        '`{{name}}` is set transaction-locally on `{{client}}`, which has no transaction open here: the value ends with this statement, so the following queries run without it and nothing warns. Send `BEGIN` on `{{client}}` first, or use `withTenant`.',
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    const ctx = sqlQueryContext(context);
    const clientProbe = (query: SqlQuery, fact: SessionFact): TransactionProbe | null => {
      if (fact.kind !== 'guc-write' || fact.scope !== 'transaction' || fact.statementIndex !== query.analysis.statements.length - 1) return null;
      const client = query.receiver?.type === AST_NODE_TYPES.Identifier ? query.receiver.name : 'the client';
      return (state) => {
        if (state === 'closed') {
          context.report({ loc: sqlLocation(query.sql, fact.range, ctx.sourceCode), messageId: 'clientLocalSet', data: { name: fact.name ?? 'the setting', client } });
        }
      };
    };
    return mergeListeners(clientTransactionListeners(ctx, clientProbe), sqlQueryListener(ctx, {
      onQuery(query) {
        if (connectionOf(query, ctx) !== 'pool') return;
        const { facts, statements } = query.analysis;
        if (isSelfContained(facts)) return;
        const lastStatement = statements.length - 1;
        for (const fact of facts) {
          if (fact.origin !== 'statement') continue;
          safely(() => {
            const loc = sqlLocation(query.sql, fact.range, ctx.sourceCode);
            if (fact.kind === 'transaction-control') {
              // COMMIT/ROLLBACK PREPARED work from any connection.
              if (transactionControlHazards(fact).includes('needs-same-connection')) {
                context.report({ loc, messageId: 'poolTransaction', data: { operation: statementOf[fact.operation] } });
              }
            } else if (fact.kind === 'guc-write' && fact.scope === 'transaction' && fact.statementIndex === lastStatement) {
              // Earlier statements of one text share its implicit transaction, so only a set at the end is lost.
              context.report({ loc, messageId: 'poolLocalSet', data: { name: fact.name ?? 'the setting' } });
            }
          });
        }
      },
    }));
  },
});
