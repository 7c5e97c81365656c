/**
 * A tenant context written on one connection that ends before any query runs on it: the client
 * is released (or the transaction callback returns) right after the write, so the work that
 * needed the context runs on other connections without it.
 *
 *     const runner = dataSource.createQueryRunner();
 *     await runner.query("select set_config('app.tenant_id', $1, false)", [id]);
 *     await runner.release();          // the request's queries run elsewhere
 *     return next.handle();
 */
import type { TSESLint, TSESTree } from '@typescript-eslint/utils';
import { AST_NODE_TYPES, ASTUtils } from '@typescript-eslint/utils';
import type { ConnectionContext } from './connection-kind.js';
import { kindOf } from './connection-kind.js';
import { enclosingFunction } from './enclosing-function.js';
import { calleeName } from './sql-text.js';
import { unwrapExpression } from './unwrap-expression.js';

/** Where the connection that got the context ends: a `release()` call, or the end of the transaction callback. */
export type ContextEnd = { ending: 'release'; node: TSESTree.CallExpression; handle: string } | { ending: 'transaction-end'; handle: string };

/** Calls that give a checked-out connection back or close it. */
const endMethods = ['release', 'end'];

function endCall(identifier: TSESTree.Node): TSESTree.CallExpression | null {
  const member = identifier.parent;
  if (member?.type !== AST_NODE_TYPES.MemberExpression || member.object !== identifier) return null;
  const name = calleeName(member);
  const call = member.parent;
  return name !== null && endMethods.includes(name) && call.type === AST_NODE_TYPES.CallExpression && call.callee === member ? call : null;
}

/**
 * How the connection a context write was sent on (`receiver`) ends, when nothing else uses it
 * after the write; null when it is used again, handed on, or not knowable. Every use of the
 * handle must be in the write's own function, so that source order is the order they run in.
 */
export function unusedContextEnd(receiver: TSESTree.Node, ctx: ConnectionContext & { sourceCode: Readonly<TSESLint.SourceCode> }): ContextEnd | null {
  const handle = unwrapExpression(receiver);
  if (handle.type !== AST_NODE_TYPES.Identifier) return null;
  const kind = kindOf(handle, ctx);
  if (kind !== 'client' && kind !== 'transaction') return null;
  const variable = ASTUtils.findVariable(ctx.sourceCode.getScope(handle), handle);
  const definition = variable?.defs.length === 1 ? variable.defs[0] : undefined;
  if (!variable || !definition) return null;
  const home = enclosingFunction(handle);
  const references = variable.references.filter((reference) => !reference.init).map((reference) => reference.identifier as TSESTree.Node);
  if (references.some((identifier) => enclosingFunction(identifier) !== home)) return null;
  const later = references.filter((identifier) => identifier.range[0] > handle.range[0]).sort((a, b) => a.range[0] - b.range[0]);
  if (kind === 'client') {
    const next = later[0] && endCall(later[0]);
    return next ? { ending: 'release', node: next, handle: handle.name } : null;
  }
  // A transaction callback's own handle, not used again before the callback returns.
  if (definition.type !== 'Parameter' || definition.node !== home || later.length > 0) return null;
  return { ending: 'transaction-end', handle: handle.name };
}
