-- Ticketry schema, version 17: a new ticket's row of `ticket_terms` is
-- written by the statement that inserts the ticket (issue 11).
--
-- Migration 0016 wrote it from a PL/pgSQL trigger, which ran a function and
-- a nested INSERT (its own executor and policy check) for every new ticket,
-- out of sight of the statement. The create statement now inserts the row
-- in one more CTE, the
-- import inserts its tickets' rows in the statement that moves them in,
-- and a `COPY` into `<schema>.tickets` (a host loading rows itself) must
-- fill `ticket_terms` as well: `search_head || search_public`, one row per
-- ticket, or the ticket is not found by a search.
DROP TRIGGER ticket_terms_insert ON tickets;
DROP FUNCTION ticket_terms_of_new_ticket();
