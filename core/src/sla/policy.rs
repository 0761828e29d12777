//! SLA policies: which targets apply to a ticket, on which calendar.

use crate::calendar::CalendarConfig;
use crate::ids::{CategoryId, PolicyId};
use crate::ticket::{Channel, Status};
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

/// A workspace's SLA policy. Policies form an ordered list; the first
/// active one whose conditions all match a ticket applies. When none
/// matches, the ticket's priority's own `first_response` and `resolution`
/// targets apply, 24/7, with the default warning and pausing statuses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SlaPolicy {
    /// Id.
    pub id: PolicyId,
    /// Display name (`Enterprise business hours`).
    pub name: String,
    /// What it promises, for the people editing policies.
    pub description: Option<String>,
    /// When it applies.
    #[serde(default)]
    pub conditions: PolicyConditions,
    /// The business calendar its clocks count on; `None` is 24/7.
    #[serde(default)]
    pub calendar: Option<CalendarConfig>,
    /// Targets per priority code; a priority without a row has no clocks.
    pub targets: Vec<PolicyTarget>,
    /// When to warn before a breach.
    #[serde(default)]
    pub warning: WarningThreshold,
    /// Statuses in which the clocks pause (default: pending, on_hold).
    #[serde(default = "default_pause")]
    pub pause_on: Vec<Status>,
    /// Inactive policies are skipped.
    #[serde(default = "crate::people::yes")]
    pub active: bool,
    /// The team a ticket is escalated to when one of its clocks breaches
    /// (seed 003's escalation team): the SLA sweep that records the breach
    /// routes the ticket there, keeping its assignee, as an `escalated`
    /// assignment, in the same write.
    pub escalate_to: Option<crate::ids::TeamId>,
}

impl SlaPolicy {
    /// An active policy without conditions, calendar or targets, with the
    /// default warning (80 %) and pausing statuses (pending, on hold).
    pub fn new(id: PolicyId, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
            description: None,
            escalate_to: None,
            conditions: PolicyConditions::default(),
            calendar: None,
            targets: Vec::new(),
            warning: WarningThreshold::default(),
            pause_on: default_pause(),
            active: true,
        }
    }
}

fn default_pause() -> Vec<Status> {
    vec![Status::Pending, Status::OnHold]
}

/// Conditions of a policy. Each list, when not empty, must contain the
/// ticket's value (tags: any of the ticket's tags); all lists must match.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct PolicyConditions {
    /// Priority codes.
    pub priorities: Vec<String>,
    /// Categories.
    pub categories: Vec<CategoryId>,
    /// Channels.
    pub channels: Vec<Channel>,
    /// Tag slugs.
    pub tags: Vec<String>,
    /// Customer tiers.
    pub customer_tiers: Vec<String>,
}

/// The targets of one priority under a policy (business time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PolicyTarget {
    /// Priority code.
    pub priority: String,
    /// Creation → first public agent reply.
    #[serde(default, with = "crate::duration_serde::opt_secs")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::duration_serde::Seconds>")
    )]
    pub first_response: Option<TimeDelta>,
    /// Oldest unanswered customer message → next public agent reply.
    #[serde(default, with = "crate::duration_serde::opt_secs")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::duration_serde::Seconds>")
    )]
    pub next_response: Option<TimeDelta>,
    /// Creation → resolved.
    #[serde(default, with = "crate::duration_serde::opt_secs")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::duration_serde::Seconds>")
    )]
    pub resolution: Option<TimeDelta>,
}

/// When `sla.warning` fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum WarningThreshold {
    /// This much business time before the due instant.
    Before(
        #[serde(with = "crate::duration_serde::secs")]
        #[cfg_attr(feature = "schema", schemars(with = "crate::duration_serde::Seconds"))]
        TimeDelta,
    ),
    /// When this percentage (1..=99) of the target is consumed.
    Percent(u8),
}

impl Default for WarningThreshold {
    /// 80 % of the target.
    fn default() -> Self {
        WarningThreshold::Percent(80)
    }
}

impl WarningThreshold {
    /// The business time after which to warn, for `target`.
    pub fn offset(self, target: TimeDelta) -> TimeDelta {
        match self {
            WarningThreshold::Before(d) => (target - d).max(TimeDelta::zero()),
            WarningThreshold::Percent(p) => target * i32::from(p.min(100)) / 100,
        }
    }
}
