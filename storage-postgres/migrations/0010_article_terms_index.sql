-- Ticketry schema, version 10.
--
-- Article search and suggestions read only the articles sharing a term with
-- the query (`terms && $2`), through this index.
CREATE INDEX articles_terms ON articles USING gin (terms);
