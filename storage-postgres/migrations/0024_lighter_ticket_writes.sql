-- Ticketry schema, version 24: three checks fewer and a faster compressor on
-- every ticket write (issue 11).
--
-- 1. The foreign keys tickets -> workspaces and events -> workspaces ran
--    one `SELECT 1 FROM ONLY workspaces … FOR KEY SHARE` per written row,
--    inside the counter lock that serializes a workspace's ticket writes:
--    `auto_explain` of the write benchmark measured 0.09 ms (tickets) and
--    0.04 ms (events) of a create's 0.74 ms (medians of 1,360 creates), and
--    0.11 ms of an update's 0.86 ms. `workspace_counters -> workspaces` ran
--    too, on every write of a group-commit batch after the first (0.09 ms
--    on 469 of 1,601 updates): an update checks the key when the row it
--    updates was written by its own transaction. Every statement that
--    writes tickets and events takes the workspace's counter row first and
--    writes nothing when it is missing (the ticket writes go through the
--    counter update's RETURNING; the bulk import locks the row
--    `FOR UPDATE` before it copies), and the counter row is inserted only by
--    the statement that inserts its workspace, from that insert's
--    RETURNING. Nothing deletes workspaces, so no cascade or restriction is
--    lost.
ALTER TABLE tickets DROP CONSTRAINT IF EXISTS tickets_workspace_id_fkey;
ALTER TABLE events DROP CONSTRAINT IF EXISTS events_workspace_id_fkey;
ALTER TABLE workspace_counters DROP CONSTRAINT IF EXISTS workspace_counters_workspace_id_fkey;

-- 2. A ticket's row passes PostgreSQL's 2 kB threshold (a document of about
--    1.7 kB and its facts), so every insert and update compressed the
--    document with pglz: 2.7% of the server's time in a `perf` profile of
--    the benchmark. lz4 compresses several times faster. Rows written
--    before keep pglz (both are read alike). A server built without lz4
--    keeps pglz.
DO $$
BEGIN
    ALTER TABLE tickets ALTER COLUMN doc SET COMPRESSION lz4;
    ALTER TABLE tickets ALTER COLUMN facts SET COMPRESSION lz4;
    ALTER TABLE messages ALTER COLUMN doc SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    NULL;
END
$$;
