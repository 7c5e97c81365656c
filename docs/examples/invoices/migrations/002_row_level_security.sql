-- Row level security, forced so that the table owner is bound by it too.
ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
ALTER TABLE invoices FORCE ROW LEVEL SECURITY;

-- NULLIF(…, ''): on a pooled connection where a transaction-local set has ended the setting reads ''
-- (not NULL), and ''::uuid would raise. With NULLIF the policy matches nothing: it fails closed.
CREATE POLICY invoices_tenant_isolation ON invoices
  USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));

-- security_invoker: the view reads invoices with the rights of whoever queries it, so RLS applies.
CREATE VIEW invoice_totals WITH (security_invoker = true) AS
  SELECT tenant_id, count(*) AS invoices, sum(amount_cents) AS total_cents
  FROM invoices
  GROUP BY tenant_id;
