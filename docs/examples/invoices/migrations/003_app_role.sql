-- The application connects as invoices_app: it owns nothing and bypasses nothing.
-- Its password is set by the deployment, not by a migration.
CREATE ROLE invoices_app LOGIN NOSUPERUSER NOBYPASSRLS;
GRANT SELECT ON tenants TO invoices_app;
GRANT SELECT, INSERT, UPDATE ON invoices TO invoices_app;
GRANT SELECT ON invoice_totals TO invoices_app;
