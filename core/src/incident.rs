//! Incidents: an outage or degradation customers are told about, and the
//! service status that follows from the open ones.
//!
//! An incident is declared with a customer-facing message, a severity and
//! the categories it affects, gets updates (a timeline) and is resolved with
//! a message. While it is open, new tickets in an affected category (or a
//! descendant) are linked to it when opened, and a ticket can be linked by
//! hand; a linked ticket's SLA clocks pause (unless the incident says
//! otherwise). Resolving posts one reply to every linked ticket (optionally
//! resolving them) and resumes their clocks.
//!
//! ```
//! use ticketry_core::incident::{ServiceState, Severity, service_state};
//! assert_eq!(service_state([]), ServiceState::Operational);
//! assert_eq!(service_state([Severity::Minor, Severity::Critical]), ServiceState::MajorOutage);
//! ```

use crate::ids::{CategoryId, IncidentId};
use crate::ticket::Actor;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How bad an incident is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Some users or a minor feature (the service is `degraded`).
    Minor,
    /// A main feature for many users (`degraded`).
    Major,
    /// The service is down for most users (`major_outage`; seed 001's P0).
    Critical,
}

/// Whether an incident is still going on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    /// Going on.
    Open,
    /// Over.
    Resolved,
}

/// One entry of an incident's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IncidentUpdate {
    /// When.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub at: DateTime<Utc>,
    /// What customers are told.
    pub message: String,
    /// Who posted it.
    pub by: Actor,
}

/// An incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Incident {
    /// Id.
    pub id: IncidentId,
    /// Short title (`Payments failing`).
    pub title: String,
    /// What every user is shown while it is open (the banner).
    pub message: String,
    /// How bad.
    pub severity: Severity,
    /// The categories it affects (with their descendants); new tickets in
    /// them are linked while it is open. Empty: none automatically.
    pub categories: Vec<CategoryId>,
    /// Whether linked tickets' SLA clocks pause while it is open.
    pub pause_sla: bool,
    /// Open or resolved.
    pub status: IncidentStatus,
    /// The timeline, oldest first (the declaration's message first).
    pub updates: Vec<IncidentUpdate>,
    /// Who declared it.
    pub declared_by: Actor,
    /// When.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub declared_at: DateTime<Utc>,
    /// When it was resolved.
    #[serde(serialize_with = "crate::time_serde::opt_instant")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// The resolution message.
    pub resolution: Option<String>,
    /// Optimistic-concurrency version, +1 on every change.
    pub version: u64,
}

/// Input for declaring an incident.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    /// Short title.
    pub title: String,
    /// The banner text (default: the title).
    #[serde(default)]
    pub message: Option<String>,
    /// Default `major`.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// Affected categories (existing ones of the workspace).
    #[serde(default)]
    pub categories: Vec<CategoryId>,
    /// Pause linked tickets' SLA clocks (default `true`).
    #[serde(default)]
    pub pause_sla: Option<bool>,
}

/// The service's state as customers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ServiceState {
    /// No open incident.
    Operational,
    /// Open incidents, none critical.
    Degraded,
    /// A critical incident is open.
    MajorOutage,
}

/// The state that follows from the severities of the open incidents.
pub fn service_state(open: impl IntoIterator<Item = Severity>) -> ServiceState {
    match open.into_iter().max() {
        None => ServiceState::Operational,
        Some(Severity::Critical) => ServiceState::MajorOutage,
        Some(_) => ServiceState::Degraded,
    }
}

/// The workspace's status: what a host shows every user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ServiceStatus {
    /// Operational, degraded or major outage.
    pub state: ServiceState,
    /// The banner: the most severe open incident's latest message.
    pub banner: Option<String>,
    /// The open incidents, most severe first, then newest.
    pub incidents: Vec<Incident>,
}

impl ServiceStatus {
    /// The status that follows from `open` incidents.
    pub fn of(mut open: Vec<Incident>) -> Self {
        open.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.declared_at.cmp(&a.declared_at))
        });
        ServiceStatus {
            state: service_state(open.iter().map(|i| i.severity)),
            banner: open
                .first()
                .map(|i| i.updates.last().map_or(&i.message, |u| &u.message).clone()),
            incidents: open,
        }
    }
}

/// An incident's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IncidentFigures {
    /// The incident.
    pub incident: Incident,
    /// From declaration to resolution (to now while open).
    #[serde(with = "crate::duration_serde::secs")]
    #[cfg_attr(feature = "schema", schemars(with = "crate::duration_serde::Seconds"))]
    pub duration: chrono::TimeDelta,
    /// Tickets linked to it.
    pub linked_tickets: u64,
    /// Of which still active (not resolved, closed or cancelled).
    pub active_tickets: u64,
}

/// A ticket's link to an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IncidentLink {
    /// The incident.
    pub id: IncidentId,
    /// The incident is still open.
    pub open: bool,
    /// Its SLA clocks pause meanwhile (the incident's `pause_sla`).
    pub pauses_sla: bool,
}

impl IncidentLink {
    /// Whether the link pauses the ticket's SLA clocks now.
    pub fn holds_sla(link: Option<&IncidentLink>) -> bool {
        link.is_some_and(|l| l.open && l.pauses_sla)
    }
}
