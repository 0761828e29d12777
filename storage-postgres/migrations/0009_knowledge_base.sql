-- Ticketry schema, version 9.
--
-- The knowledge base: categories, articles (with the search terms the core
-- makes), one vote per voter and article, and views as inserted rows (a
-- page view never updates, so never waits on, a shared row).
CREATE TABLE kb_categories (
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id),
    kb_category_id uuid NOT NULL,
    language text NOT NULL,
    slug text NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (workspace_id, kb_category_id)
);
CREATE UNIQUE INDEX kb_categories_slug ON kb_categories (workspace_id, language, slug);

CREATE TABLE articles (
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id),
    article_id uuid NOT NULL,
    language text NOT NULL,
    slug text NOT NULL,
    version bigint NOT NULL,
    terms text[] NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (workspace_id, article_id)
);
CREATE UNIQUE INDEX articles_slug ON articles (workspace_id, language, slug);

CREATE TABLE article_votes (
    workspace_id uuid NOT NULL,
    article_id uuid NOT NULL,
    voter text NOT NULL,
    helpful boolean NOT NULL,
    PRIMARY KEY (workspace_id, article_id, voter),
    FOREIGN KEY (workspace_id, article_id) REFERENCES articles (workspace_id, article_id)
);

CREATE TABLE article_views (
    workspace_id uuid NOT NULL,
    article_id uuid NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (workspace_id, article_id) REFERENCES articles (workspace_id, article_id)
);
CREATE INDEX article_views_article ON article_views (workspace_id, article_id);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['kb_categories', 'articles', 'article_votes', 'article_views']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant ON %I USING (workspace_id = current_workspace())'
            ' WITH CHECK (workspace_id = current_workspace())', t);
    END LOOP;
END
$$;
