//! Time rules and the one entry point a host schedules,
//! [`Helpdesk::run_automations`] (see [`crate::automation::timer`]).

use super::Helpdesk;
use super::automation::Automation;
use crate::StoreError;
use crate::automation::{self, Preset, Rule};
use crate::error::Result;
use crate::ids::{TicketId, WorkspaceId};
use crate::query::{TicketOrder, TicketQuery};
use crate::service::SweepReport;
use crate::store::{TicketWrite, WorkspaceCatalog, WriteOutcome};
use crate::ticket::{Status, Ticket};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Tickets one round of [`Helpdesk::run_automations`] reads.
const BATCH: usize = 500;
/// Tickets whose time rules run at once (each its own write).
const CONCURRENT: usize = 8;

/// What [`Helpdesk::run_automations`] did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AutomationReport {
    /// The SLA sweep it ran first (warnings, breaches, escalations).
    pub sla: SweepReport,
    /// Tickets with a time rule due that it examined.
    pub examined: u64,
    /// The time rules that fired, per ticket.
    pub fired: Vec<TimerFired>,
    /// Waiting tickets it assigned from the backlog.
    pub assigned: Vec<TicketId>,
    /// Access-recovery requests it expired.
    pub expired_access_requests: Vec<crate::ids::AccessRequestId>,
}

/// One time rule that fired on one ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TimerFired {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Its number.
    pub number: String,
    /// The rule.
    pub rule: String,
}

impl Helpdesk {
    /// Runs everything that is due by `now`: the SLA sweep, the time rules
    /// (auto-close, escalation, reminders…), the expiry of access requests
    /// and the assignment backlog.
    /// Safe to call from several workers at once: each action is one
    /// versioned write per ticket, done exactly once. Reads only the tickets
    /// whose next time rule is due (an indexed instant), so it is cheap when
    /// nothing is. Call it every minute or so (Celery beat, cron,
    /// `setInterval`).
    pub async fn run_automations(
        &self,
        ws: WorkspaceId,
        now: DateTime<Utc>,
    ) -> Result<AutomationReport> {
        let sla = self.sla_sweep(ws, now).await?;
        let catalog = self.catalog(ws).await?;
        let mut report = AutomationReport {
            sla,
            ..AutomationReport::default()
        };
        let mut done: HashSet<TicketId> = HashSet::new();
        if catalog.rules.iter().any(|r| r.after.is_some()) {
            loop {
                let due = self.store.timers_due(ws, now, BATCH).await?;
                let fresh: Vec<Ticket> = due.into_iter().filter(|t| done.insert(t.id)).collect();
                if fresh.is_empty() {
                    break;
                }
                report.examined += fresh.len() as u64;
                // A few tickets at a time: their writes' round trips overlap.
                let mut tickets = fresh.into_iter();
                loop {
                    let chunk: Vec<_> = tickets
                        .by_ref()
                        .take(CONCURRENT)
                        .map(|t| self.run_timers(ws, t, now, &catalog))
                        .collect();
                    if chunk.is_empty() {
                        break;
                    }
                    for fired in join_all(chunk).await {
                        report.fired.extend(fired?);
                    }
                }
            }
        }
        report.expired_access_requests = self
            .expire_access_requests(ws, now)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        report.assigned = self
            .drain_backlog(ws)
            .await?
            .into_iter()
            .map(|t| t.id)
            .collect();
        Ok(report)
    }

    /// Fires the time rules due on `t` by `now`, in one versioned write
    /// (re-read and re-evaluated when another write got there first).
    async fn run_timers(
        &self,
        ws: WorkspaceId,
        mut t: Ticket,
        now: DateTime<Utc>,
        catalog: &WorkspaceCatalog,
    ) -> Result<Vec<TimerFired>> {
        let mut fresh_catalog: Option<std::sync::Arc<WorkspaceCatalog>> = None;
        for _ in 0..super::tickets::RETRIES {
            let catalog: &WorkspaceCatalog = fresh_catalog.as_deref().unwrap_or(catalog);
            let cal = self.ticket_calendar(&t, catalog)?;
            let mut probe = t.clone();
            probe.updated_at = now.max(t.updated_at);
            let facts = self.facts(ws, &probe, catalog, None, |_| true).await?;
            let due = automation::select(
                &catalog.rules,
                &t,
                &facts.get(),
                |r| {
                    !t.status.is_terminal()
                        && r.after
                            .as_ref()
                            .and_then(|a| a.next_due(&r.name, &t, &cal))
                            .is_some_and(|d| d <= now)
                },
                true,
            );
            let mut w = TicketWrite::begin(&t, now.max(t.updated_at));
            for r in &due {
                if let Some(anchor) = r.after.as_ref().and_then(|a| a.anchor(&t)) {
                    w.ticket.timers.record(&r.name, anchor);
                }
            }
            let mut fired = Automation::default();
            self.run_actions(ws, &mut w, catalog, &due, &mut fired)
                .await?;
            let edited = {
                let mut same = w.ticket.clone();
                same.version = t.version;
                same.updated_at = t.updated_at;
                same.timers = t.timers.clone();
                same != t || !w.messages.is_empty() || fired.has_messages()
            };
            if edited {
                self.sla_on_change(ws, &t, &mut w, catalog).await?;
            } else {
                // Reminders and events are not an edit of the ticket.
                w.ticket.updated_at = t.updated_at;
            }
            // A rule counts from the instant as its own write leaves it (a
            // rule "since last update" does not fire again for its own change).
            for r in &due {
                if let Some(anchor) = r.after.as_ref().and_then(|a| a.anchor(&w.ticket)) {
                    let mark = w.ticket.timers.marks.iter_mut().find(|m| m.rule == r.name);
                    if let Some(m) = mark {
                        m.anchor = anchor;
                    }
                }
            }
            self.automate_messages(ws, &mut w, catalog, fired, true)
                .await?;
            self.schedule(ws, &mut w.ticket, catalog).await?;
            if due.is_empty() && w.ticket.timers.due.is_some_and(|d| d <= now) {
                // Due but nothing fired (a business-hours condition outside
                // hours): look again in a minute rather than block the run.
                w.ticket.timers.due = now
                    .checked_add_signed(chrono::TimeDelta::minutes(1))
                    .filter(|t| *t <= crate::limits::max_instant());
            }
            if due.is_empty() && w.ticket.timers == t.timers {
                return Ok(Vec::new());
            }
            let out = due
                .iter()
                .map(|r| TimerFired {
                    ticket_id: t.id,
                    number: t.number.clone(),
                    rule: r.name.clone(),
                })
                .collect();
            w.catalog_version = catalog.version;
            match self.store.update_ticket(ws, w).await {
                Ok(WriteOutcome::Applied) => return Ok(out),
                Ok(WriteOutcome::DuplicateMessage(_)) => return Ok(Vec::new()),
                Err(
                    e @ (StoreError::VersionConflict { .. }
                    | StoreError::AtCapacity { .. }
                    | StoreError::CatalogChanged),
                ) => {
                    if matches!(e, StoreError::CatalogChanged) {
                        fresh_catalog = Some(self.catalog(ws).await?);
                    }
                    match self.store.get_ticket(ws, t.id).await? {
                        Some(fresh) => t = fresh,
                        None => return Ok(Vec::new()),
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Vec::new())
    }

    /// Sets `t.timers.due`: the earliest instant one of the workspace's
    /// active time rules whose conditions hold on `t` is next due (business
    /// hours conditions count as holding: they change with time, not with
    /// the ticket). Closed and cancelled tickets have none.
    pub(crate) async fn schedule(
        &self,
        ws: WorkspaceId,
        t: &mut Ticket,
        catalog: &WorkspaceCatalog,
    ) -> Result<()> {
        let timed = |r: &Rule| r.after.is_some();
        if t.status.is_terminal() || !catalog.rules.iter().any(|r| r.active && timed(r)) {
            t.timers.due = None;
            return Ok(());
        }
        let cal = self.ticket_calendar(t, catalog)?;
        let mut facts = self.facts(ws, t, catalog, None, timed).await?;
        facts.forget_hours();
        // Every time rule whose conditions hold (a `stop` matters only when
        // rules fire, not for when they may).
        t.timers.due = automation::select(&catalog.rules, t, &facts.get(), timed, false)
            .into_iter()
            .filter_map(|r| r.after.as_ref()?.next_due(&r.name, t, &cal))
            .min();
        Ok(())
    }

    /// Recomputes every open or resolved ticket's `timers.due` after the
    /// time rules changed (one read of each such ticket; hints written in
    /// batches, each only if the ticket did not move meanwhile).
    pub(crate) async fn reschedule_all(&self, ws: WorkspaceId) -> Result<()> {
        let catalog = self.catalog(ws).await?;
        let mut query = TicketQuery {
            statuses: Status::ACTIVE
                .into_iter()
                .chain([Status::Resolved])
                .collect(),
            order: TicketOrder::Oldest,
            limit: 500,
            ..TicketQuery::default()
        };
        loop {
            let page = self.store.list_tickets(ws, &query).await?;
            let mut hints = Vec::new();
            for mut t in page.items {
                let before = t.timers.due;
                self.schedule(ws, &mut t, &catalog).await?;
                if t.timers.due != before {
                    hints.push((t.id, t.version, t.timers.due));
                }
            }
            if !hints.is_empty() {
                self.store.set_timers_due(ws, &hints).await?;
            }
            match page.next_cursor {
                Some(c) => query.after = Some(c),
                None => return Ok(()),
            }
        }
    }

    /// Installs a [`Preset`] rule at the end of the workspace's rules
    /// (replacing a rule of the same name where it stands); returns the
    /// rules.
    pub async fn add_preset(&self, ws: WorkspaceId, preset: Preset) -> Result<Vec<Rule>> {
        let rule = preset.rule();
        let mut rules = self.list_rules(ws).await?;
        // The same preset with another duration replaces the earlier one.
        match rules
            .iter_mut()
            .find(|r| r.name == rule.name || r.name.starts_with(preset.key()))
        {
            Some(r) => *r = rule,
            None => rules.push(rule),
        }
        self.set_rules(ws, rules).await
    }
}

/// Runs `futures` concurrently on the calling task (no spawning, so no
/// runtime is assumed); their outputs in order.
async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pending: Vec<Option<std::pin::Pin<Box<F>>>> =
        futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    let mut done: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all = true;
        for (slot, out) in pending.iter_mut().zip(done.iter_mut()) {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        *out = Some(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => all = false,
                }
            }
        }
        if all {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    done.into_iter().flatten().collect()
}
