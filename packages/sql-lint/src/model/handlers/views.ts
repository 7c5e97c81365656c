/** CREATE [OR REPLACE] VIEW and the view options ALTER VIEW / ALTER TABLE … SET (…) change. */
import { defElemText, nodeOf } from '@tenant-scope/sql-analyzer';
import type { NodeOfType, ParseTreeNode } from '@tenant-scope/sql-analyzer';
import { createdKey, readRelations, splitKey } from '../names.js';
import type { ReplayContext } from '../replay-context.js';
import type { ViewModel } from '../schema-model.js';

/** Reads a boolean reloption value the way PostgreSQL does (`true`, `on`, `1`, `yes`, …). */
function isTrueOption(text: string | undefined): boolean {
  if (text === undefined) return true; // WITH (security_invoker) alone means true
  return ['true', 'on', '1', 'yes', 't', 'y'].includes(text.toLowerCase());
}

/** `WITH (security_invoker …)`, `SET (…)`, or `RESET (…)` when `reset`. */
export function applyViewOptions(view: ViewModel, options: readonly ParseTreeNode[] | undefined, reset: boolean): void {
  for (const option of options ?? []) {
    const def = nodeOf(option, 'DefElem');
    if (def?.defname !== 'security_invoker') continue;
    view.securityInvoker = reset ? false : isTrueOption(defElemText(def.arg));
  }
}

/** CREATE [OR REPLACE] VIEW. */
export function applyView(ctx: ReplayContext, node: NodeOfType<'ViewStmt'>): void {
  const key = createdKey(ctx, node.view);
  if (!key) return;
  const { schema, name } = splitKey(key);
  // CREATE OR REPLACE VIEW replaces the options too: one it does not repeat is reset.
  const relations = readRelations(ctx.model, ctx.path.schemas, node.query);
  const view: ViewModel = { schema, name, securityInvoker: false, relations, materialized: false, source: ctx.source };
  applyViewOptions(view, node.options, false);
  ctx.model.views.set(key, view);
}

/** ALTER VIEW / ALTER TABLE on a view: only its options matter here. */
export function applyAlterView(ctx: ReplayContext, view: ViewModel, node: NodeOfType<'AlterTableStmt'>): void {
  for (const c of node.cmds ?? []) {
    const cmd = nodeOf(c, 'AlterTableCmd');
    const items = nodeOf(cmd?.def, 'List')?.items;
    if (cmd?.subtype === 'AT_SetRelOptions') applyViewOptions(view, items, false);
    if (cmd?.subtype === 'AT_ResetRelOptions') applyViewOptions(view, items, true);
    view.source = ctx.source;
  }
}
