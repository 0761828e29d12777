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
    /// What the priority means, for the people choosing it.
    pub description: Option<String>,
    /// Display order in the host's UI (seed 003's `order`); queues and
    /// `list_priorities` go by `rank`.
    #[serde(default)]
    pub position: i32,
    /// Inactive priorities are kept on the tickets that have them but cannot
    /// be given to a ticket any more (`invalid_input`); the default must be active.
    #[serde(default = "crate::people::yes")]
    pub active: bool,
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
            description: None,
            position: 0,
            active: true,
        }
    }

    /// The active priority `code` of `priorities`, for a ticket (`invalid_input`
    /// naming `priority` when there is none or it is inactive).
    pub(crate) fn usable<'a>(priorities: &'a [Priority], code: &str) -> Result<&'a Priority> {
        match priorities.iter().find(|p| p.code == code) {
            Some(p) if p.active => Ok(p),
            Some(_) => Err(crate::Error::invalid_input(
                "priority",
                format!("the priority {code:?} is inactive"),
            )),
            None => Err(crate::Error::invalid_input(
                "priority",
                format!("no priority {code:?} in this workspace"),
            )),
        }
    }

    /// The priority a new ticket gets when none is named: the default one,
    /// else the first active one (`invalid_input` naming `priority` when
    /// the workspace has none).
    pub(crate) fn default_of(priorities: &[Priority]) -> Result<&Priority> {
        priorities
            .iter()
            .find(|p| p.is_default)
            .or_else(|| priorities.iter().find(|p| p.active))
            .ok_or_else(|| {
                crate::Error::invalid_input(
                    "priority",
                    "the workspace has no priorities; add some first",
                )
            })
    }

    /// The rank of `code` (0 when there is no such priority).
    pub(crate) fn rank_of(priorities: &[Priority], code: &str) -> i32 {
        priorities
            .iter()
            .find(|p| p.code == code)
            .map_or(0, |p| p.rank)
    }

    /// The active priority ranked next above `code`, if any.
    pub(crate) fn next_up<'a>(priorities: &'a [Priority], code: &str) -> Option<&'a Priority> {
        let rank = Self::rank_of(priorities, code);
        priorities
            .iter()
            .filter(|p| p.active && p.rank > rank)
            .min_by_key(|p| p.rank)
    }

    pub(crate) fn validated(mut self) -> Result<Self> {
        self.code = validate::key("code", &self.code)?;
        self.name = validate::text("name", &self.name, 100)?;
        self.color = validate::color("color", self.color.as_deref())?;
        self.description =
            validate::optional_text("description", self.description.as_deref(), 2000)?;
        if self.is_default && !self.active {
            return Err(crate::Error::invalid_input(
                "active",
                "the default priority must be active",
            ));
        }
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
    /// `p3`, `p2` (default), `p1`, `p0` (most urgent); first responses in
    /// 24 h, 8 h, 2 h and 15 min (seed 001's table).
    P0ToP3,
    /// `low`, `medium` (default), `high`, `critical`, each with one
    /// resolution target: 72 h, 24 h, 8 h, 2 h (seed 002's table).
    LowToCritical,
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
        const H: i64 = 60;
        // (code, name, color, first response, resolution), in minutes.
        let rows: [(&str, &str, &str, Option<i64>, i64); 4] = match self {
            PriorityPreset::LowToUrgent => [
                ("low", "Low", "#8c959f", Some(24 * H), 5 * 24 * H),
                ("medium", "Medium", "#0969da", Some(8 * H), 3 * 24 * H),
                ("high", "High", "#bf8700", Some(2 * H), 24 * H),
                ("urgent", "Urgent", "#cf222e", Some(30), 8 * H),
            ],
            PriorityPreset::P0ToP3 => [
                ("p3", "P3", "#8c959f", Some(24 * H), 5 * 24 * H),
                ("p2", "P2", "#0969da", Some(8 * H), 3 * 24 * H),
                ("p1", "P1", "#bf8700", Some(2 * H), 24 * H),
                ("p0", "P0", "#cf222e", Some(15), 4 * H),
            ],
            PriorityPreset::LowToCritical => [
                ("low", "Low", "#8c959f", None, 72 * H),
                ("medium", "Medium", "#0969da", None, 24 * H),
                ("high", "High", "#bf8700", None, 8 * H),
                ("critical", "Critical", "#cf222e", None, 2 * H),
            ],
        };
        rows.iter()
            .enumerate()
            .map(|(i, &(code, name, color, fr, res))| Priority {
                code: code.into(),
                name: name.into(),
                rank: i as i32 + 1,
                color: Some(color.into()),
                first_response: fr.map(TimeDelta::minutes),
                resolution: Some(TimeDelta::minutes(res)),
                is_default: i == 1,
                description: None,
                position: i as i32,
                active: true,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(p: PriorityPreset) -> Vec<(String, Option<i64>, Option<i64>)> {
        p.priorities()
            .into_iter()
            .map(|p| {
                let h = |d: Option<TimeDelta>| d.map(|d| d.num_minutes());
                (p.code, h(p.first_response), h(p.resolution))
            })
            .collect()
    }

    #[test]
    fn presets_follow_the_seeds() {
        let p0 = targets(PriorityPreset::P0ToP3);
        let fr: Vec<_> = p0
            .iter()
            .map(|(c, fr, _)| (c.as_str(), fr.unwrap_or(0)))
            .collect();
        assert_eq!(
            fr,
            [("p3", 24 * 60), ("p2", 8 * 60), ("p1", 2 * 60), ("p0", 15)]
        );
        let crit = targets(PriorityPreset::LowToCritical);
        let res: Vec<_> = crit
            .iter()
            .map(|(c, fr, r)| (c.as_str(), *fr, r.unwrap_or(0) / 60))
            .collect();
        assert_eq!(
            res,
            [
                ("low", None, 72),
                ("medium", None, 24),
                ("high", None, 8),
                ("critical", None, 2)
            ]
        );
        for p in [
            PriorityPreset::LowToUrgent,
            PriorityPreset::P0ToP3,
            PriorityPreset::LowToCritical,
        ] {
            let all = p.priorities();
            assert_eq!(all.iter().filter(|p| p.is_default).count(), 1);
            assert!(all.windows(2).all(|w| w[0].rank < w[1].rank));
        }
    }
}
