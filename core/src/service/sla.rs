//! SLA in the service: policies, the clocks' reactions to changes, the
//! sweep and the explain trace.

use super::Helpdesk;
use crate::calendar::{BusinessCalendar, CalendarConfig};
use crate::error::{Error, Result, StoreError};
use crate::ids::{PolicyId, TicketId, WorkspaceId};
use crate::sla::engine::{self, Change, Terms};
use crate::sla::{SlaExplanation, SlaMetric, SlaPolicy, WarningThreshold};
use crate::store::{TicketWrite, WorkspaceCatalog, WriteOutcome};
use crate::ticket::rules;
use crate::ticket::{Actor, Status, Ticket};
use crate::{limits, validate};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// Compiled calendars, shared by content: a calendar is compiled once per
/// distinct configuration, whichever workspace or policy uses it.
#[derive(Debug)]
pub(crate) struct CalendarCache {
    compiled: Mutex<HashMap<CalendarConfig, Arc<BusinessCalendar>>>,
    always_open: Arc<BusinessCalendar>,
}

/// Tickets a sweep reads per round trip.
const SWEEP_BATCH: usize = 500;

impl Default for CalendarCache {
    fn default() -> Self {
        Self {
            compiled: Mutex::default(),
            always_open: Arc::new(BusinessCalendar::always_open()),
        }
    }
}

impl CalendarCache {
    /// The compiled calendar of `config` (24/7 when `None`), its window
    /// around `now`; errors name `calendar.<field>`.
    pub(super) fn get(
        &self,
        config: Option<&CalendarConfig>,
        now: DateTime<Utc>,
    ) -> Result<Arc<BusinessCalendar>> {
        let Some(config) = config else {
            return Ok(self.always_open.clone());
        };
        let mut map = self.compiled.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = map.get(config) {
            return Ok(c.clone());
        }
        let cal = Arc::new(
            BusinessCalendar::from_config_at(config, now).map_err(|e| e.to_error("calendar."))?,
        );
        if map.len() >= crate::limits::CALENDAR_CACHE {
            map.clear();
        }
        map.insert(config.clone(), cal.clone());
        Ok(cal)
    }
}

/// One warning or breach a sweep recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SlaAlert {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Its number.
    pub number: String,
    /// Which clock.
    pub metric: SlaMetric,
    /// `sla.warning` or `sla.breached`.
    pub kind: AlertKind,
    /// The clock's due instant.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub due_at: DateTime<Utc>,
}

/// What a sweep recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// The warning threshold was crossed.
    Warning,
    /// The due instant passed unmet.
    Breached,
}

/// The result of [`Helpdesk::sla_sweep`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SweepReport {
    /// Alerts recorded by this sweep (none twice across sweeps).
    pub alerts: Vec<SlaAlert>,
    /// Tickets examined.
    pub examined: usize,
}

impl Helpdesk {
    /// Starts the clocks of a new ticket of a customer of `tier`, under the
    /// workspace's `catalog`.
    pub(crate) fn sla_on_create(
        &self,
        t: &mut Ticket,
        tier: Option<&str>,
        catalog: &WorkspaceCatalog,
    ) -> Result<()> {
        let terms = engine::resolve(&catalog.sla_policies, &catalog.priorities, t, tier);
        let cal = self.calendars.get(terms.calendar(), self.clock.now())?;
        engine::on_create(t, &terms, &cal);
        Ok(())
    }

    /// Moves the clocks with a change, under the workspace's `catalog` (whose
    /// version the write then carries).
    pub(crate) async fn sla_on_change(
        &self,
        ws: WorkspaceId,
        before: &Ticket,
        w: &mut TicketWrite,
        catalog: &WorkspaceCatalog,
    ) -> Result<()> {
        w.catalog_version = catalog.version;
        let terms = self.terms(ws, &w.ticket, catalog).await?;
        let cal = self.calendars.get(terms.calendar(), self.clock.now())?;
        let calendar_before = match before.sla.policy == terms.policy_id() {
            true => cal.clone(),
            false => self.policy_calendar(before.sla.policy, catalog)?,
        };
        let kinds: Vec<_> = w.messages.iter().map(|m| m.kind).collect();
        let change = Change {
            before,
            new_messages: &kinds,
            now: w.ticket.updated_at,
            calendar_before: &calendar_before,
        };
        let mut breached = None;
        for e in engine::on_change(&mut w.ticket, change, &terms, &cal) {
            if let crate::event::EventKind::SlaBreached { metric, .. } = &e {
                breached.get_or_insert(*metric);
            }
            w.emit(&Actor::System, e);
        }
        // A breach recorded by any change escalates as the sweep's would.
        if let Some(metric) = breached
            && let Some(next) = self.escalation(ws, &w.ticket, catalog, metric).await?
        {
            w.fold(next);
        }
        Ok(())
    }

    /// The SLA terms that apply to `t` under `catalog` (its customer's tier
    /// is read only when a policy has a tier condition: it matters to no
    /// other).
    async fn terms<'c>(
        &self,
        ws: WorkspaceId,
        t: &Ticket,
        catalog: &'c WorkspaceCatalog,
    ) -> Result<Terms<'c>> {
        let needed = catalog
            .sla_policies
            .iter()
            .any(|p| !p.conditions.customer_tiers.is_empty());
        let tier = self.tier_if(needed, ws, &t.customer).await?;
        Ok(engine::resolve(
            &catalog.sla_policies,
            &catalog.priorities,
            t,
            tier.as_deref(),
        ))
    }

    /// Replaces the workspace's ordered SLA policy list. Calendars are
    /// compiled (and errors reported with the field) before anything is saved.
    /// Open tickets pick the new terms up at their next change.
    pub async fn set_sla_policies(
        &self,
        ws: WorkspaceId,
        policies: Vec<SlaPolicy>,
    ) -> Result<Vec<SlaPolicy>> {
        self.catalog(ws).await?;
        if policies.len() > limits::SLA_POLICIES {
            return Err(Error::invalid_input(
                "policies",
                format!("at most {} policies", limits::SLA_POLICIES),
            ));
        }
        let now = self.now()?;
        let mut seen = HashSet::new();
        let mut out = Vec::with_capacity(policies.len());
        for (i, mut p) in policies.into_iter().enumerate() {
            let at = |f: &str| format!("policies[{i}].{f}");
            if !seen.insert(p.id) {
                return Err(Error::invalid_input(at("id"), "listed twice"));
            }
            p.name = validate::text(&at("name"), &p.name, 200)?;
            p.description =
                validate::optional_paragraph(&at("description"), p.description.as_deref(), 2000)?;
            if let Some(team) = p.escalate_to {
                self.get_team(ws, team).await?;
            }
            // As a rule's: another workspace's category (or none's) is
            // `not_found`, not a condition that never holds.
            self.check_categories(ws, &p.conditions.categories).await?;
            let cal = self
                .calendars
                .get(p.calendar.as_ref(), self.clock.now())
                .map_err(|e| match e {
                    Error::InvalidInput { field, message } => {
                        Error::invalid_input(at(&field), message)
                    }
                    other => other,
                })?;
            // Business time within the horizon, once per policy: `between`
            // costs at most the horizon's days, where `add` on an almost
            // closed calendar would walk for ever.
            let reachable = cal.between(now, now + limits::SLA_HORIZON);
            for (j, t) in p.targets.iter().enumerate() {
                validate::key(&at(&format!("targets[{j}].priority")), &t.priority)?;
                for (name, v) in [
                    ("first_response", t.first_response),
                    ("next_response", t.next_response),
                    ("resolution", t.resolution),
                ] {
                    let Some(v) = v else { continue };
                    let field = || at(&format!("targets[{j}].{name}"));
                    if v <= TimeDelta::zero() || v > limits::SLA_TARGET {
                        return Err(Error::invalid_input(
                            field(),
                            format!(
                                "must be positive and at most {} days",
                                limits::SLA_TARGET.num_days()
                            ),
                        ));
                    }
                    if reachable < v {
                        return Err(Error::invalid_input(
                            field(),
                            format!(
                                "the calendar has too little business time: this target would \
                                 fall due more than {} years after a ticket starts",
                                limits::SLA_HORIZON.num_days() / 366
                            ),
                        ));
                    }
                }
            }
            match p.warning {
                WarningThreshold::Percent(n) if !(1..=99).contains(&n) => {
                    return Err(Error::invalid_input(
                        at("warning"),
                        "percent must be 1 to 99",
                    ));
                }
                WarningThreshold::Before(d) if d <= TimeDelta::zero() || d > limits::SLA_TARGET => {
                    return Err(Error::invalid_input(
                        at("warning"),
                        format!(
                            "must be positive and at most {} days",
                            limits::SLA_TARGET.num_days()
                        ),
                    ));
                }
                _ => {}
            }
            if let Some(s) = p
                .pause_on
                .iter()
                .find(|s| !s.is_active() || **s == Status::New)
            {
                return Err(Error::invalid_input(
                    at("pause_on"),
                    format!("{s} cannot pause a clock"),
                ));
            }
            out.push(p);
        }
        self.store.save_sla_policies(ws, &out).await?;
        Ok(out)
    }

    /// The workspace's ordered SLA policies.
    pub async fn list_sla_policies(&self, ws: WorkspaceId) -> Result<Vec<SlaPolicy>> {
        self.catalog(ws).await?;
        Ok(self.store.list_sla_policies(ws).await?.to_vec())
    }

    /// Records every warning and breach that fell due by `now`: emits
    /// `sla.warning` / `sla.breached` once per ticket and clock, even when
    /// sweeps run twice or concurrently (each record is a versioned ticket
    /// write; the loser of a race re-reads and finds it recorded). Reads only
    /// tickets whose next SLA check is due (an indexed instant).
    pub async fn sla_sweep(&self, ws: WorkspaceId, now: DateTime<Utc>) -> Result<SweepReport> {
        let catalog = self.catalog(ws).await?;
        let mut report = SweepReport::default();
        let mut done: HashSet<TicketId> = HashSet::new();
        loop {
            let due = self.store.sla_due(ws, now, SWEEP_BATCH).await?;
            let fresh: Vec<Ticket> = due.into_iter().filter(|t| !done.contains(&t.id)).collect();
            if fresh.is_empty() {
                return Ok(report);
            }
            for t in fresh {
                done.insert(t.id);
                report.examined += 1;
                report
                    .alerts
                    .extend(self.sweep_ticket(ws, t, now, &catalog).await?);
            }
        }
    }

    async fn sweep_ticket(
        &self,
        ws: WorkspaceId,
        mut t: Ticket,
        now: DateTime<Utc>,
        catalog: &WorkspaceCatalog,
    ) -> Result<Vec<SlaAlert>> {
        loop {
            let mut w = TicketWrite::begin(&t, now);
            let kinds = w.ticket.sla.settle(now);
            if kinds.is_empty() {
                return Ok(Vec::new());
            }
            let breached = kinds.iter().find_map(|k| match k {
                crate::event::EventKind::SlaBreached { metric, .. } => Some(*metric),
                _ => None,
            });
            let alerts = kinds
                .iter()
                .filter_map(|k| match *k {
                    crate::event::EventKind::SlaWarning { metric, due_at } => {
                        Some((metric, AlertKind::Warning, due_at))
                    }
                    crate::event::EventKind::SlaBreached { metric, due_at, .. } => {
                        Some((metric, AlertKind::Breached, due_at))
                    }
                    _ => None,
                })
                .map(|(metric, kind, due_at)| SlaAlert {
                    ticket_id: t.id,
                    number: t.number.clone(),
                    metric,
                    kind,
                    due_at,
                })
                .collect();
            for k in kinds {
                w.emit(&Actor::System, k);
            }
            let escalation = match breached {
                Some(metric) => self.escalation(ws, &w.ticket, catalog, metric).await?,
                None => None,
            };
            match escalation {
                Some(next) => {
                    w.fold(next);
                    // A sweep "as of" an earlier instant never moves the ticket back.
                    w.ticket.updated_at = w.ticket.updated_at.max(t.updated_at);
                }
                // Recording an SLA crossing is not an edit of the ticket.
                None => w.ticket.updated_at = t.updated_at,
            }
            // A breach starts the time rules that count from it.
            self.schedule(ws, &mut w.ticket, catalog).await?;
            match self.store.update_ticket(ws, w).await {
                Ok(WriteOutcome::Applied) => return Ok(alerts),
                Ok(WriteOutcome::DuplicateMessage(_)) => return Ok(Vec::new()),
                Err(StoreError::VersionConflict { .. }) => {
                    match self.store.get_ticket(ws, t.id).await? {
                        Some(fresh) => t = fresh,
                        None => return Ok(Vec::new()),
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The escalation a breach of `metric` calls for: to the ticket's policy's
    /// `escalate_to` team, unless the ticket is there already, the team is
    /// inactive or gone, or the ticket is closed.
    async fn escalation(
        &self,
        ws: WorkspaceId,
        t: &Ticket,
        catalog: &WorkspaceCatalog,
        metric: SlaMetric,
    ) -> Result<Option<TicketWrite>> {
        let team = catalog
            .sla_policies
            .iter()
            .find(|p| Some(p.id) == t.sla.policy)
            .and_then(|p| p.escalate_to)
            .filter(|team| t.team != Some(*team));
        let Some(team) = team else { return Ok(None) };
        if !self
            .store
            .get_team(ws, team)
            .await?
            .is_some_and(|x| x.active)
        {
            return Ok(None);
        }
        let reason = Some(format!("sla breach: {}", metric.as_str()));
        let by = Actor::System;
        Ok(rules::assign(
            t,
            t.assignee.as_ref(),
            Some(team),
            true,
            &by,
            reason,
            t.updated_at,
        )
        .ok())
    }

    /// The compiled calendar of `t`'s SLA policy (24/7 without one).
    pub(crate) fn ticket_calendar(
        &self,
        t: &Ticket,
        catalog: &WorkspaceCatalog,
    ) -> Result<Arc<BusinessCalendar>> {
        self.policy_calendar(t.sla.policy, catalog)
    }

    /// The compiled calendar of SLA policy `policy` (24/7 without one).
    pub(crate) fn policy_calendar(
        &self,
        policy: Option<crate::ids::PolicyId>,
        catalog: &WorkspaceCatalog,
    ) -> Result<Arc<BusinessCalendar>> {
        let config = catalog
            .sla_policies
            .iter()
            .find(|p| Some(p.id) == policy)
            .and_then(|p| p.calendar.as_ref());
        self.calendars.get(config, self.clock.now())
    }

    /// Explains one clock of a ticket: policy, calendar, pauses, holidays
    /// skipped, the segments its remaining time is counted over, and its due
    /// instant, as of the desk's clock.
    pub async fn explain_sla(
        &self,
        ws: WorkspaceId,
        ticket: TicketId,
        metric: SlaMetric,
    ) -> Result<SlaExplanation> {
        let t = self.get_ticket(ws, ticket).await?;
        let missing =
            || Error::not_found("sla clock", format!("{} of {}", metric.as_str(), t.number));
        let clock = t.sla.clock(metric).ok_or_else(missing)?;
        let catalog = self.catalog(ws).await?;
        if clock.is_live() && !clock.is_running() {
            // Paused because no target applies to its metric now: there is
            // nothing to explain (a pausing status is explained).
            if self.terms(ws, &t, &catalog).await?.target(metric).is_none() {
                return Err(missing());
            }
        }
        let policy = t
            .sla
            .policy
            .and_then(|id: PolicyId| catalog.sla_policies.iter().find(|p| p.id == id));
        let cal = self
            .calendars
            .get(policy.and_then(|p| p.calendar.as_ref()), self.clock.now())?;
        Ok(SlaExplanation::new(clock, policy, &cal, self.now()?))
    }
}
