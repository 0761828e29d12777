-- Ticketry schema, version 4.
--
-- A category's code (`payment`) is unique in its workspace.
CREATE UNIQUE INDEX IF NOT EXISTS categories_code ON categories (workspace_id, (doc->>'code'))
    WHERE doc->>'code' IS NOT NULL;

-- A template is offered for several categories: its document's `category`
-- (one id or null) becomes `categories` (a list). The other fields added in
-- this version (priorities' description, active flag and display position,
-- teams' email and active flag, categories' code, tickets' source_email and
-- source_phone, messages' sender, attachments' url) live in the JSON
-- documents with defaults, so existing rows need no rewrite.
--
-- Row-level security is forced on every table, so the rewrite runs with it
-- lifted for the owner that migrates, inside the migration's transaction.
ALTER TABLE templates NO FORCE ROW LEVEL SECURITY;
UPDATE templates
SET doc = (doc - 'category') || jsonb_build_object(
        'categories',
        CASE WHEN jsonb_typeof(doc->'category') = 'string'
             THEN jsonb_build_array(doc->'category')
             ELSE '[]'::jsonb END)
WHERE doc ? 'category';
ALTER TABLE templates FORCE ROW LEVEL SECURITY;
