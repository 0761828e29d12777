//! Why a clock's due instant is what it is.

use super::{ClockStatus, Pause, SlaClock, SlaMetric, SlaPolicy};
use crate::calendar::{BusinessCalendar, Segment};
use crate::ids::PolicyId;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// The explain trace of one SLA clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SlaExplanation {
    /// Which clock.
    pub metric: SlaMetric,
    /// Its state.
    pub status: ClockStatus,
    /// The policy (`None`: the priority's own targets, 24/7).
    pub policy: Option<PolicyId>,
    /// The policy's name.
    pub policy_name: Option<String>,
    /// The calendar's time zone.
    pub timezone: String,
    /// The target.
    #[serde(with = "crate::duration_serde::secs")]
    #[cfg_attr(feature = "schema", schemars(with = "crate::duration_serde::Seconds"))]
    pub target: TimeDelta,
    /// When the clock started.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub started_at: DateTime<Utc>,
    /// Business time consumed up to the explained instant.
    #[serde(with = "crate::duration_serde::secs")]
    #[cfg_attr(feature = "schema", schemars(with = "crate::duration_serde::Seconds"))]
    pub consumed: TimeDelta,
    /// Business time left (zero once due).
    #[serde(with = "crate::duration_serde::secs")]
    #[cfg_attr(feature = "schema", schemars(with = "crate::duration_serde::Seconds"))]
    pub remaining: TimeDelta,
    /// The due instant (while running, or the one that was breached).
    #[serde(serialize_with = "crate::time_serde::opt_instant")]
    pub due_at: Option<DateTime<Utc>>,
    /// When it was breached.
    #[serde(serialize_with = "crate::time_serde::opt_instant")]
    pub breached_at: Option<DateTime<Utc>>,
    /// When it stopped.
    #[serde(serialize_with = "crate::time_serde::opt_instant")]
    pub stopped_at: Option<DateTime<Utc>>,
    /// Its pauses.
    pub pauses: Vec<Pause>,
    /// The calendar segments the remaining time is counted over (running clocks).
    pub segments: Vec<Segment>,
    /// Holidays skipped between the start and the due instant (or now).
    pub holidays_skipped: Vec<NaiveDate>,
    /// The same, as sentences.
    pub lines: Vec<String>,
}

fn human(d: TimeDelta) -> String {
    let s = d.num_seconds();
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (h, m, 0) if h > 0 => format!("{h}h{m:02}m"),
        (0, m, 0) => format!("{m}m"),
        (h, m, sec) => format!("{h}h{m:02}m{sec:02}s"),
    }
}

impl SlaExplanation {
    pub(crate) fn new(
        clock: &SlaClock,
        policy: Option<&SlaPolicy>,
        cal: &BusinessCalendar,
        now: DateTime<Utc>,
    ) -> Self {
        let at = clock.stopped_at.unwrap_or(now);
        let consumed = clock.consumed_at(cal, at);
        let remaining = (clock.target - consumed).max(TimeDelta::zero());
        let segments = match clock.running_since {
            Some(since) if clock.is_live() => cal
                .add_segments(
                    since,
                    (clock.target - clock.consumed).max(TimeDelta::zero()),
                )
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let until = clock.due_at.unwrap_or(at).max(clock.started_at);
        let holidays_skipped = cal.holidays_between(clock.started_at, until);
        let timezone = cal.timezone().name().to_owned();
        let mut lines = vec![format!(
            "{} clock started {} with a target of {} business time under {} on the {} calendar",
            clock.metric.as_str(),
            clock.started_at.to_rfc3339(),
            human(clock.target),
            policy.map_or_else(
                || "the priority's own targets".to_owned(),
                |p| format!("policy {:?}", p.name)
            ),
            if policy.and_then(|p| p.calendar.as_ref()).is_some() {
                timezone.as_str()
            } else {
                "24/7"
            },
        )];
        for p in &clock.pauses {
            let to = p.to.map_or_else(
                || "still paused".to_owned(),
                |t| format!("resumed {}", t.to_rfc3339()),
            );
            let paused = p.to.map_or(TimeDelta::zero(), |t| cal.between(p.from, t));
            lines.push(format!(
                "paused {} ({to}); the due instant moved by {} business time",
                p.from.to_rfc3339(),
                human(paused)
            ));
        }
        if !holidays_skipped.is_empty() {
            let days: Vec<String> = holidays_skipped.iter().map(ToString::to_string).collect();
            lines.push(format!("holidays skipped: {}", days.join(", ")));
        }
        lines.push(format!(
            "{} consumed, {} remaining",
            human(consumed),
            human(remaining)
        ));
        if !segments.is_empty() {
            let segs: Vec<String> = segments
                .iter()
                .map(|s| format!("{}–{}", s.start.to_rfc3339(), s.end.to_rfc3339()))
                .collect();
            lines.push(format!("remaining time counted over: {}", segs.join(", ")));
        }
        match (
            clock.status,
            clock.due_at,
            clock.breached_at,
            clock.stopped_at,
        ) {
            (ClockStatus::Met, _, _, Some(s)) => lines.push(format!("met at {}", s.to_rfc3339())),
            (ClockStatus::Breached, _, Some(b), _) => {
                lines.push(format!("breached at {}", b.to_rfc3339()))
            }
            (ClockStatus::Paused, ..) => lines.push("no due instant while paused".to_owned()),
            (ClockStatus::Void, _, _, Some(s)) => lines.push(format!(
                "stopped at {} while no target applied: neither met nor breached",
                s.to_rfc3339()
            )),
            (_, Some(d), ..) => lines.push(format!("due at {}", d.to_rfc3339())),
            _ => lines.push("the calendar never opens: no due instant".to_owned()),
        }
        SlaExplanation {
            metric: clock.metric,
            status: clock.status,
            policy: policy.map(|p| p.id),
            policy_name: policy.map(|p| p.name.clone()),
            timezone,
            target: clock.target,
            started_at: clock.started_at,
            consumed,
            remaining,
            due_at: clock.due_at,
            breached_at: clock.breached_at,
            stopped_at: clock.stopped_at,
            pauses: clock.pauses.clone(),
            segments,
            holidays_skipped,
            lines,
        }
    }
}
