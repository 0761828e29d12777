-- Ticketry schema, version 22: article suggestions and article search
-- through their index under row-level security (issue 11).
--
-- `articles_terms` indexed each article's terms with GIN, searched with
-- `&&`, which is not `LEAKPROOF`: a role subject to RLS (every host's)
-- never used it, and a suggestion read every article of the workspace
-- (p50 20-37 ms at 10 000 articles). As migrations 0016 and 0019 did for
-- tickets, the terms move to `article_terms`, one row per article, each
-- term scoped to its workspace (`terms_scope`), with a policy not
-- `FORCE`d, so that `article_search(words, most)`, run as the owner
-- (`SECURITY DEFINER`), may search its GIN index for the workspace the
-- transaction is scoped to; the articles it names are then read under
-- their own `FORCE`d policy and rechecked (`terms && words`).
-- `save_article` writes the row with the article.
CREATE TABLE article_terms (
    workspace_id uuid NOT NULL,
    article_id uuid NOT NULL,
    terms text[] NOT NULL,
    PRIMARY KEY (workspace_id, article_id)
);
ALTER TABLE article_terms ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON article_terms USING (workspace_id = current_workspace())
    WITH CHECK (workspace_id = current_workspace());

-- `words`, each scoped to workspace `ws`.
CREATE FUNCTION scoped_words(ws uuid, words text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ARRAY(SELECT terms_scope(ws) || w FROM unnest(words) AS w);

-- At most `most` articles of the transaction's workspace sharing a term
-- with `words`, through the index, as `ticket_search` (migration 0021);
-- search_path pinned, as a security definer's must be.
DO $$
BEGIN
    EXECUTE format(
        'CREATE FUNCTION article_search(words text[], most integer) RETURNS SETOF uuid
             LANGUAGE sql STABLE SECURITY DEFINER SET search_path = %I, pg_temp
             AS $f$ SELECT article_id FROM (
                        SELECT workspace_id, article_id FROM article_terms
                        WHERE terms && (SELECT scoped_words(current_workspace(), words))
                        OFFSET 0) x
                    WHERE workspace_id = current_workspace()
                    LIMIT most $f$',
        current_schema());
END
$$;
-- Only the roles `migrate()` grants it to (and the owner) may call it.
REVOKE ALL ON FUNCTION article_search(text[], integer) FROM PUBLIC;

-- The existing articles' terms, with the owner's row-level security on
-- `articles` lifted inside this migration's transaction.
ALTER TABLE articles NO FORCE ROW LEVEL SECURITY;
INSERT INTO article_terms (workspace_id, article_id, terms)
    SELECT workspace_id, article_id, scoped_words(workspace_id, terms) FROM articles;
ALTER TABLE articles FORCE ROW LEVEL SECURITY;
-- Without GIN's pending list: articles are written seldom, and each search
-- would otherwise scan the list's unmerged entries (up to 4 MB) until a
-- vacuum merges them: 17 ms a search after 10 000 article saves, 2-4 ms
-- after a vacuum.
CREATE INDEX article_terms_terms ON article_terms USING gin (terms) WITH (fastupdate = off);

DROP INDEX articles_terms;
