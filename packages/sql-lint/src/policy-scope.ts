/**
 * Which rows a policy expression lets through, as far as tenancy is concerned: the rows of the
 * tenant in context (`tenant`), the rows that belong to the identity in context (`own-row`), or
 * rows not tied to any context source (undefined).
 *
 * A term is scoped when it compares a column of the row with a value derived from a context source
 * (see context-sources.ts): `tenant_id = <source>`, `tenant_id IN (SELECT … WHERE user_id = <source>)`,
 * `<source> IN (SELECT member_ids(org_id))`, `<json source> ? tenant`, a call that derives from a
 * source and takes the column (`is_member(list_id)`, `has_role_on_account(account_id) = true`), or
 * an EXISTS subquery that reads a source and names the column.
 */
import { constantText, nameParts, nodeOf, unwrapNode, walkTree } from '@tenant-scope/sql-analyzer';
import type { NodeOfType } from '@tenant-scope/sql-analyzer';
import { carriesContext, functionDerivesFromContext } from './context-sources.js';
import { resolveFunction } from './model/lookups.js';
import { isBypassingRoleGate } from './request-role-gate.js';
import type { TableModel } from './model/schema-model.js';
import type { RuleContext } from './rule.js';

/**
 * How a policy expression ties rows to the context: to the tenant, to the identity (own rows), or
 * not at all for anyone it governs (`closed`: only a request running as a role that bypasses
 * row-level security passes it, see request-role-gate.ts).
 */
export type RowScope = 'tenant' | 'own-row' | 'closed';

/** The table a policy is on and its tenant column (undefined for a table without one). */
export interface ScopeTarget {
  table: TableModel;
  tenantColumn: string | undefined;
}

/** Operators that restrict one side to the other: equality, membership, JSON key and containment tests. */
const RESTRICTING = new Set(['=', '?', '?|', '?&', '@>', '<@', '&&']);

function rank(scope: RowScope | undefined): number {
  return scope === 'closed' ? 3 : scope === 'tenant' ? 2 : scope === 'own-row' ? 1 : 0;
}

function best(scopes: (RowScope | undefined)[]): RowScope | undefined {
  return scopes.reduce<RowScope | undefined>((a, b) => (rank(b) > rank(a) ? b : a), undefined);
}

function worst(scopes: (RowScope | undefined)[]): RowScope | undefined {
  if (scopes.length === 0) return undefined;
  return scopes.reduce<RowScope | undefined>((a, b) => (rank(b) < rank(a) ? b : a), scopes[0]);
}

/** The row's column a ColumnRef names: unqualified, or qualified by the table's name. */
function rowColumnOf(ref: NodeOfType<'ColumnRef'>, target: ScopeTarget, qualifiedOnly: boolean): string | undefined {
  const fields = nameParts(ref.fields);
  const column = fields[fields.length - 1];
  if (column === undefined || !target.table.columns.has(column)) return undefined;
  if (fields.length === 1) return qualifiedOnly && column !== target.tenantColumn ? undefined : column;
  return fields[fields.length - 2] === target.table.name ? column : undefined;
}

/** The row column a side is (through casts), or undefined. */
function rowColumn(node: unknown, target: ScopeTarget): string | undefined {
  const cast = nodeOf(node, 'TypeCast');
  if (cast) return rowColumn(cast.arg, target);
  const ref = nodeOf(node, 'ColumnRef');
  return ref ? rowColumnOf(ref, target, false) : undefined;
}

/**
 * How a side names the row: as its tenant column (directly, as a function argument, or inside a
 * subquery) or as another of its columns. Inside nested expressions an unqualified name counts only
 * for the tenant column, as other names may be a subquery's own columns.
 */
function sideScope(node: unknown, target: ScopeTarget): RowScope | undefined {
  const direct = rowColumn(node, target);
  if (direct !== undefined) return direct === target.tenantColumn ? 'tenant' : 'own-row';
  let scope: RowScope | undefined;
  walkTree(node, (type, body) => {
    if (scope === 'tenant' || type !== 'ColumnRef') return;
    const column = rowColumnOf(body, target, true);
    if (column !== undefined) scope = column === target.tenantColumn ? 'tenant' : 'own-row';
  });
  return scope;
}

function isTrueConstant(node: unknown): boolean {
  return constantText(node) === 'true';
}

function isFalseOrNull(node: unknown): boolean {
  const text = constantText(node);
  return text === 'false' || text === 'null';
}

/** Compares `a` with `b` in both directions: the side that is the row against the side that carries context. */
function comparisonScope(context: RuleContext, a: unknown, b: unknown, target: ScopeTarget): RowScope | undefined {
  const scopes: (RowScope | undefined)[] = [];
  if (carriesContext(context, b)) scopes.push(sideScope(a, target));
  if (carriesContext(context, a)) scopes.push(sideScope(b, target));
  return best(scopes);
}

/** The scope of a policy expression (USING or WITH CHECK) on `target`. */
export function rowScope(context: RuleContext, node: unknown, target: ScopeTarget): RowScope | undefined {
  const wrapped = unwrapNode(node);
  if (!wrapped) return undefined;
  switch (wrapped.type) {
    case 'BoolExpr': {
      const { boolop, args = [] } = wrapped.body;
      if (boolop === 'AND_EXPR') return best(args.map((a) => rowScope(context, a, target)));
      if (boolop === 'OR_EXPR') return worst(args.map((a) => rowScope(context, a, target)));
      return undefined;
    }
    case 'TypeCast':
      return rowScope(context, wrapped.body.arg, target);
    case 'BooleanTest':
      return wrapped.body.booltesttype === 'IS_TRUE' ? rowScope(context, wrapped.body.arg, target) : undefined;
    case 'CoalesceExpr': {
      // COALESCE(<check>, false) fails closed like the check itself.
      const args = wrapped.body.args ?? [];
      return args.length > 1 && args.slice(1).every(isFalseOrNull) ? rowScope(context, args[0], target) : undefined;
    }
    case 'A_Expr': {
      const { kind, lexpr, rexpr } = wrapped.body;
      const operator = nameParts(wrapped.body.name).join('.');
      const restricting = ((kind === 'AEXPR_OP' || kind === 'AEXPR_OP_ANY' || kind === 'AEXPR_IN') && RESTRICTING.has(operator)) || kind === 'AEXPR_NOT_DISTINCT';
      if (!restricting) return undefined;
      if (operator === '=' && isBypassingRoleGate(context, lexpr, rexpr)) return 'closed';
      if (operator === '=' && isTrueConstant(rexpr)) return rowScope(context, lexpr, target);
      if (operator === '=' && isTrueConstant(lexpr)) return rowScope(context, rexpr, target);
      return comparisonScope(context, lexpr, rexpr, target);
    }
    case 'SubLink': {
      const { subLinkType, testexpr, subselect } = wrapped.body;
      if (subLinkType === 'ANY_SUBLINK') return comparisonScope(context, testexpr, subselect, target);
      if (subLinkType === 'EXISTS_SUBLINK' && carriesContext(context, subselect)) return sideScope(subselect, target);
      if (subLinkType === 'EXPR_SUBLINK') return rowScope(context, onlyTarget(subselect), target);
      return undefined;
    }
    case 'FuncCall': {
      const fn = resolveFunction(context.model, wrapped.body);
      const derives = fn ? functionDerivesFromContext(context, fn) : carriesContext(context, node);
      return derives ? best((wrapped.body.args ?? []).map((a) => sideScope(a, target))) : undefined;
    }
    default:
      return undefined;
  }
}

/** The single output expression of `(SELECT <expr>)` without FROM, or undefined. */
function onlyTarget(subselect: unknown): unknown {
  const select = nodeOf(subselect, 'SelectStmt');
  if (!select || select.fromClause) return undefined;
  const targets = select.targetList ?? [];
  return targets.length === 1 ? nodeOf(targets[0], 'ResTarget')?.val : undefined;
}

/**
 * Whether a conjunct of `node` that is not tied to the context, other than a NOT NULL test,
 * constrains the row's tenant column in a way the linter does not judge (a bootstrap check such
 * as "the tenant has no member yet").
 */
export function constrainsTenantColumn(context: RuleContext, node: unknown, target: ScopeTarget): boolean {
  const and = nodeOf(node, 'BoolExpr');
  const conjuncts: unknown[] = and?.boolop === 'AND_EXPR' ? (and.args ?? []) : [node];
  return conjuncts.some((conjunct) => {
    if (nodeOf(conjunct, 'NullTest') || rowScope(context, conjunct, target) !== undefined) return false;
    let mentions = false;
    walkTree(conjunct, (type, body) => {
      if (type === 'ColumnRef' && target.tenantColumn !== undefined && rowColumnOf(body, target, true) === target.tenantColumn) mentions = true;
    });
    return mentions;
  });
}
