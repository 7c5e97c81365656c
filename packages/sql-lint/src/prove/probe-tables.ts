/**
 * The table probes, for one tenant's context (every operation) or for none and `''` (reads only):
 * which seeded rows the application role sees, and whether it may write another tenant's rows.
 * A row is identified by `(tableoid, ctid)` as seeding returned it, so rows the history itself
 * inserted are never judged.
 */
import type { CatalogColumn } from './catalog-tables.js';
import { quoteIdent } from './catalog-tables.js';
import type { ProbeResult, ProbeTransaction } from './probe-session.js';
import type { RowInsert, SeededRow, SeededTable, SeedResult } from './seed-tenants.js';
import type { TenantLabel } from './seed-values.js';

/** What one probe found, before it is placed in the matrix. */
export interface ProbeFinding {
  outcome: 'isolated' | 'leak' | 'raises' | 'not-probed';
  detail: string;
}

/** Privileges of the application role on a table. */
export interface TablePrivileges {
  select: boolean;
  insert: boolean;
  update: boolean;
  delete: boolean;
}

/** How details name the viewer without a tenant: on a fresh connection, and on a reused one. */
export const NO_CONTEXT = 'with no tenant context';
export const ENDED_CONTEXT = "with the context ended ('' on a reused connection)";

const rowKey = (tableoid: unknown, ctid: unknown): string => `${String(tableoid)}:${String(ctid)}`;

function rowWhere(row: SeededRow): string {
  return `tableoid = ${row.tableoid} AND ctid = '${row.ctid}'`;
}

function counted(tenants: readonly TenantLabel[]): string {
  const by = new Map<TenantLabel, number>();
  for (const t of tenants) by.set(t, (by.get(t) ?? 0) + 1);
  return [...by].map(([t, n]) => `${n} row${n === 1 ? '' : 's'} of tenant ${t}`).join(' and ');
}

/**
 * A probe that raised: with no context (fresh or reused connection) that is the outage the issue
 * is about (`''::uuid`), unless the policy raises on purpose (RAISE, P0001: it refuses, it does not
 * break); in a tenant's context it means the context prove made is not one the policies accept
 * (signed tokens, a format of the application's own), so the cell is not probed rather than judged.
 */
export function raised(viewer: TenantLabel | null, code: string, message: string): ProbeFinding {
  if (viewer !== null) return { outcome: 'not-probed', detail: `raised with the context prove set for tenant ${viewer}, which this history may not accept: ${message}` };
  if (code === 'P0001') return { outcome: 'isolated', detail: `refused: ${message}` };
  return { outcome: 'raises', detail: message };
}

/** An error of a probe that was expected to be refused: a policy or privilege (42501) or a trigger's raise (P0001). */
function isRefusal(result: ProbeResult): boolean {
  return !result.ok && (result.code === '42501' || result.code === 'P0001');
}

/** SELECT: the seeded rows visible in a context (`viewer` null for none and `''`). */
export async function probeSelect(tx: ProbeTransaction, entry: SeededTable, viewer: TenantLabel | null, may: boolean, nobody = NO_CONTEXT): Promise<ProbeFinding> {
  if (!may) return { outcome: 'isolated', detail: 'the app role may not SELECT from it' };
  const result = await tx.run(`SELECT tableoid::int AS o, ctid::text AS c FROM ${entry.table.sql}`, true);
  if (!result.ok) {
    if (result.code === '42501' && /permission denied/i.test(result.message)) return { outcome: 'isolated', detail: `refused: ${result.message}` };
    return raised(viewer, result.code, result.message);
  }
  const owners = new Map(entry.rows.map((r) => [rowKey(r.tableoid, r.ctid), r.tenant]));
  const seen = result.rows.map((r) => owners.get(rowKey(r['o'], r['c']))).filter((t): t is TenantLabel => t !== undefined);
  const foreign = seen.filter((t) => t !== viewer);
  const who = viewer === null ? nobody : `tenant ${viewer}`;
  if (foreign.length > 0) return { outcome: 'leak', detail: `${who} sees ${counted(foreign)}` };
  if (viewer === null) return { outcome: 'isolated', detail: 'no seeded row is visible' };
  return { outcome: 'isolated', detail: seen.length > 0 ? `tenant ${viewer} sees only its own rows` : `tenant ${viewer} sees no row (not even its own)` };
}

/**
 * INSERT of a row for `other` while in `viewer`'s context: must be refused. Tried as a row wholly
 * of the other tenant, then (when the table has tenant columns and other keys) as the viewer's own
 * row (its other keys pointing at the viewer's rows) filed under the other tenant, which own-row
 * policies (`user_id = <context>`) accept unless
 * they also check the tenant.
 */
export async function probeInsert(tx: ProbeTransaction, entry: SeededTable, seed: SeedResult, viewer: TenantLabel, other: TenantLabel, may: boolean, tenantColumns: ReadonlySet<string>): Promise<ProbeFinding> {
  if (!may) return { outcome: 'isolated', detail: 'the app role may not INSERT into it' };
  if (entry.root) return { outcome: 'not-probed', detail: 'each row is a tenant itself: creating one is not a write into another tenant' };
  const rows = [seed.freshRow(entry.table.key, other)];
  const tenantOwned = entry.ownership.filter((c) => tenantColumns.has(c));
  if (tenantOwned.length > 0 && entry.linkedKeys.some((fk) => !fk.columns.some((c) => tenantColumns.has(c)))) rows.push(seed.freshRow(entry.table.key, viewer, other));
  let last: ProbeFinding = { outcome: 'not-probed', detail: '' };
  for (const row of rows) {
    if ('problem' in row) {
      last = { outcome: 'not-probed', detail: `no row for tenant ${other}: ${row.problem}` };
      continue;
    }
    const finding = await insertOne(tx, entry, row, viewer, other, tenantOwned.length > 0 ? tenantOwned : entry.ownership);
    if (finding.outcome !== 'isolated') return finding;
    last = finding;
  }
  return last;
}

async function insertOne(tx: ProbeTransaction, entry: SeededTable, row: RowInsert, viewer: TenantLabel, other: TenantLabel, ownershipColumns: readonly string[]): Promise<ProbeFinding> {
  const ownership = ownershipColumns.filter((c) => row.values.has(c));
  // After an accepted INSERT, count (as the session's superuser) the rows now tied to the other
  // tenant: a trigger that rewrites the tenant to the context's own makes the INSERT harmless.
  const check =
    ownership.length > 0
      ? `; RESET ROLE; SELECT count(*)::int AS n FROM ${entry.table.sql} WHERE ${ownership.map((c) => `${quoteIdent(c)} IS NOT DISTINCT FROM ${row.values.get(c)}`).join(' AND ')}`
      : '';
  const result = await tx.run(`${row.sql}${check}`);
  if (isRefusal(result)) return { outcome: 'isolated', detail: `refused: ${(result as { message: string }).message}` };
  if (!result.ok) {
    if (result.code.startsWith('23')) return { outcome: 'leak', detail: `tenant ${viewer}'s row policies accepted a row of tenant ${other}; only a constraint stopped this one: ${result.message}` };
    return raised(viewer, result.code, result.message);
  }
  const before = entry.rows.filter((r) => r.tenant === other).length;
  if (ownership.length > 0 && Number(result.rows[0]?.['n']) <= before) return { outcome: 'isolated', detail: `accepted, but the row was stored as tenant ${viewer}'s (a trigger or rule rewrote it)` };
  return { outcome: 'leak', detail: `tenant ${viewer} inserted a row of tenant ${other}` };
}

/** A column an UPDATE may set to itself: not generated, not an identity column that only takes DEFAULT. */
function updatableColumn(columns: readonly CatalogColumn[], preferred: readonly string[]): CatalogColumn | undefined {
  const ok = (c: CatalogColumn) => !c.generated && c.identity !== 'a';
  return columns.find((c) => preferred.includes(c.name) && ok(c)) ?? columns.find(ok);
}

/** UPDATE (to the same values) or DELETE of `other`'s row in `viewer`'s context: must affect nothing. */
export async function probeChange(tx: ProbeTransaction, entry: SeededTable, operation: 'update' | 'delete', viewer: TenantLabel, other: TenantLabel, may: boolean): Promise<ProbeFinding> {
  const verb = operation.toUpperCase();
  if (!may) return { outcome: 'isolated', detail: `the app role may not ${verb} it` };
  const target = entry.rows.find((r) => r.tenant === other);
  if (!target) return { outcome: 'not-probed', detail: `tenant ${other} has no seeded row` };
  let sql: string;
  if (operation === 'delete') sql = `DELETE FROM ${entry.table.sql} WHERE ${rowWhere(target)}`;
  else {
    const column = updatableColumn(entry.table.columns, entry.ownership);
    if (!column) return { outcome: 'not-probed', detail: 'no column can be updated' };
    sql = `UPDATE ${entry.table.sql} SET ${quoteIdent(column.name)} = ${quoteIdent(column.name)} WHERE ${rowWhere(target)}`;
  }
  const result = await tx.run(sql);
  if (isRefusal(result)) return { outcome: 'isolated', detail: `refused: ${(result as { message: string }).message}` };
  if (!result.ok) {
    // The policies let the statement reach the row; only a constraint (a row referencing it) stopped it.
    if (result.code.startsWith('23')) return { outcome: 'leak', detail: `tenant ${viewer}'s ${verb} reached a row of tenant ${other}; only a constraint stopped this one: ${result.message}` };
    return raised(viewer, result.code, result.message);
  }
  if (result.rowCount > 0) return { outcome: 'leak', detail: `tenant ${viewer} ${operation === 'delete' ? 'deleted' : 'updated'} a row of tenant ${other}` };
  return { outcome: 'isolated', detail: `tenant ${viewer}'s ${verb} of a row of tenant ${other} affected no row` };
}

/**
 * UPDATE that moves `viewer`'s own row to `other`: must be refused (or affect nothing). Tried with
 * the tenant columns alone (a policy that reaches the tenant through a parent row lets those move
 * unless it has its own WITH CHECK), then with every column that ties the row to its tenant.
 */
export async function probeMove(tx: ProbeTransaction, entry: SeededTable, seed: SeedResult, viewer: TenantLabel, other: TenantLabel, may: boolean, tenantColumns: ReadonlySet<string>): Promise<ProbeFinding> {
  if (!may) return { outcome: 'isolated', detail: 'the app role may not UPDATE it' };
  const own = entry.rows.find((r) => r.tenant === viewer);
  const fresh = seed.freshRow(entry.table.key, other);
  if (!own || 'problem' in fresh) return { outcome: 'not-probed', detail: `no row to move: ${'problem' in fresh ? fresh.problem : `tenant ${viewer} has no seeded row`}` };
  const all = entry.ownership.filter((c) => fresh.values.has(c) && updatableColumn(entry.table.columns.filter((col) => col.name === c), [c]));
  if (all.length === 0) return { outcome: 'not-probed', detail: 'no column ties a row to its tenant' };
  const tenantOnly = all.filter((c) => tenantColumns.has(c));
  const attempts = tenantOnly.length > 0 && tenantOnly.length < all.length ? [tenantOnly, all] : [all];
  let last: ProbeFinding = { outcome: 'isolated', detail: '' };
  for (const columns of attempts) {
    const result = await tx.run(`UPDATE ${entry.table.sql} SET ${columns.map((c) => `${quoteIdent(c)} = ${fresh.values.get(c)}`).join(', ')} WHERE ${rowWhere(own)}`);
    if (isRefusal(result)) last = { outcome: 'isolated', detail: `refused: ${(result as { message: string }).message}` };
    else if (!result.ok) {
      if (result.code.startsWith('23')) return { outcome: 'leak', detail: `the policies let tenant ${viewer} move its row to tenant ${other} (${columns.join(', ')}); only a constraint stopped this one: ${result.message}` };
      return raised(viewer, result.code, result.message);
    } else if (result.rowCount > 0) return { outcome: 'leak', detail: `tenant ${viewer} moved its row to tenant ${other} (${columns.join(', ')})` };
    else last = { outcome: 'isolated', detail: `tenant ${viewer} could not update its own row (no row affected)` };
  }
  return last;
}
