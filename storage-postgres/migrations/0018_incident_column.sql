-- Ticketry schema, version 18: an incident's tickets found through an
-- index under row-level security (issue 11's index review).
--
-- `tickets_incident` indexed `doc->'incident'->>'id'`; `->` and `->>` are
-- not `LEAKPROOF`, so for a role under row-level security (every host's)
-- PostgreSQL never searched it: "the tickets of incident X" read every
-- ticket of the workspace. The link's id now also lives in a plain column,
-- `incident_id`, written from the document by every statement that writes
-- a ticket; `=` on uuid is leakproof, so the index serves that role.
--
-- Added without a default, so the table is not rewritten; only the tickets
-- linked to an incident are updated. The owner is subject to the FORCEd
-- policy of `tickets` unless it bypasses RLS: lifted for this update only,
-- inside this migration's transaction (which holds the table's lock).
ALTER TABLE tickets ADD COLUMN incident_id uuid;
ALTER TABLE tickets NO FORCE ROW LEVEL SECURITY;
UPDATE tickets SET incident_id = (doc->'incident'->>'id')::uuid
    WHERE doc->'incident'->>'id' IS NOT NULL;
ALTER TABLE tickets FORCE ROW LEVEL SECURITY;
DROP INDEX tickets_incident;
CREATE INDEX tickets_incident ON tickets (workspace_id, incident_id, seq)
    WHERE incident_id IS NOT NULL;
