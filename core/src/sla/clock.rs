//! The SLA clocks a ticket carries, and their pure transitions.

use crate::calendar::BusinessCalendar;
use crate::ids::PolicyId;
use crate::sla::WarningThreshold;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// Which target a clock measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// All metrics.
    pub const ALL: [SlaMetric; 3] = [
        SlaMetric::FirstResponse,
        SlaMetric::NextResponse,
        SlaMetric::Resolution,
    ];

    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            SlaMetric::FirstResponse => "first_response",
            SlaMetric::NextResponse => "next_response",
            SlaMetric::Resolution => "resolution",
        }
    }
}

impl std::str::FromStr for SlaMetric {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        SlaMetric::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                crate::Error::invalid_input("metric", format!("unknown SLA metric {s:?}"))
            })
    }
}

/// A clock's state, derived from its instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClockStatus {
    /// Counting business time toward its due instant.
    Running,
    /// Not counting: the ticket is in a pausing status (or held by an
    /// incident), or no target applies to its metric.
    Paused,
    /// Stopped in time.
    Met,
    /// Its due instant passed before it stopped (it may still be counting).
    Breached,
    /// Stopped while no target applied to its metric (it was paused for
    /// that): neither met nor breached, and not counted.
    Void,
}

/// A span during which a clock was paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Pause {
    /// Paused at.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub from: DateTime<Utc>,
    /// Resumed at (`None` while still paused).
    #[serde(serialize_with = "crate::time_serde::opt_instant")]
    pub to: Option<DateTime<Utc>>,
}

/// One SLA clock of a ticket.
///
/// Invariant: while running, `due_at = calendar.add(running_since, target - consumed)`
/// (`None` when that falls after [`limits::max_instant`](crate::limits::max_instant)),
/// so a pause of any length moves the due instant by exactly the business
/// time it covered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SlaClock {
    /// What it measures.
    pub metric: SlaMetric,
    /// State (derived from the fields below, kept for readers and queries).
    pub status: ClockStatus,
    /// The business-time target.
    #[serde(with = "crate::duration_serde::secs")]
    #[cfg_attr(feature = "schema", schemars(with = "crate::duration_serde::Seconds"))]
    pub target: TimeDelta,
    /// When the clock started.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub started_at: DateTime<Utc>,
    /// Business time consumed before `running_since` (whole earlier running spans).
    #[serde(with = "crate::duration_serde::secs")]
    #[cfg_attr(feature = "schema", schemars(with = "crate::duration_serde::Seconds"))]
    pub consumed: TimeDelta,
    /// Start of the current running span (`None` while paused or stopped).
    #[serde(serialize_with = "crate::time_serde::opt_instant")]
    pub running_since: Option<DateTime<Utc>>,
    /// The due instant while running (kept once breached).
    #[serde(serialize_with = "crate::time_serde::opt_instant")]
    pub due_at: Option<DateTime<Utc>>,
    /// When the warning falls due (`None` once emitted or not applicable).
    #[serde(serialize_with = "crate::time_serde::opt_instant")]
    pub warn_at: Option<DateTime<Utc>>,
    /// Whether the warning was emitted (or skipped because the breach came first).
    pub warned: bool,
    /// The true instant of the breach (the due instant), once recorded.
    #[serde(serialize_with = "crate::time_serde::opt_instant")]
    pub breached_at: Option<DateTime<Utc>>,
    /// When the clock stopped for good (met, or stopped after a breach).
    #[serde(serialize_with = "crate::time_serde::opt_instant")]
    pub stopped_at: Option<DateTime<Utc>>,
    /// Pauses, oldest first.
    #[serde(default)]
    pub pauses: Vec<Pause>,
    /// Stopped while no target applied to its metric ([`ClockStatus::Void`]).
    #[serde(default)]
    pub void: bool,
}

/// All SLA clocks of a ticket. Serialized with the derived `due_at` (the
/// earliest due instant of a running clock), which deserialization ignores.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct SlaState {
    /// The policy that applies (`None`: the priorities' own targets, 24/7).
    pub policy: Option<PolicyId>,
    /// The clocks: the current one of each metric, then, at most once, a
    /// breached next-response clock a later one replaced.
    pub clocks: Vec<SlaClock>,
}

/// What [`SlaState`] serializes as.
#[derive(Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename = "SlaState")]
struct SlaStateOut<'a> {
    /// The policy that applies (`None`: the priorities' own targets, 24/7).
    policy: Option<PolicyId>,
    /// The earliest due instant of a running clock.
    #[serde(serialize_with = "crate::time_serde::opt_instant")]
    due_at: Option<DateTime<Utc>>,
    /// The clocks: the current one of each metric, then, at most once, a
    /// breached next-response clock a later one replaced.
    clocks: &'a [SlaClock],
}

impl Serialize for SlaState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SlaStateOut {
            policy: self.policy,
            due_at: self.due_at(),
            clocks: &self.clocks,
        }
        .serialize(s)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for SlaState {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SlaState".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        SlaStateOut::json_schema(g)
    }
}

/// Smallest step a stored instant can take (PostgreSQL keeps microseconds):
/// a breach is checked for one step after the due instant.
const STEP: TimeDelta = TimeDelta::microseconds(1);

impl SlaClock {
    /// Starts a clock counting from `from` (which may lie before `now`, e.g.
    /// the oldest unanswered message) on `cal`.
    pub(crate) fn start(
        metric: SlaMetric,
        target: TimeDelta,
        from: DateTime<Utc>,
        cal: &BusinessCalendar,
        warning: WarningThreshold,
    ) -> Self {
        let mut c = SlaClock {
            metric,
            status: ClockStatus::Running,
            target,
            started_at: from,
            consumed: TimeDelta::zero(),
            running_since: Some(from),
            due_at: None,
            warn_at: None,
            warned: false,
            breached_at: None,
            stopped_at: None,
            pauses: Vec::new(),
            void: false,
        };
        c.schedule(cal, warning);
        c
    }

    /// Not stopped for good.
    pub fn is_live(&self) -> bool {
        self.stopped_at.is_none()
    }

    /// Live and counting.
    pub fn is_running(&self) -> bool {
        self.is_live() && self.running_since.is_some()
    }

    /// Business time consumed up to `now`.
    pub fn consumed_at(&self, cal: &BusinessCalendar, now: DateTime<Utc>) -> TimeDelta {
        self.consumed
            + self
                .running_since
                .map_or(TimeDelta::zero(), |s| cal.between(s, now.max(s)))
    }

    fn refresh_status(&mut self) {
        self.status = match (self.stopped_at, self.breached_at, self.running_since) {
            (Some(_), Some(_), _) => ClockStatus::Breached,
            (Some(_), None, _) if self.void => ClockStatus::Void,
            (Some(_), None, _) => ClockStatus::Met,
            (None, Some(_), _) => ClockStatus::Breached,
            (None, None, Some(_)) => ClockStatus::Running,
            (None, None, None) => ClockStatus::Paused,
        };
    }

    /// Recomputes due and warning instants from the current running span.
    /// An instant past the latest one Ticketry stores
    /// ([`limits::max_instant`](crate::limits::max_instant), the end of
    /// 9999, which a Python `datetime` cannot pass) is no due date: the clock
    /// never falls due, as when the calendar runs out of business time.
    fn schedule(&mut self, cal: &BusinessCalendar, warning: WarningThreshold) {
        let add = |since, d| {
            cal.add(since, d)
                .filter(|t| *t <= crate::limits::max_instant())
        };
        if let (Some(since), None) = (self.running_since, self.breached_at) {
            self.due_at = add(since, (self.target - self.consumed).max(TimeDelta::zero()));
            let offset = warning.offset(self.target);
            self.warn_at = if self.warned {
                None
            } else if offset > self.consumed {
                add(since, offset - self.consumed)
            } else {
                Some(since)
            };
        } else if self.breached_at.is_none() {
            self.due_at = None;
            self.warn_at = None;
        }
        self.refresh_status();
    }

    /// Pauses at `now` (a pausing status began).
    pub(crate) fn pause(&mut self, cal: &BusinessCalendar, now: DateTime<Utc>) {
        if !self.is_running() {
            return;
        }
        self.consumed = self.consumed_at(cal, now);
        self.running_since = None;
        self.pauses.push(Pause {
            from: now,
            to: None,
        });
        // Paused: no due instant, no warning (a breached clock keeps its due).
        if self.breached_at.is_none() {
            self.due_at = None;
            self.warn_at = None;
        }
        self.refresh_status();
    }

    /// Resumes at `now`: the due instant moves by the paused business time.
    pub(crate) fn resume(
        &mut self,
        cal: &BusinessCalendar,
        warning: WarningThreshold,
        now: DateTime<Utc>,
    ) {
        if !self.is_live() || self.running_since.is_some() {
            return;
        }
        if let Some(p) = self.pauses.last_mut().filter(|p| p.to.is_none()) {
            p.to = Some(now);
        }
        self.running_since = Some(now);
        self.schedule(cal, warning);
    }

    /// Books the business time run on `cal` up to `now` as consumed, and
    /// runs on from `now` (before the clock moves to another calendar).
    pub(crate) fn checkpoint(&mut self, cal: &BusinessCalendar, now: DateTime<Utc>) {
        if self.is_running() && self.running_since.is_some_and(|s| s <= now) {
            self.consumed = self.consumed_at(cal, now);
            self.running_since = Some(now);
        }
    }

    /// Changes the target (policy or priority changed) keeping the business
    /// time already consumed: a new, shorter target may breach at once.
    pub(crate) fn retarget(
        &mut self,
        target: TimeDelta,
        cal: &BusinessCalendar,
        warning: WarningThreshold,
        now: DateTime<Utc>,
    ) {
        if !self.is_live() {
            return;
        }
        let consumed = self.consumed_at(cal, now);
        self.consumed = consumed;
        self.target = target;
        if self.running_since.is_some() {
            self.running_since = Some(now);
        }
        self.schedule(cal, warning);
        if consumed >= target && self.breached_at.is_none() && self.running_since.is_some() {
            // Already over the new target: overdue from now on, never later.
            self.due_at = Some(now);
        }
    }

    /// Stops for good at `now`: met if not past due, breached otherwise.
    pub(crate) fn stop(&mut self, cal: &BusinessCalendar, now: DateTime<Utc>) {
        if !self.is_live() {
            return;
        }
        if let Some(due) = self
            .due_at
            .filter(|d| BusinessCalendar::is_breached(*d, now))
        {
            self.breached_at.get_or_insert(due);
        }
        self.consumed = self.consumed_at(cal, now);
        self.running_since = None;
        if let Some(p) = self.pauses.last_mut().filter(|p| p.to.is_none()) {
            p.to = Some(now);
        }
        self.stopped_at = Some(now);
        self.warn_at = None;
        self.refresh_status();
    }

    /// Marks a clock stopped while no target applied: [`ClockStatus::Void`]
    /// unless it had breached before.
    pub(crate) fn void_unless_breached(&mut self) {
        if !self.is_live() && self.breached_at.is_none() {
            self.void = true;
            self.refresh_status();
        }
    }

    /// Restarts a stopped clock (the ticket was reopened), keeping what it consumed.
    pub(crate) fn restart(
        &mut self,
        cal: &BusinessCalendar,
        warning: WarningThreshold,
        now: DateTime<Utc>,
    ) {
        if self.is_live() {
            return;
        }
        self.stopped_at = None;
        self.void = false;
        self.running_since = Some(now);
        self.schedule(cal, warning);
    }

    /// The next instant a sweep has something to record for this clock.
    fn next_check(&self) -> Option<DateTime<Utc>> {
        if !self.is_running() {
            return None;
        }
        let warn = self.warn_at.filter(|_| !self.warned);
        let breach = self
            .due_at
            .filter(|_| self.breached_at.is_none())
            .map(|d| d + STEP);
        warn.into_iter().chain(breach).min()
    }

    /// Records what happened by `now` (warning, breach) without a calendar:
    /// returns the events to emit. Idempotent: a second call at the same or
    /// a later instant records nothing twice.
    pub(crate) fn settle(&mut self, now: DateTime<Utc>) -> Vec<crate::event::EventKind> {
        use crate::event::EventKind;
        let mut out = Vec::new();
        if !self.is_running() {
            return out;
        }
        let breach = self
            .due_at
            .filter(|d| self.breached_at.is_none() && BusinessCalendar::is_breached(*d, now));
        if !self.warned && self.warn_at.is_some_and(|w| w <= now) {
            self.warned = true;
            self.warn_at = None;
            if breach.is_none()
                && let Some(due_at) = self.due_at
            {
                out.push(EventKind::SlaWarning {
                    metric: self.metric,
                    due_at,
                });
            }
        }
        if let Some(due) = breach {
            self.breached_at = Some(due);
            self.warned = true;
            self.warn_at = None;
            out.push(EventKind::SlaBreached {
                metric: self.metric,
                due_at: due,
                breached_at: due,
            });
        }
        self.refresh_status();
        out
    }
}

impl SlaState {
    /// The earliest instant at which a sweep has something to record for
    /// this ticket (a warning not yet emitted, or one microsecond after a
    /// due instant not yet recorded as breached). Backends index tickets by it.
    pub fn next_check(&self) -> Option<DateTime<Utc>> {
        self.clocks.iter().filter_map(SlaClock::next_check).min()
    }

    /// The earliest due instant over running clocks (the queue's "due time").
    pub fn due_at(&self) -> Option<DateTime<Utc>> {
        self.clocks
            .iter()
            .filter(|c| c.is_running())
            .filter_map(|c| c.due_at)
            .min()
    }

    /// Whether any clock breached (stopped or still counting).
    pub fn has_breached(&self) -> bool {
        self.clocks
            .iter()
            .any(|c| c.status == ClockStatus::Breached)
    }

    /// Puts `fresh` in place of the next-response clock (a new customer
    /// message after the last was answered). A breached one it replaces
    /// stays on record after the current clocks, stopped, unless an earlier
    /// breach is on record already: the ticket keeps `has_breached`, rules
    /// on breaches and the metrics keep counting the miss.
    pub(crate) fn replace_next_response(
        &mut self,
        fresh: SlaClock,
        cal: &BusinessCalendar,
        now: DateTime<Utc>,
    ) {
        let metric = SlaMetric::NextResponse;
        let Some(i) = self.clocks.iter().position(|c| c.metric == metric) else {
            self.add_current(fresh);
            return;
        };
        let mut old = std::mem::replace(&mut self.clocks[i], fresh);
        let on_record = self.clocks[i + 1..].iter().any(|c| c.metric == metric);
        if old.breached_at.is_some() && !on_record {
            old.stop(cal, now);
            self.clocks.push(old);
        }
    }

    /// Adds a current clock (of a metric that has none), before a
    /// next-response clock kept on record.
    pub(crate) fn add_current(&mut self, c: SlaClock) {
        let metric = SlaMetric::NextResponse;
        let kept = self
            .clocks
            .iter()
            .enumerate()
            .filter(|(_, c)| c.metric == metric)
            .nth(1)
            .map(|(i, _)| i);
        match kept {
            Some(i) => self.clocks.insert(i, c),
            None => self.clocks.push(c),
        }
    }

    /// The clock for `metric`, if any (the current one: a breached
    /// next-response clock kept on record comes after it).
    pub fn clock(&self, metric: SlaMetric) -> Option<&SlaClock> {
        self.clocks.iter().find(|c| c.metric == metric)
    }

    pub(crate) fn clock_mut(&mut self, metric: SlaMetric) -> Option<&mut SlaClock> {
        self.clocks.iter_mut().find(|c| c.metric == metric)
    }

    /// Records warnings and breaches due by `now`; returns their events.
    pub(crate) fn settle(&mut self, now: DateTime<Utc>) -> Vec<crate::event::EventKind> {
        self.clocks.iter_mut().flat_map(|c| c.settle(now)).collect()
    }
}
