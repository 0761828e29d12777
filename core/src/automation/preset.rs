//! Presets: the jobs every help desk schedules, as ready rules.
//!
//! `Helpdesk::add_preset` installs one (replacing an earlier rule of the
//! same name), so a host turns on "auto-close after 7 days" with one call.
//!
//! ```
//! use ticketry_core::automation::Preset;
//! let rule = Preset::AutoClose { after: None }.rule();
//! assert_eq!(rule.name, "Close resolved tickets after 7 days");
//! ```

use super::{Condition, Elapsed, Reminder, Rule, RuleAction, Since};
use crate::ids::{TeamId, TemplateId};
use crate::ticket::Status;
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

/// A ready-made rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Preset {
    /// Close tickets that stayed resolved this long (default 7 days).
    AutoClose {
        /// How long after resolution.
        #[serde(default, with = "crate::duration_serde::opt_secs")]
        #[cfg_attr(
            feature = "schema",
            schemars(with = "Option<crate::duration_serde::Seconds>")
        )]
        after: Option<TimeDelta>,
    },
    /// Escalate tickets still open this long after creation (default 48
    /// hours): to `team` (default: their own team's lead), one priority up.
    EscalateOpen {
        /// How long after creation.
        #[serde(default, with = "crate::duration_serde::opt_secs")]
        #[cfg_attr(
            feature = "schema",
            schemars(with = "Option<crate::duration_serde::Seconds>")
        )]
        after: Option<TimeDelta>,
        /// The escalation team.
        #[serde(default)]
        team: Option<TeamId>,
    },
    /// Remind the customer to rate a resolved ticket this long after
    /// resolution (default 2 days), once.
    RatingReminder {
        /// How long after resolution.
        #[serde(default, with = "crate::duration_serde::opt_secs")]
        #[cfg_attr(
            feature = "schema",
            schemars(with = "Option<crate::duration_serde::Seconds>")
        )]
        after: Option<TimeDelta>,
    },
    /// Remind about a breached ticket this often while it stays breached
    /// and open (default every 6 hours).
    OverdueReminder {
        /// How often.
        #[serde(default, with = "crate::duration_serde::opt_secs")]
        #[cfg_attr(
            feature = "schema",
            schemars(with = "Option<crate::duration_serde::Seconds>")
        )]
        every: Option<TimeDelta>,
    },
    /// Answer every new ticket with this template (number, priority, the
    /// first-response promise).
    AutoReply {
        /// The template.
        template: TemplateId,
    },
}

impl Preset {
    /// The start every name of this preset's rule shares, whatever its
    /// duration (installing it again replaces that rule).
    pub fn key(&self) -> &'static str {
        match self {
            Preset::AutoClose { .. } => "Close resolved tickets after ",
            Preset::EscalateOpen { .. } => "Escalate tickets open over ",
            Preset::RatingReminder { .. } => "Remind to rate ",
            Preset::OverdueReminder { .. } => "Remind every ",
            Preset::AutoReply { .. } => "Auto-reply to new tickets",
        }
    }

    /// The rule this preset installs.
    pub fn rule(&self) -> Rule {
        let timed = |since, after, repeat_every| Elapsed {
            since,
            after,
            business_hours: false,
            repeat_every,
        };
        let days = |d: &Option<TimeDelta>, n| d.unwrap_or(TimeDelta::days(n));
        match self {
            Preset::AutoClose { after } => {
                let after = days(after, 7);
                Rule {
                    name: format!("Close resolved tickets after {}", span(after)),
                    after: Some(timed(Since::Resolved, after, None)),
                    conditions: vec![Condition::Status(vec![Status::Resolved])],
                    actions: vec![RuleAction::SetStatus(Status::Closed)],
                    ..Rule::default()
                }
            }
            Preset::EscalateOpen { after, team } => {
                let after = after.unwrap_or(TimeDelta::hours(48));
                Rule {
                    name: format!("Escalate tickets open over {}", span_hours(after)),
                    after: Some(timed(Since::Created, after, None)),
                    conditions: vec![Condition::Status(Status::ACTIVE.to_vec())],
                    actions: vec![RuleAction::Escalate {
                        team: *team,
                        to_lead: true,
                        raise_priority: true,
                    }],
                    ..Rule::default()
                }
            }
            Preset::RatingReminder { after } => {
                let after = days(after, 2);
                Rule {
                    name: format!("Remind to rate {} after resolution", span(after)),
                    after: Some(timed(Since::Resolved, after, None)),
                    // Closed tickets run no time rules.
                    conditions: vec![
                        Condition::Status(vec![Status::Resolved]),
                        Condition::Rated(false),
                    ],
                    actions: vec![RuleAction::Remind(Reminder::Rating)],
                    ..Rule::default()
                }
            }
            Preset::OverdueReminder { every } => {
                let every = every.unwrap_or(TimeDelta::hours(6));
                Rule {
                    name: format!("Remind every {} while overdue", span(every)),
                    after: Some(timed(Since::Breached, every, Some(every))),
                    conditions: vec![
                        Condition::Status(Status::ACTIVE.to_vec()),
                        Condition::SlaBreached(true),
                    ],
                    actions: vec![RuleAction::Remind(Reminder::Overdue)],
                    ..Rule::default()
                }
            }
            Preset::AutoReply { template } => Rule {
                name: "Auto-reply to new tickets".into(),
                on: vec![super::Trigger::TicketCreated],
                actions: vec![RuleAction::Reply(*template)],
                ..Rule::default()
            },
        }
    }
}

/// `7 days`, `6 hours`, `90 minutes`.
fn span(d: TimeDelta) -> String {
    if d.num_seconds() % 86_400 == 0 {
        plural(d.num_days(), "day")
    } else {
        span_hours(d)
    }
}

/// `48 hours`, `90 minutes`.
fn span_hours(d: TimeDelta) -> String {
    if d.num_seconds() % 3600 == 0 {
        plural(d.num_hours(), "hour")
    } else {
        plural(d.num_minutes(), "minute")
    }
}

fn plural(n: i64, unit: &str) -> String {
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_say_the_span() {
        assert_eq!(span(TimeDelta::days(7)), "7 days");
        assert_eq!(span(TimeDelta::hours(6)), "6 hours");
        assert_eq!(span(TimeDelta::hours(48)), "2 days");
        assert_eq!(span(TimeDelta::days(1)), "1 day");
        assert_eq!(span(TimeDelta::minutes(90)), "90 minutes");
        assert_eq!(
            Preset::EscalateOpen {
                after: None,
                team: None
            }
            .rule()
            .name,
            "Escalate tickets open over 48 hours"
        );
    }
}
