//! Time rules: a rule with `after` fires when a span has passed since an
//! instant of the ticket (created, resolved, the last customer message…), in
//! calendar time or in the business hours of the ticket's SLA calendar, and
//! optionally again every `repeat_every` while its conditions hold.
//!
//! Each ticket carries, per time rule that fired, a [`TimerMark`]: the
//! instant the rule counted from and how often it fired since. A rule fires
//! again only for a new instant (the ticket was resolved again) or for its
//! next repetition, so running the automations twice, or from several
//! workers at once, does each action exactly once. The ticket also carries
//! the earliest instant one of its time rules can fire ([`TimerState::due`],
//! indexed by the stores), so a run reads only the tickets that are due.
//!
//! ```
//! use chrono::TimeDelta;
//! use ticketry_core::automation::{Elapsed, Since};
//! let after = Elapsed { since: Since::Resolved, after: TimeDelta::days(7), business_hours: false, repeat_every: None };
//! assert_eq!(after.after.num_hours(), 168);
//! ```

use crate::calendar::BusinessCalendar;
use crate::error::{Error, Result};
use crate::ticket::Ticket;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// When a time rule fires: `after` this long since `since`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Elapsed {
    /// The instant of the ticket it counts from.
    pub since: Since,
    /// How long after it (at least one minute, at most ten years).
    #[serde(with = "crate::duration_serde::secs")]
    #[cfg_attr(feature = "schema", schemars(with = "crate::duration_serde::Seconds"))]
    pub after: TimeDelta,
    /// Count only the business hours of the ticket's SLA calendar (24/7
    /// when its policy has none).
    #[serde(default)]
    pub business_hours: bool,
    /// Fire again this often (at least ten minutes) while the conditions hold.
    #[serde(default, with = "crate::duration_serde::opt_secs")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::duration_serde::Seconds>")
    )]
    pub repeat_every: Option<TimeDelta>,
}

/// The instant of a ticket a time rule counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Since {
    /// Opened.
    Created,
    /// Last changed.
    Updated,
    /// Last resolved.
    Resolved,
    /// The customer's last message.
    CustomerMessage,
    /// The last public agent reply.
    AgentReply,
    /// The first SLA breach still on record.
    Breached,
}

/// A time rule that fired on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TimerMark {
    /// The rule's name.
    pub rule: String,
    /// The instant it counted from.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub anchor: DateTime<Utc>,
    /// How many times it fired for that instant.
    pub fired: u32,
}

/// A ticket's time-rule bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct TimerState {
    /// The earliest instant one of the workspace's time rules may fire on
    /// the ticket (`None`: none will, until the ticket changes).
    #[serde(serialize_with = "crate::time_serde::opt_instant")]
    pub due: Option<DateTime<Utc>>,
    /// The time rules that fired, per rule.
    pub marks: Vec<TimerMark>,
}

/// Shortest `after`.
const MIN_AFTER: TimeDelta = TimeDelta::minutes(1);
/// Shortest `repeat_every`.
const MIN_REPEAT: TimeDelta = TimeDelta::minutes(10);
/// Longest `after` or `repeat_every`.
const MAX_SPAN: TimeDelta = TimeDelta::days(3653);

impl Elapsed {
    pub(crate) fn check(&self, field: &str) -> Result<()> {
        if self.after < MIN_AFTER || self.after > MAX_SPAN {
            return Err(Error::invalid_input(
                format!("{field}.after"),
                "must be between one minute and ten years",
            ));
        }
        if self
            .repeat_every
            .is_some_and(|r| r < MIN_REPEAT || r > MAX_SPAN)
        {
            return Err(Error::invalid_input(
                format!("{field}.repeat_every"),
                "must be between ten minutes and ten years",
            ));
        }
        Ok(())
    }

    /// The instant of `t` this counts from, if it has one now.
    pub fn anchor(&self, t: &Ticket) -> Option<DateTime<Utc>> {
        match self.since {
            Since::Created => Some(t.created_at),
            Since::Updated => Some(t.updated_at),
            Since::Resolved => t.resolved_at,
            Since::CustomerMessage => t.last_customer_message_at,
            Since::AgentReply => t.last_agent_reply_at,
            Since::Breached => t.sla.clocks.iter().filter_map(|c| c.breached_at).min(),
        }
    }

    /// When the rule named `rule` is next due on `t`: `after` past the
    /// anchor (in `calendar`'s business hours when asked), then every
    /// `repeat_every` after that; `None` when it has no anchor or fired for
    /// this anchor and does not repeat, or when that falls after
    /// [`limits::max_instant`](crate::limits::max_instant) (the clock never
    /// gets there, and no host could read it).
    pub fn next_due(
        &self,
        rule: &str,
        t: &Ticket,
        calendar: &BusinessCalendar,
    ) -> Option<DateTime<Utc>> {
        let anchor = self.anchor(t)?;
        let fired = t
            .timers
            .marks
            .iter()
            .find(|m| m.rule == rule && m.anchor == anchor)
            .map_or(0, |m| m.fired);
        let span = match (fired, self.repeat_every) {
            (0, _) => self.after,
            (n, Some(every)) => self.after.checked_add(&every.checked_mul(n as i32)?)?,
            (_, None) => return None,
        };
        let due = if self.business_hours {
            calendar.add(anchor, span)
        } else {
            anchor.checked_add_signed(span)
        };
        due.filter(|t| *t <= crate::limits::max_instant())
    }
}

impl TimerState {
    /// Records that `rule` fired on a ticket whose anchor for it is `anchor`.
    pub fn record(&mut self, rule: &str, anchor: DateTime<Utc>) {
        match self.marks.iter_mut().find(|m| m.rule == rule) {
            Some(m) if m.anchor == anchor => m.fired += 1,
            Some(m) => {
                m.anchor = anchor;
                m.fired = 1;
            }
            None => self.marks.push(TimerMark {
                rule: rule.to_owned(),
                anchor,
                fired: 1,
            }),
        }
    }
}
