/**
 * The tenant context of the run: which settings carry it (the configured `contextGucs`, else the
 * custom settings the history's policies and functions read), the type of the tenant ids (from the
 * tenant columns), and each tenant's values. On Supabase the context is the request's JWT claims,
 * as PostgREST sets them, with the tenant's id as the user (`sub`).
 */
import type pg from 'pg';
import type { LintConfig } from '../lint-config.js';
import type { SchemaModel } from '../model/schema-model.js';
import type { PlatformPreset } from '../platform-preset.js';
import type { CatalogTable } from './catalog-tables.js';
import { quoteLiteral } from './catalog-tables.js';
import { RunProblem } from './run-problem.js';
import { tenantIdText } from './seed-values.js';
import type { TenantLabel } from './seed-values.js';

/** How the run sets a tenant's context. */
export interface TenantContext {
  settings: readonly string[];
  /** Base type of the tenant ids (`uuid`, `int8`, `text`). */
  idType: string;
  /** The values of `settings` for a tenant. */
  values(tenant: TenantLabel): string[];
  /** Sets them inside the current transaction, as the guard does. */
  set(client: pg.ClientBase, tenant: TenantLabel): Promise<void>;
  /** Empties them for the rest of the current transaction. */
  clear(client: pg.ClientBase): Promise<void>;
}

/** The custom settings the history's policies and functions read, most read first. */
function settingsRead(model: SchemaModel): string[] {
  const counts = new Map<string, number>();
  for (const { read } of model.reads) {
    if (read.name === null || !read.name.includes('.')) continue;
    counts.set(read.name, (counts.get(read.name) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([name]) => name);
}

/** Decides the run's context; a RunProblem when no setting carries it. */
export function contextFor(config: LintConfig, model: SchemaModel, platform: PlatformPreset | null, targets: readonly CatalogTable[], tenantColumns: ReadonlySet<string>): TenantContext {
  const types = targets.flatMap((t) => t.columns.filter((c) => tenantColumns.has(c.name)).map((c) => c.baseType));
  const idType = platform ? 'uuid' : (mostCommon(types) ?? 'uuid');
  const id = (tenant: TenantLabel) => tenantIdText(tenant, idType) ?? tenantIdText(tenant, 'text') ?? tenant;
  let settings: string[];
  let values: (tenant: TenantLabel) => string[];
  if (platform && !config.contextGucs) {
    settings = ['request.jwt.claims'];
    values = (tenant) => [JSON.stringify({ sub: id(tenant), role: 'authenticated', app_metadata: { tenant_id: id(tenant) } })];
  } else {
    const read = settingsRead(model);
    settings = config.contextGucs ?? read.slice(0, 1);
    if (settings.length === 0) {
      throw new RunProblem('no setting carries the tenant context: the history reads no custom setting', 'name it in the configuration, e.g. "contextGucs": ["app.tenant_id"]', 'configuration');
    }
    values = (tenant) => settings.map(() => id(tenant));
  }
  return {
    settings,
    idType,
    values,
    async set(client, tenant) {
      const vals = values(tenant);
      await client.query(`SELECT ${settings.map((s, i) => `pg_catalog.set_config(${quoteLiteral(s)}, $${i + 1}, true)`).join(', ')}`, vals);
    },
    async clear(client) {
      await client.query(`SELECT ${settings.map((s) => `pg_catalog.set_config(${quoteLiteral(s)}, '', true)`).join(', ')}`);
    },
  };
}

function mostCommon(values: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}
