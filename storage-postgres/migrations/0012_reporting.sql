-- Ticketry schema, version 12.
--
-- Reporting: the tickets a metrics report reads (created before the
-- period's end, and active or changed since its start) through
-- `tickets_updated` and the active tickets' `tickets_queue`; daily
-- statistics stored once per workspace and local day.
CREATE INDEX tickets_updated ON tickets (workspace_id, updated_at);

CREATE TABLE daily_stats (
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id),
    day date NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (workspace_id, day)
);
ALTER TABLE daily_stats ENABLE ROW LEVEL SECURITY;
ALTER TABLE daily_stats FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON daily_stats USING (workspace_id = current_workspace())
    WITH CHECK (workspace_id = current_workspace());

-- Each ticket's `TicketFacts` (what a metrics report reads: a few hundred
-- bytes, never toasted), written with the ticket. NULL on rows written before
-- this version: a report reads their document instead.
ALTER TABLE tickets ADD COLUMN facts jsonb;
