import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES, ASTUtils } from '@typescript-eslint/utils';
import { isCallOf, kindOf } from '../connection-kind.js';
import { createRule } from '../create-rule.js';
import { isInFinally } from '../in-finally.js';
import { safely, sqlQueryContext } from '../sql-queries.js';
import { unwrapExpression } from '../unwrap-expression.js';

type MessageIds = 'clientNotReleased' | 'releaseNotInFinally';

/** How the client is used at one reference: released, handed to someone else, or just used. */
function referenceUse(reference: TSESLint.Scope.Reference): 'release' | 'handoff' | 'use' {
  const identifier = reference.identifier as TSESTree.Node;
  const parent = identifier.parent;
  if (!parent) return 'use';
  if (parent.type === AST_NODE_TYPES.MemberExpression && parent.object === identifier) {
    const call = parent.parent;
    const name = !parent.computed && parent.property.type === AST_NODE_TYPES.Identifier ? parent.property.name : null;
    return name === 'release' && call?.type === AST_NODE_TYPES.CallExpression && call.callee === parent ? 'release' : 'use';
  }
  if (parent.type === AST_NODE_TYPES.ReturnStatement) return 'handoff';
  if (parent.type === AST_NODE_TYPES.ArrowFunctionExpression && parent.body === identifier) return 'handoff';
  if ((parent.type === AST_NODE_TYPES.CallExpression || parent.type === AST_NODE_TYPES.NewExpression) && parent.arguments.includes(identifier as TSESTree.Expression)) return 'handoff';
  if (parent.type === AST_NODE_TYPES.AssignmentExpression && parent.right === identifier) return 'handoff';
  if (parent.type === AST_NODE_TYPES.Property && parent.value === identifier) return 'handoff';
  if (parent.type === AST_NODE_TYPES.ArrayExpression || parent.type === AST_NODE_TYPES.YieldExpression) return 'handoff';
  if (parent.type === AST_NODE_TYPES.VariableDeclarator && parent.init === identifier) return 'handoff';
  return 'use';
}

export default createRule<[], MessageIds>({
  name: 'require-client-release',
  meta: {
    type: 'problem',
    docs: {
      description: 'Require a client taken with `pool.connect()` to be released on every path, in a `finally` block',
      recommended: true,
    },
    messages: {
      clientNotReleased:
        '`{{name}}` is taken from the pool and never released: the connection stays checked out, and the pool runs dry after a few requests. Call `{{name}}.release()` in a `finally` block.',
      releaseNotInFinally:
        '`{{name}}.release()` is not in a `finally` block: an exception or an early return skips it, and the connection stays checked out with whatever state it carries. Release it in `finally`.',
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    const ctx = sqlQueryContext(context);
    return {
      VariableDeclarator(node): void {
        safely(() => {
          if (node.id.type !== AST_NODE_TYPES.Identifier || !node.init) return;
          const init = unwrapExpression(node.init);
          if (init.type !== AST_NODE_TYPES.CallExpression || init.callee.type !== AST_NODE_TYPES.MemberExpression) return;
          // The callback form (`pool.connect((err, client, done) => …)`) hands the client to the callback.
          if (!isCallOf(init, ['connect']) || init.arguments.length > 0 || kindOf(init.callee.object, ctx) !== 'pool') return;
          const variable = ASTUtils.findVariable(context.sourceCode.getScope(node), node.id);
          if (!variable) return;
          const uses = variable.references.filter((reference) => !reference.init).map((reference) => ({ reference, use: referenceUse(reference) }));
          if (uses.some(({ use }) => use === 'handoff')) return;
          const releases = uses.filter(({ use }) => use === 'release');
          const data = { name: node.id.name };
          if (releases.length === 0) {
            context.report({ node, messageId: 'clientNotReleased', data });
          } else if (!releases.some(({ reference }) => isInFinally(reference.identifier as TSESTree.Node))) {
            context.report({ node: releases[0]!.reference.identifier, messageId: 'releaseNotInFinally', data });
          }
        });
      },
    };
  },
});
