/**
 * Name resolution as PostgreSQL does it during a migration: a new object with an unqualified
 * name goes to the first schema of the search_path; an existing one is found in the first schema
 * of the path that has it.
 */
import { nameParts, nodeOf, typeNameOf, walkTree } from '@tenant-scope/sql-analyzer';
import type { NodeOfType } from '@tenant-scope/sql-analyzer';
import type { ReplayContext } from './replay-context.js';
import { relationKey } from './schema-model.js';
import type { FunctionModel, SchemaModel } from './schema-model.js';
import type { SchemaList } from './search-path.js';

type RangeVar = NodeOfType<'RangeVar'>;

/** `schema` and `name` of a `schema.name` key. */
export function splitKey(key: string): { schema: string; name: string } {
  const dot = key.indexOf('.');
  return { schema: key.slice(0, dot), name: key.slice(dot + 1) };
}

/** `schema.name(type, …)`: how the model keys a function. */
export function functionKey(schema: string, name: string, argumentTypes: readonly string[]): string {
  return `${schema}.${name}(${argumentTypes.join(',')})`;
}

/** The key of a relation the statement creates: an unqualified name goes to the path's first schema. */
export function createdKey(ctx: ReplayContext, rangeVar: RangeVar | undefined): string | undefined {
  if (typeof rangeVar?.relname !== 'string') return undefined;
  return relationKey(rangeVar.schemaname ?? ctx.path.creationSchema, rangeVar.relname);
}

/**
 * `schema.name` when the schema is written; otherwise the first schema of the path that has a
 * table or view of that name, or (for a relation the history never created) the path's first.
 */
export function relationKeyAlong(model: SchemaModel, schemas: SchemaList, schema: string | undefined, name: string): string {
  if (schema !== undefined) return relationKey(schema, name);
  for (const candidate of schemas) {
    const key = relationKey(candidate, name);
    if (model.tables.has(key) || model.views.has(key)) return key;
  }
  return relationKey(schemas[0] ?? 'public', name);
}

/** The key of a relation a statement names, found along `schemas`. */
export function foundKey(model: SchemaModel, schemas: SchemaList, rangeVar: RangeVar | undefined): string | undefined {
  if (typeof rangeVar?.relname !== 'string') return undefined;
  return relationKeyAlong(model, schemas, rangeVar.schemaname, rangeVar.relname);
}

/** `foundKey` along the path in effect for the statement. */
export function namedKey(ctx: ReplayContext, rangeVar: RangeVar | undefined): string | undefined {
  return foundKey(ctx.model, ctx.path.schemas, rangeVar);
}

/** Keys of the relations a query reads or writes (CTE names excluded), unqualified names found along `schemas`. */
export function readRelations(model: SchemaModel, schemas: SchemaList, query: unknown): string[] {
  const ctes = new Set<string>();
  walkTree(query, (type, body) => {
    if (type === 'CommonTableExpr' && typeof body.ctename === 'string') ctes.add(body.ctename);
  });
  const keys = new Set<string>();
  const add = (rangeVar: RangeVar | undefined): void => {
    if (rangeVar?.schemaname === undefined && ctes.has(String(rangeVar?.relname))) return;
    const key = foundKey(model, schemas, rangeVar);
    if (key) keys.add(key);
  };
  walkTree(query, (type, body) => {
    if (type === 'RangeVar') add(body);
    // The target of INSERT, UPDATE, DELETE and MERGE is a bare RangeVar field, not a wrapped node.
    if (type === 'InsertStmt' || type === 'UpdateStmt' || type === 'DeleteStmt' || type === 'MergeStmt') add(body.relation);
  });
  return [...keys];
}

/**
 * The functions an `ObjectWithArgs` names (all overloads when it gives no argument list). An
 * unqualified name is looked up along the path: the first schema with a match wins; when no
 * schema of the path has one, a match in any schema counts (the function may predate the history).
 */
export function functionsMatching(ctx: ReplayContext, object: NodeOfType<'ObjectWithArgs'> | undefined): [string, FunctionModel][] {
  if (!object) return [];
  const parts = nameParts(object.objname).map((p) => p.toLowerCase());
  const name = parts[parts.length - 1];
  const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
  const types = object.args_unspecified ? undefined : (object.objargs ?? []).map((a) => typeNameOf(nodeOf(a, 'TypeName')));
  const matches = [...ctx.model.functions].filter(
    ([, fn]) =>
      fn.name === name && (schema === undefined || fn.schema === schema) && (types === undefined || types.join(',') === fn.argumentTypes.join(',')),
  );
  if (schema !== undefined) return matches;
  for (const candidate of ctx.path.schemas) {
    const inSchema = matches.filter(([, fn]) => fn.schema === candidate);
    if (inSchema.length > 0) return inSchema;
  }
  return matches;
}
