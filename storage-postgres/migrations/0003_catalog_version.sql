-- Ticketry schema, version 3.
--
-- The catalog version of a workspace: bumped by every change of its settings,
-- priorities or SLA policies. Stores cache these per process; a ticket write
-- applies only if the version it was computed from is still the stored one
-- (see storage-postgres/src/cache.rs).
ALTER TABLE workspace_counters ADD COLUMN catalog_version bigint NOT NULL DEFAULT 0;
