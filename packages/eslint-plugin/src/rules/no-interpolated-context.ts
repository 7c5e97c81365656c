import { contextWriteTarget } from '@tenant-scope/sql-analyzer';
import type { TSESTree } from '@typescript-eslint/utils';
import { createRule } from '../create-rule.js';
import { isInertSplice } from '../inert-splice.js';
import { contextSettings } from '../settings.js';
import { safely, sqlQueryContext, sqlQueryListener } from '../sql-queries.js';
import { splicedExpressionsIn } from '../sql-text.js';

type Options = [{ checkNames?: boolean }];
type MessageIds = 'interpolatedContext' | 'interpolatedRole' | 'interpolatedName';

export default createRule<Options, MessageIds>({
  name: 'no-interpolated-context',
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow splicing values into the SQL text of `SET` and `set_config`, which lets a crafted value cross the tenant boundary',
      recommended: true,
    },
    messages: {
      interpolatedContext:
        'This value is spliced into the SQL text that sets `{{name}}`: a value containing a quote ends the string and runs its own SQL, with the power to pick any tenant. Pass it as a bound parameter: `select set_config(\'{{name}}\', $1, true)` with the value in the parameters.',
      interpolatedRole:
        'This value is spliced into the SQL text that sets `{{name}}`: a value containing a quote ends the string and runs its own SQL, and any value switches to whichever role the connection may become, with its privileges and row-level security. Pass it as a bound parameter: `select set_config(\'{{name}}\', $1, true)` with the value in the parameters, and check it against the roles you expect.',
      interpolatedName:
        'The setting name is spliced into the SQL text of `set_config`: a crafted name writes any setting, including `role`. Write the name as a literal.',
    },
    schema: [
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          checkNames: {
            type: 'boolean',
            description: 'Also report setting names spliced into `set_config(…)`. Default: true.',
          },
        },
      },
    ],
  },
  defaultOptions: [{ checkNames: true }],
  create(context, [options]) {
    const ctx = sqlQueryContext(context);
    const tenantSettings = contextSettings(ctx.settings);
    // An escaped, numeric or plain-word value cannot end the quotes it is written into (names stay literal-only).
    const inert = (spliced: TSESTree.Node, before: string, after: string): boolean => isInertSplice(spliced, before, after, ctx.sourceCode);
    return sqlQueryListener(ctx, {
      onQuery(query) {
        const reported = new Set<unknown>();
        for (const fact of query.analysis.facts) {
          if (fact.kind !== 'guc-write') continue;
          safely(() => {
            // A spliced value of a setting that selects no tenant, schema or role (`timezone`) is no tenant boundary.
            if (fact.value?.kind === 'interpolated' && contextWriteTarget(fact, tenantSettings) !== null) {
              for (const node of splicedExpressionsIn(query.sql, fact.value.range, ctx.sourceCode, inert)) {
                if (reported.has(node)) continue;
                reported.add(node);
                const messageId = fact.target === 'role' || fact.target === 'session-authorization' ? 'interpolatedRole' : 'interpolatedContext';
                context.report({ node, messageId, data: { name: fact.name ?? 'the setting' } });
              }
            }
            if (options.checkNames !== false && fact.via === 'set-config' && fact.name === null && fact.nameRange) {
              for (const node of splicedExpressionsIn(query.sql, fact.nameRange, ctx.sourceCode)) {
                if (reported.has(node)) continue;
                reported.add(node);
                context.report({ node, messageId: 'interpolatedName' });
              }
            }
          });
        }
      },
    });
  },
});
