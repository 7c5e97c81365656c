-- The application connects as the role that owns the invoices table.
CREATE ROLE invoices_app LOGIN NOSUPERUSER NOBYPASSRLS;
ALTER TABLE invoices OWNER TO invoices_app;
GRANT SELECT ON tenants TO invoices_app;
GRANT SELECT ON invoice_totals TO invoices_app;
