/**
 * Replays an ordered migration history into a `SchemaModel`: each statement changes the model
 * the way PostgreSQL would change its catalog, and each changed item remembers that statement.
 */
import { analyzeParsedSql, dataStatementMayAffectSessionState, parseSql, sqlTokens } from '@tenant-scope/sql-analyzer';
import type { GucRead, GucWrite, SessionFact, SourceRange, SqlSyntaxError, SqlToken } from '@tenant-scope/sql-analyzer';
import {
  calledFunctionName,
  defElemText,
  firstLocation,
  isTrueOption,
  nameParts,
  nodeOf,
  stringValue,
  typeNameOf,
  unwrap,
  walkTree,
} from './parse-tree.js';
import { parenthesizedRange } from './parenthesized-range.js';
import { emptySchemaModel, relationKey } from './schema-model.js';
import { DEFAULT_SEARCH_PATH, MigrationSearchPath, parseSchemaList, resolvableSchemas } from './search-path.js';
import type { SchemaList } from './search-path.js';
import type {
  ColumnModel,
  FunctionCallName,
  FunctionModel,
  ParseNode,
  PolicyCommand,
  PolicyExpression,
  PolicyModel,
  SchemaModel,
  StatementSource,
  TableModel,
  ViewModel,
} from './schema-model.js';

/** A migration file: its path (as the user named it) and its text. */
export interface SqlFile {
  path: string;
  text: string;
}

/** A file after parsing: its statements' ranges, or the syntax error that stopped it. */
export interface ParsedFile extends SqlFile {
  statements: SourceRange[];
  error: SqlSyntaxError | null;
}

/** The model and the parsed files it was built from. */
export interface BuiltSchema {
  model: SchemaModel;
  files: ParsedFile[];
}

interface StatementContext {
  model: SchemaModel;
  file: string;
  text: string;
  source: StatementSource;
  /** Maps a byte location of the parse tree to a UTF-16 offset of the file. */
  offsetOf: (byteLocation: number) => number;
  facts: SessionFact[];
  /** The file's search_path at this statement. */
  path: MigrationSearchPath;
}

/** The key of a relation the statement creates: an unqualified name goes to the path's first schema. */
function createdKey(ctx: StatementContext, rangeVar: unknown): string | undefined {
  const rv = (nodeOf(rangeVar, 'RangeVar') ?? rangeVar) as ParseNode | undefined;
  if (!rv || typeof rv['relname'] !== 'string') return undefined;
  return relationKey((rv['schemaname'] as string | undefined) ?? ctx.path.creationSchema, rv['relname']);
}

/** The key of a relation the statement names: a qualified name as written, else found along `schemas`. */
function foundKey(model: SchemaModel, schemas: SchemaList, rangeVar: unknown): string | undefined {
  const rv = (nodeOf(rangeVar, 'RangeVar') ?? rangeVar) as ParseNode | undefined;
  if (!rv || typeof rv['relname'] !== 'string') return undefined;
  return relationKeyAlong(model, schemas, rv['schemaname'] as string | undefined, rv['relname']);
}

/**
 * `schema.name` when the schema is written; otherwise the first schema of the path that has a
 * table or view of that name, or (for a relation the history never created) the path's first.
 */
function relationKeyAlong(model: SchemaModel, schemas: SchemaList, schema: string | undefined, name: string): string {
  if (schema !== undefined) return relationKey(schema, name);
  for (const candidate of schemas) {
    const key = relationKey(candidate, name);
    if (model.tables.has(key) || model.views.has(key)) return key;
  }
  return relationKey(schemas[0] ?? 'public', name);
}

/** `foundKey` along the path in effect for the statement. */
function namedKey(ctx: StatementContext, rangeVar: unknown): string | undefined {
  return foundKey(ctx.model, ctx.path.schemas, rangeVar);
}

function splitKey(key: string): { schema: string; name: string } {
  const dot = key.indexOf('.');
  return { schema: key.slice(0, dot), name: key.slice(dot + 1) };
}

function newTable(key: string, source: StatementSource): TableModel {
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
    source,
  };
}

/** The table a statement changes; a table the history never created gets a model of its own here. */
function tableFor(ctx: StatementContext, key: string): TableModel {
  let table = ctx.model.tables.get(key);
  if (!table) {
    table = newTable(key, ctx.source);
    ctx.model.tables.set(key, table);
  }
  return table;
}

function columnOf(ctx: StatementContext, def: ParseNode, inherited = false): ColumnModel {
  const constraints = Array.isArray(def['constraints']) ? (def['constraints'] as unknown[]) : [];
  const notNull = constraints.some((c) => {
    const type = nodeOf(c, 'Constraint')?.['contype'];
    return type === 'CONSTR_NOTNULL' || type === 'CONSTR_PRIMARY';
  });
  return { name: String(def['colname']), type: typeNameOf(def['typeName']), notNull, inherited, source: ctx.source };
}

function inheritColumns(child: TableModel, parent: TableModel | undefined): void {
  if (!parent) return;
  for (const [name, column] of parent.columns) {
    if (!child.columns.has(name)) child.columns.set(name, { ...column, inherited: true });
  }
}

function applyCreateTable(ctx: StatementContext, node: ParseNode): void {
  const relation = node['relation'] as ParseNode;
  if (relation['relpersistence'] === 't') return; // temporary tables are not part of the schema
  const key = createdKey(ctx, relation);
  if (!key) return;
  if (node['if_not_exists'] && ctx.model.tables.has(key)) return;
  const table = newTable(key, ctx.source);
  for (const element of (node['tableElts'] as unknown[] | undefined) ?? []) {
    const def = nodeOf(element, 'ColumnDef');
    if (def) {
      const column = columnOf(ctx, def);
      table.columns.set(column.name, column);
    }
    const constraint = nodeOf(element, 'Constraint');
    if (constraint?.['contype'] === 'CONSTR_PRIMARY') {
      for (const name of nameParts(constraint['keys'])) {
        const column = table.columns.get(name);
        if (column) column.notNull = true;
      }
    }
    // LIKE copies the columns (and their NOT NULL) as the new table's own.
    const like = nodeOf(element, 'TableLikeClause');
    const likeKey = like ? namedKey(ctx, like['relation']) : undefined;
    for (const column of (likeKey ? ctx.model.tables.get(likeKey)?.columns.values() : undefined) ?? []) {
      table.columns.set(column.name, { ...column, inherited: false, source: ctx.source });
    }
  }
  for (const parent of (node['inhRelations'] as unknown[] | undefined) ?? []) {
    const parentKey = namedKey(ctx, parent);
    if (!parentKey) continue;
    table.parents.push(parentKey);
    inheritColumns(table, ctx.model.tables.get(parentKey));
  }
  table.partitioned = node['partspec'] !== undefined;
  ctx.model.tables.set(key, table);
}

function applyCreateTableAs(ctx: StatementContext, node: ParseNode): void {
  const into = node['into'] as ParseNode | undefined;
  const key = createdKey(ctx, into?.['rel']);
  if (!key || (into?.['rel'] as ParseNode)['relpersistence'] === 't') return;
  if (node['objtype'] === 'OBJECT_MATVIEW') {
    const { schema, name } = splitKey(key);
    ctx.model.views.set(key, { schema, name, securityInvoker: false, relations: readRelations(ctx.model, ctx.path.schemas, node['query']), materialized: true, source: ctx.source });
    return;
  }
  const table = newTable(key, ctx.source);
  const select = nodeOf(node['query'], 'SelectStmt');
  for (const target of (select?.['targetList'] as unknown[] | undefined) ?? []) {
    const res = nodeOf(target, 'ResTarget');
    const fields = nameParts(nodeOf(res?.['val'], 'ColumnRef')?.['fields']);
    const name = (res?.['name'] as string | undefined) ?? fields[fields.length - 1];
    if (name) table.columns.set(name, { name, type: 'unknown', notNull: false, inherited: false, source: ctx.source });
  }
  ctx.model.tables.set(key, table);
}

/** Keys of the relations a query reads (CTE names excluded), unqualified names found along `schemas`. */
function readRelations(model: SchemaModel, schemas: SchemaList, query: unknown): string[] {
  const ctes = new Set<string>();
  walkTree(query, (type, body) => {
    if (type === 'CommonTableExpr' && typeof body['ctename'] === 'string') ctes.add(body['ctename']);
  });
  const keys = new Set<string>();
  walkTree(query, (type, body) => {
    if (type !== 'RangeVar') return;
    if (body['schemaname'] === undefined && ctes.has(String(body['relname']))) return;
    const key = foundKey(model, schemas, body);
    if (key) keys.add(key);
  });
  return [...keys];
}

/** The functions a parse tree calls. */
function readCalls(tree: unknown): FunctionCallName[] {
  const calls: FunctionCallName[] = [];
  walkTree(tree, (type, body) => {
    if (type === 'FuncCall') calls.push(calledFunctionName(body));
  });
  return calls;
}

/**
 * The calls in a body this package does not parse into statements (PL/pgSQL, other languages):
 * each name token directly before a `(`, outside comments and string literals (the analyzer's
 * lexer). Only names of model functions are ever looked up, so keywords before a `(` do no harm.
 */
function callsByName(bodyText: string): FunctionCallName[] {
  const tokens = [...sqlTokens(bodyText, 0)];
  const calls: FunctionCallName[] = [];
  tokens.forEach((token, i) => {
    if (token.tokenName !== 'IDENT' || tokens[i + 1]?.lower !== '(') return;
    const schema = tokens[i - 1]?.lower === '.' && tokens[i - 2]?.tokenName === 'IDENT' ? tokens[i - 2] : undefined;
    calls.push({ schema: schema && identifierName(schema), name: identifierName(token) });
  });
  return calls;
}

/** An identifier token's name, lowercased like every function name of the model (quotes removed). */
function identifierName(token: SqlToken): string {
  return token.lower.startsWith('"') ? token.lower.slice(1, -1).replaceAll('""', '"') : token.lower;
}

function applyViewOptions(view: ViewModel, options: unknown, reset: boolean): void {
  for (const option of (options as unknown[] | undefined) ?? []) {
    const def = nodeOf(option, 'DefElem');
    if (def?.['defname'] !== 'security_invoker') continue;
    view.securityInvoker = reset ? false : isTrueOption(defElemText(def['arg']));
  }
}

function applyView(ctx: StatementContext, node: ParseNode): void {
  const key = createdKey(ctx, node['view']);
  if (!key) return;
  const { schema, name } = splitKey(key);
  // CREATE OR REPLACE VIEW replaces the options too: one it does not repeat is reset.
  const relations = readRelations(ctx.model, ctx.path.schemas, node['query']);
  const view: ViewModel = { schema, name, securityInvoker: false, relations, materialized: false, source: ctx.source };
  applyViewOptions(view, node['options'], false);
  ctx.model.views.set(key, view);
}

function renameRelation(model: SchemaModel, from: string, to: string): void {
  const table = model.tables.get(from);
  if (table) {
    model.tables.delete(from);
    const { schema, name } = splitKey(to);
    table.schema = schema;
    table.name = name;
    for (const policy of table.policies.values()) policy.table = to;
    model.tables.set(to, table);
    for (const other of model.tables.values()) other.parents = other.parents.map((p) => (p === from ? to : p));
  }
  const view = model.views.get(from);
  if (view) {
    model.views.delete(from);
    const { schema, name } = splitKey(to);
    view.schema = schema;
    view.name = name;
    model.views.set(to, view);
  }
  for (const v of model.views.values()) v.relations = v.relations.map((r) => (r === from ? to : r));
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
}

/** Re-keys a function after its name or schema changed. */
function moveFunction(model: SchemaModel, key: string, fn: FunctionModel, change: { schema?: string; name?: string }): void {
  model.functions.delete(key);
  if (change.schema !== undefined) fn.schema = change.schema;
  if (change.name !== undefined) fn.name = change.name;
  model.functions.set(functionKey(fn.schema, fn.name, fn.argumentTypes), fn);
}

function dropRelation(model: SchemaModel, key: string): void {
  model.tables.delete(key);
  model.views.delete(key);
  for (const [childKey, child] of model.tables) {
    if (child.parents.includes(key)) {
      // Partitions go with their parent; inheritance children need CASCADE, which drops them too.
      model.tables.delete(childKey);
    }
  }
}

function policyCommand(cmd: unknown): PolicyCommand {
  const c = String(cmd ?? 'all').toLowerCase();
  return c === 'select' || c === 'insert' || c === 'update' || c === 'delete' ? c : 'all';
}

function roleNames(roles: unknown): string[] {
  return ((roles as unknown[] | undefined) ?? []).map((r) => {
    const spec = nodeOf(r, 'RoleSpec');
    if (!spec) return 'public';
    if (spec['roletype'] === 'ROLESPEC_PUBLIC') return 'public';
    if (spec['roletype'] === 'ROLESPEC_CURRENT_USER') return 'current_user';
    if (spec['roletype'] === 'ROLESPEC_SESSION_USER') return 'session_user';
    if (spec['roletype'] === 'ROLESPEC_CURRENT_ROLE') return 'current_role';
    return String(spec['rolename'] ?? '').toLowerCase();
  });
}

function policyExpression(ctx: StatementContext, expr: unknown): PolicyExpression | null {
  if (!expr || typeof expr !== 'object') return null;
  const first = firstLocation(expr);
  const fallback = ctx.source.range;
  const range =
    (first === undefined ? null : parenthesizedRange(ctx.text, ctx.offsetOf(first), fallback.end)) ?? fallback;
  const reads = ctx.facts.filter(
    (f): f is GucRead =>
      f.kind === 'guc-read' && f.origin === 'statement' && f.range.start >= range.start && f.range.end <= range.end,
  );
  return { node: expr as ParseNode, reads, source: { file: ctx.file, range } };
}

function applyCreatePolicy(ctx: StatementContext, node: ParseNode): void {
  const key = namedKey(ctx, node['table']);
  if (!key) return;
  const table = tableFor(ctx, key);
  const policy: PolicyModel = {
    name: String(node['policy_name']),
    table: key,
    command: policyCommand(node['cmd_name']),
    roles: roleNames(node['roles']),
    permissive: node['permissive'] === true,
    using: policyExpression(ctx, node['qual']),
    withCheck: policyExpression(ctx, node['with_check']),
    source: ctx.source,
  };
  table.policies.set(policy.name, policy);
}

function applyAlterPolicy(ctx: StatementContext, node: ParseNode): void {
  const key = namedKey(ctx, node['table']);
  const policy = key ? ctx.model.tables.get(key)?.policies.get(String(node['policy_name'])) : undefined;
  if (!policy) return;
  if (node['roles']) policy.roles = roleNames(node['roles']);
  if (node['qual']) policy.using = policyExpression(ctx, node['qual']);
  if (node['with_check']) policy.withCheck = policyExpression(ctx, node['with_check']);
  policy.source = ctx.source;
}

function applyAlterTable(ctx: StatementContext, node: ParseNode): void {
  const key = namedKey(ctx, node['relation']);
  if (!key) return;
  const objtype = node['objtype'];
  const view = ctx.model.views.get(key);
  if (objtype === 'OBJECT_VIEW' || objtype === 'OBJECT_MATVIEW' || (view && !ctx.model.tables.has(key))) {
    if (!view) return;
    for (const c of (node['cmds'] as unknown[] | undefined) ?? []) {
      const cmd = nodeOf(c, 'AlterTableCmd');
      const items = nodeOf(cmd?.['def'], 'List')?.['items'];
      if (cmd?.['subtype'] === 'AT_SetRelOptions') applyViewOptions(view, items, false);
      if (cmd?.['subtype'] === 'AT_ResetRelOptions') applyViewOptions(view, items, true);
      view.source = ctx.source;
    }
    return;
  }
  if (objtype !== 'OBJECT_TABLE') return;
  if (node['missing_ok'] && !ctx.model.tables.has(key)) return;
  const table = tableFor(ctx, key);
  const rls = table.rowSecurity;
  for (const c of (node['cmds'] as unknown[] | undefined) ?? []) {
    const cmd = nodeOf(c, 'AlterTableCmd');
    if (!cmd) continue;
    const columnName = typeof cmd['name'] === 'string' ? cmd['name'] : undefined;
    switch (cmd['subtype']) {
      case 'AT_EnableRowSecurity':
        Object.assign(rls, { enabled: true, enabledBy: ctx.source, disabledBy: null });
        break;
      case 'AT_DisableRowSecurity':
        Object.assign(rls, { enabled: false, disabledBy: ctx.source });
        ctx.model.weakenings.push({ kind: 'disable', table: key, policy: null, source: ctx.source });
        break;
      case 'AT_ForceRowSecurity':
        Object.assign(rls, { forced: true, forcedBy: ctx.source, unforcedBy: null });
        break;
      case 'AT_NoForceRowSecurity':
        Object.assign(rls, { forced: false, unforcedBy: ctx.source });
        ctx.model.weakenings.push({ kind: 'no-force', table: key, policy: null, source: ctx.source });
        break;
      case 'AT_AddColumn': {
        const def = nodeOf(cmd['def'], 'ColumnDef');
        if (def && !(cmd['missing_ok'] && table.columns.has(String(def['colname'])))) {
          const column = columnOf(ctx, def);
          table.columns.set(column.name, column);
        }
        break;
      }
      case 'AT_DropColumn':
        if (columnName) table.columns.delete(columnName);
        break;
      case 'AT_SetNotNull':
      case 'AT_DropNotNull': {
        const column = columnName ? table.columns.get(columnName) : undefined;
        if (column) Object.assign(column, { notNull: cmd['subtype'] === 'AT_SetNotNull', source: ctx.source, inherited: false });
        break;
      }
      case 'AT_AddConstraint': {
        const constraint = nodeOf(cmd['def'], 'Constraint');
        if (constraint?.['contype'] === 'CONSTR_PRIMARY') {
          for (const name of nameParts(constraint['keys'])) {
            const column = table.columns.get(name);
            if (column) column.notNull = true;
          }
        }
        break;
      }
      case 'AT_AttachPartition': {
        const childKey = namedKey(ctx, (nodeOf(cmd['def'], 'PartitionCmd') as ParseNode | undefined)?.['name']);
        const child = childKey ? tableFor(ctx, childKey) : undefined;
        if (child && !child.parents.includes(key)) child.parents.push(key);
        break;
      }
      case 'AT_DetachPartition': {
        const childKey = namedKey(ctx, (nodeOf(cmd['def'], 'PartitionCmd') as ParseNode | undefined)?.['name']);
        const child = childKey ? ctx.model.tables.get(childKey) : undefined;
        if (child) child.parents = child.parents.filter((p) => p !== key);
        break;
      }
      case 'AT_AddInherit': {
        const parentKey = namedKey(ctx, cmd['def']);
        if (parentKey && !table.parents.includes(parentKey)) table.parents.push(parentKey);
        break;
      }
      case 'AT_DropInherit': {
        const parentKey = namedKey(ctx, cmd['def']);
        table.parents = table.parents.filter((p) => p !== parentKey);
        break;
      }
      case 'AT_ChangeOwner':
        table.owner = String((cmd['newowner'] as ParseNode | undefined)?.['rolename'] ?? '').toLowerCase() || null;
        break;
      default:
        break;
    }
  }
}

function applyRename(ctx: StatementContext, node: ParseNode): void {
  const newName = String(node['newname']);
  switch (node['renameType']) {
    case 'OBJECT_TABLE':
    case 'OBJECT_VIEW':
    case 'OBJECT_MATVIEW': {
      const key = namedKey(ctx, node['relation']);
      if (key) renameRelation(ctx.model, key, relationKey(splitKey(key).schema, newName));
      return;
    }
    case 'OBJECT_COLUMN': {
      const key = namedKey(ctx, node['relation']);
      const table = key ? ctx.model.tables.get(key) : undefined;
      const column = table?.columns.get(String(node['subname']));
      if (table && column) {
        table.columns.delete(column.name);
        table.columns.set(newName, { ...column, name: newName });
      }
      return;
    }
    case 'OBJECT_POLICY': {
      const key = namedKey(ctx, node['relation']);
      const table = key ? ctx.model.tables.get(key) : undefined;
      const policy = table?.policies.get(String(node['subname']));
      if (table && policy) {
        table.policies.delete(policy.name);
        policy.name = newName;
        table.policies.set(newName, policy);
      }
      return;
    }
    case 'OBJECT_FUNCTION':
    case 'OBJECT_PROCEDURE': {
      for (const [key, fn] of functionsMatching(ctx, node['object'])) moveFunction(ctx.model, key, fn, { name: newName });
      return;
    }
    case 'OBJECT_SCHEMA':
      return renameSchema(ctx.model, String(node['subname']), newName);
    case 'OBJECT_ROLE': {
      const role = ctx.model.roles.get(String(node['subname']).toLowerCase());
      if (role) {
        ctx.model.roles.delete(role.name);
        role.name = newName.toLowerCase();
        ctx.model.roles.set(role.name, role);
      }
      return;
    }
    default:
      return;
  }
}

function applyDrop(ctx: StatementContext, node: ParseNode): void {
  const objects = (node['objects'] as unknown[] | undefined) ?? [];
  switch (node['removeType']) {
    case 'OBJECT_TABLE':
    case 'OBJECT_VIEW':
    case 'OBJECT_MATVIEW':
      for (const object of objects) {
        const parts = nameParts(nodeOf(object, 'List')?.['items']);
        const name = parts[parts.length - 1];
        if (name) dropRelation(ctx.model, relationKeyAlong(ctx.model, ctx.path.schemas, parts.length > 1 ? parts[parts.length - 2] : undefined, name));
      }
      return;
    case 'OBJECT_SCHEMA':
      for (const schema of objects.map(stringValue)) {
        for (const key of [...ctx.model.tables.keys(), ...ctx.model.views.keys()]) {
          if (splitKey(key).schema === schema) dropRelation(ctx.model, key);
        }
        for (const [key, fn] of ctx.model.functions) if (fn.schema === schema) ctx.model.functions.delete(key);
      }
      return;
    case 'OBJECT_POLICY':
      for (const object of objects) {
        const parts = nameParts(nodeOf(object, 'List')?.['items']);
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
      return;
    case 'OBJECT_FUNCTION':
    case 'OBJECT_PROCEDURE':
    case 'OBJECT_ROUTINE':
      for (const object of objects) {
        for (const [key] of functionsMatching(ctx, object)) ctx.model.functions.delete(key);
      }
      return;
    default:
      return;
  }
}

/** `schema.name(type, …)`: how the model keys a function. */
export function functionKey(schema: string, name: string, argumentTypes: string[]): string {
  return `${schema}.${name}(${argumentTypes.join(',')})`;
}

/**
 * The functions an `ObjectWithArgs` names (all overloads when it gives no argument list). An
 * unqualified name is looked up along the path: the first schema with a match wins; when no
 * schema of the path has one, a match in any schema counts (the function may predate the history).
 */
function functionsMatching(ctx: StatementContext, objectWithArgs: unknown): [string, FunctionModel][] {
  const object = (nodeOf(objectWithArgs, 'ObjectWithArgs') ?? objectWithArgs) as ParseNode | undefined;
  if (!object) return [];
  const parts = nameParts(object['objname']).map((p) => p.toLowerCase());
  const name = parts[parts.length - 1];
  const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
  const types = object['args_unspecified'] ? undefined : ((object['objargs'] as unknown[] | undefined) ?? []).map((a) => typeNameOf(nodeOf(a, 'TypeName') ?? a));
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

/** The schemas of a `SET search_path TO a, b` (each value is one schema, as PostgreSQL quotes them). */
function setSchemas(setStmt: ParseNode): string[] {
  return ((setStmt['args'] as unknown[] | undefined) ?? []).map((arg) => {
    const s = nodeOf(arg, 'A_Const')?.['sval'] as ParseNode | undefined;
    return s ? String(s['sval'] ?? '') : '';
  });
}

/** A function's `SET search_path` clause: as written, and the schemas its body's names resolve against. */
function fixedSearchPath(ctx: StatementContext, setStmt: ParseNode): { text: string; schemas: SchemaList } | null {
  // FROM CURRENT fixes the path the migration runs with.
  if (setStmt['kind'] === 'VAR_SET_CURRENT') return { text: 'FROM CURRENT', schemas: ctx.path.schemas };
  if (setStmt['kind'] !== 'VAR_SET_VALUE') return null;
  const schemas = setSchemas(setStmt);
  return { text: schemas.join(', '), schemas: resolvableSchemas(schemas) };
}

function applyCreateFunction(ctx: StatementContext, node: ParseNode, statementIndex: number): void {
  const parts = nameParts(node['funcname']).map((p) => p.toLowerCase());
  const name = parts[parts.length - 1] ?? '';
  const schema = parts.length > 1 ? (parts[parts.length - 2] as string) : ctx.path.creationSchema;
  const argumentTypes = ((node['parameters'] as unknown[] | undefined) ?? [])
    .map((p) => nodeOf(p, 'FunctionParameter'))
    .filter((p): p is ParseNode => p !== undefined && p['mode'] !== 'FUNC_PARAM_OUT' && p['mode'] !== 'FUNC_PARAM_TABLE')
    .map((p) => typeNameOf(p['argType']));
  let language = 'sql';
  let securityDefiner = false;
  let searchPath: { text: string; schemas: SchemaList } | null = null;
  let bodyText = '';
  for (const option of (node['options'] as unknown[] | undefined) ?? []) {
    const def = nodeOf(option, 'DefElem');
    if (!def) continue;
    if (def['defname'] === 'language') language = (defElemText(def['arg']) ?? 'sql').toLowerCase();
    if (def['defname'] === 'security') securityDefiner = defElemText(def['arg']) === 'true';
    if (def['defname'] === 'as') bodyText = stringValue((nodeOf(def['arg'], 'List')?.['items'] as unknown[] | undefined)?.[0]) ?? '';
    const set = nodeOf(def['arg'], 'VariableSetStmt');
    if (def['defname'] === 'set' && set && String(set['name']).toLowerCase() === 'search_path') searchPath = fixedSearchPath(ctx, set);
  }
  // Without a fixed path the caller's applies; the migration's own is the best guess there is.
  const bodySearchPath = searchPath?.schemas ?? ctx.path.schemas;
  let bodyRelations: string[] = [];
  let bodyCalls: FunctionCallName[];
  if (node['sql_body']) {
    bodyRelations = readRelations(ctx.model, bodySearchPath, node['sql_body']);
    bodyCalls = readCalls(node['sql_body']);
  } else if (language === 'sql' && bodyText) {
    const body = parseSql(bodyText);
    const tree = body.error ? [] : body.statements.map((s) => ({ [s.type]: s.node }));
    bodyRelations = readRelations(ctx.model, bodySearchPath, tree);
    bodyCalls = readCalls(tree);
  } else bodyCalls = callsByName(bodyText);
  const own = ctx.facts.filter((f) => f.statementIndex === statementIndex && f.origin === 'function-body');
  const fn: FunctionModel = {
    schema,
    name,
    argumentTypes,
    language,
    securityDefiner,
    searchPath: searchPath?.text ?? null,
    searchPathSource: searchPath === null ? null : ctx.source,
    bodySearchPath,
    reads: own.filter((f): f is GucRead => f.kind === 'guc-read'),
    writes: own.filter((f): f is GucWrite => f.kind === 'guc-write'),
    bodyText,
    bodyRelations,
    bodyCalls,
    source: ctx.source,
  };
  ctx.model.functions.set(functionKey(schema, name, argumentTypes), fn);
}

function applyAlterFunction(ctx: StatementContext, node: ParseNode): void {
  for (const [, fn] of functionsMatching(ctx, node['func'])) {
    for (const action of (node['actions'] as unknown[] | undefined) ?? []) {
      const def = nodeOf(action, 'DefElem');
      if (!def) continue;
      if (def['defname'] === 'security') {
        fn.securityDefiner = defElemText(def['arg']) === 'true';
        fn.source = ctx.source;
      }
      const set = nodeOf(def['arg'], 'VariableSetStmt');
      if (def['defname'] === 'set' && set) {
        const name = String(set['name'] ?? '').toLowerCase();
        if (name === 'search_path' || (set['kind'] === 'VAR_RESET_ALL' && fn.searchPath !== null)) {
          const fixed = fixedSearchPath(ctx, set);
          fn.searchPath = fixed?.text ?? null;
          fn.bodySearchPath = fixed?.schemas ?? ctx.path.schemas;
          fn.searchPathSource = fn.searchPath === null ? null : ctx.source;
          // The statement that took the fixed search_path away is the one to point at.
          if (fn.searchPath === null) fn.source = ctx.source;
        }
      }
    }
  }
}

function applyRoleOptions(ctx: StatementContext, roleName: string, options: unknown, creating: boolean): void {
  const name = roleName.toLowerCase();
  let role = ctx.model.roles.get(name);
  if (!role || creating) {
    role = { name, bypassRls: false, superuser: false, source: ctx.source };
    ctx.model.roles.set(name, role);
  }
  for (const option of (options as unknown[] | undefined) ?? []) {
    const def = nodeOf(option, 'DefElem');
    if (def?.['defname'] !== 'bypassrls' && def?.['defname'] !== 'superuser') continue;
    const on = defElemText(def['arg']) === 'true';
    if (def['defname'] === 'bypassrls') role.bypassRls = on;
    else role.superuser = on;
    if (on) role.source = ctx.source;
  }
}

function applyStatement(ctx: StatementContext, type: string, node: ParseNode, statementIndex: number): void {
  switch (type) {
    case 'CreateStmt':
      return applyCreateTable(ctx, node);
    case 'CreateTableAsStmt':
      return applyCreateTableAs(ctx, node);
    case 'ViewStmt':
      return applyView(ctx, node);
    case 'AlterTableStmt':
      return applyAlterTable(ctx, node);
    case 'RenameStmt':
      return applyRename(ctx, node);
    case 'AlterObjectSchemaStmt': {
      const newSchema = String(node['newschema']);
      if (['OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE'].includes(String(node['objectType']))) {
        for (const [key, fn] of functionsMatching(ctx, node['object'])) moveFunction(ctx.model, key, fn, { schema: newSchema });
        return;
      }
      const key = namedKey(ctx, node['relation']);
      if (key && ['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW'].includes(String(node['objectType']))) {
        renameRelation(ctx.model, key, relationKey(newSchema, splitKey(key).name));
      }
      return;
    }
    case 'DropStmt':
      return applyDrop(ctx, node);
    case 'CreateSchemaStmt': {
      // Objects created by CREATE SCHEMA … CREATE TABLE … go into the new schema.
      const name = (node['schemaname'] as string | undefined) ?? ((node['authrole'] as ParseNode | undefined)?.['rolename'] as string | undefined);
      if (!name) return;
      for (const element of (node['schemaElts'] as unknown[] | undefined) ?? []) {
        const inner = unwrap(element);
        if (inner) ctx.path.withSchemaFirst(name, () => applyStatement(ctx, inner.type, inner.body, statementIndex));
      }
      return;
    }
    case 'CreatePolicyStmt':
      return applyCreatePolicy(ctx, node);
    case 'AlterPolicyStmt':
      return applyAlterPolicy(ctx, node);
    case 'CreateFunctionStmt':
      return applyCreateFunction(ctx, node, statementIndex);
    case 'AlterFunctionStmt':
      return applyAlterFunction(ctx, node);
    case 'CreateRoleStmt':
      return applyRoleOptions(ctx, String(node['role']), node['options'], true);
    case 'AlterRoleStmt': {
      const rolename = (node['role'] as ParseNode | undefined)?.['rolename'];
      if (typeof rolename === 'string') applyRoleOptions(ctx, rolename, node['options'], false);
      return;
    }
    case 'DropRoleStmt':
      for (const name of roleNames(node['roles'])) ctx.model.roles.delete(name);
      return;
    default:
      return;
  }
}

// Statements that cannot change the model: data changes, grants, comments, indexes.
const MODEL_INERT = /(?:insert|update|delete|merge|select|values|grant|revoke|comment|create\s+(?:unique\s+)?index)\b/iy;

/**
 * True for a statement whose tree the model does not need: one of MODEL_INERT that cannot read or
 * write a setting or hold session state either. It is still checked for syntax errors.
 */
function modelSkips(text: string, range: SourceRange): boolean {
  MODEL_INERT.lastIndex = range.start;
  return MODEL_INERT.test(text) && !dataStatementMayAffectSessionState(text.slice(range.start, range.end));
}

/** Options of `buildSchemaModel`. */
export interface BuildSchemaOptions {
  /** The search_path each file starts with (default `["public"]`). */
  searchPath?: readonly string[];
}

/** Whether a fact changes the migration's search_path or ends a transaction (and so its local settings). */
function changesSearchPath(fact: SessionFact): boolean {
  if (fact.origin === 'function-body') return false;
  if (fact.kind === 'transaction-control') return ['commit', 'rollback', 'prepare-transaction'].includes(fact.operation);
  return fact.kind === 'guc-write' && (fact.target === 'search-path' || fact.target === 'all');
}

/** Applies what a statement did to the search_path, in the order it did it. */
function followSearchPath(path: MigrationSearchPath, fact: SessionFact, node: ParseNode): void {
  if (fact.kind === 'transaction-control') return path.endTransaction();
  if (fact.kind !== 'guc-write') return;
  if (fact.target === 'all') return path.resetAll();
  const scope = fact.scope === 'transaction' ? 'transaction' : 'session';
  const value = fact.value;
  if (fact.via === 'reset' || value?.kind === 'default') return path.set(null, scope);
  if (value?.kind !== 'literal' || value.text === undefined) return; // not knowable from the text
  // A top-level SET's values are one schema each; elsewhere the value is one list string.
  let schemas: string[] | null;
  if (fact.via === 'set' && fact.origin === 'statement') schemas = setSchemas(node);
  else if (fact.via === 'set') schemas = value.text.split(', ');
  else schemas = parseSchemaList(value.text);
  if (schemas) path.set(schemas, scope);
}

/**
 * Builds the schema model from files in history order. A file that does not parse changes
 * nothing and keeps its syntax error; the files after it are still applied. Unqualified names
 * resolve along each file's search_path (see `MigrationSearchPath`).
 */
export function buildSchemaModel(files: readonly SqlFile[], options: BuildSchemaOptions = {}): BuiltSchema {
  const initialPath = resolvableSchemas(options.searchPath ?? DEFAULT_SEARCH_PATH);
  const model = emptySchemaModel();
  const parsedFiles: ParsedFile[] = [];
  for (const file of files) {
    const parsed = parseSql(file.text, { skipTree: modelSkips });
    if (parsed.error) {
      parsedFiles.push({ ...file, statements: [], error: parsed.error });
      continue;
    }
    // The setting reads and writes of the same parse tree: no second parse.
    const facts = analyzeParsedSql(parsed).facts;
    for (const fact of facts) {
      if (fact.kind === 'guc-write') model.writes.push({ write: fact, file: file.path });
      if (fact.kind === 'guc-read') model.reads.push({ read: fact, file: file.path });
    }
    const path = new MigrationSearchPath(initialPath);
    const pathFacts = facts.filter(changesSearchPath).sort((a, b) => a.statementIndex - b.statementIndex);
    let nextPathFact = 0;
    parsed.statements.forEach((statement, index) => {
      const ctx: StatementContext = {
        model,
        file: file.path,
        text: file.text,
        source: { file: file.path, range: statement.range },
        offsetOf: (byte) => parsed.snippet.offset(byte),
        facts,
        path,
      };
      applyStatement(ctx, statement.type, statement.node, index);
      for (; pathFacts[nextPathFact]?.statementIndex === index; nextPathFact++) {
        followSearchPath(path, pathFacts[nextPathFact] as SessionFact, statement.node);
      }
    });
    const ranges = parsed.statements.map((s) => s.range);
    const statements = parsed.skipped.length === 0 ? ranges : [...ranges, ...parsed.skipped].sort((a, b) => a.start - b.start);
    parsedFiles.push({ ...file, statements, error: null });
  }
  return { model, files: parsedFiles };
}

// Rules resolve every call of every policy; an index by name keeps that linear in the history.
// Built on first use, once the model is final (rules run after the whole history is replayed).
const functionsByName = new WeakMap<SchemaModel, Map<string, FunctionModel[]>>();

/** The model function a call in a policy expression resolves to (by name; the first overload). */
export function resolveFunction(model: SchemaModel, funcCall: ParseNode): FunctionModel | undefined {
  return resolveFunctionName(model, calledFunctionName(funcCall));
}

/** The model function a call name resolves to (by name; the first overload). */
export function resolveFunctionName(model: SchemaModel, { schema, name }: FunctionCallName): FunctionModel | undefined {
  let index = functionsByName.get(model);
  if (!index) {
    index = new Map();
    for (const fn of model.functions.values()) {
      const overloads = index.get(fn.name);
      if (overloads) overloads.push(fn);
      else index.set(fn.name, [fn]);
    }
    functionsByName.set(model, index);
  }
  return index.get(name)?.find((fn) => schema === undefined || fn.schema === schema);
}
