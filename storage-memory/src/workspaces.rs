//! Workspaces: insert, update and look up by id or slug.

use super::*;

#[async_trait]
impl WorkspaceStore for MemoryStore {
    async fn insert_workspace(&self, ws: &Workspace) -> StoreResult<()> {
        let mut tenants = write(&self.tenants);
        if tenants.by_slug.contains_key(&ws.slug) || tenants.by_id.contains_key(&ws.id) {
            return Err(StoreError::AlreadyExists {
                entity: "workspace",
                key: ws.slug.clone(),
            });
        }
        tenants.by_slug.insert(ws.slug.clone(), ws.id);
        tenants.by_id.insert(
            ws.id,
            Arc::new(Tenant {
                workspace: RwLock::new(ws.clone()),
                data: RwLock::default(),
            }),
        );
        Ok(())
    }

    async fn update_workspace(&self, ws: &Workspace) -> StoreResult<()> {
        let t = self.tenant(ws.id)?;
        let mut current = write(&t.workspace);
        current.name.clone_from(&ws.name);
        current.settings = ws.settings.clone();
        Ok(())
    }

    async fn get_workspace(&self, id: WorkspaceId) -> StoreResult<Option<Workspace>> {
        Ok(read(&self.tenants)
            .by_id
            .get(&id)
            .map(|t| read(&t.workspace).clone()))
    }

    async fn get_workspace_by_slug(&self, slug: &str) -> StoreResult<Option<Workspace>> {
        let tenants = read(&self.tenants);
        Ok(tenants
            .by_slug
            .get(slug)
            .and_then(|id| tenants.by_id.get(id))
            .map(|t| read(&t.workspace).clone()))
    }

    async fn catalog(&self, id: WorkspaceId) -> StoreResult<Option<Arc<WorkspaceCatalog>>> {
        let Some(t) = read(&self.tenants).by_id.get(&id).cloned() else {
            return Ok(None);
        };
        let workspace = read(&t.workspace).clone();
        let data = read(&t.data);
        // Always current: nothing for a write to validate.
        Ok(Some(Arc::new(WorkspaceCatalog {
            workspace,
            priorities: data.priorities.clone(),
            sla_policies: data.policies.clone(),
            rules: data.rules.clone(),
            incidents: data.open_incidents.clone(),
            version: None,
        })))
    }

    async fn ping(&self) -> StoreResult<()> {
        Ok(())
    }
}
