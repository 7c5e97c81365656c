/**
 * Where a query runs: on a pool, on one connection, or inside a transaction an ORM opens and
 * ends. The receiver decides (`kindOf`), except where the library says otherwise at the call:
 * an element of a batch transaction (`prisma.$transaction([…])`), a Sequelize call given
 * `{ transaction: t }`, a Knex builder given `.transacting(trx)`.
 */
import type { TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES } from '@typescript-eslint/utils';
import type { ConnectionContext, ConnectionKind } from './connection-kind.js';
import { isCallOf, kindOf } from './connection-kind.js';
import { calleeName } from './sql-text.js';
import { unwrapExpression } from './unwrap-expression.js';

/** Methods that run an array of queries in one transaction: Prisma's `$transaction([…])`, Drizzle's `batch([…])`. */
const batchMethods = ['$transaction', 'batch'];

/** A query placed in a batch transaction: the batch's elements and the query's own index among them. */
export interface BatchPlace {
  elements: TSESTree.Node[];
  index: number;
}

/** The node a query expression is as a value, past `await`, parentheses and type assertions. */
function outermost(node: TSESTree.Node): TSESTree.Node {
  let current = node;
  while (
    current.parent &&
    (current.parent.type === AST_NODE_TYPES.TSAsExpression ||
      current.parent.type === AST_NODE_TYPES.TSNonNullExpression ||
      current.parent.type === AST_NODE_TYPES.TSSatisfiesExpression)
  ) {
    current = current.parent;
  }
  return current;
}

/** The batch transaction a query is an element of, when the batch runs on a pool. */
export function batchPlaceOf(node: TSESTree.Node, ctx: ConnectionContext): BatchPlace | null {
  const element = outermost(node);
  const array = element.parent;
  if (array?.type !== AST_NODE_TYPES.ArrayExpression) return null;
  const call = array.parent;
  if (call?.type !== AST_NODE_TYPES.CallExpression || call.arguments[0] !== array || !isCallOf(call, batchMethods)) return null;
  if (call.callee.type !== AST_NODE_TYPES.MemberExpression || kindOf(call.callee.object, ctx) !== 'pool') return null;
  const elements = array.elements.filter((item): item is TSESTree.Expression => item !== null && item.type !== AST_NODE_TYPES.SpreadElement);
  return { elements, index: elements.indexOf(element as TSESTree.Expression) };
}

/** Whether a call passes a transaction in its options: Sequelize's `sequelize.query(sql, { transaction: t })`. */
function hasTransactionOption(node: TSESTree.Node): boolean {
  if (node.type !== AST_NODE_TYPES.CallExpression) return false;
  return node.arguments.slice(1).some(
    (argument) =>
      argument.type === AST_NODE_TYPES.ObjectExpression &&
      argument.properties.some(
        (property) =>
          property.type === AST_NODE_TYPES.Property &&
          !property.computed &&
          calleeName(property.key) === 'transaction' &&
          !(unwrapExpression(property.value).type === AST_NODE_TYPES.Literal) &&
          !(property.value.type === AST_NODE_TYPES.Identifier && property.value.name === 'undefined'),
      ),
  );
}

/** Whether a Knex builder is bound to a transaction: `knex.raw(sql).transacting(trx)`. */
function isTransacting(node: TSESTree.Node): boolean {
  const member = node.parent;
  return (
    member?.type === AST_NODE_TYPES.MemberExpression &&
    member.object === node &&
    calleeName(member) === 'transacting' &&
    member.parent.type === AST_NODE_TYPES.CallExpression &&
    member.parent.arguments.length > 0
  );
}

/**
 * The handle a built query is executed on, when it is passed at the end of the chain: Kysely's
 * ``sql`…`.execute(trx)`` and ``sql.raw(…).execute(db)``.
 */
export function executedOn(node: TSESTree.Node): TSESTree.Node | null {
  const member = node.parent;
  if (member?.type !== AST_NODE_TYPES.MemberExpression || member.object !== node || calleeName(member) !== 'execute') return null;
  const call = member.parent;
  if (call.type !== AST_NODE_TYPES.CallExpression || call.callee !== member) return null;
  return call.arguments[0] ?? null;
}

/** Where the query at `node`, sent on `receiver`, runs. */
export function connectionOf(query: { node: TSESTree.Node; receiver: TSESTree.Node | null }, ctx: ConnectionContext): ConnectionKind {
  if (hasTransactionOption(query.node) || isTransacting(query.node)) return 'transaction';
  if (batchPlaceOf(query.node, ctx)) return 'transaction';
  return query.receiver ? kindOf(query.receiver, ctx) : 'unknown';
}

/** Whether queries on a connection of this kind run inside a transaction something else opens and ends. */
export function isInsideTransaction(kind: ConnectionKind): boolean {
  return kind === 'transaction' || kind === 'scoped-client';
}
