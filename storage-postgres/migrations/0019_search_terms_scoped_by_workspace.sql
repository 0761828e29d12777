-- Ticketry schema, version 19: each workspace's search terms are keys of
-- its own in the index of `ticket_terms` (issue 11's security review).
--
-- The GIN index of `ticket_terms` spans every workspace, and a search read
-- the index entries of its words in all of them before keeping its own
-- workspace's rows. So a search cost in proportion to the matches in every
-- workspace: a word used in most tickets of the database cost a scan of
-- all of them, and searching from one workspace for a word that only
-- another one uses took measurably longer than for a word nobody uses (a
-- timing channel between tenants, open to anyone who may type a search).
--
-- Every term in `ticket_terms` now starts with its workspace's scope, eight
-- hex digits of the SHA-256 of the workspace id and a dot
-- (`terms_scope`), and `ticket_search` scopes the query's terms the same
-- way. An index lookup then reads the searching workspace's entries only.
-- Two workspaces whose scopes collide (about one pair in 4 000 million)
-- share entries, as every workspace did before; neither sees the other's
-- tickets, since the function and the page query keep the workspace's rows.
--
-- A scoped `tsvector` grows by up to ten bytes per distinct term. One that
-- would pass the type's 1 MB limit (a ticket of tens of thousands of
-- distinct words) is stored as the scope's catch-all term instead
-- (`<scope>!`), which every search of its workspace matches: the page query
-- rechecks each candidate against the ticket's own terms, so such a ticket
-- is still found exactly, at the cost of one more candidate per search.
--
-- Writers (the create, update and import statements, the search backlog)
-- store `scoped_terms(workspace_id, search_head || search_public)`; a host
-- that `COPY`s tickets in must do the same.

-- The scope of a workspace's search terms.
CREATE FUNCTION terms_scope(ws uuid) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN left(encode(sha256(uuid_send(ws)), 'hex'), 8) || '.';

-- `v` with each term scoped to workspace `ws`, or the scope's catch-all
-- term when that would not fit in a `tsvector`. Terms are quoted in the
-- text form of both `tsvector` and `tsquery` (quotes inside doubled), so
-- the scope goes in after each opening quote. When no term holds a quote
-- or ends with a space (Ticketry's terms are letters and digits), every
-- opening quote but the first follows the space between two entries, and
-- a plain `replace` finds them; a regular expression finds them in any
-- text. Measured on the bench's tickets (ten terms each): 12 µs a ticket,
-- against 31 µs for the expression alone and 21 µs for a SQL function
-- choosing between them (it formats `v` once per use of it).
-- (`terms_scope` is named with its schema: a caller's search_path need not
-- hold it, as for a host's `COPY`.)
DO $do$
BEGIN
    EXECUTE format($f$
CREATE FUNCTION scoped_terms(ws uuid, v tsvector) RETURNS tsvector
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$
DECLARE
    t text;
BEGIN
    IF pg_column_size(v) + 10 * length(v) >= 1000000 THEN
        RETURN array_to_tsvector(ARRAY[%1$I.terms_scope(ws) || '!']);
    END IF;
    t := v::text;
    IF strpos(t, '''''') = 0 AND strpos(t, ' '':') = 0 AND strpos(t, ' '' ') = 0
        AND right(t, 2) <> ' ''' THEN
        RETURN substr(replace(' ' || t, ' ''', ' ''' || %1$I.terms_scope(ws)), 2)::tsvector;
    END IF;
    RETURN regexp_replace(t, '''((?:[^'']|'''')*)''',
        '''' || %1$I.terms_scope(ws) || '\1''', 'g')::tsvector;
END
$$$f$, current_schema());
END
$do$;

-- Query `q` for the terms `scoped_terms(ws, …)` stores, catch-all included.
CREATE FUNCTION scoped_query(ws uuid, q tsquery) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN regexp_replace(q::text, '''((?:[^'']|'''')*)''',
            '''' || terms_scope(ws) || '\1''', 'g')::tsquery
        || quote_literal(terms_scope(ws) || '!')::tsquery;

-- As in migration 0016, through the scoped terms.
DO $$
BEGIN
    EXECUTE format(
        'CREATE OR REPLACE FUNCTION ticket_search(q tsquery, most integer) RETURNS SETOF uuid
             LANGUAGE sql STABLE SECURITY DEFINER SET search_path = %I, pg_temp
             AS $f$ SELECT ticket_id FROM ticket_terms
                    WHERE workspace_id = current_workspace()
                      AND terms @@ scoped_query(current_workspace(), q)
                    LIMIT most $f$',
        current_schema());
END
$$;

-- The existing rows, scoped; the index rebuilt once they are.
DROP INDEX ticket_terms_terms;
UPDATE ticket_terms SET terms = scoped_terms(workspace_id, terms);
CREATE INDEX ticket_terms_terms ON ticket_terms USING gin (terms);
