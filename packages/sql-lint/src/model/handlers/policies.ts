/** CREATE POLICY and ALTER POLICY. */
import { firstLocation } from '@tenant-scope/sql-analyzer';
import type { GucRead, NodeOfType, ParseTreeNode } from '@tenant-scope/sql-analyzer';
import { namedKey } from '../names.js';
import { parenthesizedRange } from '../parenthesized-range.js';
import type { ReplayContext } from '../replay-context.js';
import type { PolicyCommand, PolicyExpression, PolicyModel } from '../schema-model.js';
import { roleNames } from './roles.js';
import { tableFor } from './tables.js';

function policyCommand(cmd: string | undefined): PolicyCommand {
  const c = (cmd ?? 'all').toLowerCase();
  return c === 'select' || c === 'insert' || c === 'update' || c === 'delete' ? c : 'all';
}

/** A USING or WITH CHECK expression, located inside its parentheses, with the setting reads in it. */
function policyExpression(ctx: ReplayContext, expr: ParseTreeNode | undefined): PolicyExpression | null {
  if (!expr) return null;
  const first = firstLocation(expr);
  const { snippet } = ctx.parsed;
  const inner = first === undefined ? null : parenthesizedRange(snippet.sql, snippet.offset(first), ctx.statement.range.end);
  const range = inner ? snippet.outerRange(inner.start, inner.end) : ctx.source.range;
  const reads = ctx.facts.filter(
    (f): f is GucRead =>
      f.kind === 'guc-read' && f.origin === 'statement' && f.range.start >= range.start && f.range.end <= range.end,
  );
  return { node: expr, reads, source: { file: ctx.file, range } };
}

/** CREATE POLICY (on a table the history never created, too: it may predate the history). */
export function applyCreatePolicy(ctx: ReplayContext, node: NodeOfType<'CreatePolicyStmt'>): void {
  const key = namedKey(ctx, node.table);
  if (!key) return;
  const table = tableFor(ctx, key);
  const policy: PolicyModel = {
    name: String(node.policy_name),
    table: key,
    command: policyCommand(node.cmd_name),
    roles: roleNames(node.roles),
    permissive: node.permissive === true,
    using: policyExpression(ctx, node.qual),
    withCheck: policyExpression(ctx, node.with_check),
    source: ctx.source,
  };
  table.policies.set(policy.name, policy);
}

/** ALTER POLICY: what it repeats replaces the old roles and expressions. */
export function applyAlterPolicy(ctx: ReplayContext, node: NodeOfType<'AlterPolicyStmt'>): void {
  const key = namedKey(ctx, node.table);
  const policy = key ? ctx.model.tables.get(key)?.policies.get(String(node.policy_name)) : undefined;
  if (!policy) return;
  if (node.roles) policy.roles = roleNames(node.roles);
  if (node.qual) policy.using = policyExpression(ctx, node.qual);
  if (node.with_check) policy.withCheck = policyExpression(ctx, node.with_check);
  policy.source = ctx.source;
}
