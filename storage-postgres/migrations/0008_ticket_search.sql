-- Ticketry schema, version 8.
--
-- Ticket search: the search terms ticketry-core makes (stemmed per script,
-- `ticketry_core::search`) stored as tsvectors of quoted lexemes, so
-- PostgreSQL matches exactly the terms the memory backend indexes. The head
-- is the subject and description (replaced when they are edited); public
-- messages and notes are appended with each message.
ALTER TABLE tickets
    ADD COLUMN search_head tsvector NOT NULL DEFAULT ''::tsvector,
    ADD COLUMN search_public tsvector NOT NULL DEFAULT ''::tsvector,
    ADD COLUMN search_notes tsvector NOT NULL DEFAULT ''::tsvector;
CREATE INDEX tickets_search_public ON tickets USING gin ((search_head || search_public));
CREATE INDEX tickets_search_all ON tickets
    USING gin ((search_head || search_public || search_notes));
