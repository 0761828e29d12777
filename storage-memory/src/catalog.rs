//! Priorities, categories, tags, templates and SLA policies.

use super::*;

#[async_trait]
impl CatalogStore for MemoryStore {
    async fn save_priorities(&self, ws: WorkspaceId, priorities: &[Priority]) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            let mut sorted = priorities.to_vec();
            sorted.sort_by_key(|p| p.rank);
            d.priorities = sorted.into();
            Ok(())
        })
    }
    async fn list_priorities(&self, ws: WorkspaceId) -> StoreResult<Arc<[Priority]>> {
        self.with(ws, |d| d.priorities.clone())
    }
    async fn put_category(&self, ws: WorkspaceId, category: &Category) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            d.categories.insert(category.id, category.clone());
            Ok(())
        })
    }
    async fn get_category(&self, ws: WorkspaceId, id: CategoryId) -> StoreResult<Option<Category>> {
        self.with(ws, |d| d.categories.get(&id).cloned())
    }
    async fn list_categories(&self, ws: WorkspaceId) -> StoreResult<Vec<Category>> {
        self.with(ws, |d| {
            let mut v: Vec<Category> = d.categories.values().cloned().collect();
            v.sort_by(|a, b| (a.position, &a.name, a.id).cmp(&(b.position, &b.name, b.id)));
            v
        })
    }
    async fn put_tag(&self, ws: WorkspaceId, tag: &Tag) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            d.tags.insert(tag.slug.clone(), tag.clone());
            Ok(())
        })
    }
    async fn list_tags(&self, ws: WorkspaceId) -> StoreResult<Vec<Tag>> {
        self.with(ws, |d| d.tags.values().cloned().collect())
    }
    async fn put_template(&self, ws: WorkspaceId, template: &Template) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            d.templates.insert(template.id, template.clone());
            Ok(())
        })
    }
    async fn get_template(&self, ws: WorkspaceId, id: TemplateId) -> StoreResult<Option<Template>> {
        self.with(ws, |d| d.templates.get(&id).cloned())
    }
    async fn list_templates(&self, ws: WorkspaceId) -> StoreResult<Vec<Template>> {
        self.with(ws, |d| {
            let mut v: Vec<Template> = d.templates.values().cloned().collect();
            v.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
            v
        })
    }
    async fn increment_template_usage(&self, ws: WorkspaceId, id: TemplateId) -> StoreResult<()> {
        self.with_mut(ws, |d| match d.templates.get_mut(&id) {
            Some(t) => {
                t.usage_count += 1;
                Ok(())
            }
            None => Err(StoreError::NotFound {
                entity: "template",
                id: id.to_string(),
            }),
        })
    }
    async fn save_sla_policies(&self, ws: WorkspaceId, policies: &[SlaPolicy]) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            d.policies = policies.into();
            Ok(())
        })
    }
    async fn list_sla_policies(&self, ws: WorkspaceId) -> StoreResult<Arc<[SlaPolicy]>> {
        self.with(ws, |d| d.policies.clone())
    }
    async fn save_rules(
        &self,
        ws: WorkspaceId,
        rules: &[ticketry_core::automation::Rule],
    ) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            d.rules = rules.into();
            Ok(())
        })
    }
}
