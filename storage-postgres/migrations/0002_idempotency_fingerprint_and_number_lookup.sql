-- Ticketry schema, version 2.
--
-- 1. Idempotency keys are bound to their request: a ticket created with a key
--    records the request's fingerprint. A later create with the same key and
--    another fingerprint is refused; NULL (rows written before this version)
--    matches any request.
ALTER TABLE tickets ADD COLUMN idempotency_fingerprint uuid;

-- 2. Ticket numbers are looked up ASCII-case-insensitively.
--
--    `number_key` is lower(number) in the "C" collation: ASCII letters only,
--    whatever the database's locale (a Turkish locale would lower 'I' to a
--    dotless i). It is a stored column rather than an expression index because
--    lower() is not LEAKPROOF: under row-level security (a role without
--    BYPASSRLS, the recommended setup) PostgreSQL refuses to use a condition
--    on lower(number) as an index condition and would filter every ticket of
--    the workspace instead. `number_key = lower($2 COLLATE "C")` applies the
--    function to the parameter only, so the index below serves it.
--
--    Adding a stored generated column rewrites the table once (under an
--    exclusive lock), for the time a copy of `tickets` takes.
ALTER TABLE tickets
    ADD COLUMN number_key text COLLATE "C" GENERATED ALWAYS AS (lower(number COLLATE "C")) STORED;

-- Numbers are unique per workspace regardless of ASCII case (this implies the
-- exact-case uniqueness of version 1, whose index is dropped).
CREATE UNIQUE INDEX tickets_number_ci ON tickets (workspace_id, number_key);
ALTER TABLE tickets DROP CONSTRAINT tickets_number;
