/** ALTER TABLE: one small handler per subcommand the model follows; the others change nothing here. */
import { nameParts, nodeOf, walkTree } from '@tenant-scope/sql-analyzer';
import type { NodeOfType } from '@tenant-scope/sql-analyzer';
import { namedKey } from '../names.js';
import type { ReplayContext } from '../replay-context.js';
import type { PolicyModel, TableModel } from '../schema-model.js';
import { applyPrimaryKey, columnOf, tableFor } from './tables.js';
import { applyAlterView } from './views.js';

type AlterTableCmd = NodeOfType<'AlterTableCmd'>;
type AlterTableType = NonNullable<AlterTableCmd['subtype']>;

/** What a subcommand works on: the altered table (and its key) and the subcommand itself. */
interface Subcommand {
  ctx: ReplayContext;
  key: string;
  table: TableModel;
  cmd: AlterTableCmd;
}

function enableRowSecurity({ ctx, table }: Subcommand): void {
  Object.assign(table.rowSecurity, { enabled: true, enabledBy: ctx.source, disabledBy: null });
}

function disableRowSecurity({ ctx, key, table }: Subcommand): void {
  Object.assign(table.rowSecurity, { enabled: false, disabledBy: ctx.source });
  ctx.model.weakenings.push({ kind: 'disable', table: key, policy: null, source: ctx.source });
}

function forceRowSecurity({ ctx, table }: Subcommand): void {
  Object.assign(table.rowSecurity, { forced: true, forcedBy: ctx.source, unforcedBy: null });
}

function noForceRowSecurity({ ctx, key, table }: Subcommand): void {
  Object.assign(table.rowSecurity, { forced: false, unforcedBy: ctx.source });
  ctx.model.weakenings.push({ kind: 'no-force', table: key, policy: null, source: ctx.source });
}

function addColumn({ ctx, table, cmd }: Subcommand): void {
  const def = nodeOf(cmd.def, 'ColumnDef');
  if (!def || (cmd.missing_ok && table.columns.has(String(def.colname)))) return;
  const column = columnOf(ctx, def);
  table.columns.set(column.name, column);
}

/** Whether a policy's USING or WITH CHECK names the table's column `column` (alone, or after the table's name). */
function namesColumn(policy: PolicyModel, table: TableModel, column: string): boolean {
  let found = false;
  for (const expression of [policy.using, policy.withCheck]) {
    walkTree(expression?.node, (type, body) => {
      if (found || type !== 'ColumnRef') return;
      const fields = nameParts(body.fields);
      found = fields[fields.length - 1] === column && (fields.length === 1 || fields[fields.length - 2] === table.name);
    });
  }
  return found;
}

/**
 * DROP COLUMN: with CASCADE, PostgreSQL also drops the table's policies that name the column (a
 * policy depends on the columns it reads); each is a policy the history took away. Without CASCADE
 * such a drop fails.
 */
function dropColumn({ ctx, key, table, cmd }: Subcommand): void {
  if (!cmd.name) return;
  table.columns.delete(cmd.name);
  if (cmd.behavior !== 'DROP_CASCADE') return;
  for (const policy of [...table.policies.values()]) {
    if (!namesColumn(policy, table, cmd.name)) continue;
    table.policies.delete(policy.name);
    ctx.model.weakenings.push({ kind: 'drop-policy', table: key, policy, source: ctx.source });
  }
}

function setNullability({ ctx, table, cmd }: Subcommand): void {
  const column = cmd.name ? table.columns.get(cmd.name) : undefined;
  if (column) Object.assign(column, { notNull: cmd.subtype === 'AT_SetNotNull', source: ctx.source, inherited: false });
}

function addConstraint({ table, cmd }: Subcommand): void {
  applyPrimaryKey(table, nodeOf(cmd.def, 'Constraint'));
}

function attachPartition({ ctx, key, cmd }: Subcommand): void {
  const childKey = namedKey(ctx, nodeOf(cmd.def, 'PartitionCmd')?.name);
  const child = childKey ? tableFor(ctx, childKey) : undefined;
  if (child && !child.parents.includes(key)) child.parents.push(key);
}

function detachPartition({ ctx, key, cmd }: Subcommand): void {
  const childKey = namedKey(ctx, nodeOf(cmd.def, 'PartitionCmd')?.name);
  const child = childKey ? ctx.model.tables.get(childKey) : undefined;
  if (child) child.parents = child.parents.filter((p) => p !== key);
}

function addInherit({ ctx, table, cmd }: Subcommand): void {
  const parentKey = namedKey(ctx, nodeOf(cmd.def, 'RangeVar'));
  if (parentKey && !table.parents.includes(parentKey)) table.parents.push(parentKey);
}

function dropInherit({ ctx, table, cmd }: Subcommand): void {
  const parentKey = namedKey(ctx, nodeOf(cmd.def, 'RangeVar'));
  table.parents = table.parents.filter((p) => p !== parentKey);
}

function changeOwner({ table, cmd }: Subcommand): void {
  table.owner = (cmd.newowner?.rolename ?? '').toLowerCase() || null;
}

const SUBCOMMANDS: Partial<Record<AlterTableType, (subcommand: Subcommand) => void>> = {
  AT_EnableRowSecurity: enableRowSecurity,
  AT_DisableRowSecurity: disableRowSecurity,
  AT_ForceRowSecurity: forceRowSecurity,
  AT_NoForceRowSecurity: noForceRowSecurity,
  AT_AddColumn: addColumn,
  AT_DropColumn: dropColumn,
  AT_SetNotNull: setNullability,
  AT_DropNotNull: setNullability,
  AT_AddConstraint: addConstraint,
  AT_AttachPartition: attachPartition,
  AT_DetachPartition: detachPartition,
  AT_AddInherit: addInherit,
  AT_DropInherit: dropInherit,
  AT_ChangeOwner: changeOwner,
};

/** ALTER TABLE (or ALTER VIEW, which PostgreSQL parses as the same statement). */
export function applyAlterTable(ctx: ReplayContext, node: NodeOfType<'AlterTableStmt'>): void {
  const key = namedKey(ctx, node.relation);
  if (!key) return;
  const view = ctx.model.views.get(key);
  if (node.objtype === 'OBJECT_VIEW' || node.objtype === 'OBJECT_MATVIEW' || (view && !ctx.model.tables.has(key))) {
    if (view) applyAlterView(ctx, view, node);
    return;
  }
  if (node.objtype !== 'OBJECT_TABLE') return;
  if (node.missing_ok && !ctx.model.tables.has(key)) return;
  const table = tableFor(ctx, key);
  for (const c of node.cmds ?? []) {
    const cmd = nodeOf(c, 'AlterTableCmd');
    const handler = cmd?.subtype === undefined ? undefined : SUBCOMMANDS[cmd.subtype];
    if (cmd && handler) handler({ ctx, key, table, cmd });
  }
}
