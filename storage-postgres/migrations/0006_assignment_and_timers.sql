-- Ticketry schema, version 6.
--
-- Time rules: each ticket's next due instant (`doc->'timers'->'due'`) as an
-- indexed column, so `run_automations` reads only the tickets that are due.
-- Automatic assignment: an agent's load (open tickets assigned to them) and
-- their last assignment, both read through an index.
ALTER TABLE tickets ADD COLUMN timers_due timestamptz;
CREATE INDEX tickets_timers_due ON tickets (workspace_id, timers_due, seq)
    WHERE timers_due IS NOT NULL;
CREATE INDEX tickets_load ON tickets (workspace_id, assignee_id)
    WHERE active AND assignee_id IS NOT NULL;
CREATE INDEX assignments_to ON assignments (workspace_id, (doc->>'to'), at)
    WHERE doc->>'to' IS NOT NULL;
