/** DROP TABLE / VIEW / MATERIALIZED VIEW / SCHEMA / POLICY / FUNCTION / PROCEDURE / ROUTINE. */
import { calledFunctionName, nameParts, nodeOf, stringValue, walkTree } from '@tenant-scope/sql-analyzer';
import type { NodeOfType, ParseTreeNode } from '@tenant-scope/sql-analyzer';
import { functionsMatching, relationKeyAlong, splitKey } from '../names.js';
import type { ReplayContext } from '../replay-context.js';
import type { FunctionModel, PolicyModel, SchemaModel } from '../schema-model.js';

/** A table or view gone, with the partitions and inheritance children it takes along. */
function dropRelation(model: SchemaModel, key: string): void {
  model.tables.delete(key);
  model.views.delete(key);
  for (const [childKey, child] of model.tables) {
    // Partitions go with their parent; inheritance children need CASCADE, which drops them too.
    if (child.parents.includes(key)) model.tables.delete(childKey);
  }
}

function dropRelations(ctx: ReplayContext, objects: readonly ParseTreeNode[]): void {
  for (const object of objects) {
    const parts = nameParts(nodeOf(object, 'List')?.items);
    const name = parts[parts.length - 1];
    if (name) dropRelation(ctx.model, relationKeyAlong(ctx.model, ctx.path.schemas, parts.length > 1 ? parts[parts.length - 2] : undefined, name));
  }
}

function dropSchemas(ctx: ReplayContext, objects: readonly ParseTreeNode[]): void {
  for (const schema of objects.map(stringValue)) {
    for (const key of [...ctx.model.tables.keys(), ...ctx.model.views.keys()]) {
      if (splitKey(key).schema === schema) dropRelation(ctx.model, key);
    }
    for (const [key, fn] of ctx.model.functions) if (fn.schema === schema) ctx.model.functions.delete(key);
    ctx.model.schemaUsage.delete(schema?.toLowerCase() ?? '');
    ctx.model.functionDefaults.bySchema.delete(schema?.toLowerCase() ?? '');
  }
}

/** DROP POLICY: a weakening the history remembers, with the policy it took away. */
function dropPolicies(ctx: ReplayContext, objects: readonly ParseTreeNode[]): void {
  for (const object of objects) {
    const parts = nameParts(nodeOf(object, 'List')?.items);
    const policyName = parts.pop();
    const tableName = parts.pop();
    if (!policyName || !tableName) continue;
    const key = relationKeyAlong(ctx.model, ctx.path.schemas, parts.pop(), tableName);
    const table = ctx.model.tables.get(key);
    const policy = table?.policies.get(policyName);
    if (table && policy) {
      table.policies.delete(policyName);
      ctx.model.weakenings.push({ kind: 'drop-policy', table: key, policy, source: ctx.source });
    }
  }
}

/**
 * Whether a policy's USING or WITH CHECK calls one of `functions`: a call by the same name (and
 * schema, when it names one), as calls in policy expressions are resolved elsewhere in the model.
 */
function callsAny(policy: PolicyModel, functions: readonly FunctionModel[]): boolean {
  let found = false;
  for (const expression of [policy.using, policy.withCheck]) {
    walkTree(expression?.node, (type, body) => {
      if (found || type !== 'FuncCall') return;
      const { schema, name } = calledFunctionName(body);
      found = functions.some((fn) => fn.name === name && (schema === undefined || fn.schema === schema));
    });
  }
  return found;
}

/**
 * DROP FUNCTION: with CASCADE, PostgreSQL also drops every policy whose expressions call it (a
 * policy depends on the functions it calls); each is a policy the history took away. Without
 * CASCADE such a drop fails, so the model keeps nothing else.
 */
function dropRoutines(ctx: ReplayContext, objects: readonly ParseTreeNode[], cascade: boolean): void {
  const dropped: FunctionModel[] = [];
  for (const object of objects) {
    for (const [key, fn] of functionsMatching(ctx, nodeOf(object, 'ObjectWithArgs'))) {
      dropped.push(fn);
      ctx.model.functions.delete(key);
    }
  }
  if (!cascade || dropped.length === 0) return;
  // A call that another overload of the same name still answers is not known to be gone.
  const gone = dropped.filter((fn) => ![...ctx.model.functions.values()].some((other) => other.name === fn.name && other.schema === fn.schema));
  if (gone.length === 0) return;
  for (const [key, table] of ctx.model.tables) {
    for (const policy of [...table.policies.values()]) {
      if (!callsAny(policy, gone)) continue;
      table.policies.delete(policy.name);
      ctx.model.weakenings.push({ kind: 'drop-policy', table: key, policy, source: ctx.source });
    }
  }
}

/** DROP of anything the model holds. */
export function applyDrop(ctx: ReplayContext, node: NodeOfType<'DropStmt'>): void {
  const objects = node.objects ?? [];
  switch (node.removeType) {
    case 'OBJECT_TABLE':
    case 'OBJECT_VIEW':
    case 'OBJECT_MATVIEW':
      return dropRelations(ctx, objects);
    case 'OBJECT_SCHEMA':
      return dropSchemas(ctx, objects);
    case 'OBJECT_POLICY':
      return dropPolicies(ctx, objects);
    case 'OBJECT_FUNCTION':
    case 'OBJECT_PROCEDURE':
    case 'OBJECT_ROUTINE':
      return dropRoutines(ctx, objects, node.behavior === 'DROP_CASCADE');
    default:
      return;
  }
}
