-- Ticketry schema, version 21: `ticket_search` scopes its query once and
-- always searches the index.
--
-- A SQL function's query is planned without its arguments' values. Planned
-- that way, `ticket_search` (migration 0019) could read the workspace's
-- rows through the primary key and test each row's terms, scoping the query
-- again for every row (a regular expression and a SHA-256 each): on 10 000
-- rows that plan took 133 ms where the index takes under 1 ms (measured on
-- the same shape for articles, migration 0022). The scoped query is now an
-- initial plan, computed once, and the index is searched first (`OFFSET 0`
-- keeps the planner from reordering): since the terms are scoped, the index
-- yields the workspace's own rows, and the workspace test that follows only
-- drops those of a workspace whose scope collides.
DO $$
BEGIN
    EXECUTE format(
        'CREATE OR REPLACE FUNCTION ticket_search(q tsquery, most integer) RETURNS SETOF uuid
             LANGUAGE sql STABLE SECURITY DEFINER SET search_path = %I, pg_temp
             AS $f$ SELECT ticket_id FROM (
                        SELECT workspace_id, ticket_id FROM ticket_terms
                        WHERE terms @@ (SELECT scoped_query(current_workspace(), q))
                        OFFSET 0) x
                    WHERE workspace_id = current_workspace()
                    LIMIT most $f$',
        current_schema());
END
$$;
