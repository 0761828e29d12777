//! Agents, customers and teams.

use super::Helpdesk;
use crate::error::{Error, Result};
use crate::ids::{AgentId, CustomerId, TeamId, WorkspaceId};
use crate::people::{Agent, AgentInput, Customer, CustomerInput};
use crate::team::{Team, TeamInput};
use crate::validate;

impl Helpdesk {
    /// Creates or updates an agent (by the host's user id).
    pub async fn put_agent(&self, ws: WorkspaceId, input: AgentInput) -> Result<Agent> {
        self.catalog(ws).await?;
        let existing = self.store.get_agent(ws, &input.id).await?;
        let agent = Agent {
            name: validate::text("name", &input.name, 200)?,
            email: validate::email("email", input.email.as_deref())?,
            active: input.active,
            available: input.available,
            capacity: input.capacity,
            created_at: match &existing {
                Some(a) => a.created_at,
                None => self.now()?,
            },
            id: input.id,
        };
        self.store.put_agent(ws, &agent).await?;
        let more_room = existing.as_ref().is_none_or(|e| {
            (agent.available && !e.available)
                || (agent.active && !e.active)
                || e.capacity
                    .is_some_and(|c| agent.capacity.is_none_or(|n| n > c))
        });
        if more_room && agent.active && agent.available {
            // Best effort: waiting tickets are drained again later.
            let _ = self.drain_backlog(ws).await;
        }
        Ok(agent)
    }

    /// An agent by id.
    pub async fn get_agent(&self, ws: WorkspaceId, id: &AgentId) -> Result<Agent> {
        self.store
            .get_agent(ws, id)
            .await?
            .ok_or_else(|| Error::not_found("agent", id))
    }

    /// All agents of the workspace.
    pub async fn list_agents(&self, ws: WorkspaceId) -> Result<Vec<Agent>> {
        Ok(self.store.list_agents(ws).await?)
    }

    /// Creates or updates a customer (by the host's user id).
    pub async fn put_customer(&self, ws: WorkspaceId, input: CustomerInput) -> Result<Customer> {
        self.catalog(ws).await?;
        let existing = self.store.get_customer(ws, &input.id).await?;
        let customer = Customer {
            name: validate::text("name", &input.name, 200)?,
            email: validate::email("email", input.email.as_deref())?,
            tier: input
                .tier
                .as_deref()
                .map(|t| validate::key("tier", t))
                .transpose()?,
            locale: validate::optional_text("locale", input.locale.as_deref(), 35)?,
            timezone: match input.timezone {
                Some(z) if z.parse::<chrono_tz::Tz>().is_err() => {
                    return Err(Error::invalid_input(
                        "timezone",
                        format!("unknown IANA time zone {z:?}"),
                    ));
                }
                z => z,
            },
            created_at: match existing {
                Some(c) => c.created_at,
                None => self.now()?,
            },
            id: input.id,
        };
        self.store.put_customer(ws, &customer).await?;
        Ok(customer)
    }

    /// A customer by id.
    pub async fn get_customer(&self, ws: WorkspaceId, id: &CustomerId) -> Result<Customer> {
        self.store
            .get_customer(ws, id)
            .await?
            .ok_or_else(|| Error::not_found("customer", id))
    }

    /// All customers of the workspace.
    pub async fn list_customers(&self, ws: WorkspaceId) -> Result<Vec<Customer>> {
        Ok(self.store.list_customers(ws).await?)
    }

    async fn team_from_input(
        &self,
        ws: WorkspaceId,
        id: TeamId,
        input: TeamInput,
        created_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Team> {
        let mut members = input.members;
        if let Some(lead) = &input.lead
            && !members.contains(lead)
        {
            members.push(lead.clone());
        }
        for (i, m) in members.iter().enumerate() {
            if members[..i].contains(m) {
                return Err(Error::invalid_input(
                    "members",
                    format!("{m} is listed twice"),
                ));
            }
            self.get_agent(ws, m).await?;
        }
        Ok(Team {
            id,
            name: validate::text("name", &input.name, 200)?,
            description: validate::optional_paragraph(
                "description",
                input.description.as_deref(),
                2000,
            )?,
            lead: input.lead,
            members,
            email: validate::email("email", input.email.as_deref())?,
            active: input.active.unwrap_or(true),
            strategy: input.strategy,
            created_at,
        })
    }

    /// Creates a team of existing agents.
    pub async fn create_team(&self, ws: WorkspaceId, input: TeamInput) -> Result<Team> {
        self.catalog(ws).await?;
        let team = self
            .team_from_input(ws, TeamId::generate(), input, self.now()?)
            .await?;
        self.store.put_team(ws, &team).await?;
        if team.active && team.strategy.is_some() {
            // Best effort: waiting tickets are drained again later.
            let _ = self.drain_backlog(ws).await;
        }
        Ok(team)
    }

    /// Replaces a team's name, description, lead and members.
    pub async fn update_team(&self, ws: WorkspaceId, id: TeamId, input: TeamInput) -> Result<Team> {
        let old = self.get_team(ws, id).await?;
        let team = self.team_from_input(ws, id, input, old.created_at).await?;
        self.store.put_team(ws, &team).await?;
        if team.active && team.strategy.is_some() {
            // Best effort: waiting tickets are drained again later.
            let _ = self.drain_backlog(ws).await;
        }
        Ok(team)
    }

    /// A team by id.
    pub async fn get_team(&self, ws: WorkspaceId, id: TeamId) -> Result<Team> {
        self.store
            .get_team(ws, id)
            .await?
            .ok_or_else(|| Error::not_found("team", id))
    }

    /// All teams of the workspace.
    pub async fn list_teams(&self, ws: WorkspaceId) -> Result<Vec<Team>> {
        Ok(self.store.list_teams(ws).await?)
    }
}
