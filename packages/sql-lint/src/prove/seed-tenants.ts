/**
 * Seeds one row per tenant (A, B and the unrelated C) in every tenant table and in the tables they
 * reference. Foreign keys are satisfied by seeding referenced tables first (topological order) and
 * copying the referenced row's key, not bypassed with `session_replication_role = replica`: a child
 * table's policy often reaches the tenant through its parent (`EXISTS (SELECT … FROM projects …)`),
 * which only a consistent parent row can exercise. A nullable foreign key that closes a cycle is
 * left NULL; a cycle through NOT NULL columns makes its tables unseedable (listed with the reason).
 * Seeding runs as the superuser (past RLS) with each tenant's context set, so defaults and
 * triggers that read the context see the right tenant.
 */
import type pg from 'pg';
import type { CatalogColumn, CatalogTable } from './catalog-tables.js';
import { quoteIdent } from './catalog-tables.js';
import { checkLiteralsFor, columnLiteral, TENANTS, tenantLiteral } from './seed-values.js';
import type { SeedMode, TenantLabel } from './seed-values.js';

/** A row seeded for a tenant, identified the way probes see it. */
export interface SeededRow {
  tenant: TenantLabel;
  tableoid: number;
  ctid: string;
  /** The row as `to_jsonb` gives it. */
  values: Record<string, unknown>;
}

/** What seeding needs to know about the history. */
export interface SeedPlan {
  tables: readonly CatalogTable[];
  /** Keys of the tables to probe: their rows (and the rows they reference) are seeded. */
  targets: ReadonlySet<string>;
  /** Column names that hold the tenant id. */
  tenantColumns: ReadonlySet<string>;
  /** Base type of the tenant ids (`uuid`, `int8`, `text`). */
  idType: string;
  /** Tables whose rows are the identities in context (Supabase's `auth.users`): each row belongs to its tenant. */
  identityTables: readonly string[];
  /** Sets each context setting for a tenant within the current transaction. */
  setContext: (client: pg.ClientBase, tenant: TenantLabel) => Promise<void>;
  /** Empties them (a row whose triggers only work without a request's context, as when a platform creates it). */
  clearContext: (client: pg.ClientBase) => Promise<void>;
}

/** Where a table's rows belong: the tenant each was seeded for, and the columns that say so. */
export interface SeededTable {
  table: CatalogTable;
  rows: SeededRow[];
  /** Columns whose values tie a row to its tenant: tenant columns and foreign keys to tenant-owned tables. */
  ownership: string[];
  /** Whether rows belong to a tenant at all (a tenant column, a tenant root, or a key to such a row). */
  owned: boolean;
  /** Whether each row is a tenant itself (the table tenant columns reference): creating one is no cross-tenant write. */
  root: boolean;
  /** Foreign keys whose values were copied from a referenced row. */
  linkedKeys: CatalogTable['foreignKeys'];
}

/** The outcome of seeding. */
export interface SeedResult {
  seeded: Map<string, SeededTable>;
  /** Tables that could not be seeded, with why. */
  unseedable: Map<string, string>;
  /**
   * A fresh row for a tenant (new unique values, keys to that tenant's seeded rows), for insert
   * probes; with `tenantOf`, its tenant columns name that tenant instead.
   */
  freshRow: (table: string, tenant: TenantLabel, tenantOf?: TenantLabel) => RowInsert | { problem: string };
}

/** The tables to seed (targets and every table they reference, transitively) in an order where referenced tables come first. */
export function seedOrder(plan: SeedPlan): { order: CatalogTable[]; cutKeys: Map<string, Set<string>>; cycles: Map<string, string> } {
  const byKey = new Map(plan.tables.map((t) => [t.key, t]));
  const wanted = new Set<string>();
  const visit = (key: string): void => {
    if (wanted.has(key) || !byKey.has(key)) return;
    wanted.add(key);
    for (const fk of byKey.get(key)?.foreignKeys ?? []) visit(fk.refTable);
  };
  plan.targets.forEach(visit);
  const cutKeys = new Map<string, Set<string>>();
  const cut = (table: string, fk: string) => (cutKeys.get(table) ?? cutKeys.set(table, new Set()).get(table))?.add(fk);
  const nullable = (table: CatalogTable, columns: string[]) => columns.every((c) => !table.columns.find((col) => col.name === c)?.notNull);
  // Self references are always cut (a first row cannot point at itself).
  for (const key of wanted) {
    const table = byKey.get(key) as CatalogTable;
    for (const fk of table.foreignKeys) if (fk.refTable === key) cut(key, fk.name);
  }
  const order: CatalogTable[] = [];
  const cycles = new Map<string, string>();
  const placed = new Set<string>();
  const pending = new Set(wanted);
  while (pending.size > 0) {
    const ready = [...pending].filter((key) => {
      const table = byKey.get(key) as CatalogTable;
      return table.foreignKeys.every((fk) => cutKeys.get(key)?.has(fk.name) || placed.has(fk.refTable) || !wanted.has(fk.refTable));
    });
    if (ready.length > 0) {
      for (const key of ready.sort()) {
        order.push(byKey.get(key) as CatalogTable);
        placed.add(key);
        pending.delete(key);
      }
      continue;
    }
    // A cycle: cut one nullable foreign key on it (its target leads back to its table), else give up on what is left.
    const waitsOn = (key: string): string[] => (byKey.get(key) as CatalogTable).foreignKeys.filter((f) => !cutKeys.get(key)?.has(f.name) && pending.has(f.refTable)).map((f) => f.refTable);
    const leadsTo = (from: string, to: string): boolean => {
      const seen = new Set<string>();
      const stack = [from];
      while (stack.length > 0) {
        const key = stack.pop() as string;
        if (key === to) return true;
        if (seen.has(key)) continue;
        seen.add(key);
        stack.push(...waitsOn(key));
      }
      return false;
    };
    let cutOne = false;
    for (const key of [...pending].sort()) {
      const table = byKey.get(key) as CatalogTable;
      const fk = table.foreignKeys.find((f) => !cutKeys.get(key)?.has(f.name) && pending.has(f.refTable) && nullable(table, f.columns) && leadsTo(f.refTable, key));
      if (fk) {
        cut(key, fk.name);
        cutOne = true;
        break;
      }
    }
    if (cutOne) continue;
    for (const key of pending) cycles.set(key, 'its foreign keys form a cycle through NOT NULL columns');
    break;
  }
  return { order, cutKeys, cycles };
}

/** Whether rows of each table belong to a tenant, by tenant column, tenant root or foreign key lineage. */
function ownedTables(order: readonly CatalogTable[], plan: SeedPlan, cutKeys: Map<string, Set<string>>): Set<string> {
  const owned = new Set<string>(plan.identityTables);
  for (const t of plan.tables) {
    for (const fk of t.foreignKeys) if (fk.columns.length > 0 && fk.columns.every((c) => plan.tenantColumns.has(c))) owned.add(fk.refTable);
  }
  for (const table of order) {
    if (table.columns.some((c) => plan.tenantColumns.has(c.name))) owned.add(table.key);
    else if (table.foreignKeys.some((fk) => !cutKeys.get(table.key)?.has(fk.name) && owned.has(fk.refTable) && fk.refTable !== table.key)) owned.add(table.key);
  }
  return owned;
}

/**
 * Columns that hold the tenant's id itself: those tenant columns reference (the tenants table's
 * key), and every other referenced key of the tenant id's type. So each tenant's user, account or
 * list row has the tenant's id too, and a context that names a user (`app.current_user`) rather
 * than a tenant finds the user that is a member of that tenant through the seeded rows.
 */
function rootColumns(plan: SeedPlan): Set<string> {
  const roots = new Set<string>();
  const byKey = new Map(plan.tables.map((t) => [t.key, t]));
  for (const t of plan.tables) {
    for (const fk of t.foreignKeys) {
      fk.columns.forEach((c, i) => {
        const ref = fk.refColumns[i];
        if (ref === undefined || fk.columns.length !== 1) return;
        const refType = byKey.get(fk.refTable)?.columns.find((col) => col.name === ref)?.baseType;
        if (plan.tenantColumns.has(c) || refType === plan.idType) roots.add(`${fk.refTable}\u0000${ref}`);
      });
    }
  }
  return roots;
}

/** Builds the INSERT for one row; a string problem when a value cannot be had. */
export function rowInsert(
  table: CatalogTable,
  tenant: TenantLabel,
  context: RowContext,
): RowInsert | { problem: string } {
  const values = new Map<string, string>();
  // The columns of a key cut to break a cycle stay NULL, even a tenant column (any value would need the row it points at).
  const nulled = new Set(table.foreignKeys.filter((fk) => context.cut.has(fk.name)).flatMap((fk) => fk.columns));
  for (const fk of table.foreignKeys) {
    if (context.cut.has(fk.name)) continue;
    const referenced = context.rowFor(fk.refTable, fk.columns.some((c) => context.tenantColumns.has(c)) ? (context.tenantOf ?? tenant) : tenant);
    if (!referenced) {
      const required = fk.columns.some((c) => table.columns.find((col) => col.name === c)?.notNull);
      const why = context.unseedable?.get(fk.refTable);
      if (required) return { problem: `references ${fk.refTable}, which has no seeded row${why ? ` (${why})` : ''}` };
      continue;
    }
    fk.columns.forEach((c, i) => {
      const column = table.columns.find((col) => col.name === c) as CatalogColumn;
      const value = referenced.values[fk.refColumns[i] ?? ''];
      if (value !== null && value !== undefined) values.set(c, `${jsonLiteral(value)}::${column.type}`);
    });
  }
  let overriding = false;
  for (const column of table.columns) {
    if (values.has(column.name) || column.generated || nulled.has(column.name)) continue;
    const isTenant = context.tenantColumns.has(column.name) || (!context.fresh && context.roots.has(`${table.key}\u0000${column.name}`));
    if (isTenant) {
      const literal = tenantLiteral(column, context.tenantColumns.has(column.name) ? (context.tenantOf ?? tenant) : tenant);
      if (literal === undefined) return { problem: `tenant column ${column.name} has type ${column.type}, which cannot hold a generated tenant id` };
      values.set(column.name, literal);
      if (column.identity === 'a') overriding = true;
      continue;
    }
    if (column.identity !== '' || column.hasDefault) continue;
    if (context.mode === 'required' && !column.notNull) continue;
    const literal = columnLiteral(column, tenant, context.serial.next++, context.mode, checkLiteralsFor(column.name, table.checks));
    if (literal === undefined) {
      if (column.notNull) return { problem: `no value can be generated for NOT NULL column ${column.name} of type ${column.type}` };
      continue;
    }
    values.set(column.name, literal);
  }
  const columns = [...values.keys()];
  const body = columns.length === 0 ? 'DEFAULT VALUES' : `(${columns.map(quoteIdent).join(', ')})${overriding ? ' OVERRIDING SYSTEM VALUE' : ''} VALUES (${[...values.values()].join(', ')})`;
  return { sql: `INSERT INTO ${table.sql} AS seeded ${body}`, values };
}

/** An INSERT of a generated row and the literal it gives each column. */
export interface RowInsert {
  sql: string;
  values: Map<string, string>;
}

/** The context rowInsert needs from a seeding. */
export interface RowContext {
  serial: { next: number };
  mode: SeedMode;
  /** Why referenced tables could not be seeded, for the message of a table that needs them. */
  unseedable?: ReadonlyMap<string, string>;
  /** A row for probes, next to the seeded ones: keys get fresh values, not the tenant's id. */
  fresh?: boolean;
  /** The tenant the tenant columns (and keys through them) name, when not the row's own. */
  tenantOf?: TenantLabel;
  rowFor: (table: string, tenant: TenantLabel) => SeededRow | undefined;
  cut: ReadonlySet<string>;
  roots: ReadonlySet<string>;
  tenantColumns: ReadonlySet<string>;
}

function jsonLiteral(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `'${text.replaceAll("'", "''")}'`;
}

/** Seeds every tenant in its own transaction (as the connected superuser), committed. */
export async function seedTenants(client: pg.ClientBase, plan: SeedPlan): Promise<SeedResult> {
  const { order, cutKeys, cycles } = seedOrder(plan);
  const owned = ownedTables(order, plan, cutKeys);
  const roots = rootColumns(plan);
  const unseedable = new Map(cycles);
  const seeded = new Map<string, SeededTable>();
  for (const table of order) {
    const linkedKeys = table.foreignKeys.filter((fk) => !cutKeys.get(table.key)?.has(fk.name));
    const ownership = [
      ...table.columns.filter((c) => plan.tenantColumns.has(c.name)).map((c) => c.name),
      ...linkedKeys.filter((fk) => owned.has(fk.refTable) && fk.refTable !== table.key).flatMap((fk) => fk.columns),
    ];
    seeded.set(table.key, { table, rows: [], ownership: [...new Set(ownership)], owned: owned.has(table.key), root: ownership.length === 0 && owned.has(table.key), linkedKeys });
  }
  const serial = { next: 1 };
  const rowFor = (key: string, tenant: TenantLabel) => seeded.get(key)?.rows.find((r) => r.tenant === tenant);
  for (const tenant of TENANTS) {
    await client.query('BEGIN');
    try {
      await plan.setContext(client, tenant);
      for (const table of order) {
        if (unseedable.has(table.key)) continue;
        const entry = seeded.get(table.key) as SeededTable;
        const problem = await seedRow(client, table, tenant, plan, { serial, rowFor, cut: cutKeys.get(table.key) ?? new Set(), roots, tenantColumns: plan.tenantColumns, unseedable }, entry);
        if (problem !== undefined) unseedable.set(table.key, problem);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
  for (const key of unseedable.keys()) seeded.delete(key);
  const freshRow = (key: string, tenant: TenantLabel, tenantOf?: TenantLabel): RowInsert | { problem: string } => {
    const entry = seeded.get(key);
    if (!entry) return { problem: `${key} was not seeded` };
    return rowInsert(entry.table, tenant, { serial, mode: 'full', fresh: true, tenantOf, rowFor, cut: cutKeys.get(key) ?? new Set(), roots, tenantColumns: plan.tenantColumns });
  };
  return { seeded, unseedable, freshRow };
}

/**
 * The row a seeding INSERT conflicted with, when the conflict is on a key holding the tenant's own
 * values (its tenant column, its tenant id, or a foreign key to its rows): made earlier in this
 * tenant's seeding.
 */
async function existingRow(client: pg.ClientBase, table: CatalogTable, insert: RowInsert, tenantColumns: ReadonlySet<string>, roots: ReadonlySet<string>): Promise<pg.QueryResult<{ tableoid: number; ctid: string; row: Record<string, unknown> }>> {
  const keyed = new Set([...tenantColumns, ...table.foreignKeys.flatMap((fk) => fk.columns), ...table.columns.filter((c) => roots.has(`${table.key}\u0000${c.name}`)).map((c) => c.name)]);
  const key = table.uniqueKeys.find((k) => k.every((c) => insert.values.has(c)) && k.some((c) => keyed.has(c)));
  const where = key ? key.map((c) => `seeded.${quoteIdent(c)} = ${insert.values.get(c)}`).join(' AND ') : 'false';
  return client.query(`SELECT seeded.tableoid::int AS tableoid, seeded.ctid::text AS ctid, to_jsonb(seeded.*) AS row FROM ${table.sql} seeded WHERE ${where} LIMIT 1`);
}

async function seedRow(
  client: pg.ClientBase,
  table: CatalogTable,
  tenant: TenantLabel,
  plan: SeedPlan,
  context: Omit<RowContext, 'mode'>,
  entry: SeededTable,
): Promise<string | undefined> {
  let failure = '';
  // Every column with the tenant's context set, then only the required ones, then the first
  // again without context (triggers that do the platform's bookkeeping on a new user).
  for (const [mode, withContext] of [
    ['full', true],
    ['required', true],
    ['full', false],
  ] as const) {
    if (!withContext) await plan.clearContext(client);
    const insert = rowInsert(table, tenant, { ...context, mode });
    if ('problem' in insert) return insert.problem;
    await client.query('SAVEPOINT seed');
    try {
      // ON CONFLICT DO NOTHING: a trigger on a referenced table may already have made this row
      // (Supabase's "create a profile for each new user"); that row is the tenant's, and is kept.
      const returning = 'RETURNING seeded.tableoid::int AS tableoid, seeded.ctid::text AS ctid, to_jsonb(seeded.*) AS row';
      let result = await client.query<{ tableoid: number; ctid: string; row: Record<string, unknown> }>(`${insert.sql} ON CONFLICT DO NOTHING ${returning}`);
      if (result.rows.length === 0) result = await existingRow(client, table, insert, context.tenantColumns, context.roots);
      await client.query('RELEASE SAVEPOINT seed');
      const row = result.rows[0];
      if (!row) return 'the INSERT stored no row (a conflict with a row of another tenant, or a rule or trigger swallowed it)';
      entry.rows.push({ tenant, tableoid: row.tableoid, ctid: row.ctid, values: row.row });
      return undefined;
    } catch (error) {
      await client.query('ROLLBACK TO SAVEPOINT seed');
      failure ||= (error as Error).message;
    } finally {
      if (!withContext) await plan.setContext(client, tenant);
    }
  }
  return `the generated row was refused: ${failure}`;
}
