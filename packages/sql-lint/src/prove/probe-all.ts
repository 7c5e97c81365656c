/**
 * Runs every probe and builds the matrix: each tenant table and view in the context of tenant A
 * and of tenant B (one transaction each, rolled back), then reads with no context on a fresh
 * connection and with `''` on a connection where a tenant's transaction ended.
 */
import pg from 'pg';
import type { CatalogTable, CatalogView } from './catalog-tables.js';
import { ProbeTransaction, leaveEndedContext } from './probe-session.js';
import { ENDED_CONTEXT, NO_CONTEXT, probeChange, probeInsert, probeMove, probeSelect } from './probe-tables.js';
import type { ProbeFinding, TablePrivileges } from './probe-tables.js';
import { probeView, tenantMarkers } from './probe-views.js';
import type { ProveContext, ProveEntry, ProveOperation } from './prove-result.js';
import type { StatementLocator } from './responsible-statement.js';
import type { RunDatabase } from './run-database.js';
import type { SeedResult } from './seed-tenants.js';
import type { TenantLabel } from './seed-values.js';
import type { TenantContext } from './tenant-context.js';

/** Everything the probes need. */
export interface ProbeInput {
  client: pg.Client;
  run: RunDatabase;
  appRole: string;
  context: TenantContext;
  seed: SeedResult;
  targets: readonly CatalogTable[];
  views: readonly CatalogView[];
  locator: StatementLocator;
  tenantColumns: ReadonlySet<string>;
  /** Tables the app role owns (through membership too). */
  owners: ReadonlySet<string>;
}

const RANK = { leak: 3, raises: 2, 'not-probed': 1, isolated: 0 } as const;

/** Findings of one matrix cell, over the contexts it ran in; the worst one is reported. */
type Cells = Map<string, { object: string; key: string; kind: 'table' | 'view'; operation: ProveOperation; context: ProveContext; findings: ProbeFinding[] }>;

function add(cells: Cells, kind: 'table' | 'view', key: string, operation: ProveOperation, context: ProveContext, finding: ProbeFinding): void {
  const id = `${kind} ${key}\u0000${operation}\u0000${context}`;
  const cell = cells.get(id) ?? { object: `${kind} ${key}`, key, kind, operation, context, findings: [] };
  cell.findings.push(finding);
  cells.set(id, cell);
}

async function privileges(client: pg.ClientBase, role: string, oids: string[]): Promise<Map<string, TablePrivileges>> {
  const result = await client.query<{ rel: string; s: boolean; i: boolean; u: boolean; d: boolean }>(
    `SELECT r AS rel, pg_catalog.has_table_privilege($1, r, 'SELECT') AS s, pg_catalog.has_table_privilege($1, r, 'INSERT') AS i,
            pg_catalog.has_table_privilege($1, r, 'UPDATE') AS u, pg_catalog.has_table_privilege($1, r, 'DELETE') AS d
       FROM unnest($2::text[]) r`,
    [role, oids],
  );
  return new Map(result.rows.map((r) => [r.rel, { select: r.s, insert: r.i, update: r.u, delete: r.d }]));
}

/** Runs the probes; returns the matrix in table, view order. */
export async function probeAll(input: ProbeInput): Promise<ProveEntry[]> {
  const { client, seed, appRole, context } = input;
  const cells: Cells = new Map();
  const probed = input.targets.filter((t) => seed.seeded.get(t.key)?.owned);
  for (const table of input.targets) {
    if (probed.includes(table)) continue;
    const reason = seed.unseedable.get(table.key);
    const detail = reason !== undefined ? `not seeded: ${reason}` : 'its rows belong to no tenant (no tenant column, no foreign key to a tenant\'s row)';
    add(cells, 'table', table.key, 'select', 'tenant', { outcome: 'not-probed', detail });
  }
  const markers = tenantMarkers(seed);
  const may = await privileges(client, appRole, [...probed.map((t) => t.sql), ...input.views.map((v) => v.sql)]);
  const none: TablePrivileges = { select: false, insert: false, update: false, delete: false };
  const pairs: [TenantLabel, TenantLabel][] = [
    ['A', 'B'],
    ['B', 'A'],
  ];
  for (const [viewer, other] of pairs) {
    const tx = await ProbeTransaction.open(client, appRole, context.settings, context.values(viewer));
    try {
      for (const table of probed) {
        const entry = seed.seeded.get(table.key);
        if (!entry) continue;
        const p = may.get(table.sql) ?? none;
        add(cells, 'table', table.key, 'select', 'tenant', await probeSelect(tx, entry, viewer, p.select));
        add(cells, 'table', table.key, 'insert', 'tenant', await probeInsert(tx, entry, seed, viewer, other, p.insert));
        add(cells, 'table', table.key, 'update', 'tenant', await probeChange(tx, entry, 'update', viewer, other, p.update));
        add(cells, 'table', table.key, 'delete', 'tenant', await probeChange(tx, entry, 'delete', viewer, other, p.delete));
        add(cells, 'table', table.key, 'move-tenant', 'tenant', await probeMove(tx, entry, seed, viewer, other, p.update, input.tenantColumns));
      }
      for (const view of input.views) add(cells, 'view', view.key, 'select', 'tenant', await probeView(tx, view.sql, markers, viewer, (may.get(view.sql) ?? none).select));
    } finally {
      await tx.close();
    }
  }
  // A fresh connection (the setting never set), then the same connection after a tenant's transaction ended ('').
  const fresh = new pg.Client({ connectionString: input.run.url });
  await fresh.connect();
  try {
    for (const ctx of ['none', 'reused'] as const) {
      if (ctx === 'reused') await leaveEndedContext(fresh, context.settings, context.values('A'));
      const nobody = ctx === 'none' ? NO_CONTEXT : ENDED_CONTEXT;
      const tx = await ProbeTransaction.open(fresh, appRole, context.settings, null);
      try {
        for (const table of probed) {
          const entry = seed.seeded.get(table.key);
          if (entry) add(cells, 'table', table.key, 'select', ctx, await probeSelect(tx, entry, null, (may.get(table.sql) ?? none).select, nobody));
        }
        for (const view of input.views) add(cells, 'view', view.key, 'select', ctx, await probeView(tx, view.sql, markers, null, (may.get(view.sql) ?? none).select, nobody));
      } finally {
        await tx.close();
      }
    }
  } finally {
    await fresh.end();
  }
  return [...cells.values()].map((cell) => entryFor(cell, input));
}

function entryFor(cell: Cells extends Map<string, infer C> ? C : never, input: ProbeInput): ProveEntry {
  const worst = cell.findings.reduce((a, b) => (RANK[b.outcome] > RANK[a.outcome] ? b : a));
  let file: string | null = null;
  let line: number | null = null;
  let detail = worst.detail;
  if (worst.outcome === 'leak' || worst.outcome === 'raises') {
    const responsible = cell.kind === 'view' ? input.locator.view(cell.key) : input.locator.table(cell.key, cell.operation, worst.outcome, input.owners.has(cell.key));
    ({ file, line } = responsible);
    if (responsible.what) detail = `${detail} (${responsible.what})`;
  }
  return { object: cell.object, operation: cell.operation, context: cell.context, outcome: worst.outcome, detail, file, line };
}
