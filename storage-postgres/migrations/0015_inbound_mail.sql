-- Ticketry schema, version 15.
--
-- Inbound mail: the workspace's mail log (one row per message identity,
-- which makes a second delivery a duplicate), and the two lookups that
-- thread a message: stored messages by their e-mail Message-ID (hashed), customers by
-- address. Both are stored generated columns (the documents stay the truth),
-- so no write statement changes and the btree indexes serve the plain
-- equality the queries use, also under row-level security.
CREATE TABLE inbound_mail (
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id),
    key text NOT NULL,
    sender text,
    outcome text NOT NULL,
    received_at timestamptz NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (workspace_id, key)
);
CREATE INDEX inbound_mail_sender ON inbound_mail (workspace_id, sender, received_at);
CREATE INDEX inbound_mail_received ON inbound_mail (workspace_id, received_at);
ALTER TABLE inbound_mail ENABLE ROW LEVEL SECURITY;
ALTER TABLE inbound_mail FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON inbound_mail USING (workspace_id = current_workspace())
    WITH CHECK (workspace_id = current_workspace());

-- Message-IDs may be up to 998 characters (up to 3,992 bytes): the index
-- holds their MD5, over the btree's limit otherwise; queries recheck the id.
ALTER TABLE messages ADD COLUMN email_hash text
    GENERATED ALWAYS AS (md5(doc ->> 'email_message_id')) STORED;
CREATE INDEX messages_email ON messages (workspace_id, email_hash)
    WHERE email_hash IS NOT NULL;

-- ASCII letters lowered only (COLLATE "C"), as the memory backend compares.
ALTER TABLE customers ADD COLUMN email text
    GENERATED ALWAYS AS (lower((doc ->> 'email') COLLATE "C")) STORED;
CREATE INDEX customers_email ON customers (workspace_id, email, customer_id COLLATE "C")
    WHERE email IS NOT NULL;
