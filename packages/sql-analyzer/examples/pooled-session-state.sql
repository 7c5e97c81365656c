-- What each statement does to a pooled connection. Run:
--   node packages/sql-analyzer/dist/cli.js packages/sql-analyzer/examples/pooled-session-state.sql

-- Leaks: the tenant stays on the connection for the next request.
SET app.tenant_id = '6f1c2d0e-0000-4000-8000-000000000001';
SELECT set_config('app.tenant_id', $1, false);

-- Correct: the tenant lives and dies with the transaction.
BEGIN;
SELECT set_config('app.tenant_id', $1, true);
SELECT * FROM invoices;
COMMIT;

-- A policy that raises on reused connections ('' cannot be cast to uuid), and the safe form.
CREATE POLICY tenant_isolation ON invoices
  USING (tenant_id = current_setting('app.tenant_id', true)::uuid);
CREATE POLICY tenant_isolation_safe ON invoices
  USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));

-- Schema-per-tenant has the same bug with search_path.
SET search_path = tenant_42, public;

-- Hidden in a function: runs whenever the function is called.
CREATE FUNCTION app.use_tenant(t uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('app.tenant_id', t::text, false);
END
$$;

-- Session state that breaks under transaction pooling.
SELECT pg_advisory_lock(42);
LISTEN invoice_events;
PREPARE find_invoice(uuid) AS SELECT * FROM invoices WHERE id = $1;
CREATE TEMP TABLE import_rows (line text);
