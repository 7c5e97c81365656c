-- Row level security, enabled but not forced: the table owner bypasses every policy.
ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;

-- current_setting(name) without missing_ok raises on connections that never set it; the cast
-- without NULLIF raises on connections where a transaction-local set has ended.
CREATE POLICY invoices_tenant_isolation ON invoices
  USING (tenant_id = current_setting('app.tenant_id')::uuid);

-- No security_invoker: the view runs with its owner's rights and shows every tenant's totals.
CREATE VIEW invoice_totals AS
  SELECT tenant_id, count(*) AS invoices, sum(amount_cents) AS total_cents
  FROM invoices
  GROUP BY tenant_id;
