-- Ticketry schema, version 26: the lookup of a workspace by its slug only
-- reads.
--
-- The policy `tenant` of `workspaces` (migration 0001) let a transaction see
-- a row by `ticketry.workspace_slug` for every command, not only SELECT: a
-- session scoped to workspace B that also set the slug of workspace A could
-- lock A's row (`FOR UPDATE`) and pass the policy with a DELETE of it, which
-- only a foreign key stopped (found by a tenant-isolation probe as the
-- application role; no store call does this, the store's slug lookup is one
-- SELECT). The slug now shows a row to SELECT alone; every other command
-- sees only the transaction's own workspace.
DROP POLICY tenant ON workspaces;
CREATE POLICY tenant ON workspaces
    USING (workspace_id = current_workspace())
    WITH CHECK (workspace_id = current_workspace());
CREATE POLICY tenant_slug_lookup ON workspaces FOR SELECT
    USING (slug = current_workspace_slug());
