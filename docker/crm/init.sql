-- The source CRM database of the docker stack: Debezium streams these tables' changes
-- (logical replication, pgoutput) to crm.public.contacts and crm.public.tickets.
CREATE TABLE contacts (
    id          serial PRIMARY KEY,
    tenant_id   text NOT NULL DEFAULT 'acme',
    full_name   text NOT NULL,
    email       text,
    phone       text,
    birth_date  date,
    segment     text,
    notes       text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tickets (
    id          serial PRIMARY KEY,
    tenant_id   text NOT NULL DEFAULT 'acme',
    contact_id  integer REFERENCES contacts (id) ON DELETE CASCADE,
    subject     text,
    body        text,
    status      text NOT NULL DEFAULT 'open'
);

-- Deletes and updates carry the whole old row (`before`), which the worker masks too.
ALTER TABLE contacts REPLICA IDENTITY FULL;
ALTER TABLE tickets REPLICA IDENTITY FULL;

INSERT INTO contacts (full_name, email, phone, birth_date, segment, notes) VALUES
    ('Jane Smith', 'jane.smith@example.com', '+1 415 555 0132', '1984-03-12', 'gold',
     'Called from +1 415 555 0199 about a refund; card 4111 1111 1111 1111.'),
    ('María García López', 'maria.garcia@example.es', '+34 612 345 678', '1990-11-02', 'silver',
     'Prefiere email; IBAN ES91 2100 0418 4502 0005 1332.'),
    ('Lukas Becker', 'lukas.becker@example.de', '+49 30 901820', '1979-07-21', 'gold',
     'Rückruf erbeten, Mitglied MBR-20240117.');

INSERT INTO tickets (contact_id, subject, body, status) VALUES
    (1, 'Refund', 'Jane Smith asks for a refund to the card ending 1111; reply to jane.smith@example.com.', 'open'),
    (2, 'Cambio de dirección', 'María vive ahora en Calle Mayor 5, Madrid.', 'pending');
