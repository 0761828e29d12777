//! The SLA clocks a ticket carries.

use crate::ids::PolicyId;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// Which target a clock measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaMetric {
    /// Creation → first public agent reply.
    FirstResponse,
    /// Oldest unanswered customer message → next public agent reply.
    NextResponse,
    /// Creation → resolved.
    Resolution,
}

impl SlaMetric {
    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            SlaMetric::FirstResponse => "first_response",
            SlaMetric::NextResponse => "next_response",
            SlaMetric::Resolution => "resolution",
        }
    }
}

/// A clock's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockStatus {
    /// Counting business time toward its due instant.
    Running,
    /// Stopped while the ticket is in a pausing status.
    Paused,
    /// Target reached in time.
    Met,
    /// Not met by its due instant (may still be running to record the stop).
    Breached,
}

/// One SLA clock of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaClock {
    /// What it measures.
    pub metric: SlaMetric,
    /// State.
    pub status: ClockStatus,
    /// The business-time target.
    #[serde(with = "crate::duration_serde::secs")]
    pub target: TimeDelta,
    /// When the clock started.
    pub started_at: DateTime<Utc>,
    /// Business time consumed before `running_since` (whole earlier running spans).
    #[serde(with = "crate::duration_serde::secs")]
    pub consumed: TimeDelta,
    /// Start of the current running span (`None` while paused or stopped).
    pub running_since: Option<DateTime<Utc>>,
    /// When the target falls due if nothing pauses it (`None` while paused).
    pub due_at: Option<DateTime<Utc>>,
    /// When the warning falls due.
    pub warn_at: Option<DateTime<Utc>>,
    /// Whether `sla.warning` was emitted.
    pub warned: bool,
    /// The true instant of the breach, once recorded.
    pub breached_at: Option<DateTime<Utc>>,
    /// When the clock stopped (met, or stopped after a breach).
    pub stopped_at: Option<DateTime<Utc>>,
}

/// All SLA clocks of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SlaState {
    /// The policy that applies (`None`: the priorities' own targets).
    pub policy: Option<PolicyId>,
    /// The clocks, one per metric at most.
    pub clocks: Vec<SlaClock>,
}

impl SlaClock {
    /// Whether the clock still counts or waits (not met and not stopped).
    pub fn is_live(&self) -> bool {
        matches!(self.status, ClockStatus::Running | ClockStatus::Paused)
            || (self.status == ClockStatus::Breached && self.stopped_at.is_none())
    }
}

impl SlaState {
    /// The earliest instant at which a sweep has something to record for
    /// this ticket (a warning not yet emitted or a breach not yet recorded),
    /// over running clocks. Backends index tickets by it.
    pub fn next_check(&self) -> Option<DateTime<Utc>> {
        self.clocks
            .iter()
            .filter(|c| c.status == ClockStatus::Running)
            .flat_map(|c| {
                [
                    c.warn_at.filter(|_| !c.warned),
                    c.due_at.filter(|_| c.breached_at.is_none()),
                ]
            })
            .flatten()
            .min()
    }

    /// The earliest due instant over running clocks (the queue's "due time").
    pub fn due_at(&self) -> Option<DateTime<Utc>> {
        self.clocks
            .iter()
            .filter(|c| c.status == ClockStatus::Running)
            .filter_map(|c| c.due_at)
            .min()
    }

    /// The clock for `metric`, if any.
    pub fn clock(&self, metric: SlaMetric) -> Option<&SlaClock> {
        self.clocks.iter().find(|c| c.metric == metric)
    }
}
