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
import { probeFunction } from './probe-functions.js';
import type { FunctionTarget } from './probe-functions.js';
import type { TenantMarkers } from './probe-views.js';
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
  /** The search_path sessions start with (the platform's, or the configured one). */
  searchPath: readonly string[];
  /** SECURITY DEFINER functions to call. */
  functions: readonly FunctionTarget[];
  /** The run database through PgBouncer, when probes also go through it. */
  pooledUrl?: string;
  /** Tables the app role owns (through membership too). */
  owners: ReadonlySet<string>;
}

const RANK = { leak: 3, raises: 2, 'not-probed': 1, isolated: 0 } as const;

/** Findings of one matrix cell, over the contexts it ran in; the worst one is reported. */
type Cells = Map<string, { object: string; key: string; kind: 'table' | 'view' | 'function'; operation: ProveOperation; context: ProveContext; findings: ProbeFinding[] }>;

function add(cells: Cells, kind: 'table' | 'view' | 'function', key: string, operation: ProveOperation, context: ProveContext, finding: ProbeFinding): void {
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

/** Runs the probes; returns the matrix in table, view, function order. */
export async function probeAll(input: ProbeInput): Promise<ProveEntry[]> {
  const { client, seed, appRole } = input;
  const cells: Cells = new Map();
  const probed = input.targets.filter((t) => seed.seeded.get(t.key)?.owned);
  for (const table of input.targets) {
    if (probed.includes(table)) continue;
    const reason = seed.unseedable.get(table.key);
    const detail = reason !== undefined ? `not seeded: ${reason}` : "its rows belong to no tenant (no tenant column, no foreign key to a tenant's row)";
    add(cells, 'table', table.key, 'select', 'tenant', { outcome: 'not-probed', detail });
  }
  const round: Round = {
    input,
    cells,
    probed,
    markers: tenantMarkers(seed),
    may: await privileges(client, appRole, [...probed.map((t) => t.sql), ...input.views.map((v) => v.sql)]),
    via: '',
  };
  await tenantRound(round, client, 'A', 'B');
  await tenantRound(round, client, 'B', 'A');
  // A fresh connection (the setting never set), then the same connection after a tenant's transaction ended ('').
  await withClient(input.run.url, async (fresh) => {
    await noContextRound(round, fresh, 'none');
    await leaveEndedContext(fresh, input.context.settings, input.context.values('A'));
    await noContextRound(round, fresh, 'reused');
  });
  if (input.pooledUrl !== undefined) {
    // Through PgBouncer with one server connection: tenant A's and B's transactions from two
    // clients, then a request with no context, all on the same server connection.
    const pooled = { ...round, via: 'through PgBouncer (transaction mode): ' };
    await withClient(input.pooledUrl, (a) => tenantRound(pooled, a, 'A', 'B'));
    await withClient(input.pooledUrl, (b) => tenantRound(pooled, b, 'B', 'A'));
    await withClient(input.pooledUrl, (c) => noContextRound(pooled, c, 'reused'));
  }
  return [...cells.values()].map((cell) => entryFor(cell, input));
}

/** What one round of probes shares: where findings go and what it knows. */
interface Round {
  input: ProbeInput;
  cells: Cells;
  probed: readonly CatalogTable[];
  markers: TenantMarkers;
  may: Map<string, TablePrivileges>;
  /** Prefix of details, naming the path (`through PgBouncer …`) when not direct. */
  via: string;
}

const NONE: TablePrivileges = { select: false, insert: false, update: false, delete: false };

async function withClient(url: string, fn: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

function note(round: Round, kind: 'table' | 'view' | 'function', key: string, operation: ProveOperation, context: ProveContext, finding: ProbeFinding): void {
  add(round.cells, kind, key, operation, context, round.via === '' ? finding : { ...finding, detail: `${round.via}${finding.detail}` });
}

/** Every probe in `viewer`'s context, in one transaction that is rolled back. */
async function tenantRound(round: Round, client: pg.ClientBase, viewer: TenantLabel, other: TenantLabel): Promise<void> {
  const { input, may } = round;
  const tx = await ProbeTransaction.open(client, input.appRole, input.context.settings, input.context.values(viewer), input.searchPath);
  try {
    for (const table of round.probed) {
      const entry = input.seed.seeded.get(table.key);
      if (!entry) continue;
      const p = may.get(table.sql) ?? NONE;
      note(round, 'table', table.key, 'select', 'tenant', await probeSelect(tx, entry, viewer, p.select));
      note(round, 'table', table.key, 'insert', 'tenant', await probeInsert(tx, entry, input.seed, viewer, other, p.insert, input.tenantColumns));
      note(round, 'table', table.key, 'update', 'tenant', await probeChange(tx, entry, 'update', viewer, other, p.update));
      note(round, 'table', table.key, 'delete', 'tenant', await probeChange(tx, entry, 'delete', viewer, other, p.delete));
      note(round, 'table', table.key, 'move-tenant', 'tenant', await probeMove(tx, entry, input.seed, viewer, other, p.update, input.tenantColumns));
    }
    for (const view of input.views) note(round, 'view', view.key, 'select', 'tenant', await probeView(tx, view.sql, round.markers, viewer, (may.get(view.sql) ?? NONE).select));
    for (const target of input.functions) note(round, 'function', target.fn.key, 'execute', 'tenant', await probeFunction(tx, target, round.markers, viewer, other));
  } finally {
    await tx.close();
  }
}

/** Reads with no context set in the transaction: `none` on a fresh connection, `reused` after a tenant's transaction ended. */
async function noContextRound(round: Round, client: pg.ClientBase, ctx: 'none' | 'reused'): Promise<void> {
  const { input, may } = round;
  const nobody = ctx === 'none' ? NO_CONTEXT : ENDED_CONTEXT;
  const tx = await ProbeTransaction.open(client, input.appRole, input.context.settings, null, input.searchPath);
  try {
    for (const table of round.probed) {
      const entry = input.seed.seeded.get(table.key);
      if (entry) note(round, 'table', table.key, 'select', ctx, await probeSelect(tx, entry, null, (may.get(table.sql) ?? NONE).select, nobody));
    }
    for (const view of input.views) note(round, 'view', view.key, 'select', ctx, await probeView(tx, view.sql, round.markers, null, (may.get(view.sql) ?? NONE).select, nobody));
  } finally {
    await tx.close();
  }
}

function entryFor(cell: Cells extends Map<string, infer C> ? C : never, input: ProbeInput): ProveEntry {
  const worst = cell.findings.reduce((a, b) => (RANK[b.outcome] > RANK[a.outcome] ? b : a));
  let file: string | null = null;
  let line: number | null = null;
  let detail = worst.detail;
  if (worst.outcome === 'leak' || worst.outcome === 'raises') {
    const responsible =
      cell.kind === 'view'
        ? input.locator.view(cell.key)
        : cell.kind === 'function'
          ? input.locator.function(cell.key.slice(0, cell.key.indexOf('.')), cell.key.slice(cell.key.indexOf('.') + 1, cell.key.indexOf('(')))
          : input.locator.table(cell.key, cell.operation, worst.outcome, input.owners.has(cell.key));
    ({ file, line } = responsible);
    if (responsible.what) detail = `${detail} (${responsible.what})`;
  }
  return { object: cell.object, operation: cell.operation, context: cell.context, outcome: worst.outcome, detail, file, line };
}
