-- Aurum demo schema, database billing. Idempotent; default REPLICA IDENTITY (primary key).
-- A contract that tests and docs rely on: do not rename tables or columns.

CREATE TABLE IF NOT EXISTS customers (
    id             bigint PRIMARY KEY,
    name           text NOT NULL,          -- the company name for a business customer, the person's name otherwise
    email          text,
    phone          text,
    address_line1  text,
    city           text,
    postal_code    text,
    country        text,                   -- ISO 3166 alpha-2; default region when parsing phone
    crm_contact_id bigint,                 -- crm.contacts.id when known; another database, so not enforced
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS subscriptions (
    id          bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    plan        text NOT NULL,
    status      text NOT NULL,             -- trialing | active | past_due | canceled
    mrr_cents   bigint NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    canceled_at timestamptz                -- set when status = canceled
);

CREATE TABLE IF NOT EXISTS invoices (
    id           bigint PRIMARY KEY,
    customer_id  bigint NOT NULL REFERENCES customers (id),
    amount_cents bigint NOT NULL,
    status       text NOT NULL,            -- open | paid | void
    issued_at    timestamptz NOT NULL DEFAULT now(),
    paid_at      timestamptz               -- set when status = paid
);
