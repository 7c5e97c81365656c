/** CREATE SCHEMA (usable by its owner only), whose elements (CREATE SCHEMA s CREATE TABLE …) are created in the new schema. */
import { unwrapNode } from '@tenant-scope/sql-analyzer';
import type { NodeOfType } from '@tenant-scope/sql-analyzer';
import type { ReplayContext } from '../replay-context.js';

/** CREATE SCHEMA [name] [AUTHORIZATION role] [elements]. */
export function applyCreateSchema(ctx: ReplayContext, node: NodeOfType<'CreateSchemaStmt'>): void {
  const name = node.schemaname ?? node.authrole?.rolename;
  if (!name) return;
  // A new schema is usable by its owner only; IF NOT EXISTS on an existing one changes nothing.
  if (!ctx.model.schemaUsage.has(name.toLowerCase())) ctx.model.schemaUsage.set(name.toLowerCase(), new Set());
  for (const element of node.schemaElts ?? []) {
    const inner = unwrapNode(element);
    if (inner) ctx.path.withSchemaFirst(name, () => ctx.apply(inner));
  }
}
