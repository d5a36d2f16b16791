-- Aurum demo schema, database crm. Idempotent; default REPLICA IDENTITY (primary key).
-- A contract that tests and docs rely on: do not rename tables or columns.

CREATE TABLE IF NOT EXISTS contacts (
    id         bigint PRIMARY KEY,
    first_name text,
    last_name  text,
    email      text,
    phone      text,
    company    text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
