//! Support figures: the dashboard a support team opens in the morning
//! (seed 000's "active 12, created today 8, closed today 5, avg FRT 2.5 h").

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// A snapshot of a workspace's support, as of `at`. "Today" is the
/// workspace's local day (its time zone) up to `at`.
///
/// Response and resolution times are calendar time, from a ticket's creation
/// to its first public agent reply or to its (last) resolution, averaged over
/// the tickets that got one today.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Dashboard {
    /// The instant the figures are for.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub at: DateTime<Utc>,
    /// The start of the workspace's local day containing `at`.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub day_start: DateTime<Utc>,
    /// Tickets in an active status (new, open, in progress, pending, on hold).
    pub active: u64,
    /// Active tickets without an assignee.
    pub unassigned: u64,
    /// Tickets opened today.
    pub created_today: u64,
    /// Tickets resolved today.
    pub resolved_today: u64,
    /// Tickets closed today.
    pub closed_today: u64,
    /// Active tickets with a breached SLA clock, or a running one due by `at`.
    pub breaching_now: u64,
    /// Active tickets whose next SLA due instant is within the hour after `at`.
    pub due_within_hour: u64,
    /// Mean first response time of the tickets first answered today.
    #[serde(with = "crate::duration_serde::opt_secs")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::duration_serde::Seconds>")
    )]
    pub avg_first_response: Option<TimeDelta>,
    /// Mean resolution time of the tickets resolved today.
    #[serde(with = "crate::duration_serde::opt_secs")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::duration_serde::Seconds>")
    )]
    pub avg_resolution: Option<TimeDelta>,
}

/// What a store sums for a [`Dashboard`]: counts, and the seconds behind the
/// means. Due instants compare to the whole second, as stores index them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DashboardCounts {
    /// See [`Dashboard::active`].
    pub active: u64,
    /// See [`Dashboard::unassigned`].
    pub unassigned: u64,
    /// Created at or after the day's start.
    pub created: u64,
    /// Resolved at or after the day's start.
    pub resolved: u64,
    /// Closed at or after the day's start.
    pub closed: u64,
    /// See [`Dashboard::breaching_now`].
    pub breaching: u64,
    /// See [`Dashboard::due_within_hour`].
    pub due_soon: u64,
    /// Seconds from creation to first response, summed over `first_responses`.
    pub first_response_secs: f64,
    /// Tickets first answered at or after the day's start.
    pub first_responses: u64,
    /// Seconds from creation to resolution, summed over `resolved`.
    pub resolution_secs: f64,
}

impl DashboardCounts {
    /// The dashboard these counts make.
    pub fn dashboard(self, at: DateTime<Utc>, day_start: DateTime<Utc>) -> Dashboard {
        let mean =
            |sum: f64, n: u64| (n > 0).then(|| TimeDelta::seconds((sum / n as f64).round() as i64));
        Dashboard {
            at,
            day_start,
            active: self.active,
            unassigned: self.unassigned,
            created_today: self.created,
            resolved_today: self.resolved,
            closed_today: self.closed,
            breaching_now: self.breaching,
            due_within_hour: self.due_soon,
            avg_first_response: mean(self.first_response_secs, self.first_responses),
            avg_resolution: mean(self.resolution_secs, self.resolved),
        }
    }
}
