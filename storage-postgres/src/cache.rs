//! Workspace catalogs kept in the process, validated by the writes that use
//! them.
//!
//! Every ticket write needs the workspace's settings, priorities and SLA
//! policies. They change rarely, so [`PgStore`] keeps them per workspace, as
//! read in one statement together with the workspace's `catalog_version`
//! (a counter in `workspace_counters` that every change of the three bumps).
//! A ticket write carries the version it was computed from and applies only
//! if the stored counter still has it; otherwise it writes nothing and
//! returns `CatalogChanged`, the entry is dropped, and the service reads the
//! catalog again and recomputes. So another process changing a priority is
//! noticed by the next write here, and reads of the catalog itself
//! (`list_priorities`, `get_workspace`) always go to the database.

use crate::{PgStore, backend};
use sqlx::Row;
use sqlx::types::Json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use ticketry_core::sla::SlaPolicy;
use ticketry_core::store::{StoreResult, WorkspaceCatalog};
use ticketry_core::{Priority, Workspace, WorkspaceId};

/// How many workspaces' catalogs a store keeps; beyond that it starts over
/// (a host with more active tenants reads a catalog once per write of a
/// workspace not seen lately, as it would without a cache).
const CAPACITY: usize = 4096;

/// The workspace with its version, priorities, SLA policies, automation
/// rules and open incidents, in one read.
const CATALOG_SQL: &str = "SELECT c.catalog_version, w.doc,
        COALESCE((SELECT jsonb_agg(p.doc ORDER BY p.position) FROM priorities p
                  WHERE p.workspace_id = $1), '[]'::jsonb),
        COALESCE((SELECT jsonb_agg(s.doc ORDER BY s.position) FROM sla_policies s
                  WHERE s.workspace_id = $1), '[]'::jsonb),
        COALESCE((SELECT jsonb_agg(r.doc ORDER BY r.position) FROM rules r
                  WHERE r.workspace_id = $1), '[]'::jsonb),
        COALESCE((SELECT jsonb_agg(i.doc ORDER BY i.declared_at) FROM incidents i
                  WHERE i.workspace_id = $1 AND i.open), '[]'::jsonb)
    FROM workspaces w JOIN workspace_counters c ON c.workspace_id = w.workspace_id
    WHERE w.workspace_id = $1";

/// The cached catalogs, by workspace.
#[derive(Default)]
pub(crate) struct Catalogs {
    map: Mutex<HashMap<WorkspaceId, Arc<WorkspaceCatalog>>>,
}

impl Catalogs {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<WorkspaceId, Arc<WorkspaceCatalog>>> {
        crate::lock(&self.map)
    }

    fn get(&self, ws: WorkspaceId) -> Option<Arc<WorkspaceCatalog>> {
        self.map().get(&ws).cloned()
    }

    fn put(&self, ws: WorkspaceId, catalog: Arc<WorkspaceCatalog>) {
        let mut map = self.map();
        if map.len() >= CAPACITY && !map.contains_key(&ws) {
            map.clear();
        }
        map.insert(ws, catalog);
    }

    /// Drops the workspace's entry (after a change, or a write that found it stale).
    pub(crate) fn forget(&self, ws: WorkspaceId) {
        self.map().remove(&ws);
    }
}

impl PgStore {
    /// The workspace's catalog, from the cache or read and cached.
    pub(crate) async fn cached_catalog(
        &self,
        ws: WorkspaceId,
    ) -> StoreResult<Option<Arc<WorkspaceCatalog>>> {
        if let Some(c) = self.inner.catalogs.get(ws) {
            return Ok(Some(c));
        }
        let rows = self.read(ws, CATALOG_SQL, &[&ws.as_uuid()]).await?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let version: i64 = row.try_get(0).map_err(backend)?;
        let Json(workspace): Json<Workspace> = row.try_get(1).map_err(backend)?;
        let Json(priorities): Json<Vec<Priority>> = row.try_get(2).map_err(backend)?;
        let Json(sla_policies): Json<Vec<SlaPolicy>> = row.try_get(3).map_err(backend)?;
        let Json(rules): Json<Vec<ticketry_core::automation::Rule>> =
            row.try_get(4).map_err(backend)?;
        let Json(incidents): Json<Vec<ticketry_core::incident::Incident>> =
            row.try_get(5).map_err(backend)?;
        let catalog = Arc::new(WorkspaceCatalog {
            workspace,
            priorities: priorities.into(),
            sla_policies: sla_policies.into(),
            rules: rules.into(),
            incidents: incidents.into(),
            version: Some(version.unsigned_abs()),
        });
        self.inner.catalogs.put(ws, catalog.clone());
        Ok(Some(catalog))
    }

    /// `NotFound` unless the workspace exists (workspaces are never deleted,
    /// so a cached catalog proves it).
    pub(crate) async fn require_workspace(&self, ws: WorkspaceId) -> StoreResult<()> {
        match self.cached_catalog(ws).await? {
            Some(_) => Ok(()),
            None => Err(crate::missing_workspace(ws)),
        }
    }
}
