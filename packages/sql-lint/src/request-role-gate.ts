/**
 * A policy term only requests running as a role that bypasses row-level security can pass:
 * `<the request's role> = '<role>'`, where the model knows the role as a superuser or as having
 * BYPASSRLS. Such a request reads every row whatever the policies say, so the term lets nobody
 * the policies govern through (`USING (auth.role() = 'service_role')` on Supabase).
 *
 * The request's role is `CURRENT_USER` / `CURRENT_ROLE` / `USER`, the `role` key of JWT claims
 * read from a context source (PostgREST makes that claim the role the request runs as), or a
 * function the platform declares returns it (`roleFunctions`, Supabase's `auth.role()`).
 */
import { calledFunctionName, constantText, nameParts, unwrapNode } from '@tenant-scope/sql-analyzer';
import { carriesContext } from './context-sources.js';
import type { RuleContext } from './rule.js';

const REQUEST_ROLE_FUNCTIONS = new Set(['SVFOP_CURRENT_USER', 'SVFOP_CURRENT_ROLE', 'SVFOP_USER']);

/** Whether `node` is the role the request runs as. */
function isRequestRole(context: RuleContext, node: unknown): boolean {
  const wrapped = unwrapNode(node);
  if (!wrapped) return false;
  switch (wrapped.type) {
    case 'TypeCast':
      return isRequestRole(context, wrapped.body.arg);
    case 'SQLValueFunction':
      return REQUEST_ROLE_FUNCTIONS.has(String(wrapped.body.op));
    case 'A_Expr': {
      // <claims> ->> 'role' (or ->): the role claim of JWT claims from a context source.
      const operator = nameParts(wrapped.body.name).join('.');
      return (operator === '->>' || operator === '->') && constantText(wrapped.body.rexpr) === 'role' && carriesContext(context, wrapped.body.lexpr);
    }
    case 'FuncCall': {
      if ((wrapped.body.args ?? []).length > 0) return false;
      const { schema, name } = calledFunctionName(wrapped.body);
      return (context.platform?.roleFunctions ?? []).some((declared) => {
        const parts = declared.toLowerCase().split('.');
        return parts[parts.length - 1] === name && (parts.length === 1 || schema === undefined || parts[parts.length - 2] === schema);
      });
    }
    default:
      return false;
  }
}

/** Whether `text` names a role of the model that bypasses row-level security. */
function bypassingRole(context: RuleContext, text: string | undefined): boolean {
  if (text === undefined) return false;
  const role = context.model.roles.get(text.toLowerCase());
  return role !== undefined && (role.bypassRls || role.superuser);
}

/** Whether an `=` comparison (its two sides) holds only for a request running as a role that bypasses row-level security. */
export function isBypassingRoleGate(context: RuleContext, a: unknown, b: unknown): boolean {
  return (isRequestRole(context, a) && bypassingRole(context, constantText(b))) || (isRequestRole(context, b) && bypassingRole(context, constantText(a)));
}
