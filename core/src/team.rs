//! Teams of agents.

use crate::ids::{AgentId, TeamId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A group of agents tickets can be routed to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Team {
    /// Id.
    pub id: TeamId,
    /// Display name.
    pub name: String,
    /// What the team handles.
    pub description: Option<String>,
    /// The lead (a member).
    pub lead: Option<AgentId>,
    /// Members, in the order given.
    pub members: Vec<AgentId>,
    /// The address mail for this team arrives at (its routing address).
    pub email: Option<String>,
    /// Inactive teams keep their tickets but cannot be given new ones.
    #[serde(default = "crate::people::yes")]
    pub active: bool,
    /// How its unassigned tickets are given to members (`None`: the
    /// workspace's default, if any).
    #[serde(default)]
    pub strategy: Option<crate::assignment::Strategy>,
    /// When it was created.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub created_at: DateTime<Utc>,
}

/// Input for creating or updating a team.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    /// Display name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Lead; added to members if missing.
    pub lead: Option<AgentId>,
    /// Members (existing agents of the workspace).
    #[serde(default)]
    pub members: Vec<AgentId>,
    /// Routing e-mail address.
    pub email: Option<String>,
    /// `None` means active.
    pub active: Option<bool>,
    /// Automatic assignment among the members (`None`: the workspace's default).
    pub strategy: Option<crate::assignment::Strategy>,
}
