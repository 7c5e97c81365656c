/**
 * A connection no other request can get: a pool or standalone client that one function creates for
 * itself and closes before it returns (a migration script's `new Client()` … `client.end()`, a
 * per-tenant `new DataSource(…)` … `dataSource.destroy()`). Session state set on it dies with it.
 */
import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES, ASTUtils } from '@typescript-eslint/utils';
import { isPoolCreation } from './connection-kind.js';
import { enclosingFunction } from './enclosing-function.js';
import { calleeName } from './sql-text.js';
import { unwrapExpression } from './unwrap-expression.js';

/** Methods that close a pool or client for good: node-postgres and postgres.js `end`, TypeORM's `destroy`, Knex's `destroy`. */
const closingMethods = new Set(['end', 'destroy', 'close']);

/** `new Pool(…)`, `new DataSource(…)`, `postgres(…)`, `knex(…)`, `new Client(…)`: a handle with connections of its own. */
function createsOwnConnections(node: TSESTree.Node): boolean {
  const expression = unwrapExpression(node);
  if (isPoolCreation(expression)) return true;
  return expression.type === AST_NODE_TYPES.NewExpression && calleeName(expression.callee) === 'Client';
}

function isNothing(node: TSESTree.Node): boolean {
  return (node.type === AST_NODE_TYPES.Literal && node.value === null) || (node.type === AST_NODE_TYPES.Identifier && node.name === 'undefined');
}

/**
 * Whether `receiver` names a handle that the function running the query at `node` creates (every
 * value it is given is a new pool or client, given in that function) and closes (`.end()`,
 * `.destroy()`) in that same function.
 */
export function isPrivateConnection(node: TSESTree.Node, receiver: TSESTree.Node | null, sourceCode: Readonly<TSESLint.SourceCode>): boolean {
  const target = receiver && unwrapExpression(receiver);
  if (target?.type !== AST_NODE_TYPES.Identifier) return false;
  const owner = enclosingFunction(node);
  if (!owner) return false;
  const variable = ASTUtils.findVariable(sourceCode.getScope(target), target);
  if (!variable || variable.defs.length !== 1 || variable.defs[0]?.type !== 'Variable') return false;
  let created = false;
  let closed = false;
  for (const reference of variable.references) {
    const identifier = reference.identifier as TSESTree.Node;
    if (reference.isWrite()) {
      // `let db = null;` before the handle is made.
      if (!reference.writeExpr || isNothing(reference.writeExpr)) continue;
      if (!createsOwnConnections(reference.writeExpr) || enclosingFunction(identifier) !== owner) return false;
      created = true;
      continue;
    }
    const member = identifier.parent;
    if (
      member?.type === AST_NODE_TYPES.MemberExpression &&
      member.object === identifier &&
      closingMethods.has(calleeName(member) ?? '') &&
      member.parent.type === AST_NODE_TYPES.CallExpression &&
      member.parent.callee === member &&
      enclosingFunction(member) === owner
    ) {
      closed = true;
    }
  }
  return created && closed;
}
