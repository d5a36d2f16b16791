-- Fjord Outdoor's CRM: the seed creates its own tables (local mode creates the database crm, empty).
CREATE TYPE loyalty_tier AS ENUM ('bronze', 'silver', 'gold');

CREATE TABLE contacts (
    contact_id          bigint PRIMARY KEY,
    full_name           text NOT NULL,
    email_address       text,
    phone_number        text,
    credit_limit        numeric(10, 2),
    birthday            date,
    vip                 boolean NOT NULL DEFAULT false,
    signed_up           timestamptz NOT NULL,
    last_login          timestamp,
    preferred_call_time time,
    external_ref        uuid,
    preferences         jsonb,
    tier                loyalty_tier,
    tags                text[],
    avatar              bytea,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

INSERT INTO contacts VALUES
 (999, 'Ingrid Berg', 'ingrid@fjord.example', '+47 912 34 567', 3000.00, '1988-04-30', true,
  '2019-03-01 09:15:00.123+01', '2024-02-29 18:45:10.5', '07:30:00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '{"newsletter": true, "sizes": ["M", "L"]}', 'gold', ARRAY['climbing', 'ski'], '\x010203', '2024-03-01 00:00:00+00'),
 (1000, 'Ola Nordmann', 'ola@fjord.example', NULL, 150.50, '1975-12-31', false,
  '2021-06-15 12:00:00+02', NULL, NULL, NULL, NULL, 'bronze', NULL, NULL, '2024-03-01 00:00:00+00');
