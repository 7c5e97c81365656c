-- Tenants and their invoices. Every tenant table carries tenant_id NOT NULL.
CREATE TABLE tenants (
  id uuid PRIMARY KEY,
  name text NOT NULL
);

CREATE TABLE invoices (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  customer text NOT NULL,
  amount_cents bigint NOT NULL,
  paid boolean NOT NULL DEFAULT false
);

CREATE INDEX invoices_tenant_id ON invoices (tenant_id);
