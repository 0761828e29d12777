-- Ticketry schema, version 20: a ticket's tags as rows of `ticket_tags`,
-- so that a tag filter is served by an index under row-level security
-- (issue 11).
--
-- `tickets_tags` indexed the `tags` array with GIN, searched with `@>`,
-- which is not `LEAKPROOF`: a role subject to RLS (every host's) never used
-- it. A tag filter read every ticket of the workspace, while every ticket
-- insert, and every update that was not HOT, maintained the index. A tag
-- is shared by many tickets and many workspaces ("billing"), so the pattern
-- of `ticket_terms` (a GIN index read by the owner) would not serve it.
--
-- `ticket_tags` holds one row per ticket and tag, keyed by workspace, tag
-- and ticket: `=` on text and uuid is leakproof, so the role's own query
-- uses the key, under a `FORCE`d policy like every other table. Create,
-- update and import write the rows in the statements that write the
-- tickets; `tickets.tags` stays the ticket's list (its order, and what the
-- document holds). A host that `COPY`s tickets in writes their rows too.
CREATE TABLE ticket_tags (
    workspace_id uuid NOT NULL,
    tag text NOT NULL,
    ticket_id uuid NOT NULL,
    PRIMARY KEY (workspace_id, tag, ticket_id)
);
ALTER TABLE ticket_tags ENABLE ROW LEVEL SECURITY;
ALTER TABLE ticket_tags FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON ticket_tags USING (workspace_id = current_workspace())
    WITH CHECK (workspace_id = current_workspace());

-- The existing tickets' tags, with the owner's row-level security on
-- `tickets` and `ticket_tags` lifted inside this migration's transaction.
ALTER TABLE tickets NO FORCE ROW LEVEL SECURITY;
ALTER TABLE ticket_tags NO FORCE ROW LEVEL SECURITY;
INSERT INTO ticket_tags (workspace_id, tag, ticket_id)
    SELECT DISTINCT workspace_id, tag, ticket_id FROM tickets, unnest(tags) AS tag;
ALTER TABLE ticket_tags FORCE ROW LEVEL SECURITY;
ALTER TABLE tickets FORCE ROW LEVEL SECURITY;

DROP INDEX tickets_tags;
