//! The SLA rules as pure functions: which terms apply to a ticket, and how
//! its clocks react to a change. No storage, no system clock.

use super::{PolicyConditions, SlaClock, SlaMetric, SlaPolicy, WarningThreshold};
use crate::calendar::{BusinessCalendar, CalendarConfig};
use crate::event::EventKind;
use crate::ids::PolicyId;
use crate::priority::Priority;
use crate::ticket::{MessageKind, Status, Ticket};
use chrono::{DateTime, TimeDelta, Utc};

const DEFAULT_PAUSE: &[Status] = &[Status::Pending, Status::OnHold];

/// The SLA terms that apply to one ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Terms<'a> {
    /// The matching policy (`None`: the priority's own targets, 24/7).
    pub policy: Option<&'a SlaPolicy>,
    /// First-response target.
    pub first_response: Option<TimeDelta>,
    /// Next-response target.
    pub next_response: Option<TimeDelta>,
    /// Resolution target.
    pub resolution: Option<TimeDelta>,
    /// Warning threshold.
    pub warning: WarningThreshold,
    /// Statuses that pause the clocks.
    pub pause_on: &'a [Status],
}

impl Terms<'_> {
    /// The calendar configuration (`None` is 24/7).
    pub fn calendar(&self) -> Option<&CalendarConfig> {
        self.policy.and_then(|p| p.calendar.as_ref())
    }

    /// The policy id.
    pub fn policy_id(&self) -> Option<PolicyId> {
        self.policy.map(|p| p.id)
    }

    /// The target of `metric`.
    pub fn target(&self, metric: SlaMetric) -> Option<TimeDelta> {
        match metric {
            SlaMetric::FirstResponse => self.first_response,
            SlaMetric::NextResponse => self.next_response,
            SlaMetric::Resolution => self.resolution,
        }
    }
}

impl PolicyConditions {
    /// Whether a ticket (and its customer's tier) meets every condition.
    pub fn matches(&self, t: &Ticket, tier: Option<&str>) -> bool {
        (self.priorities.is_empty() || self.priorities.contains(&t.priority))
            && (self.categories.is_empty()
                || t.category.is_some_and(|c| self.categories.contains(&c)))
            && (self.channels.is_empty() || self.channels.contains(&t.channel))
            && (self.tags.is_empty() || t.tags.iter().any(|tag| self.tags.contains(tag)))
            && (self.customer_tiers.is_empty()
                || tier.is_some_and(|x| self.customer_tiers.iter().any(|c| c == x)))
    }
}

/// Picks the terms for `t`: the first active policy whose conditions match
/// and that has a row for the ticket's priority; otherwise the priority's own
/// targets on a 24/7 calendar.
pub fn resolve<'a>(
    policies: &'a [SlaPolicy],
    priorities: &[Priority],
    t: &Ticket,
    tier: Option<&str>,
) -> Terms<'a> {
    let matched = policies
        .iter()
        .filter(|p| p.active && p.conditions.matches(t, tier))
        .find_map(|p| {
            p.targets
                .iter()
                .find(|x| x.priority == t.priority)
                .map(|x| (p, x))
        });
    match matched {
        Some((policy, target)) => Terms {
            policy: Some(policy),
            first_response: target.first_response,
            next_response: target.next_response,
            resolution: target.resolution,
            warning: policy.warning,
            pause_on: &policy.pause_on,
        },
        None => {
            let p = priorities.iter().find(|p| p.code == t.priority);
            Terms {
                policy: None,
                first_response: p.and_then(|p| p.first_response),
                next_response: None,
                resolution: p.and_then(|p| p.resolution),
                warning: WarningThreshold::default(),
                pause_on: DEFAULT_PAUSE,
            }
        }
    }
}

/// Starts the clocks of a new ticket.
pub fn on_create(t: &mut Ticket, terms: &Terms<'_>, cal: &BusinessCalendar) {
    t.sla.policy = terms.policy_id();
    let metrics = [SlaMetric::FirstResponse, SlaMetric::Resolution];
    t.sla.clocks = Vec::with_capacity(
        metrics
            .iter()
            .filter(|m| terms.target(**m).is_some())
            .count(),
    );
    for metric in metrics {
        if let Some(target) = terms.target(metric) {
            t.sla.clocks.push(SlaClock::start(
                metric,
                target,
                t.created_at,
                cal,
                terms.warning,
            ));
        }
    }
}

/// What changed in one ticket write, as the clocks need to know it.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// The ticket before.
    pub before: &'a Ticket,
    /// Kinds of the messages the write adds.
    pub new_messages: &'a [MessageKind],
    /// When.
    pub now: DateTime<Utc>,
    /// The calendar of the ticket's policy before the change (the time the
    /// clocks ran so far is business time of that calendar).
    pub calendar_before: &'a BusinessCalendar,
}

/// Updates `t`'s clocks for a change (the write's new state) under `terms`
/// on `cal`; returns the SLA events to record (breaches and warnings that
/// fell due before the change).
pub fn on_change(
    t: &mut Ticket,
    change: Change<'_>,
    terms: &Terms<'_>,
    cal: &BusinessCalendar,
) -> Vec<EventKind> {
    let Change {
        before,
        new_messages,
        now,
        calendar_before,
    } = change;
    let mut events = t.sla.settle(now);

    // Terms may have changed (priority, category, tags…): keep consumed time.
    let policy_changed = t.sla.policy != terms.policy_id();
    if policy_changed {
        // The time used so far is measured on the calendar it ran under;
        // only what is left counts on the new one.
        t.sla
            .clocks
            .iter_mut()
            .for_each(|c| c.checkpoint(calendar_before, now));
    }
    t.sla.policy = terms.policy_id();
    // A clock whose metric has no target now is kept, paused (below): when
    // a target applies again, it goes on with the time it used and its
    // pauses, and a breach it recorded stays recorded.
    for metric in SlaMetric::ALL {
        let Some(target) = terms.target(metric) else {
            continue;
        };
        match t.sla.clock_mut(metric) {
            Some(c) if policy_changed || c.target != target => {
                c.retarget(target, cal, terms.warning, now)
            }
            Some(_) => {}
            None => {
                let wanted = match metric {
                    SlaMetric::FirstResponse => t.first_response_at.is_none(),
                    SlaMetric::Resolution => true,
                    SlaMetric::NextResponse => false,
                };
                if wanted {
                    let mut c = SlaClock::start(metric, target, t.created_at, cal, terms.warning);
                    c.retarget(target, cal, terms.warning, now);
                    t.sla.add_current(c);
                }
            }
        }
    }

    // The clocks paused with no target for their metric: one that stops
    // below is void (neither met nor breached), not met.
    let waiting: Vec<(SlaMetric, DateTime<Utc>)> = t
        .sla
        .clocks
        .iter()
        .filter(|c| c.is_live() && !c.is_running() && terms.target(c.metric).is_none())
        .map(|c| (c.metric, c.started_at))
        .collect();

    // Responses.
    if before.first_response_at.is_none()
        && t.first_response_at.is_some()
        && let Some(c) = t.sla.clock_mut(SlaMetric::FirstResponse)
    {
        c.stop(cal, now);
    }
    if new_messages.contains(&MessageKind::Reply)
        && let Some(c) = t.sla.clock_mut(SlaMetric::NextResponse)
    {
        c.stop(cal, now);
    }
    if new_messages.contains(&MessageKind::Customer)
        && before.first_response_at.is_some()
        && let (Some(since), Some(target)) = (t.awaiting_reply_since, terms.next_response)
    {
        // A message older than the stop of the last next-response clock
        // was answered by that stop (a resolve, a close): the new clock
        // counts from this message.
        let answered = t
            .sla
            .clock(SlaMetric::NextResponse)
            .and_then(|c| c.stopped_at)
            .is_some_and(|stopped| stopped >= since);
        let since = if answered { now } else { since };
        let unanswered_before = before.awaiting_reply_since.is_some();
        let live = t
            .sla
            .clock(SlaMetric::NextResponse)
            .is_some_and(SlaClock::is_live);
        if !(unanswered_before && live) {
            let fresh = SlaClock::start(SlaMetric::NextResponse, target, since, cal, terms.warning);
            t.sla.replace_next_response(fresh, cal, now);
        }
    }

    // Status: stop, restart, pause, resume.
    let was_active = before.status.is_active();
    if !t.status.is_active() {
        t.sla.clocks.iter_mut().for_each(|c| c.stop(cal, now));
    } else {
        if !was_active && let Some(c) = t.sla.clock_mut(SlaMetric::Resolution) {
            c.restart(cal, terms.warning, now);
        }
        let pausing = terms.pause_on.contains(&t.status)
            || crate::incident::IncidentLink::holds_sla(t.incident.as_ref());
        for c in &mut t.sla.clocks {
            if pausing || terms.target(c.metric).is_none() {
                c.pause(cal, now);
            } else {
                c.resume(cal, terms.warning, now);
            }
        }
    }
    events.extend(t.sla.settle(now));
    for c in &mut t.sla.clocks {
        if waiting.contains(&(c.metric, c.started_at)) {
            c.void_unless_breached();
        }
    }
    events
}
