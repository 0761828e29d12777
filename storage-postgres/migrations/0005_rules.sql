-- Ticketry schema, version 5.
--
-- Automation rules: an ordered list per workspace, part of its catalog
-- (cached per process and versioned by workspace_counters.catalog_version,
-- like priorities and SLA policies).
CREATE TABLE rules (
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id),
    position integer NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (workspace_id, position)
);

ALTER TABLE rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE rules FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON rules USING (workspace_id = current_workspace())
    WITH CHECK (workspace_id = current_workspace());
