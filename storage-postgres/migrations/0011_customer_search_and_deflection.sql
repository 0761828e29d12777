-- Ticketry schema, version 11.
--
-- Ticket search also finds a customer's tickets by the customer's id, name
-- or e-mail: `customers.search` holds `Customer::search_terms` as a tsvector
-- of quoted lexemes, like the tickets' columns.
--
-- Deflection: each set of article suggestions shown to a customer about to
-- open a ticket, and the ticket they opened anyway (NULL: none, so far).
--
-- `search_backlog` lists the rows whose search terms the core must still
-- compute (customers written before this version, tickets written before
-- version 8); `PgStore::migrate` works through it and empties it.
ALTER TABLE customers ADD COLUMN search tsvector NOT NULL DEFAULT ''::tsvector;
CREATE INDEX customers_search ON customers USING gin (search);

CREATE TABLE kb_suggestions (
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id),
    suggestion_id uuid NOT NULL,
    customer_id text NOT NULL,
    shown_at timestamptz NOT NULL,
    articles uuid[] NOT NULL,
    ticket_id uuid,
    PRIMARY KEY (workspace_id, suggestion_id)
);
CREATE INDEX kb_suggestions_shown ON kb_suggestions (workspace_id, shown_at);

ALTER TABLE kb_suggestions ENABLE ROW LEVEL SECURITY;
ALTER TABLE kb_suggestions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON kb_suggestions USING (workspace_id = current_workspace())
    WITH CHECK (workspace_id = current_workspace());

-- Maintenance only (read by the owner in `migrate`, never by the app role):
-- ids, no tenant content.
CREATE TABLE search_backlog (
    workspace_id uuid NOT NULL,
    kind text NOT NULL,
    key text NOT NULL,
    PRIMARY KEY (workspace_id, kind, key)
);
DO $$
BEGIN
    -- The rows are not visible to a role under RLS here; the owner running
    -- migrations without BYPASSRLS sees none, and then nothing needs doing
    -- that it could do.
    SET LOCAL row_security = off;
    INSERT INTO search_backlog
        SELECT workspace_id, 'customer', customer_id FROM customers;
    INSERT INTO search_backlog
        SELECT workspace_id, 'ticket', ticket_id::text FROM tickets
        WHERE search_head = ''::tsvector AND search_public = ''::tsvector
          AND search_notes = ''::tsvector;
EXCEPTION WHEN insufficient_privilege THEN
    NULL;
END
$$;
