-- Aurum demo schema, database support. Idempotent; default REPLICA IDENTITY (primary key).
-- A contract that tests and docs rely on: do not rename tables or columns.

CREATE TABLE IF NOT EXISTS users (
    id         bigint PRIMARY KEY,
    name       text,
    email      text,
    phone      text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS tickets (
    id         bigint PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id),
    subject    text NOT NULL,
    status     text NOT NULL,              -- open | pending | solved
    priority   text NOT NULL DEFAULT 'normal',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
