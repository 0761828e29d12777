//! Automatic assignment through a team's or the workspace's strategy, the
//! backlog of tickets that wait for room, and escalation (see
//! [`crate::assignment`]).

use super::Helpdesk;
use crate::StoreError;
use crate::assignment::{self, Candidate, Strategy};
use crate::error::Result;
use crate::event::EventKind;
use crate::ids::{TeamId, TicketId, WorkspaceId};
use crate::people::Agent;
use crate::priority::Priority;
use crate::query::{TicketOrder, TicketQuery};
use crate::store::{CapacityGuard, TicketWrite, WorkspaceCatalog, WriteOutcome};
use crate::team::Team;
use crate::ticket::rules;
use crate::ticket::{Actor, Status, Ticket};

/// Where a ticket's automatic assignment looks: the strategy, the team (if
/// any) and its agents that may receive tickets, in the pool's order.
struct Pool {
    strategy: Strategy,
    team: Option<Team>,
    agents: Vec<Agent>,
}

/// Most backlog tickets one drain reads (oldest first, then ordered by
/// urgency); the next run continues.
const MAX_BACKLOG: usize = 10_000;

impl Helpdesk {
    /// The pool of `team` (the workspace's when `None`); `None` when no
    /// strategy applies there (`fallback` when neither names one).
    async fn pool(
        &self,
        ws: WorkspaceId,
        team: Option<TeamId>,
        catalog: &WorkspaceCatalog,
        fallback: Option<Strategy>,
    ) -> Result<Option<Pool>> {
        let default = catalog.workspace.settings.assignment.or(fallback);
        let team = match team {
            Some(id) => match self.store.get_team(ws, id).await? {
                Some(t) if t.active => Some(t),
                _ => return Ok(None),
            },
            None => None,
        };
        let Some(strategy) = team.as_ref().and_then(|t| t.strategy).or(default) else {
            return Ok(None);
        };
        let all = self.store.list_agents(ws).await?;
        let ready = |a: &Agent| a.active && a.available;
        let agents = match &team {
            Some(t) => t
                .members
                .iter()
                .filter_map(|m| all.iter().find(|a| &a.id == m))
                .filter(|a| ready(a))
                .cloned()
                .collect(),
            None => all.into_iter().filter(ready).collect(),
        };
        Ok(Some(Pool {
            strategy,
            team,
            agents,
        }))
    }

    /// The pool's agents with their loads.
    async fn candidates(&self, ws: WorkspaceId, pool: &Pool) -> Result<Vec<Candidate>> {
        let ids: Vec<_> = pool.agents.iter().map(|a| a.id.clone()).collect();
        let loads = self.store.agent_loads(ws, &ids).await?;
        Ok(pool
            .agents
            .iter()
            .zip(loads)
            .map(|(a, l)| Candidate {
                agent: a.id.clone(),
                open: l.open,
                capacity: a.capacity,
                last_assigned: l.last_assigned,
            })
            .collect())
    }

    /// Assigns the ticket of `w` through its pool's strategy (least-loaded
    /// when neither its team nor the workspace names one), guarded by the
    /// agent's capacity in the write. `false` (and an `assignment.queued`
    /// event) when nobody has room: the ticket waits in the backlog.
    pub(crate) async fn auto_assign(
        &self,
        ws: WorkspaceId,
        w: &mut TicketWrite,
        catalog: &WorkspaceCatalog,
    ) -> Result<bool> {
        let fallback = Some(Strategy::LeastLoaded);
        match self.pool(ws, w.ticket.team, catalog, fallback).await? {
            Some(pool) => self.assign_from(ws, w, &pool, true).await,
            None => Ok(false),
        }
    }

    /// Assigns a new, unassigned ticket when its team or the workspace has
    /// a strategy.
    pub(crate) async fn route_new(
        &self,
        ws: WorkspaceId,
        w: &mut TicketWrite,
        catalog: &WorkspaceCatalog,
    ) -> Result<()> {
        if w.ticket.assignee.is_some() {
            return Ok(());
        }
        if let Some(pool) = self.pool(ws, w.ticket.team, catalog, None).await? {
            self.assign_from(ws, w, &pool, true).await?;
        }
        Ok(())
    }

    async fn assign_from(
        &self,
        ws: WorkspaceId,
        w: &mut TicketWrite,
        pool: &Pool,
        queue: bool,
    ) -> Result<bool> {
        let candidates = self.candidates(ws, pool).await?;
        let team_name = pool.team.as_ref().map(|t| t.name.as_str());
        let Some(c) = assignment::pick(pool.strategy, &candidates) else {
            if queue {
                w.emit(
                    &Actor::System,
                    EventKind::AssignmentQueued {
                        team: w.ticket.team,
                        strategy: pool.strategy,
                    },
                );
            }
            return Ok(false);
        };
        let t = &w.ticket;
        let reason = Some(assignment::reason(pool.strategy, c, team_name));
        let next = rules::assign(
            t,
            Some(&c.agent),
            t.team,
            false,
            &Actor::System,
            reason,
            t.updated_at,
        );
        let Ok(next) = next else { return Ok(false) };
        w.fold(next);
        w.capacity = c.capacity.map(|max| CapacityGuard {
            agent: c.agent.clone(),
            max,
        });
        Ok(true)
    }

    /// Assigns waiting tickets (unassigned, active, in a team or workspace
    /// with a strategy) while their pools have room: most urgent priority
    /// first, oldest first within a priority. Runs after capacity frees (a
    /// ticket resolved, an agent available again) and in
    /// [`run_automations`](Self::run_automations); returns the tickets it
    /// assigned.
    pub async fn drain_backlog(&self, ws: WorkspaceId) -> Result<Vec<Ticket>> {
        let catalog = self.catalog(ws).await?;
        let teams = self.store.list_teams(ws).await?;
        if catalog.workspace.settings.assignment.is_none()
            && !teams.iter().any(|t| t.active && t.strategy.is_some())
        {
            return Ok(Vec::new());
        }
        let mut assigned = Vec::new();
        // A pool found full stays full for this drain: room frees only by
        // other writes, which drain again themselves.
        let mut full: Vec<Option<TeamId>> = Vec::new();
        for id in self.backlog(ws, &catalog, &teams).await? {
            let Some(t) = self.store.get_ticket(ws, id).await? else {
                continue;
            };
            if full.contains(&t.team) {
                continue;
            }
            match self.assign_waiting(ws, t, &catalog).await? {
                Waiting::Assigned(t) => assigned.push(*t),
                Waiting::Full(team) => full.push(team),
                Waiting::Gone => {}
            }
        }
        Ok(assigned)
    }

    /// The waiting tickets' ids, in the order they get room.
    async fn backlog(
        &self,
        ws: WorkspaceId,
        catalog: &WorkspaceCatalog,
        teams: &[Team],
    ) -> Result<Vec<TicketId>> {
        let default = catalog.workspace.settings.assignment;
        let eligible = |team: Option<TeamId>| match team {
            None => default.is_some(),
            Some(id) => teams
                .iter()
                .find(|t| t.id == id)
                .is_some_and(|t| t.active && t.strategy.or(default).is_some()),
        };
        let rank = |code: &str| Priority::rank_of(&catalog.priorities, code);
        let mut waiting = Vec::new();
        let mut query = TicketQuery {
            statuses: Status::ACTIVE.to_vec(),
            unassigned: true,
            order: TicketOrder::Oldest,
            limit: 500,
            ..TicketQuery::default()
        };
        loop {
            let page = self.store.list_tickets(ws, &query).await?;
            waiting.extend(
                page.items
                    .iter()
                    .filter(|t| eligible(t.team))
                    .map(|t| (std::cmp::Reverse(rank(&t.priority)), t.seq, t.id)),
            );
            match page.next_cursor {
                Some(c) if waiting.len() < MAX_BACKLOG => query.after = Some(c),
                _ => break,
            }
        }
        waiting.sort();
        Ok(waiting.into_iter().map(|(_, _, id)| id).collect())
    }

    /// Assigns one waiting ticket if its pool has room (re-reading it when
    /// another write moved it).
    async fn assign_waiting(
        &self,
        ws: WorkspaceId,
        mut t: Ticket,
        catalog: &WorkspaceCatalog,
    ) -> Result<Waiting> {
        for _ in 0..super::tickets::RETRIES {
            if t.assignee.is_some() || !t.status.is_active() {
                return Ok(Waiting::Gone);
            }
            let Some(pool) = self.pool(ws, t.team, catalog, None).await? else {
                return Ok(Waiting::Gone);
            };
            let now = self.now()?.max(t.updated_at);
            let mut w = TicketWrite::begin(&t, now);
            if !self.assign_from(ws, &mut w, &pool, false).await? {
                return Ok(Waiting::Full(t.team));
            }
            self.schedule(ws, &mut w.ticket, catalog).await?;
            let ticket = w.ticket.clone();
            match self.store.update_ticket(ws, w).await {
                Ok(WriteOutcome::Applied) => return Ok(Waiting::Assigned(Box::new(ticket))),
                Ok(WriteOutcome::DuplicateMessage(_)) => return Ok(Waiting::Gone),
                Err(StoreError::VersionConflict { .. } | StoreError::AtCapacity { .. }) => {
                    match self.store.get_ticket(ws, t.id).await? {
                        Some(fresh) => t = fresh,
                        None => return Ok(Waiting::Gone),
                    }
                }
                Err(StoreError::CatalogChanged) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Waiting::Gone)
    }

    /// The escalation of `t`: to `team` (its own when `None`), to that
    /// team's lead when `to_lead` (if active), one priority up when
    /// `raise`; `None` when it would change nothing or cannot apply.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn escalate(
        &self,
        ws: WorkspaceId,
        t: &Ticket,
        team: Option<TeamId>,
        to_lead: bool,
        raise: bool,
        rule: &str,
        catalog: &WorkspaceCatalog,
    ) -> Result<Option<TicketWrite>> {
        let by = Actor::System;
        let target = match team.or(t.team) {
            Some(id) => match self.store.get_team(ws, id).await? {
                Some(x) if x.active => Some(x),
                _ => return Ok(None),
            },
            None => None,
        };
        let lead = match target.as_ref().and_then(|x| x.lead.clone()) {
            Some(l) if to_lead => self
                .store
                .get_agent(ws, &l)
                .await?
                .filter(|a| a.active)
                .map(|a| a.id),
            _ => None,
        };
        let assignee = lead.or_else(|| t.assignee.clone());
        let team_id = target.as_ref().map(|x| x.id).or(t.team);
        let reason = Some(format!("rule: {rule}"));
        let mut w = TicketWrite::begin(t, t.updated_at);
        if assignee != t.assignee || team_id != t.team {
            match rules::assign(
                t,
                assignee.as_ref(),
                team_id,
                true,
                &by,
                reason,
                t.updated_at,
            ) {
                Ok(next) => w.fold(next),
                Err(_) => return Ok(None),
            }
        }
        if raise && let Some(up) = Priority::next_up(&catalog.priorities, &w.ticket.priority) {
            let code = up.code.clone();
            match rules::set_priority(&w.ticket, code, &by, t.updated_at) {
                Ok(next) => w.fold(next),
                Err(e) => return Err(e),
            }
        }
        Ok((!w.is_noop()).then_some(w))
    }
}

/// What became of a waiting ticket.
enum Waiting {
    /// Assigned: the ticket after the write.
    Assigned(Box<Ticket>),
    /// Nobody in this pool (the ticket's team; `None`: the workspace's) has room.
    Full(Option<TeamId>),
    /// Assigned meanwhile, closed, gone or no longer in a pool with a strategy.
    Gone,
}
