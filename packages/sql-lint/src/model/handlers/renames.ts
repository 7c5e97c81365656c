/** Renames and moves: ALTER … RENAME TO, ALTER … SET SCHEMA, ALTER SCHEMA … RENAME TO. */
import { nodeOf } from '@tenant-scope/sql-analyzer';
import type { NodeOfType } from '@tenant-scope/sql-analyzer';
import { functionKey, functionsMatching, namedKey, splitKey } from '../names.js';
import type { ReplayContext } from '../replay-context.js';
import { relationKey } from '../schema-model.js';
import type { FunctionModel, SchemaModel } from '../schema-model.js';

/** Re-keys a table or view, and every reference to it (policies, children, views). */
function renameRelation(model: SchemaModel, from: string, to: string): void {
  const { schema, name } = splitKey(to);
  const table = model.tables.get(from);
  if (table) {
    model.tables.delete(from);
    table.schema = schema;
    table.name = name;
    for (const policy of table.policies.values()) policy.table = to;
    model.tables.set(to, table);
    for (const other of model.tables.values()) other.parents = other.parents.map((p) => (p === from ? to : p));
  }
  const view = model.views.get(from);
  if (view) {
    model.views.delete(from);
    view.schema = schema;
    view.name = name;
    model.views.set(to, view);
  }
  for (const v of model.views.values()) v.relations = v.relations.map((r) => (r === from ? to : r));
}

/** Re-keys a function after its name or schema changed. */
function moveFunction(model: SchemaModel, key: string, fn: FunctionModel, change: { schema?: string; name?: string }): void {
  model.functions.delete(key);
  if (change.schema !== undefined) fn.schema = change.schema;
  if (change.name !== undefined) fn.name = change.name;
  model.functions.set(functionKey(fn.schema, fn.name, fn.argumentTypes), fn);
}

/** ALTER SCHEMA … RENAME TO: everything in the schema keeps its name in the new one. */
function renameSchema(model: SchemaModel, from: string, to: string): void {
  for (const key of [...model.tables.keys(), ...model.views.keys()]) {
    const { schema, name } = splitKey(key);
    if (schema === from) renameRelation(model, key, relationKey(to, name));
  }
  for (const [key, fn] of [...model.functions]) {
    if (fn.schema === from) moveFunction(model, key, fn, { schema: to });
  }
  for (const privileges of [model.schemaUsage, model.functionDefaults.bySchema]) {
    const roles = privileges.get(from.toLowerCase());
    if (!roles) continue;
    privileges.delete(from.toLowerCase());
    privileges.set(to.toLowerCase(), roles);
  }
}

function renameColumn(ctx: ReplayContext, node: NodeOfType<'RenameStmt'>, newName: string): void {
  const key = namedKey(ctx, node.relation);
  const table = key ? ctx.model.tables.get(key) : undefined;
  const column = table?.columns.get(String(node.subname));
  if (table && column) {
    table.columns.delete(column.name);
    table.columns.set(newName, { ...column, name: newName });
  }
}

function renamePolicy(ctx: ReplayContext, node: NodeOfType<'RenameStmt'>, newName: string): void {
  const key = namedKey(ctx, node.relation);
  const table = key ? ctx.model.tables.get(key) : undefined;
  const policy = table?.policies.get(String(node.subname));
  if (table && policy) {
    table.policies.delete(policy.name);
    policy.name = newName;
    table.policies.set(newName, policy);
  }
}

function renameRole(ctx: ReplayContext, node: NodeOfType<'RenameStmt'>, newName: string): void {
  const role = ctx.model.roles.get(String(node.subname).toLowerCase());
  if (role) {
    ctx.model.roles.delete(role.name);
    role.name = newName.toLowerCase();
    ctx.model.roles.set(role.name, role);
  }
}

/** ALTER TABLE / VIEW / FUNCTION / SCHEMA / ROLE … RENAME TO, ALTER TABLE … RENAME COLUMN, ALTER POLICY … RENAME TO. */
export function applyRename(ctx: ReplayContext, node: NodeOfType<'RenameStmt'>): void {
  const newName = String(node.newname);
  switch (node.renameType) {
    case 'OBJECT_TABLE':
    case 'OBJECT_VIEW':
    case 'OBJECT_MATVIEW': {
      const key = namedKey(ctx, node.relation);
      if (key) renameRelation(ctx.model, key, relationKey(splitKey(key).schema, newName));
      return;
    }
    case 'OBJECT_COLUMN':
      return renameColumn(ctx, node, newName);
    case 'OBJECT_POLICY':
      return renamePolicy(ctx, node, newName);
    case 'OBJECT_FUNCTION':
    case 'OBJECT_PROCEDURE':
      for (const [key, fn] of functionsMatching(ctx, nodeOf(node.object, 'ObjectWithArgs'))) moveFunction(ctx.model, key, fn, { name: newName });
      return;
    case 'OBJECT_SCHEMA':
      return renameSchema(ctx.model, String(node.subname), newName);
    case 'OBJECT_ROLE':
      return renameRole(ctx, node, newName);
    default:
      return;
  }
}

const MOVABLE_RELATIONS = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW']);
const ROUTINES = new Set(['OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE']);

/** ALTER TABLE / VIEW / FUNCTION … SET SCHEMA. */
export function applyAlterObjectSchema(ctx: ReplayContext, node: NodeOfType<'AlterObjectSchemaStmt'>): void {
  const newSchema = String(node.newschema);
  if (ROUTINES.has(String(node.objectType))) {
    for (const [key, fn] of functionsMatching(ctx, nodeOf(node.object, 'ObjectWithArgs'))) moveFunction(ctx.model, key, fn, { schema: newSchema });
    return;
  }
  const key = namedKey(ctx, node.relation);
  if (key && MOVABLE_RELATIONS.has(String(node.objectType))) renameRelation(ctx.model, key, relationKey(newSchema, splitKey(key).name));
}
