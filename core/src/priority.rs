//! Priorities, customizable per workspace, with two presets.

use crate::error::Result;
use crate::validate;
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

/// A ticket priority of one workspace.
///
/// `rank` orders queues: the larger, the more urgent. The targets are the
/// workspace's default SLA policy (see the `sla` module).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Priority {
    /// Key used on tickets (`high`, `p1`).
    pub code: String,
    /// Display name.
    pub name: String,
    /// Larger is more urgent.
    pub rank: i32,
    /// `#rrggbb` badge color.
    pub color: Option<String>,
    /// First-response target (24/7 unless a policy says otherwise).
    #[serde(default, with = "crate::duration_serde::opt_secs")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::duration_serde::Seconds>")
    )]
    pub first_response: Option<TimeDelta>,
    /// Resolution target.
    #[serde(default, with = "crate::duration_serde::opt_secs")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::duration_serde::Seconds>")
    )]
    pub resolution: Option<TimeDelta>,
    /// The priority a ticket gets when none is given (one per workspace).
    #[serde(default)]
    pub is_default: bool,
}

impl Priority {
    /// A priority without targets or color.
    pub fn new(code: &str, name: &str, rank: i32) -> Self {
        Self {
            code: code.into(),
            name: name.into(),
            rank,
            color: None,
            first_response: None,
            resolution: None,
            is_default: false,
        }
    }

    pub(crate) fn validated(mut self) -> Result<Self> {
        self.code = validate::key("code", &self.code)?;
        self.name = validate::text("name", &self.name, 100)?;
        self.color = validate::color("color", self.color.as_deref())?;
        for (field, t) in [
            ("first_response", self.first_response),
            ("resolution", self.resolution),
        ] {
            let max = crate::limits::SLA_TARGET;
            if t.is_some_and(|t| t <= TimeDelta::zero() || t > max) {
                return Err(crate::Error::invalid_input(
                    field,
                    format!("must be positive and at most {} days", max.num_days()),
                ));
            }
        }
        Ok(self)
    }
}

/// Ready-made priority sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PriorityPreset {
    /// `low`, `medium` (default), `high`, `urgent`.
    LowToUrgent,
    /// `p3`, `p2` (default), `p1`, `p0` (most urgent).
    P0ToP3,
}

impl PriorityPreset {
    /// The priorities of the preset, least urgent first.
    ///
    /// ```
    /// use ticketry_core::priority::PriorityPreset;
    /// let p = PriorityPreset::LowToUrgent.priorities();
    /// assert_eq!(p.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(), ["low", "medium", "high", "urgent"]);
    /// ```
    pub fn priorities(self) -> Vec<Priority> {
        let rows: [(&str, &str, &str, i64, i64); 4] = match self {
            PriorityPreset::LowToUrgent => [
                ("low", "Low", "#8c959f", 24 * 60, 5 * 24 * 60),
                ("medium", "Medium", "#0969da", 8 * 60, 3 * 24 * 60),
                ("high", "High", "#bf8700", 2 * 60, 24 * 60),
                ("urgent", "Urgent", "#cf222e", 30, 8 * 60),
            ],
            PriorityPreset::P0ToP3 => [
                ("p3", "P3", "#8c959f", 24 * 60, 5 * 24 * 60),
                ("p2", "P2", "#0969da", 8 * 60, 3 * 24 * 60),
                ("p1", "P1", "#bf8700", 60, 24 * 60),
                ("p0", "P0", "#cf222e", 15, 4 * 60),
            ],
        };
        rows.iter()
            .enumerate()
            .map(|(i, &(code, name, color, fr, res))| Priority {
                code: code.into(),
                name: name.into(),
                rank: i as i32 + 1,
                color: Some(color.into()),
                first_response: Some(TimeDelta::minutes(fr)),
                resolution: Some(TimeDelta::minutes(res)),
                is_default: i == 1,
            })
            .collect()
    }
}
