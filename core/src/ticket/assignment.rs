//! Assignment history.

use super::Actor;
use crate::ids::{AgentId, TeamId, TicketId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What happened to a ticket's assignee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssignmentAction {
    /// First assignee.
    Assigned,
    /// Another assignee replaced one.
    Reassigned,
    /// The assignee was removed.
    Unassigned,
    /// Moved up (another agent or team, by SLA or by hand).
    Escalated,
}

/// One entry of a ticket's assignment history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AssignmentRecord {
    /// The ticket.
    pub ticket_id: TicketId,
    /// What happened.
    pub action: AssignmentAction,
    /// Previous assignee.
    pub from: Option<AgentId>,
    /// New assignee.
    pub to: Option<AgentId>,
    /// Team after the change.
    pub team: Option<TeamId>,
    /// Who did it.
    pub by: Actor,
    /// Why (free text).
    pub reason: Option<String>,
    /// When.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub at: DateTime<Utc>,
}
