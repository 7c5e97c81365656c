import type { TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES } from '@typescript-eslint/utils';
import { readsOnlyCatalogs } from '../catalog-only-query.js';
import { isCallOf, wrapperCallback } from '../connection-kind.js';
import { contextWrites, onlySetsUpConnection } from '../context-writes.js';
import { mergeListeners } from '../client-transactions.js';
import { createRule } from '../create-rule.js';
import { queryCoverageListener } from '../query-coverage.js';
import { projectSchemaFor } from '../project-schema.js';
import { queryTenancy } from '../query-tenancy.js';
import { batchPlaceOf, connectionOf, executedOn } from '../query-connection.js';
import type { TenantScopeSettings } from '../settings.js';
import type { SqlQueryContext } from '../sql-queries.js';
import { rawQueryMethods, safely, sqlQueryAt, sqlQueryContext } from '../sql-queries.js';
import { calleeName } from '../sql-text.js';
import { unusedContextEnd } from '../unused-context.js';

type MessageIds = 'unscopedQuery' | 'unscopedTenantQuery' | 'poolInsideScope' | 'contextReleasedUnused' | 'contextTransactionUnused';

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

/** Whether an element of a batch transaction before `index` sets tenant context: then the rest of the batch runs in it. */
function contextSetEarlierInBatch(elements: readonly TSESTree.Node[], index: number, ctx: SqlQueryContext): boolean {
  return elements.slice(0, Math.max(index, 0)).some((element) => {
    const query = sqlQueryAt(element, ctx);
    return query !== null && contextWrites(query.analysis, ctx.settings).length > 0;
  });
}

/** Values of a context write that come from the running code: the request's tenant. */
const requestValueKinds: ReadonlySet<string> = new Set(['parameter', 'interpolated', 'expression']);

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
      unscopedTenantQuery:
        '`{{method}}` reads or writes `{{relation}}`, tenant data, on the pool outside a tenant scope: the connection it takes has no tenant context (or a stale one), so row-level security shows no rows or another tenant\'s. Run it inside `{{wrapper}}(…)` on the client it passes, or mark admin work with `{{escape}}(…)`.',
      poolInsideScope:
        '`{{method}}` runs on the outer pool inside `{{wrapper}}`: it takes another connection, which does not carry this tenant\'s context. Use the client the callback receives.',
      contextReleasedUnused:
        '`{{handle}}` is released right after `{{name}}` is set on it, before any query runs on it: the queries that need this tenant run on other connections without it (and a session-level value stays behind on this one). Run the work on `{{handle}}` before releasing it, or use `{{wrapper}}(…)`.',
      contextTransactionUnused:
        'The transaction ends right after `{{name}}` is set on `{{handle}}`: no query in it runs with this tenant, and the queries outside it run without the context. Run the work on `{{handle}}` inside the callback.',
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    const ctx = sqlQueryContext(context);
    const { settings } = ctx;
    const wrapper = settings.wrappers[0] ?? 'withTenant';
    const escape = settings.unscopedWrappers[0] ?? 'withoutTenant';
    const checkUnusedContext = (node: TSESTree.Node, receiver: TSESTree.Node): void => {
      const query = sqlQueryAt(node, ctx);
      const write = query && contextWrites(query.analysis, settings)[0];
      if (!write) return;
      const end = unusedContextEnd(receiver, ctx);
      const name = write.name ?? 'the tenant setting';
      if (end?.ending === 'release') context.report({ node: end.node, messageId: 'contextReleasedUnused', data: { handle: end.handle, name, wrapper } });
      else if (end?.ending === 'transaction-end') context.report({ node, messageId: 'contextTransactionUnused', data: { handle: end.handle, name } });
    };
    const check = (node: TSESTree.Node, written: TSESTree.Node, method: string): void => {
      const receiver = executedOn(node) ?? written;
      let kind = connectionOf({ node, receiver }, ctx);
      const batch = kind === 'transaction' ? batchPlaceOf(node, ctx) : null;
      // A batch transaction is scoped from its first context write on; before it, its elements are plain pool queries.
      if (batch && !contextSetEarlierInBatch(batch.elements, batch.index, ctx)) kind = 'pool';
      if (kind === 'client' || kind === 'transaction') checkUnusedContext(node, receiver);
      if (kind !== 'pool') return;
      // A text that only sets up the connection (context, transaction control) is judged by no-pool-transaction and no-session-set.
      const query = sqlQueryAt(node, ctx);
      if (query && onlySetsUpConnection(query.analysis, settings)) return;
      const scope = enclosingScope(node, settings);
      if (scope.kind === 'unscoped') return;
      // With the project's schema, a query that touches no tenant relation needs no scope (`select 1`, lookup tables).
      const schema = projectSchemaFor(context.filename, context.cwd, settings.migrations);
      const tenancy = schema ? queryTenancy(node, schema, ctx) : null;
      if (tenancy?.kind === 'global') return;
      if (scope.kind === 'scoped') context.report({ node, messageId: 'poolInsideScope', data: { method, wrapper: scope.wrapper } });
      else if (tenancy?.kind === 'tenant') context.report({ node, messageId: 'unscopedTenantQuery', data: { method, relation: tenancy.name, wrapper, escape } });
      else if (schema || settings.tenantModelGiven) context.report({ node, messageId: 'unscopedQuery', data: { method, wrapper, escape } });
      // Whether this pool serves tenant data at all is only known once the whole file is read.
      else unjudged.push({ node, method });
    };
    /** Unscoped pool queries of unknown tenancy, reported at the end if the file shows it uses tenant context. */
    const unjudged: { node: TSESTree.Node; method: string }[] = [];
    // Every call, kept to be read only at the end and only when some query's judgement waits on it:
    // most files have no such query, and reading each call's SQL would cost them for nothing.
    const calls: TSESTree.Node[] = [];
    /** Whether the call wraps work in a scope, or writes tenant context from a value of the request. */
    const showsTenantContext = (node: TSESTree.Node): boolean => {
      if (isCallOf(node, settings.wrappers) || isCallOf(node, settings.unscopedWrappers)) return true;
      // A tenant is a value of the request (a bound parameter, a spliced value), not a constant such as a test flag.
      const query = sqlQueryAt(node, ctx);
      return query !== null && contextWrites(query.analysis, settings).some((write) => write.value !== null && requestValueKinds.has(write.value.kind));
    };
    return mergeListeners(queryCoverageListener(ctx), {
      CallExpression(node): void {
        safely(() => {
          calls.push(node);
          if (node.callee.type !== AST_NODE_TYPES.MemberExpression) return;
          const method = calleeName(node.callee);
          if (method !== null && rawQueryMethods.has(method)) check(node, node.callee.object, method);
        });
      },
      TaggedTemplateExpression(node): void {
        safely(() => {
          calls.push(node);
          const tag = node.tag;
          if (tag.type === AST_NODE_TYPES.Identifier) check(node, tag, tag.name);
          else if (tag.type === AST_NODE_TYPES.MemberExpression && rawQueryMethods.has(calleeName(tag) ?? '')) check(node, tag.object, calleeName(tag) ?? '');
        });
      },
      'Program:exit'(): void {
        if (unjudged.length === 0) return;
        const shows = (node: TSESTree.Node): boolean => {
          let found = false;
          safely(() => {
            found = showsTenantContext(node);
          });
          return found;
        };
        if (!calls.some(shows)) return;
        for (const { node, method } of unjudged) {
          // Where only the file says the pool serves tenants, a query of the system catalogs alone reads no tenant's rows.
          if (!readsOnlyCatalogs(node, ctx)) context.report({ node, messageId: 'unscopedQuery', data: { method, wrapper, escape } });
        }
      },
    });
  },
});
