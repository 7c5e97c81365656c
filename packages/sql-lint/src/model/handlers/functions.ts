/** CREATE FUNCTION / PROCEDURE and ALTER FUNCTION: security, fixed search_path, what the body reads and calls. */
import { calledFunctionName, defElemText, nameParts, nodeOf, parseSql, sqlTokens, statementTree, stringValue, typeNameOf, walkTree } from '@tenant-scope/sql-analyzer';
import type { GucRead, GucWrite, NodeOfType, SqlToken } from '@tenant-scope/sql-analyzer';
import { newFunctionExecute } from './grants.js';
import { functionKey, functionsMatching, readRelations } from '../names.js';
import type { ReplayContext } from '../replay-context.js';
import type { FunctionCallName, FunctionModel } from '../schema-model.js';
import { resolvableSchemas, setStatementSchemas } from '../search-path.js';
import type { SchemaList } from '../search-path.js';

/** The functions a parse tree calls. */
function readCalls(tree: unknown): FunctionCallName[] {
  const calls: FunctionCallName[] = [];
  walkTree(tree, (type, body) => {
    if (type === 'FuncCall') calls.push(calledFunctionName(body));
  });
  return calls;
}

/** An identifier token's name, lowercased like every function name of the model (quotes removed). */
function identifierName(token: SqlToken): string {
  return token.lower.startsWith('"') ? token.lower.slice(1, -1).replaceAll('""', '"') : token.lower;
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

/** A function's `SET search_path` clause: as written, and the schemas its body's names resolve against. */
function fixedSearchPath(ctx: ReplayContext, setStmt: NodeOfType<'VariableSetStmt'>): { text: string; schemas: SchemaList } | null {
  // FROM CURRENT fixes the path the migration runs with.
  if (setStmt.kind === 'VAR_SET_CURRENT') return { text: 'FROM CURRENT', schemas: ctx.path.schemas };
  if (setStmt.kind !== 'VAR_SET_VALUE') return null;
  const schemas = setStatementSchemas(setStmt);
  return { text: schemas.join(', '), schemas: resolvableSchemas(schemas) };
}

/** The relations and calls of a body: from its parse tree for SQL, by name for other languages. */
function bodyUses(ctx: ReplayContext, node: NodeOfType<'CreateFunctionStmt'>, language: string, bodyText: string, searchPath: SchemaList): { relations: string[]; calls: FunctionCallName[] } {
  if (node.sql_body) return { relations: readRelations(ctx.model, searchPath, node.sql_body), calls: readCalls(node.sql_body) };
  if (language === 'sql' && bodyText) {
    const body = parseSql(bodyText);
    const tree = body.error ? [] : body.statements.map(statementTree);
    return { relations: readRelations(ctx.model, searchPath, tree), calls: readCalls(tree) };
  }
  return { relations: [], calls: callsByName(bodyText) };
}

/** CREATE [OR REPLACE] FUNCTION / PROCEDURE. */
export function applyCreateFunction(ctx: ReplayContext, node: NodeOfType<'CreateFunctionStmt'>): void {
  const parts = nameParts(node.funcname).map((p) => p.toLowerCase());
  const name = parts[parts.length - 1] ?? '';
  const schema = parts.length > 1 ? (parts[parts.length - 2] as string) : ctx.path.creationSchema;
  const argumentTypes = (node.parameters ?? [])
    .map((p) => nodeOf(p, 'FunctionParameter'))
    .filter((p) => p !== undefined && p.mode !== 'FUNC_PARAM_OUT' && p.mode !== 'FUNC_PARAM_TABLE')
    .map((p) => typeNameOf(p?.argType));
  let language = 'sql';
  let securityDefiner = false;
  let searchPath: { text: string; schemas: SchemaList } | null = null;
  let bodyText = '';
  for (const option of node.options ?? []) {
    const def = nodeOf(option, 'DefElem');
    if (!def) continue;
    if (def.defname === 'language') language = (defElemText(def.arg) ?? 'sql').toLowerCase();
    if (def.defname === 'security') securityDefiner = defElemText(def.arg) === 'true';
    if (def.defname === 'as') bodyText = stringValue(nodeOf(def.arg, 'List')?.items?.[0]) ?? '';
    const set = nodeOf(def.arg, 'VariableSetStmt');
    if (def.defname === 'set' && set && String(set.name).toLowerCase() === 'search_path') searchPath = fixedSearchPath(ctx, set);
  }
  // Without a fixed path the caller's applies; the migration's own is the best guess there is.
  const bodySearchPath = searchPath?.schemas ?? ctx.path.schemas;
  const uses = bodyUses(ctx, node, language, bodyText, bodySearchPath);
  const own = ctx.facts.filter((f) => f.statementIndex === ctx.statementIndex && f.origin === 'function-body');
  const key = functionKey(schema, name, argumentTypes);
  const fn: FunctionModel = {
    schema,
    name,
    argumentTypes,
    procedure: node.is_procedure === true,
    returnType: node.is_procedure === true ? 'void' : typeNameOf(node.returnType),
    language,
    securityDefiner,
    searchPath: searchPath?.text ?? null,
    searchPathSource: searchPath === null ? null : ctx.source,
    bodySearchPath,
    reads: own.filter((f): f is GucRead => f.kind === 'guc-read'),
    writes: own.filter((f): f is GucWrite => f.kind === 'guc-write'),
    bodyText,
    bodyRelations: uses.relations,
    bodyCalls: uses.calls,
    // CREATE OR REPLACE keeps the privileges of the function it replaces.
    execute: ctx.model.functions.get(key)?.execute ?? newFunctionExecute(ctx.model, schema),
    source: ctx.source,
  };
  ctx.model.functions.set(key, fn);
}

/** Applies one `SET search_path …` / `RESET …` action of ALTER FUNCTION. */
function alterSearchPath(ctx: ReplayContext, fn: FunctionModel, set: NodeOfType<'VariableSetStmt'>): void {
  const name = (set.name ?? '').toLowerCase();
  if (name !== 'search_path' && !(set.kind === 'VAR_RESET_ALL' && fn.searchPath !== null)) return;
  const fixed = fixedSearchPath(ctx, set);
  fn.searchPath = fixed?.text ?? null;
  fn.bodySearchPath = fixed?.schemas ?? ctx.path.schemas;
  fn.searchPathSource = fn.searchPath === null ? null : ctx.source;
  // The statement that took the fixed search_path away is the one to point at.
  if (fn.searchPath === null) fn.source = ctx.source;
}

/** ALTER FUNCTION … SECURITY DEFINER / INVOKER, SET / RESET search_path. */
export function applyAlterFunction(ctx: ReplayContext, node: NodeOfType<'AlterFunctionStmt'>): void {
  for (const [, fn] of functionsMatching(ctx, node.func)) {
    for (const action of node.actions ?? []) {
      const def = nodeOf(action, 'DefElem');
      if (!def) continue;
      if (def.defname === 'security') {
        fn.securityDefiner = defElemText(def.arg) === 'true';
        fn.source = ctx.source;
      }
      const set = nodeOf(def.arg, 'VariableSetStmt');
      if (def.defname === 'set' && set) alterSearchPath(ctx, fn, set);
    }
  }
}
