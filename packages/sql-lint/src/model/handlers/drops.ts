/** DROP TABLE / VIEW / MATERIALIZED VIEW / SCHEMA / POLICY / FUNCTION / PROCEDURE / ROUTINE. */
import { nameParts, nodeOf, stringValue } from '@tenant-scope/sql-analyzer';
import type { NodeOfType, ParseTreeNode } from '@tenant-scope/sql-analyzer';
import { functionsMatching, relationKeyAlong, splitKey } from '../names.js';
import type { ReplayContext } from '../replay-context.js';
import type { SchemaModel } from '../schema-model.js';

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

function dropRoutines(ctx: ReplayContext, objects: readonly ParseTreeNode[]): void {
  for (const object of objects) {
    for (const [key] of functionsMatching(ctx, nodeOf(object, 'ObjectWithArgs'))) ctx.model.functions.delete(key);
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
      return dropRoutines(ctx, objects);
    default:
      return;
  }
}
