-- Ticketry schema, version 1.
--
-- Runs with `search_path` set to Ticketry's own schema only (`ticketry` by
-- default), so every name below lands there, beside the host's tables.
--
-- Layout rules (they keep the schema distributable by tenant, Citus-style):
--   * every primary key leads with workspace_id;
--   * every foreign key includes workspace_id;
--   * no unique index spans workspaces, except on `workspaces` itself, the
--     one tenant directory (a reference table: its slug is unique).
--
-- Each table keeps the columns queries filter, join or sort on, plus `doc`:
-- the full value as serialized by ticketry-core, read back as is.
--
-- Row-level security: every table is FORCEd under a policy that shows only
-- the rows of the workspace set for the transaction
-- (`SET LOCAL ticketry.workspace_id = '<uuid>'`), so even the owner is
-- subject to it; superusers and BYPASSRLS roles are not (PostgreSQL rule).

-- The workspace the current transaction is scoped to (NULL when none: no row matches).
CREATE FUNCTION current_workspace() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('ticketry.workspace_id', true), '')::uuid $$;

-- The slug a transaction may look a workspace up by, before it knows the id.
CREATE FUNCTION current_workspace_slug() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('ticketry.workspace_slug', true), '') $$;

-- The tenant directory (reference table).
CREATE TABLE workspaces (
    workspace_id uuid PRIMARY KEY,
    slug text NOT NULL,
    created_at timestamptz NOT NULL,
    doc jsonb NOT NULL
);
CREATE UNIQUE INDEX workspaces_slug ON workspaces (slug);

-- Per-workspace counters: the last ticket number and the last event seq.
-- Every ticket write locks its workspace's row (UPDATE ... RETURNING) before
-- numbering, and holds it until commit: numbers and event seqs are gap-free
-- and an event with a larger seq always commits after one with a smaller seq.
CREATE TABLE workspace_counters (
    workspace_id uuid PRIMARY KEY REFERENCES workspaces (workspace_id),
    last_ticket bigint NOT NULL DEFAULT 0,
    last_event bigint NOT NULL DEFAULT 0
);

CREATE TABLE agents (
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id),
    agent_id text NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (workspace_id, agent_id)
);

CREATE TABLE customers (
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id),
    customer_id text NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (workspace_id, customer_id)
);

CREATE TABLE teams (
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id),
    team_id uuid NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (workspace_id, team_id)
);

CREATE TABLE priorities (
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id),
    code text NOT NULL,
    rank integer NOT NULL,
    position integer NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (workspace_id, code)
);

CREATE TABLE categories (
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id),
    category_id uuid NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (workspace_id, category_id)
);

CREATE TABLE tags (
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id),
    slug text NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (workspace_id, slug)
);

CREATE TABLE templates (
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id),
    template_id uuid NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (workspace_id, template_id)
);

CREATE TABLE sla_policies (
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id),
    position integer NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (workspace_id, position)
);

CREATE TABLE tickets (
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id),
    ticket_id uuid NOT NULL,
    seq bigint NOT NULL,
    number text NOT NULL,
    status text NOT NULL,
    -- status is new, open, in_progress, pending or on_hold
    active boolean NOT NULL,
    priority text NOT NULL,
    -- minus the rank of the priority (0 if the workspace has no such code), so
    -- that ascending (rank_key, due_secs, seq) is the agent queue's order
    rank_key integer NOT NULL,
    -- ticket.sla.due_at() in whole Unix seconds, 9223372036854775807 when none
    due_secs bigint NOT NULL,
    -- ticket.sla.next_check(): when the SLA sweep has something to record
    sla_next_check timestamptz,
    customer_id text NOT NULL,
    assignee_id text,
    team_id uuid,
    category_id uuid,
    tags text[] NOT NULL,
    idempotency_key text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version bigint NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (workspace_id, ticket_id),
    CONSTRAINT tickets_seq UNIQUE (workspace_id, seq),
    CONSTRAINT tickets_number UNIQUE (workspace_id, number)
);
CREATE UNIQUE INDEX tickets_idempotency ON tickets (workspace_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
-- Queues by status and priority (urgency order within one status).
CREATE INDEX tickets_status_priority ON tickets (workspace_id, status, rank_key, due_secs, seq);
-- The agent queue: active tickets in urgency order.
CREATE INDEX tickets_queue ON tickets (workspace_id, rank_key, due_secs, seq) WHERE active;
CREATE INDEX tickets_assignee ON tickets (workspace_id, assignee_id, seq) WHERE assignee_id IS NOT NULL;
CREATE INDEX tickets_team ON tickets (workspace_id, team_id, seq) WHERE team_id IS NOT NULL;
CREATE INDEX tickets_customer ON tickets (workspace_id, customer_id, seq);
-- The SLA sweep reads only due tickets.
CREATE INDEX tickets_sla_next_check ON tickets (workspace_id, sla_next_check, seq)
    WHERE sla_next_check IS NOT NULL;
CREATE INDEX tickets_tags ON tickets USING gin (tags);

CREATE TABLE messages (
    workspace_id uuid NOT NULL,
    message_id uuid NOT NULL,
    ticket_id uuid NOT NULL,
    -- insertion order (threads are listed oldest first)
    ord bigint GENERATED ALWAYS AS IDENTITY,
    kind text NOT NULL,
    idempotency_key text,
    created_at timestamptz NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (workspace_id, message_id),
    FOREIGN KEY (workspace_id, ticket_id) REFERENCES tickets (workspace_id, ticket_id)
);
CREATE INDEX messages_thread ON messages (workspace_id, ticket_id, ord);
CREATE UNIQUE INDEX messages_idempotency ON messages (workspace_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE TABLE assignments (
    workspace_id uuid NOT NULL,
    ticket_id uuid NOT NULL,
    ord bigint GENERATED ALWAYS AS IDENTITY,
    at timestamptz NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (workspace_id, ticket_id, ord),
    FOREIGN KEY (workspace_id, ticket_id) REFERENCES tickets (workspace_id, ticket_id)
);

CREATE TABLE events (
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id),
    seq bigint NOT NULL,
    ticket_id uuid,
    type text NOT NULL,
    at timestamptz NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (workspace_id, seq)
);

CREATE TABLE event_consumers (
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id),
    consumer text NOT NULL,
    position bigint NOT NULL,
    PRIMARY KEY (workspace_id, consumer)
);

-- Row-level security, forced (the owner is subject to it too).
ALTER TABLE workspaces ENABLE ROW LEVEL SECURITY;
ALTER TABLE workspaces FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON workspaces
    USING (workspace_id = current_workspace() OR slug = current_workspace_slug())
    WITH CHECK (workspace_id = current_workspace());

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['workspace_counters', 'agents', 'customers', 'teams',
        'priorities', 'categories', 'tags', 'templates', 'sla_policies', 'tickets',
        'messages', 'assignments', 'events', 'event_consumers']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant ON %I USING (workspace_id = current_workspace())'
            ' WITH CHECK (workspace_id = current_workspace())', t);
    END LOOP;
END
$$;
