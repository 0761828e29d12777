//! Categories: a tree per workspace, with routing defaults.

use crate::ids::{AgentId, CategoryId, TeamId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A ticket category; nested via `parent`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Category {
    /// Id.
    pub id: CategoryId,
    /// Display name.
    pub name: String,
    /// A stable machine key, unique in the workspace (`login`, `payment`):
    /// what hosts and bots name the category by.
    pub code: Option<String>,
    /// Longer text shown to customers choosing a category.
    pub description: Option<String>,
    /// Icon name or URL for the host's UI.
    pub icon: Option<String>,
    /// Parent category (same workspace; never a cycle).
    pub parent: Option<CategoryId>,
    /// Priority code new tickets in this category get.
    pub default_priority: Option<String>,
    /// Team new tickets in this category are routed to.
    pub default_team: Option<TeamId>,
    /// Agent new tickets in this category are assigned to.
    pub default_assignee: Option<AgentId>,
    /// Sort order among siblings.
    pub position: i32,
    /// Inactive categories are kept for old tickets but refused on new ones.
    pub active: bool,
    /// When it was created.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub created_at: DateTime<Utc>,
}

/// Input for creating or updating a category.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    /// Display name.
    pub name: String,
    /// Machine key (1–64 of `a-z 0-9 _ - . :`), unique in the workspace.
    pub code: Option<String>,
    /// Longer text.
    pub description: Option<String>,
    /// Icon.
    pub icon: Option<String>,
    /// Parent category.
    pub parent: Option<CategoryId>,
    /// Default priority code.
    pub default_priority: Option<String>,
    /// Default team.
    pub default_team: Option<TeamId>,
    /// Default assignee.
    pub default_assignee: Option<AgentId>,
    /// Sort order.
    #[serde(default)]
    pub position: i32,
    /// `None` means active.
    pub active: Option<bool>,
}
