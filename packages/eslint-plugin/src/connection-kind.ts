import { createRequire } from 'node:module';
import type * as TypeUtilsModule from '@typescript-eslint/type-utils';
import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES, ASTUtils } from '@typescript-eslint/utils';
import { annotatedKind } from './annotated-handle.js';
import { instanceMemberAnnotation, instanceMemberValue } from './class-members.js';
import type { TenantScopeSettings, TypeSpecifier } from './settings.js';
import { matchesName } from './settings.js';
import { calleeName } from './sql-text.js';
import { unwrapExpression } from './unwrap-expression.js';

/**
 * What a query is sent on. `pool`: a pool or database handle, where every query may take another
 * connection; `client`: one connection; `transaction`: one connection inside a transaction the
 * library opens and ends (a transaction callback's handle, a batch transaction's element);
 * `scoped-client`: the client a tenant-scope wrapper hands its callback; `unknown`: not knowable
 * here (then rules that depend on it stay silent).
 */
export type ConnectionKind = 'pool' | 'client' | 'transaction' | 'scoped-client' | 'unknown';

/** What classifying a receiver needs: the file, the shared settings, and type information when present. */
export interface ConnectionContext {
  sourceCode: Readonly<TSESLint.SourceCode>;
  settings: TenantScopeSettings;
}

const poolConstructors = new Set(['Pool', 'PrismaClient', 'Kysely', 'Sequelize', 'DataSource']);
const poolFactories = new Set(['postgres', 'drizzle', 'knex']);
const clientConstructors = new Set(['Client']);
/** Methods whose callback runs in a transaction on one connection (Prisma, Drizzle, Knex, TypeORM, Sequelize, postgres.js, MikroORM). */
const transactionMethods = ['transaction', 'begin', '$transaction', 'transactional'];
/** Methods of a pool that check out one connection: pg and postgres.js, TypeORM's query runner. */
const checkoutMethods = ['connect', 'reserve', 'createQueryRunner'];
/** Members of a pool that are pools themselves: TypeORM's `dataSource.manager`. */
const poolMembers = new Set(['manager']);
/** Factories of the guard's tenant scope, whose `pool` member is the guarded pool (`scope.pool`). */
const scopeFactories = ['createTenantScope'];

/** Whether `node` is bound to a tenant scope of the guard: `const scope = createTenantScope(pool, …)`. */
function isTenantScope(node: TSESTree.Node, ctx: ConnectionContext): boolean {
  const expression = unwrapExpression(node);
  if (expression.type !== AST_NODE_TYPES.Identifier) return false;
  const variable = ASTUtils.findVariable(ctx.sourceCode.getScope(expression), expression);
  const definition = variable?.defs.length === 1 ? variable.defs[0] : undefined;
  if (definition?.type !== 'Variable' || !definition.node.init) return false;
  const init = unwrapExpression(definition.node.init);
  return init.type === AST_NODE_TYPES.CallExpression && isCallOf(init, scopeFactories);
}
const maxDepth = 6;

/** The name an expression ends in: `pool` for `pool`, `db.pool` and `this.#pool`. */
function lastName(node: TSESTree.Node): string | null {
  if (node.type === AST_NODE_TYPES.Identifier) return node.name;
  if (node.type !== AST_NODE_TYPES.MemberExpression || node.computed) return null;
  if (node.property.type === AST_NODE_TYPES.Identifier || node.property.type === AST_NODE_TYPES.PrivateIdentifier) return node.property.name;
  return null;
}

/** `new Pool(…)`, `new pg.Pool(…)`, `postgres(…)`, `drizzle(…)`, `knex(…)`, `new PrismaClient()`. */
export function isPoolCreation(node: TSESTree.Node): boolean {
  const expression = unwrapExpression(node);
  if (expression.type === AST_NODE_TYPES.NewExpression) {
    const name = lastName(expression.callee);
    return name !== null && poolConstructors.has(name);
  }
  if (expression.type === AST_NODE_TYPES.CallExpression && expression.callee.type === AST_NODE_TYPES.Identifier) {
    return poolFactories.has(expression.callee.name);
  }
  return false;
}

/** Whether `node` is a call of one of `names`, as a function (`withTenant(…)`) or a method (`db.withTenant(…)`). */
export function isCallOf(node: TSESTree.Node, names: readonly string[]): boolean {
  if (node.type !== AST_NODE_TYPES.CallExpression) return false;
  const name = calleeName(node.callee);
  return name !== null && names.includes(name);
}

/** The callback a wrapper call runs: its last function argument. */
export function wrapperCallback(call: TSESTree.CallExpression): TSESTree.FunctionLike | null {
  for (let i = call.arguments.length - 1; i >= 0; i--) {
    const argument = call.arguments[i];
    if (argument && (argument.type === AST_NODE_TYPES.ArrowFunctionExpression || argument.type === AST_NODE_TYPES.FunctionExpression)) return argument;
  }
  return null;
}

/** The receiver of a method call: `db` in `db.m(…)`, or null for a plain function call. */
function methodReceiver(call: TSESTree.CallExpression): TSESTree.Expression | null {
  return call.callee.type === AST_NODE_TYPES.MemberExpression ? call.callee.object : null;
}

/**
 * What a callback's first parameter is, from the call the callback is passed to: a wrapper's
 * scoped client, or the handle of a transaction on a pool (`db.transaction(async (tx) => …)`,
 * Kysely's `db.transaction().execute(async (trx) => …)` and `db.connection().execute(…)`).
 */
function callbackKind(call: TSESTree.CallExpression, ctx: ConnectionContext, depth: number): ConnectionKind {
  if (isCallOf(call, ctx.settings.wrappers)) return 'scoped-client';
  const receiver = methodReceiver(call);
  if (!receiver) return 'unknown';
  if (isCallOf(call, transactionMethods)) return kindOf(receiver, ctx, depth + 1) === 'pool' ? 'transaction' : 'unknown';
  if (!isCallOf(call, ['execute'])) return 'unknown';
  // Kysely builders: `db.transaction().setIsolationLevel('serializable').execute(cb)`.
  let builder: TSESTree.Node = unwrapExpression(receiver);
  while (builder.type === AST_NODE_TYPES.CallExpression && !isCallOf(builder, ['transaction', 'connection'])) {
    const inner = methodReceiver(builder);
    if (!inner) return 'unknown';
    builder = unwrapExpression(inner);
  }
  if (builder.type !== AST_NODE_TYPES.CallExpression) return 'unknown';
  const root = methodReceiver(builder);
  if (!root || kindOf(root, ctx, depth + 1) !== 'pool') return 'unknown';
  return isCallOf(builder, ['transaction']) ? 'transaction' : 'client';
}

function parameterKind(definition: TSESTree.Node, name: TSESTree.Identifier, ctx: ConnectionContext, depth: number): ConnectionKind {
  if (definition.type !== AST_NODE_TYPES.ArrowFunctionExpression && definition.type !== AST_NODE_TYPES.FunctionExpression) return 'unknown';
  if (definition.params[0] !== name) return 'unknown';
  const call = definition.parent;
  if (call?.type !== AST_NODE_TYPES.CallExpression || wrapperCallback(call) !== definition) return 'unknown';
  return callbackKind(call, ctx, depth);
}

/** What a type annotation on a binding or member says, against the configured package types. */
function annotationKind(annotation: TSESTree.TypeNode | undefined, ctx: ConnectionContext): ConnectionKind {
  const kind = annotatedKind(annotation, ctx.sourceCode, ctx.settings);
  return kind ?? 'unknown';
}

/**
 * The connection an ORM handle is made over, when it is given one: Drizzle's `drizzle(client)` and
 * `drizzle({ client })`. Whether it is one connection or a pool is the argument's kind.
 */
export function wrappedConnectionOf(creation: TSESTree.Node): TSESTree.Identifier | TSESTree.MemberExpression | null {
  if (creation.type !== AST_NODE_TYPES.CallExpression || calleeName(creation.callee) !== 'drizzle') return null;
  let connection: TSESTree.Node | undefined = creation.arguments[0];
  if (connection?.type === AST_NODE_TYPES.ObjectExpression) {
    const property = connection.properties.find(
      (item): item is TSESTree.Property => item.type === AST_NODE_TYPES.Property && !item.computed && calleeName(item.key) === 'client',
    );
    connection = property?.value;
  }
  return connection?.type === AST_NODE_TYPES.Identifier || connection?.type === AST_NODE_TYPES.MemberExpression ? connection : null;
}

/** What a handle made over an existing connection is: `drizzle(client)` over a checked-out client runs every query on it. */
function wrappedConnectionKind(creation: TSESTree.Node, ctx: ConnectionContext, depth: number): ConnectionKind | null {
  const connection = wrappedConnectionOf(creation);
  if (!connection) return null;
  const kind = kindOf(connection, ctx, depth + 1);
  return kind === 'client' || kind === 'transaction' || kind === 'scoped-client' ? kind : null;
}

function initializerKind(init: TSESTree.Node, ctx: ConnectionContext, depth: number): ConnectionKind {
  const expression = unwrapExpression(init);
  if (isPoolCreation(expression)) return wrappedConnectionKind(expression, ctx, depth) ?? 'pool';
  if (expression.type === AST_NODE_TYPES.NewExpression) {
    const name = lastName(expression.callee);
    return name !== null && clientConstructors.has(name) ? 'client' : 'unknown';
  }
  if (expression.type === AST_NODE_TYPES.CallExpression && expression.callee.type === AST_NODE_TYPES.MemberExpression) {
    const onPool = (): boolean => kindOf((expression.callee as TSESTree.MemberExpression).object, ctx, depth + 1) === 'pool';
    if (isCallOf(expression, checkoutMethods) && onPool()) return 'client';
    // An unmanaged transaction: Knex's `await knex.transaction()`, Sequelize's `await sequelize.transaction()`.
    if (isCallOf(expression, transactionMethods) && !wrapperCallback(expression) && onPool()) return 'transaction';
  }
  if (expression.type === AST_NODE_TYPES.Identifier || expression.type === AST_NODE_TYPES.MemberExpression) return kindOf(expression, ctx, depth + 1);
  return 'unknown';
}

function syntacticKind(node: TSESTree.Node, ctx: ConnectionContext, depth: number): ConnectionKind {
  if (depth > maxDepth) return 'unknown';
  const expression = unwrapExpression(node);
  if (expression.type === AST_NODE_TYPES.Identifier) {
    const variable = ASTUtils.findVariable(ctx.sourceCode.getScope(expression), expression);
    const definition = variable?.defs.length === 1 ? variable.defs[0] : undefined;
    if (definition?.type === 'Variable' && definition.node.id === definition.name) {
      const kind = definition.node.init ? initializerKind(definition.node.init, ctx, depth) : 'unknown';
      if (kind !== 'unknown') return kind;
      const annotated = annotationKind(definition.name.typeAnnotation?.typeAnnotation, ctx);
      if (annotated !== 'unknown') return annotated;
    } else if (definition?.type === 'Parameter' && definition.name.type === AST_NODE_TYPES.Identifier) {
      const kind = parameterKind(definition.node, definition.name, ctx, depth);
      if (kind !== 'unknown') return kind;
      const annotated = annotationKind(definition.name.typeAnnotation?.typeAnnotation, ctx);
      if (annotated !== 'unknown') return annotated;
    }
  }
  if (expression.type === AST_NODE_TYPES.MemberExpression) {
    // `this.pool` / `this.#pool`: what its class puts there, else what it is declared as.
    const value = instanceMemberValue(expression, ctx.sourceCode);
    if (value) {
      const kind = initializerKind(value, ctx, depth);
      if (kind !== 'unknown') return kind;
    }
    const annotated = annotationKind(instanceMemberAnnotation(expression), ctx);
    if (annotated !== 'unknown') return annotated;
    const member = lastName(expression);
    if (member !== null && poolMembers.has(member) && kindOf(expression.object, ctx, depth + 1) === 'pool') return 'pool';
    // The guard's `scope.pool` runs on the tenant transaction only inside `scope.withTenant`: elsewhere it is a pool.
    if (member === 'pool' && isTenantScope(expression.object, ctx)) return 'pool';
  }
  const name = lastName(expression);
  if (name !== null && matchesName(ctx.settings.pools, name)) return 'pool';
  return 'unknown';
}

type TypeUtils = typeof TypeUtilsModule;
let typeUtils: TypeUtils | null | undefined;

// Loaded only when type information is present, so JavaScript projects need no TypeScript install.
function loadTypeUtils(): TypeUtils | null {
  if (typeUtils === undefined) {
    try {
      typeUtils = createRequire(import.meta.url)('@typescript-eslint/type-utils') as TypeUtils;
    } catch {
      typeUtils = null;
    }
  }
  return typeUtils;
}

function typedKind(node: TSESTree.Node, ctx: ConnectionContext): ConnectionKind {
  const services = ctx.sourceCode.parserServices;
  if (!services?.program || !services.esTreeNodeToTSNodeMap) return 'unknown';
  const utils = loadTypeUtils();
  if (!utils) return 'unknown';
  const checker = services.program.getTypeChecker();
  const tsNode = services.esTreeNodeToTSNodeMap.get(node as never);
  if (!tsNode) return 'unknown';
  const type = checker.getTypeAtLocation(tsNode);
  // Most receivers in a project share a handful of types; matching one against the specifiers
  // walks its declarations, so each type is matched once per settings.
  let known = kindsByType.get(ctx.settings);
  if (!known) kindsByType.set(ctx.settings, (known = new WeakMap()));
  const cached = known.get(type);
  if (cached !== undefined) return cached;
  const matches = (specifiers: TypeSpecifier[]): boolean => {
    // Drizzle's `drizzle(pool)` is `NodePgDatabase<…> & { $client: Pool }`: any part of an intersection names it.
    const candidates = type.isUnion() || type.isIntersection() ? type.types : [type];
    return candidates.some((candidate) => utils.typeMatchesSomeSpecifier(candidate, specifiers, services.program!));
  };
  const kind = matches(ctx.settings.transactionTypes) ? 'transaction' : matches(ctx.settings.clientTypes) ? 'client' : matches(ctx.settings.poolTypes) ? 'pool' : 'unknown';
  known.set(type, kind);
  return kind;
}

const kindsByType = new WeakMap<TenantScopeSettings, WeakMap<object, ConnectionKind>>();

/**
 * Classifies the receiver of a query. What the file itself shows (a `new Pool(…)` binding, a
 * `pool.connect()` client, a wrapper's callback parameter, a configured name) decides first; type
 * information, when the project service provides it, is asked only when the syntax says nothing.
 */
export function kindOf(node: TSESTree.Node, ctx: ConnectionContext, depth = 0): ConnectionKind {
  if (depth > 0) return classify(node, ctx, depth);
  // Several rules ask about the same receiver, and a type lookup is not cheap: answer each once per settings.
  let known = kindsBySettings.get(ctx.settings);
  if (!known) kindsBySettings.set(ctx.settings, (known = new WeakMap()));
  const cached = known.get(node);
  if (cached !== undefined) return cached;
  const kind = classify(node, ctx, depth);
  known.set(node, kind);
  return kind;
}

const kindsBySettings = new WeakMap<TenantScopeSettings, WeakMap<TSESTree.Node, ConnectionKind>>();

function classify(node: TSESTree.Node, ctx: ConnectionContext, depth: number): ConnectionKind {
  const kind = syntacticKind(node, ctx, depth);
  if (kind !== 'unknown') return kind;
  return typedKind(unwrapExpression(node), ctx);
}
