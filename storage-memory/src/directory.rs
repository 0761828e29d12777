//! Agents, customers and teams of a workspace.

use super::*;

#[async_trait]
impl DirectoryStore for MemoryStore {
    async fn put_agent(&self, ws: WorkspaceId, agent: &Agent) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            d.agents.insert(agent.id.clone(), agent.clone());
            Ok(())
        })
    }
    async fn get_agent(&self, ws: WorkspaceId, id: &AgentId) -> StoreResult<Option<Agent>> {
        self.with(ws, |d| d.agents.get(id).cloned())
    }
    async fn list_agents(&self, ws: WorkspaceId) -> StoreResult<Vec<Agent>> {
        self.with(ws, |d| d.agents.values().cloned().collect())
    }
    async fn put_customer(&self, ws: WorkspaceId, customer: &Customer) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            d.customer_terms
                .insert(customer.id.clone(), customer.search_terms());
            let old = d.customers.insert(customer.id.clone(), customer.clone());
            if let Some(e) = old.and_then(|c| c.email) {
                let e = e.to_ascii_lowercase();
                if let Some(ids) = d.customer_emails.get_mut(&e) {
                    ids.remove(&customer.id);
                    if ids.is_empty() {
                        d.customer_emails.remove(&e);
                    }
                }
            }
            if let Some(e) = &customer.email {
                d.customer_emails
                    .entry(e.to_ascii_lowercase())
                    .or_default()
                    .insert(customer.id.clone());
            }
            Ok(())
        })
    }
    async fn get_customer(
        &self,
        ws: WorkspaceId,
        id: &CustomerId,
    ) -> StoreResult<Option<Customer>> {
        self.with(ws, |d| d.customers.get(id).cloned())
    }
    async fn list_customers(&self, ws: WorkspaceId) -> StoreResult<Vec<Customer>> {
        self.with(ws, |d| d.customers.values().cloned().collect())
    }
    async fn put_team(&self, ws: WorkspaceId, team: &Team) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            d.teams.insert(team.id, team.clone());
            Ok(())
        })
    }
    async fn get_team(&self, ws: WorkspaceId, id: TeamId) -> StoreResult<Option<Team>> {
        self.with(ws, |d| d.teams.get(&id).cloned())
    }
    async fn list_teams(&self, ws: WorkspaceId) -> StoreResult<Vec<Team>> {
        self.with(ws, |d| {
            let mut v: Vec<Team> = d.teams.values().cloned().collect();
            v.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
            v
        })
    }
}
