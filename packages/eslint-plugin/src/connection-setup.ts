/**
 * Connection set-up: SQL a pool runs on every connection it opens, before any request gets it
 * (node-postgres `pool.on('connect', (client) => …)`, Knex's `pool.afterCreate`, Sequelize's
 * `afterConnect`, Slonik's `afterPoolConnection`), or once on a standalone client at start-up. A
 * session-level value set there is the same on every connection: configuration, like
 * `ALTER ROLE … SET`, not one request's state left behind for the next.
 */
import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES, ASTUtils } from '@typescript-eslint/utils';
import { isFunctionNode, type FunctionNode } from './enclosing-function.js';
import { calleeName } from './sql-text.js';
import { unwrapExpression } from './unwrap-expression.js';

/** Pool events whose listener gets each new connection. */
const connectEvents = new Set(['connect']);
/** Methods that add an event listener: `pool.on('connect', fn)`. */
const listenerMethods = new Set(['on', 'once', 'addListener', 'prependListener']);
/** Hooks (as option properties, methods or `addHook` names) that run on each new or checked-out connection. */
const setupHooks = new Set(['afterCreate', 'afterConnect', 'afterPoolConnection']);

function stringValue(node: TSESTree.Node | undefined): string | null {
  return node?.type === AST_NODE_TYPES.Literal && typeof node.value === 'string' ? node.value : null;
}

/** Whether a function is a set-up hook of a pool or driver, by where it is written. */
function isSetupHook(fn: FunctionNode): boolean {
  const parent = fn.parent;
  // `{ afterCreate(conn, done) { … } }`, `{ afterCreate: (conn, done) => … }`, a class method `afterConnect(…)`.
  if ((parent?.type === AST_NODE_TYPES.Property || parent?.type === AST_NODE_TYPES.MethodDefinition) && parent.value === fn) {
    const key = parent.computed ? stringValue(parent.key) : calleeName(parent.key);
    return key !== null && setupHooks.has(key);
  }
  if (parent?.type !== AST_NODE_TYPES.CallExpression || !parent.arguments.includes(fn as TSESTree.CallExpressionArgument)) return false;
  const method = calleeName(parent.callee);
  if (method === null) return false;
  const first = stringValue(parent.arguments[0]);
  // `pool.on('connect', (client) => …)`, `sequelize.addHook('afterConnect', (connection) => …)`, `sequelize.afterConnect(fn)`.
  if (listenerMethods.has(method)) return first !== null && connectEvents.has(first);
  if (method === 'addHook') return first !== null && setupHooks.has(first);
  return setupHooks.has(method);
}

/** Whether `receiver` is a parameter of a set-up hook: the connection being set up. */
function isHookConnection(receiver: TSESTree.Identifier, sourceCode: Readonly<TSESLint.SourceCode>): boolean {
  const variable = ASTUtils.findVariable(sourceCode.getScope(receiver), receiver);
  const definition = variable?.defs.length === 1 ? variable.defs[0] : undefined;
  if (definition?.type !== 'Parameter' || !isFunctionNode(definition.node)) return false;
  return isSetupHook(definition.node);
}

/** Whether a standalone `new Client(…)` is configured at module level, once, before anything uses it. */
function isStartupOfOwnClient(node: TSESTree.Node, receiver: TSESTree.Identifier, sourceCode: Readonly<TSESLint.SourceCode>): boolean {
  for (let current = node.parent; current; current = current.parent) if (isFunctionNode(current)) return false;
  const variable = ASTUtils.findVariable(sourceCode.getScope(receiver), receiver);
  const definition = variable?.defs.length === 1 ? variable.defs[0] : undefined;
  if (definition?.type !== 'Variable' || definition.node.id !== definition.name || !definition.node.init) return false;
  const init = unwrapExpression(definition.node.init);
  if (init.type !== AST_NODE_TYPES.NewExpression) return false;
  return calleeName(init.callee) === 'Client';
}

/**
 * Whether the query at `node`, sent on `receiver`, sets up a connection for every later user alike:
 * it runs on the connection a pool's connect hook is given, or at module level on a standalone client.
 */
export function isConnectionSetup(node: TSESTree.Node, receiver: TSESTree.Node | null, sourceCode: Readonly<TSESLint.SourceCode>): boolean {
  const target = receiver && unwrapExpression(receiver);
  if (target?.type !== AST_NODE_TYPES.Identifier) return false;
  return isHookConnection(target, sourceCode) || isStartupOfOwnClient(node, target, sourceCode);
}
