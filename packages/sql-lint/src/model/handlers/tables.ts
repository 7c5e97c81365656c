/** CREATE TABLE, CREATE TABLE AS and CREATE MATERIALIZED VIEW. */
import { nameParts, nodeOf, typeNameOf } from '@tenant-scope/sql-analyzer';
import type { NodeOfType } from '@tenant-scope/sql-analyzer';
import { createdKey, namedKey, readRelations, splitKey } from '../names.js';
import type { ReplayContext } from '../replay-context.js';
import type { ColumnModel, StatementSource, TableModel } from '../schema-model.js';

/** A table as CREATE TABLE makes it, before its columns. */
export function newTable(key: string, source: StatementSource, createdInHistory: boolean): TableModel {
  const { schema, name } = splitKey(key);
  return {
    schema,
    name,
    columns: new Map(),
    rowSecurity: { enabled: false, forced: false, enabledBy: null, forcedBy: null, disabledBy: null, unforcedBy: null },
    policies: new Map(),
    parents: [],
    partitioned: false,
    owner: null,
    createdInHistory,
    source,
  };
}

/** The table a statement changes; a table the history never created gets a model of its own here. */
export function tableFor(ctx: ReplayContext, key: string): TableModel {
  let table = ctx.model.tables.get(key);
  if (!table) {
    table = newTable(key, ctx.source, false);
    ctx.model.tables.set(key, table);
  }
  return table;
}

/** A column definition as the model keeps it. */
export function columnOf(ctx: ReplayContext, def: NodeOfType<'ColumnDef'>): ColumnModel {
  const notNull = (def.constraints ?? []).some((c) => {
    const type = nodeOf(c, 'Constraint')?.contype;
    return type === 'CONSTR_NOTNULL' || type === 'CONSTR_PRIMARY';
  });
  return { name: String(def.colname), type: typeNameOf(def.typeName), notNull, inherited: false, source: ctx.source };
}

/** A PRIMARY KEY constraint makes its columns NOT NULL. */
export function applyPrimaryKey(table: TableModel, constraint: NodeOfType<'Constraint'> | undefined): void {
  if (constraint?.contype !== 'CONSTR_PRIMARY') return;
  for (const name of nameParts(constraint.keys)) {
    const column = table.columns.get(name);
    if (column) column.notNull = true;
  }
}

function inheritColumns(child: TableModel, parent: TableModel | undefined): void {
  if (!parent) return;
  for (const [name, column] of parent.columns) {
    if (!child.columns.has(name)) child.columns.set(name, { ...column, inherited: true });
  }
}

/** CREATE TABLE (not temporary ones: they are not part of the schema). */
export function applyCreateTable(ctx: ReplayContext, node: NodeOfType<'CreateStmt'>): void {
  if (node.relation?.relpersistence === 't') return;
  const key = createdKey(ctx, node.relation);
  if (!key) return;
  if (node.if_not_exists && ctx.model.tables.has(key)) return;
  const table = newTable(key, ctx.source, true);
  for (const element of node.tableElts ?? []) {
    const def = nodeOf(element, 'ColumnDef');
    if (def) {
      const column = columnOf(ctx, def);
      table.columns.set(column.name, column);
    }
    applyPrimaryKey(table, nodeOf(element, 'Constraint'));
    // LIKE copies the columns (and their NOT NULL) as the new table's own.
    const like = nodeOf(element, 'TableLikeClause');
    const likeKey = like ? namedKey(ctx, like.relation) : undefined;
    for (const column of (likeKey ? ctx.model.tables.get(likeKey)?.columns.values() : undefined) ?? []) {
      table.columns.set(column.name, { ...column, inherited: false, source: ctx.source });
    }
  }
  for (const parent of node.inhRelations ?? []) {
    const parentKey = namedKey(ctx, nodeOf(parent, 'RangeVar'));
    if (!parentKey) continue;
    table.parents.push(parentKey);
    inheritColumns(table, ctx.model.tables.get(parentKey));
  }
  table.partitioned = node.partspec !== undefined;
  ctx.model.tables.set(key, table);
}

/** CREATE TABLE … AS and CREATE MATERIALIZED VIEW. */
export function applyCreateTableAs(ctx: ReplayContext, node: NodeOfType<'CreateTableAsStmt'>): void {
  const rel = node.into?.rel;
  const key = createdKey(ctx, rel);
  if (!key || rel?.relpersistence === 't') return;
  if (node.objtype === 'OBJECT_MATVIEW') {
    const { schema, name } = splitKey(key);
    const relations = readRelations(ctx.model, ctx.path.schemas, node.query);
    ctx.model.views.set(key, { schema, name, securityInvoker: false, relations, materialized: true, source: ctx.source });
    return;
  }
  const table = newTable(key, ctx.source, true);
  const select = nodeOf(node.query, 'SelectStmt');
  for (const target of select?.targetList ?? []) {
    const res = nodeOf(target, 'ResTarget');
    const fields = nameParts(nodeOf(res?.val, 'ColumnRef')?.fields);
    const name = res?.name ?? fields[fields.length - 1];
    if (name) table.columns.set(name, { name, type: 'unknown', notNull: false, inherited: false, source: ctx.source });
  }
  ctx.model.tables.set(key, table);
}
