-- Ticketry schema, version 23: the customers an agent's ticket search
-- matches, through their index under row-level security (issue 11).
--
-- An agent's search also finds the tickets of the customers whose id, name
-- or e-mail match (migration 0011). `customers_search` indexed those terms
-- with GIN, searched with `@@`, which is not `LEAKPROOF`: a role subject to
-- RLS never used it, so every agent search read all of the workspace's
-- customers (about 0.5 µs each: 0.4-0.7 ms at 1 000 customers, half a
-- second at a million, the users of a consumer app). As for tickets
-- (migrations 0016, 0019, 0021) the terms move to `customer_terms`, scoped
-- to their workspace, under a policy not `FORCE`d, searched by the
-- `SECURITY DEFINER` function `customer_search(q, most)` for the
-- transaction's workspace. A customer's terms are a few words (id, name,
-- e-mail), far below the size where `scoped_terms` stores its catch-all.
-- `put_customer` writes the row in the statement that writes the customer.
CREATE TABLE customer_terms (
    workspace_id uuid NOT NULL,
    customer_id text NOT NULL,
    terms tsvector NOT NULL,
    PRIMARY KEY (workspace_id, customer_id)
);
ALTER TABLE customer_terms ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON customer_terms USING (workspace_id = current_workspace())
    WITH CHECK (workspace_id = current_workspace());

-- The first `most` customers (by id, bytewise) of the transaction's
-- workspace whose terms match `q`; search_path pinned, as a security
-- definer's must be.
DO $$
BEGIN
    EXECUTE format(
        'CREATE FUNCTION customer_search(q tsquery, most integer) RETURNS SETOF text
             LANGUAGE sql STABLE SECURITY DEFINER SET search_path = %I, pg_temp
             AS $f$ SELECT customer_id FROM (
                        SELECT workspace_id, customer_id FROM customer_terms
                        WHERE terms @@ (SELECT scoped_query(current_workspace(), q))
                        OFFSET 0) x
                    WHERE workspace_id = current_workspace()
                    ORDER BY customer_id COLLATE "C"
                    LIMIT most $f$',
        current_schema());
END
$$;
-- Only the roles `migrate()` grants it to (and the owner) may call it.
REVOKE ALL ON FUNCTION customer_search(tsquery, integer) FROM PUBLIC;

-- The existing customers' terms, with the owner's row-level security on
-- `customers` lifted inside this migration's transaction.
ALTER TABLE customers NO FORCE ROW LEVEL SECURITY;
INSERT INTO customer_terms (workspace_id, customer_id, terms)
    SELECT workspace_id, customer_id, scoped_terms(workspace_id, search) FROM customers;
ALTER TABLE customers FORCE ROW LEVEL SECURITY;
CREATE INDEX customer_terms_terms ON customer_terms USING gin (terms);

DROP INDEX customers_search;
