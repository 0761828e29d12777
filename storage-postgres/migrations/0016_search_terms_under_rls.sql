-- Ticketry schema, version 16: ticket search through its index under
-- row-level security (issue 11).
--
-- Under a policy, PostgreSQL searches an index only with `LEAKPROOF`
-- operators, and `@@` is not one: for a role subject to RLS (every host's),
-- `tickets_search_public` was never used. A search read every ticket of the
-- workspace (about 1 ms per 1 000 tickets), while every ticket write, a
-- status change too, re-inserted all of the ticket's terms into that index.
--
-- The public terms (`search_head || search_public`) now live in
-- `ticket_terms`, one row per ticket: written by a trigger when a ticket is
-- inserted (live creates and imports), and by the ticket update statement
-- and the search backlog when the terms change (a status change or an
-- assignment no longer re-inserts the ticket's terms into a GIN index). Its
-- policy is enabled but not FORCEd, so its owner is not subject to it;
-- `ticket_search(q, most)`, run as the owner (`SECURITY DEFINER`), searches
-- its GIN index for the workspace
-- the transaction is scoped to (`current_workspace()`, the value the
-- policies compare with), and the ticket query, under its own FORCEd
-- policy, keeps only the workspace's tickets: tenants are still kept apart
-- twice. Other roles are subject to the policy on `ticket_terms` as on every
-- table. Searches with notes (`search_notes`) read the workspace's tickets,
-- as before (no index ever served them).
CREATE TABLE ticket_terms (
    workspace_id uuid NOT NULL,
    ticket_id uuid NOT NULL,
    terms tsvector NOT NULL,
    PRIMARY KEY (workspace_id, ticket_id)
);
ALTER TABLE ticket_terms ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON ticket_terms USING (workspace_id = current_workspace())
    WITH CHECK (workspace_id = current_workspace());

-- Writes a new ticket's row of `ticket_terms`; runs as the writer, under
-- the policy. The table is named with its schema: a writer's search_path
-- need not hold it (a `COPY` into `<schema>.tickets`).
DO $$
BEGIN
    EXECUTE format(
        'CREATE FUNCTION ticket_terms_of_new_ticket() RETURNS trigger
             LANGUAGE plpgsql
             AS $f$
         BEGIN
             INSERT INTO %I.ticket_terms (workspace_id, ticket_id, terms)
             VALUES (NEW.workspace_id, NEW.ticket_id, NEW.search_head || NEW.search_public);
             RETURN NULL;
         END
         $f$',
        current_schema());
END
$$;
CREATE TRIGGER ticket_terms_insert AFTER INSERT ON tickets
    FOR EACH ROW EXECUTE FUNCTION ticket_terms_of_new_ticket();

-- At most `most` tickets of the transaction's workspace whose public terms
-- match `q` (a search with more matches has the page query match the
-- workspace's tickets itself: fetching thousands of ids costs more).
-- Its search_path is pinned to this schema (then pg_temp), as a security
-- definer's must be.
DO $$
BEGIN
    EXECUTE format(
        'CREATE FUNCTION ticket_search(q tsquery, most integer) RETURNS SETOF uuid
             LANGUAGE sql STABLE SECURITY DEFINER SET search_path = %I, pg_temp
             AS $f$ SELECT ticket_id FROM ticket_terms
                    WHERE workspace_id = current_workspace() AND terms @@ q
                    LIMIT most $f$',
        current_schema());
END
$$;
-- Only the roles `migrate()` grants it to (and the owner) may call it.
REVOKE ALL ON FUNCTION ticket_search(tsquery, integer) FROM PUBLIC;

-- The existing tickets' terms. The owner is subject to the FORCEd policy
-- of `tickets` unless it bypasses RLS: lifted for this copy only, inside
-- this migration's transaction (which holds the table's lock).
ALTER TABLE tickets NO FORCE ROW LEVEL SECURITY;
INSERT INTO ticket_terms (workspace_id, ticket_id, terms)
    SELECT workspace_id, ticket_id, search_head || search_public FROM tickets;
ALTER TABLE tickets FORCE ROW LEVEL SECURITY;
-- Built once the rows are in (faster than growing it row by row).
CREATE INDEX ticket_terms_terms ON ticket_terms USING gin (terms);

DROP INDEX tickets_search_public;
