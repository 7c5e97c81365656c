/**
 * Which handler replays which statement: one entry per node type the model follows. A new
 * statement kind is a new handler here; every other statement leaves the model as it is.
 */
import type { NodeEntry, NodeOfType, NodeTypeName } from '@tenant-scope/sql-analyzer';
import { applyAlterTable } from './handlers/alter-table.js';
import { applyDoBlock } from './handlers/do-blocks.js';
import { applyDrop } from './handlers/drops.js';
import { applyAlterFunction, applyCreateFunction } from './handlers/functions.js';
import { applyAlterDefaultPrivileges, applyGrant } from './handlers/grants.js';
import { applyAlterPolicy, applyCreatePolicy } from './handlers/policies.js';
import { applyAlterObjectSchema, applyRename } from './handlers/renames.js';
import { applyAlterRole, applyCreateRole, applyDropRole } from './handlers/roles.js';
import { applyCreateSchema } from './handlers/schemas.js';
import { applyCreateTable, applyCreateTableAs } from './handlers/tables.js';
import { applyView } from './handlers/views.js';
import type { ReplayContext } from './replay-context.js';

type StatementHandlers = { [K in NodeTypeName]?: (ctx: ReplayContext, node: NodeOfType<K>) => void };

const HANDLERS: StatementHandlers = {
  CreateStmt: applyCreateTable,
  CreateTableAsStmt: applyCreateTableAs,
  ViewStmt: applyView,
  AlterTableStmt: applyAlterTable,
  RenameStmt: applyRename,
  AlterObjectSchemaStmt: applyAlterObjectSchema,
  DropStmt: applyDrop,
  CreateSchemaStmt: applyCreateSchema,
  CreatePolicyStmt: applyCreatePolicy,
  AlterPolicyStmt: applyAlterPolicy,
  CreateFunctionStmt: applyCreateFunction,
  AlterFunctionStmt: applyAlterFunction,
  CreateRoleStmt: applyCreateRole,
  AlterRoleStmt: applyAlterRole,
  DropRoleStmt: applyDropRole,
  DoStmt: applyDoBlock,
  GrantStmt: applyGrant,
  AlterDefaultPrivilegesStmt: applyAlterDefaultPrivileges,
};

/** Applies one statement to the model through the handler for its node type, if it has one. */
export function applyStatement(ctx: ReplayContext, statement: NodeEntry): void {
  const handler = HANDLERS[statement.type] as ((ctx: ReplayContext, node: NodeEntry['body']) => void) | undefined;
  handler?.(ctx, statement.body);
}

/** Whether statements of this node type can change the model. */
export function followsStatement(type: string): boolean {
  return Object.hasOwn(HANDLERS, type);
}
