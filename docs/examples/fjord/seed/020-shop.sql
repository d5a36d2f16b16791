-- Fjord Outdoor's web shop: customers (one of them linked to a CRM contact) and their orders.
CREATE TABLE customers (
    customer_no    bigint PRIMARY KEY,
    first_name     text,
    last_name      text,
    email          text,
    balance        money,
    created        timestamp NOT NULL,
    crm_contact_id bigint
);

CREATE TABLE orders (
    order_no    bigint PRIMARY KEY,
    customer_no bigint NOT NULL REFERENCES customers (customer_no),
    total       numeric(12, 2) NOT NULL,
    placed_at   timestamptz NOT NULL,
    status      text NOT NULL
);

INSERT INTO customers VALUES
 (5001, 'Ingrid', 'Berg', 'INGRID@fjord.example ', 12.34, '2018-11-20 10:00:00', NULL),
 (5002, 'Ola', 'N.', 'ola.n@shop.example', 0, '2022-01-05 08:30:00', 1000),
 (5003, 'Kari', 'Hansen', 'kari@shop.example', 99.99, '2023-07-07 07:07:07', NULL);

INSERT INTO orders VALUES
 (1, 5001, 1299.00, '2024-01-10 12:00:00+00', 'paid'),
 (2, 5001, 349.50, '2024-02-20 15:30:00+00', 'shipped'),
 (3, 5001, 89.90, '2024-03-01 09:00:00+00', 'cancelled'),
 (4, 5003, 45.00, '2023-08-01 10:00:00+00', 'paid');
