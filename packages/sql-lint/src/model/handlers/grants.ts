/**
 * GRANT / REVOKE EXECUTE on functions and USAGE on schemas, and ALTER DEFAULT PRIVILEGES … ON
 * FUNCTIONS: who can call a function, as PostgreSQL's ACLs say (the owner left out).
 */
import { nodeOf, stringValue } from '@tenant-scope/sql-analyzer';
import type { NodeOfType, ParseTreeNode } from '@tenant-scope/sql-analyzer';
import { functionsMatching } from '../names.js';
import type { ReplayContext } from '../replay-context.js';
import type { FunctionModel, SchemaModel } from '../schema-model.js';
import { roleNames } from './roles.js';

type GrantStmt = NodeOfType<'GrantStmt'>;

// CURRENT_USER and the like name the migration's own role, which the model does not track.
const SPECIAL_ROLES = new Set(['current_user', 'session_user', 'current_role']);

/** The grantees of a GRANT/REVOKE, lowercased, `public` for PUBLIC. */
function grantees(node: GrantStmt): string[] {
  return roleNames(node.grantees).filter((role) => !SPECIAL_ROLES.has(role));
}

/** Whether the statement grants or revokes `privilege` (ALL PRIVILEGES counts). */
function covers(node: GrantStmt, privilege: string): boolean {
  const privileges = node.privileges ?? [];
  return privileges.length === 0 || privileges.some((p) => nodeOf(p, 'AccessPriv')?.priv_name?.toLowerCase() === privilege);
}

/** Adds (GRANT) or removes (REVOKE) the grantees. REVOKE GRANT OPTION FOR keeps the privilege. */
function change(node: GrantStmt, roles: Set<string>): void {
  if (!node.is_grant && node.grant_option) return;
  for (const role of grantees(node)) {
    if (node.is_grant) roles.add(role);
    else roles.delete(role);
  }
}

/** Whether `ON ALL FUNCTIONS|PROCEDURES|ROUTINES IN SCHEMA` reaches this function. */
function kindMatches(objtype: GrantStmt['objtype'], fn: FunctionModel): boolean {
  if (objtype === 'OBJECT_ROUTINE') return true;
  return objtype === 'OBJECT_PROCEDURE' ? fn.procedure : !fn.procedure;
}

function schemaNames(objects: readonly ParseTreeNode[] | undefined): string[] {
  return (objects ?? []).map((o) => (stringValue(o) ?? '').toLowerCase());
}

/** The EXECUTE grantees a function created now in `schema` starts with (its owner left out). */
export function newFunctionExecute(model: SchemaModel, schema: string): Set<string> {
  const { global, bySchema } = model.functionDefaults;
  return new Set([...global, ...(bySchema.get(schema) ?? [])]);
}

/** GRANT / REVOKE … ON FUNCTION|PROCEDURE|ROUTINE …, ON ALL … IN SCHEMA …, ON SCHEMA …. */
export function applyGrant(ctx: ReplayContext, node: GrantStmt): void {
  if (node.objtype === 'OBJECT_SCHEMA') {
    if (node.targtype !== 'ACL_TARGET_OBJECT' || !covers(node, 'usage')) return;
    for (const schema of schemaNames(node.objects)) {
      const usage = ctx.model.schemaUsage.get(schema);
      if (usage) change(node, usage);
    }
    return;
  }
  if (node.objtype !== 'OBJECT_FUNCTION' && node.objtype !== 'OBJECT_PROCEDURE' && node.objtype !== 'OBJECT_ROUTINE') return;
  if (!covers(node, 'execute')) return;
  if (node.targtype === 'ACL_TARGET_ALL_IN_SCHEMA') {
    const schemas = new Set(schemaNames(node.objects));
    for (const fn of ctx.model.functions.values()) if (schemas.has(fn.schema) && kindMatches(node.objtype, fn)) change(node, fn.execute);
    return;
  }
  for (const object of node.objects ?? []) {
    for (const [, fn] of functionsMatching(ctx, nodeOf(object, 'ObjectWithArgs'))) change(node, fn.execute);
  }
}

/**
 * ALTER DEFAULT PRIVILEGES [FOR ROLE …] [IN SCHEMA …] GRANT|REVOKE EXECUTE ON FUNCTIONS|ROUTINES.
 * FOR ROLE is taken to name the role that runs the migrations (the model knows no other creator).
 */
export function applyAlterDefaultPrivileges(ctx: ReplayContext, node: NodeOfType<'AlterDefaultPrivilegesStmt'>): void {
  const action = node.action;
  if (!action || action.objtype !== 'OBJECT_FUNCTION' || !covers(action, 'execute')) return;
  const schemasOption = (node.options ?? []).map((o) => nodeOf(o, 'DefElem')).find((d) => d?.defname === 'schemas');
  const schemas = schemaNames(nodeOf(schemasOption?.arg, 'List')?.items);
  const { global, bySchema } = ctx.model.functionDefaults;
  if (schemas.length === 0) {
    change(action, global);
    return;
  }
  for (const schema of schemas) {
    let roles = bySchema.get(schema);
    if (!roles) {
      roles = new Set();
      bySchema.set(schema, roles);
    }
    change(action, roles);
  }
}
