import type { TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES } from '@typescript-eslint/utils';
import { isCallOf, kindOf, wrapperCallback } from '../connection-kind.js';
import { createRule } from '../create-rule.js';
import type { TenantScopeSettings } from '../settings.js';
import { rawQueryMethods, safely, sqlQueryContext } from '../sql-queries.js';
import { calleeName } from '../sql-text.js';

type MessageIds = 'unscopedQuery' | 'poolInsideScope';

/** The nearest enclosing wrapper callback: tenant-scoped (with the wrapper's name), deliberately unscoped, or none. */
function enclosingScope(node: TSESTree.Node, settings: TenantScopeSettings): { kind: 'scoped'; wrapper: string } | { kind: 'unscoped' | 'none' } {
  for (let current = node.parent; current; current = current.parent) {
    if (current.type !== AST_NODE_TYPES.ArrowFunctionExpression && current.type !== AST_NODE_TYPES.FunctionExpression) continue;
    const call = current.parent;
    if (call?.type !== AST_NODE_TYPES.CallExpression || wrapperCallback(call) !== current) continue;
    if (isCallOf(call, settings.unscopedWrappers)) return { kind: 'unscoped' };
    if (isCallOf(call, settings.wrappers)) return { kind: 'scoped', wrapper: calleeName(call.callee) ?? 'withTenant' };
  }
  return { kind: 'none' };
}

export default createRule<[], MessageIds>({
  name: 'require-tenant-scope',
  meta: {
    type: 'problem',
    docs: {
      description: 'Require queries on a pool or database handle to run inside a tenant-scope wrapper, on the client it provides',
      recommended: true,
    },
    messages: {
      unscopedQuery:
        '`{{method}}` runs on the pool outside a tenant scope: the connection it takes has no tenant context (or a stale one), so row-level security shows no rows or another tenant\'s. Run it inside `{{wrapper}}(…)` on the client it passes, or mark admin work with `{{escape}}(…)`.',
      poolInsideScope:
        '`{{method}}` runs on the outer pool inside `{{wrapper}}`: it takes another connection, which does not carry this tenant\'s context. Use the client the callback receives.',
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    const ctx = sqlQueryContext(context);
    const { settings } = ctx;
    const escape = settings.unscopedWrappers[0] ?? 'withoutTenant';
    const check = (node: TSESTree.Node, receiver: TSESTree.Node, method: string): void => {
      if (kindOf(receiver, ctx) !== 'pool') return;
      const scope = enclosingScope(node, settings);
      if (scope.kind === 'scoped') context.report({ node, messageId: 'poolInsideScope', data: { method, wrapper: scope.wrapper } });
      else if (scope.kind === 'none') context.report({ node, messageId: 'unscopedQuery', data: { method, wrapper: settings.wrappers[0] ?? 'withTenant', escape } });
    };
    return {
      CallExpression(node): void {
        safely(() => {
          if (node.callee.type !== AST_NODE_TYPES.MemberExpression) return;
          const method = calleeName(node.callee);
          if (method !== null && rawQueryMethods.has(method)) check(node, node.callee.object, method);
        });
      },
      TaggedTemplateExpression(node): void {
        safely(() => {
          const tag = node.tag;
          if (tag.type === AST_NODE_TYPES.Identifier) check(node, tag, tag.name);
          else if (tag.type === AST_NODE_TYPES.MemberExpression && rawQueryMethods.has(calleeName(tag) ?? '')) check(node, tag.object, calleeName(tag) ?? '');
        });
      },
    };
  },
});
