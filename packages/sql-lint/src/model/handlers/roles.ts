/** CREATE ROLE, ALTER ROLE and DROP ROLE: the attributes that decide whether policies apply. */
import { defElemText, nodeOf } from '@tenant-scope/sql-analyzer';
import type { NodeOfType, ParseTreeNode } from '@tenant-scope/sql-analyzer';
import type { ReplayContext } from '../replay-context.js';

/** Lowercased names of a role list; `public` for PUBLIC, the keyword for CURRENT_USER and the like. */
export function roleNames(roles: readonly ParseTreeNode[] | undefined): string[] {
  return (roles ?? []).map((r) => {
    const spec = nodeOf(r, 'RoleSpec');
    if (!spec) return 'public';
    if (spec.roletype === 'ROLESPEC_PUBLIC') return 'public';
    if (spec.roletype === 'ROLESPEC_CURRENT_USER') return 'current_user';
    if (spec.roletype === 'ROLESPEC_SESSION_USER') return 'session_user';
    if (spec.roletype === 'ROLESPEC_CURRENT_ROLE') return 'current_role';
    return (spec.rolename ?? '').toLowerCase();
  });
}

function applyRoleOptions(ctx: ReplayContext, roleName: string, options: readonly ParseTreeNode[] | undefined, creating: boolean): void {
  const name = roleName.toLowerCase();
  let role = ctx.model.roles.get(name);
  if (!role || creating) {
    role = { name, bypassRls: false, superuser: false, source: ctx.source };
    ctx.model.roles.set(name, role);
  }
  for (const option of options ?? []) {
    const def = nodeOf(option, 'DefElem');
    if (def?.defname !== 'bypassrls' && def?.defname !== 'superuser') continue;
    const on = defElemText(def.arg) === 'true';
    if (def.defname === 'bypassrls') role.bypassRls = on;
    else role.superuser = on;
    if (on) role.source = ctx.source;
  }
}

/** CREATE ROLE (also CREATE USER and CREATE GROUP). */
export function applyCreateRole(ctx: ReplayContext, node: NodeOfType<'CreateRoleStmt'>): void {
  applyRoleOptions(ctx, String(node.role), node.options, true);
}

/** ALTER ROLE … [NO]BYPASSRLS / [NO]SUPERUSER. */
export function applyAlterRole(ctx: ReplayContext, node: NodeOfType<'AlterRoleStmt'>): void {
  const rolename = node.role?.rolename;
  if (typeof rolename === 'string') applyRoleOptions(ctx, rolename, node.options, false);
}

/** DROP ROLE. */
export function applyDropRole(ctx: ReplayContext, node: NodeOfType<'DropRoleStmt'>): void {
  for (const name of roleNames(node.roles)) ctx.model.roles.delete(name);
}
