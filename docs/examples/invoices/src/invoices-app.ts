/**
 * The invoices service, written the tenant-scope way: every request's work runs in
 * `withTenant`, a transaction that carries the tenant and ends with it.
 */
import type { Server } from 'node:http';
import { createTenantScope } from '@tenant-scope/guard';
import type { TenantScope, TenantScopeViolation } from '@tenant-scope/guard';
import type pg from 'pg';
import { createJsonServer } from './json-server.js';
import type { Route } from './json-server.js';

/** Options of an invoices service: the assertion mode and where violations go. */
export interface InvoicesAppOptions {
  assertions?: 'off' | 'warn' | 'throw';
  onViolation?: (violation: TenantScopeViolation) => void;
  /** Where `warn` and `throw` modes log. */
  logger?: { warn(message: string): void };
}

/** A running service's parts: the HTTP server and the tenant scope over its pool. */
export interface InvoicesApp {
  server: Server;
  scope: TenantScope<'tenantId'>;
}

export function invoicesRoutes(scope: TenantScope<'tenantId'>): Route[] {
  return [
    {
      method: 'GET',
      path: '/invoices',
      handler: ({ tenantId }) =>
        scope.withTenant({ tenantId }, async (client) => (await client.query('SELECT id, tenant_id, customer, amount_cents, paid FROM invoices ORDER BY id')).rows, { readOnly: true }),
    },
    {
      method: 'GET',
      path: '/invoices/:id',
      handler: ({ tenantId, params }) =>
        scope.withTenant({ tenantId }, async (client) => (await client.query('SELECT id, tenant_id, customer, amount_cents, paid FROM invoices WHERE id = $1', [params.id])).rows, { readOnly: true }),
    },
    {
      method: 'POST',
      path: '/invoices',
      handler: ({ tenantId, body }) =>
        scope.withTenant({ tenantId }, async (client) => {
          const { rows } = await client.query('INSERT INTO invoices (tenant_id, customer, amount_cents) VALUES ($1, $2, $3) RETURNING id, tenant_id', [tenantId, body.customer, body.amountCents]);
          return rows;
        }),
    },
    {
      method: 'POST',
      path: '/invoices/:id/pay',
      handler: ({ tenantId, params }) =>
        scope.withTenant({ tenantId }, async (client) => (await client.query('UPDATE invoices SET paid = true WHERE id = $1 RETURNING id, tenant_id', [params.id])).rows),
    },
    {
      method: 'GET',
      path: '/invoice-totals',
      handler: ({ tenantId }) =>
        scope.withTenant({ tenantId }, async (client) => (await client.query('SELECT tenant_id, invoices::int, total_cents::int FROM invoice_totals ORDER BY tenant_id')).rows, { readOnly: true }),
    },
  ];
}

/** The service over `pool` (which should connect as the application role, through PgBouncer in production). */
export function createInvoicesApp(pool: pg.Pool, options: InvoicesAppOptions = {}): InvoicesApp {
  const scope = createTenantScope(pool, {
    context: { tenantId: 'app.tenant_id' },
    validate: { tenantId: 'uuid' },
    ...options,
  });
  return { server: createJsonServer(invoicesRoutes(scope)), scope };
}
