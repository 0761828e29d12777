-- Ticketry schema, version 7.
--
-- Incidents (the open ones are part of the workspace's catalog, versioned by
-- workspace_counters.catalog_version) and access-recovery requests. Both are
-- documents with the columns their reads filter on; tickets find the ones
-- linked to an incident through an expression index.
CREATE TABLE incidents (
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id),
    incident_id uuid NOT NULL,
    open boolean NOT NULL,
    declared_at timestamptz NOT NULL,
    version bigint NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (workspace_id, incident_id)
);
CREATE INDEX incidents_recent ON incidents (workspace_id, declared_at DESC);

CREATE TABLE access_requests (
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id),
    request_id uuid NOT NULL,
    customer_id text,
    status text NOT NULL,
    open boolean NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    version bigint NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (workspace_id, request_id)
);
CREATE INDEX access_requests_recent ON access_requests (workspace_id, created_at DESC);
CREATE INDEX access_requests_customer ON access_requests (workspace_id, customer_id)
    WHERE open;
CREATE INDEX access_requests_expiring ON access_requests (workspace_id, expires_at)
    WHERE open;

CREATE INDEX tickets_incident ON tickets (workspace_id, (doc->'incident'->>'id'), seq)
    WHERE doc->'incident'->>'id' IS NOT NULL;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['incidents', 'access_requests']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant ON %I USING (workspace_id = current_workspace())'
            ' WITH CHECK (workspace_id = current_workspace())', t);
    END LOOP;
END
$$;
