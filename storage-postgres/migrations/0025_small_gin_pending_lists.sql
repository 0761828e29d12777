-- Ticketry schema, version 25: searches no longer scan megabytes of
-- not-yet-merged index entries (issue 11).
--
-- A GIN index with `fastupdate` (the default) queues new entries in a
-- pending list, merged into the index by VACUUM or when the list passes
-- `gin_pending_list_limit` (4 MB by default), and every search scans the
-- whole list: every workspace's recent entries. After the write benchmark's
-- 10,000 tickets (12 s), `ticket_terms_terms` held 176 pending pages
-- (15,216 entries), and a search for a word no ticket has took 3.9-4.2 ms
-- instead of 0.44-0.60 ms after a VACUUM (`pgbench`, as the role). With a
-- 256 kB limit the list stayed at 14 pages and the same search took
-- 0.62-0.70 ms, while the quick write bench did not slow (3 interleaved
-- runs: creates 630 / 896 / 946 /s with the default limit, 674 / 921 / 1,004
-- with 256 kB; replies 384 / 590 and 408 / 658). `customer_terms_terms`
-- takes the same limit (a host syncing its users writes many rows at
-- once); `article_terms_terms` has no pending list (migration 0022).
ALTER INDEX ticket_terms_terms SET (gin_pending_list_limit = 256);
ALTER INDEX customer_terms_terms SET (gin_pending_list_limit = 256);
