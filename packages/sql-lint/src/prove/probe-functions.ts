/**
 * SECURITY DEFINER functions run as their owner, past the policies of the tables the owner owns.
 * Those the app role may execute and whose body reads a tenant table are called in each tenant's
 * context, an argument of the tenant id's type set to the other tenant's id (a caller can pass
 * any id), and their result must hold no other tenant's values.
 */
import type pg from 'pg';
import type { SchemaModel } from '../model/schema-model.js';
import type { CatalogFunction, CatalogTable } from './catalog-tables.js';
import { quoteIdent, quoteLiteral } from './catalog-tables.js';
import type { ProbeTransaction } from './probe-session.js';
import { raised } from './probe-tables.js';
import type { ProbeFinding } from './probe-tables.js';
import { judgeRows } from './probe-views.js';
import type { TenantMarkers } from './probe-views.js';
import { columnLiteral, tenantIdText } from './seed-values.js';
import type { TenantLabel } from './seed-values.js';

/** A function to probe, or why it is not probed. */
export interface FunctionTarget {
  fn: CatalogFunction;
  /** The call for a tenant context: the other tenant's id in tenant-id arguments. */
  call: (other: TenantLabel) => string | { problem: string };
}

const NO_ROWS = new Set(['void', 'trigger', 'event_trigger']);

/** Whether a function's body reads one of the tables, by the model's parse of its body or by name. */
function readsAny(model: SchemaModel, fn: CatalogFunction, tables: readonly CatalogTable[]): boolean {
  const found = [...model.functions.values()].filter((f) => f.schema === fn.schema && f.name === fn.name);
  if (found.length === 0) return true;
  return found.some((f) => tables.some((t) => f.bodyRelations.includes(t.key) || new RegExp(`(^|[^\\w$])${t.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w$]|$)`, 'i').test(f.bodyText)));
}

/** The SECURITY DEFINER functions to probe: executable by the app role, returning rows or values, reading a tenant table. */
export async function functionTargets(
  client: pg.ClientBase,
  options: { functions: readonly CatalogFunction[]; appRole: string; model: SchemaModel; tables: readonly CatalogTable[]; idType: string },
): Promise<FunctionTarget[]> {
  const candidates = options.functions.filter((fn) => !NO_ROWS.has(fn.resultType) && readsAny(options.model, fn, options.tables));
  if (candidates.length === 0) return [];
  const may = await client.query<{ oid: number; ok: boolean }>(`SELECT f AS oid, pg_catalog.has_function_privilege($1, f::oid, 'EXECUTE') AS ok FROM unnest($2::int[]) f`, [options.appRole, candidates.map((fn) => fn.oid)]);
  const allowed = new Set(may.rows.filter((r) => r.ok).map((r) => r.oid));
  return candidates
    .filter((fn) => allowed.has(fn.oid))
    .map((fn) => ({
      fn,
      call: (other: TenantLabel) => {
        const args: string[] = [];
        for (const [i, type] of fn.argumentTypes.entries()) {
          const labels = fn.argumentLabels[i] ?? [];
          if (type === options.idType) {
            args.push(`${quoteLiteral(tenantIdText(other, type) ?? '')}::${quoteIdent(type)}`);
            continue;
          }
          const literal = columnLiteral({ name: `arg${i + 1}`, type: fn.argumentTypeSql[i] ?? quoteIdent(type), baseType: type, maxLength: null, enumLabels: labels, notNull: true, hasDefault: false, identity: '', generated: false }, other, 900000 + i, 'full', []);
          if (literal === undefined) return { problem: `no value can be generated for argument ${i + 1} of type ${type}` };
          args.push(literal);
        }
        return `SELECT to_jsonb(r) AS r FROM ${quoteIdent(fn.schema)}.${quoteIdent(fn.name)}(${args.join(', ')}) r`;
      },
    }));
}

/** Calls a function in `viewer`'s context. */
export async function probeFunction(tx: ProbeTransaction, target: FunctionTarget, markers: TenantMarkers, viewer: TenantLabel, other: TenantLabel): Promise<ProbeFinding> {
  const call = target.call(other);
  if (typeof call !== 'string') return { outcome: 'not-probed', detail: call.problem };
  const result = await tx.run(call);
  if (!result.ok) {
    if (result.code === '42501' || result.code === 'P0001') return { outcome: 'isolated', detail: `refused: ${result.message}` };
    return raised(viewer, result.code, result.message);
  }
  const found = judgeRows(result.rows.map((r) => r['r']), markers, viewer);
  return target.fn.argumentTypes.length > 0 && found.outcome === 'isolated' ? { ...found, detail: `${found.detail} (called with tenant ${other}'s values)` } : found;
}
