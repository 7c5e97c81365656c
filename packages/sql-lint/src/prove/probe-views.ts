/**
 * Views (and SECURITY DEFINER functions) return rows that are not a table's: what they show is
 * traced to a tenant by its values. Every seeded value long enough not to occur by chance (uuids,
 * generated texts, large numbers) and seeded for exactly one tenant identifies that tenant.
 */
import { NO_CONTEXT, raised } from './probe-tables.js';
import type { ProbeFinding } from './probe-tables.js';
import type { ProbeTransaction } from './probe-session.js';
import type { SeedResult } from './seed-tenants.js';
import { isDistinctive, TENANTS } from './seed-values.js';
import type { TenantLabel } from './seed-values.js';

/** The seeded values that identify one tenant each. */
export type TenantMarkers = Map<string, TenantLabel>;

function leaves(value: unknown, out: string[]): string[] {
  if (value === null || value === undefined) return out;
  if (Array.isArray(value)) value.forEach((v) => leaves(v, out));
  else if (typeof value === 'object') Object.values(value as Record<string, unknown>).forEach((v) => leaves(v, out));
  else out.push(String(value));
  return out;
}

/** The identifying values of every seeded row. */
export function tenantMarkers(seed: SeedResult): TenantMarkers {
  const owners = new Map<string, Set<TenantLabel>>();
  for (const entry of seed.seeded.values()) {
    for (const row of entry.rows) {
      for (const value of leaves(row.values, [])) {
        if (!isDistinctive(value)) continue;
        (owners.get(value) ?? owners.set(value, new Set()).get(value))?.add(row.tenant);
      }
    }
  }
  const markers: TenantMarkers = new Map();
  for (const [value, tenants] of owners) if (tenants.size === 1) markers.set(value, [...tenants][0] as TenantLabel);
  return markers;
}

/** The tenants whose values appear in rows (as `to_jsonb` text). */
export function tenantsIn(rows: readonly unknown[], markers: TenantMarkers): TenantLabel[] {
  const found: TenantLabel[] = [];
  for (const row of rows) {
    const tenants = new Set(leaves(row, []).flatMap((v) => (markers.has(v) ? [markers.get(v) as TenantLabel] : [])));
    found.push(...TENANTS.filter((t) => tenants.has(t)));
  }
  return found;
}

/** Judges rows a view or function returned in `viewer`'s context (null: none or `''`). */
export function judgeRows(rows: readonly unknown[], markers: TenantMarkers, viewer: TenantLabel | null, nobody = NO_CONTEXT): ProbeFinding {
  const seen = tenantsIn(rows, markers);
  const foreign = seen.filter((t) => t !== viewer);
  const who = viewer === null ? nobody : `tenant ${viewer}`;
  if (foreign.length > 0) {
    const tenants = TENANTS.filter((t) => foreign.includes(t)).join(' and ');
    return { outcome: 'leak', detail: `${who} sees values of tenant ${tenants} (${foreign.length} row${foreign.length === 1 ? '' : 's'})` };
  }
  return { outcome: 'isolated', detail: `${rows.length} row${rows.length === 1 ? '' : 's'}, none with another tenant's values` };
}

/** SELECT from a view in a context. */
export async function probeView(tx: ProbeTransaction, viewSql: string, markers: TenantMarkers, viewer: TenantLabel | null, may: boolean, nobody = NO_CONTEXT): Promise<ProbeFinding> {
  if (!may) return { outcome: 'isolated', detail: 'the app role may not SELECT from it' };
  const result = await tx.run(`SELECT to_jsonb(v.*) AS r FROM ${viewSql} v`, true);
  if (!result.ok) {
    if (result.code === '42501' && /permission denied/i.test(result.message)) return { outcome: 'isolated', detail: `refused: ${result.message}` };
    return raised(viewer, result.code, result.message);
  }
  return judgeRows(result.rows.map((r) => r['r']), markers, viewer, nobody);
}
