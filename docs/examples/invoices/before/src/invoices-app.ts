/**
 * The invoices service BEFORE tenant-scope: the classic mistakes, each of which serves one
 * tenant's rows to another behind a connection pool. Kept as the example to learn from and as
 * the leak lab's "before" variant; do not copy it.
 */
import { createTenantScope } from '@tenant-scope/guard';
import type { TenantScope } from '@tenant-scope/guard';
import type pg from 'pg';
import type { InvoicesApp, InvoicesAppOptions } from '../../src/invoices-app.js';
import { createJsonServer } from '../../src/json-server.js';
import type { Route } from '../../src/json-server.js';

function routes(scope: TenantScope<'tenantId'>): Route[] {
  // The pool the handlers always used. Going through the scope's guarded pool changes nothing
  // unless assertions are on, which is how the guard finds these mistakes in staging.
  const db = scope.pool;
  return [
    {
      method: 'GET',
      path: '/invoices',
      handler: async ({ tenantId }) => {
        // Mistake: the tenant is set for the session, on whichever connection this call gets, and the
        // query below may run on another one: a query outside withTenant.
        await db.query("SELECT set_config('app.tenant_id', $1, false)", [tenantId]);
        return (await db.query('SELECT id, tenant_id, customer, amount_cents, paid FROM invoices ORDER BY id')).rows;
      },
    },
    {
      method: 'GET',
      path: '/invoices/:id',
      handler: ({ tenantId, params }) =>
        scope.withTenant({ tenantId }, async (client) => {
          // Mistake: "set it again for the helpers", at session level: it stays on the connection.
          await client.query("SELECT set_config('app.tenant_id', $1, false)", [tenantId]);
          return (await client.query('SELECT id, tenant_id, customer, amount_cents, paid FROM invoices WHERE id = $1', [params.id])).rows;
        }),
    },
    {
      method: 'POST',
      path: '/invoices',
      handler: async ({ tenantId, body }) => {
        // Mistake: a transaction on the pool. Each call may take another connection, so the
        // transaction-local set may land in no transaction at all (a silent no-op).
        await db.query('BEGIN');
        await db.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
        const { rows } = await db.query('INSERT INTO invoices (tenant_id, customer, amount_cents) VALUES ($1, $2, $3) RETURNING id, tenant_id', [tenantId, body.customer, body.amountCents]);
        await db.query('COMMIT');
        return rows;
      },
    },
    {
      method: 'POST',
      path: '/invoices/:id/pay',
      handler: ({ tenantId, params }) =>
        scope.withTenant({ tenantId }, async (client) => {
          const { rows } = await client.query('UPDATE invoices SET paid = true WHERE id = $1 RETURNING id, tenant_id', [params.id]);
          // Mistake: "make sure the payment is saved before the receipt goes out": this ends the
          // tenant transaction, and what follows runs without it.
          await client.query('COMMIT');
          return rows;
        }),
    },
    {
      method: 'GET',
      path: '/invoice-totals',
      handler: ({ tenantId }) =>
        scope.withTenant({ tenantId }, async (client) => (await client.query('SELECT tenant_id, invoices::int, total_cents::int FROM invoice_totals ORDER BY tenant_id')).rows, { readOnly: true }),
    },
  ];
}

export function createInvoicesApp(pool: pg.Pool, options: InvoicesAppOptions = {}): InvoicesApp {
  const scope = createTenantScope(pool, { context: { tenantId: 'app.tenant_id' }, ...options });
  return { server: createJsonServer(routes(scope)), scope };
}
