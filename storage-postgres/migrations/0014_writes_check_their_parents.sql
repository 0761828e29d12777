-- Ticketry schema, version 14: a ticket write keeps its messages and
-- assignment records attached itself (issue 11).
--
-- The foreign keys messages -> tickets and assignments -> tickets ran one
-- `SELECT 1 FROM ONLY tickets … FOR KEY SHARE` per inserted row, inside the
-- counter lock that serializes a workspace's ticket writes. That check's
-- plan is cached per connection when first used; made while the table was
-- small, it searched the workspace's tickets rather than the primary key,
-- and its cost grew with the workspace: `auto_explain` of the benchmark
-- measured 0.05 ms per check at the start and 1.25 ms at 2,000 tickets,
-- most of the statement's time. The statements now insert a write's
-- children only for the ticket the same statement inserted or updated
-- (`ticket_id = $16`, or a ticket of the same import), and the store
-- refuses a write that carries another ticket's rows, so the reference
-- holds by construction. Nothing deletes tickets, so no cascade is lost.
ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_workspace_id_ticket_id_fkey;
ALTER TABLE assignments DROP CONSTRAINT IF EXISTS assignments_workspace_id_ticket_id_fkey;
