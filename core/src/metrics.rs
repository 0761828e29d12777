//! Support metrics over a period: volumes, response and resolution times in
//! calendar and business time, CSAT, reopen rate and SLA compliance, grouped
//! by day, week or month of the workspace's time zone and/or by agent, team,
//! category, priority or channel.
//!
//! [`compute`] is a pure function of the [`TicketFacts`] a store returns for
//! the period ([`TicketStore::report_tickets`](crate::store::TicketStore::report_tickets)):
//! nothing is pre-aggregated, so medians and percentiles are exact.
//!
//! Definitions (each event counts in the group of the instant it happened):
//! - **created / resolved / closed / reopened**: tickets whose `created_at`,
//!   (last) `resolved_at`, `closed_at`, last reopening fall in the group;
//! - **backlog**: tickets open at the group's end (created before it and, as
//!   of their latest resolution, not resolved, closed or cancelled by then);
//! - **first response time**: creation → first *public agent reply* (never a
//!   note, a system message or an auto-reply), for tickets first answered in
//!   the group; **resolution time**: creation → last resolution, for tickets
//!   resolved in the group. Both in calendar time and in business time of the
//!   ticket's SLA calendar (24/7 without a policy);
//! - **waiting on the customer**: time the tickets resolved in the group spent
//!   `pending`, reported apart (it is not subtracted from the times above);
//! - **CSAT**: ratings given in the group; response rate = ratings / resolved;
//! - **reopen rate**: reopened / resolved;
//! - **SLA**: for tickets created in the group, each metric's tickets met,
//!   breached (any of its clocks of that metric, a next-response miss kept on
//!   record included), or still running (running or paused); a void clock is
//!   not counted.
//!
//! Percentiles are nearest-rank: the median of 1, 2, 3, 4 hours is 2 hours.

use crate::error::{Error, Result};
use crate::sla::{ClockStatus, SlaMetric};
use crate::ticket::{Status, Ticket};
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most groups (time buckets × keys) one report may hold.
pub const MAX_GROUPS: usize = 1_000;

/// A time bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Interval {
    /// Local days.
    Day,
    /// Local weeks, from Monday.
    Week,
    /// Local calendar months.
    Month,
}

/// A grouping key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// The assignee (no key: unassigned).
    Agent,
    /// The team.
    Team,
    /// The category.
    Category,
    /// The priority code.
    Priority,
    /// The channel.
    Channel,
}

/// What [`Helpdesk::metrics`](crate::Helpdesk::metrics) reports.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct MetricsQuery {
    /// Start of the period (included).
    pub since: DateTime<Utc>,
    /// End of the period (excluded).
    pub until: DateTime<Utc>,
    /// Group by day, week or month (of the workspace's time zone).
    #[serde(default)]
    pub interval: Option<Interval>,
    /// Group by a key.
    #[serde(default)]
    pub group_by: Option<Dimension>,
}

/// Count, mean, median and 90th percentile of durations.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DurationStats {
    /// How many.
    pub count: u64,
    /// Mean.
    #[serde(with = "crate::duration_serde::opt_secs")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::duration_serde::Seconds>")
    )]
    pub mean: Option<TimeDelta>,
    /// Median (nearest rank).
    #[serde(with = "crate::duration_serde::opt_secs")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::duration_serde::Seconds>")
    )]
    pub median: Option<TimeDelta>,
    /// 90th percentile (nearest rank).
    #[serde(with = "crate::duration_serde::opt_secs")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::duration_serde::Seconds>")
    )]
    pub p90: Option<TimeDelta>,
}

impl DurationStats {
    /// The figures of `values` (in any order), to the second (durations are
    /// cut to whole seconds, as they are stored and shown).
    ///
    /// ```
    /// use chrono::TimeDelta;
    /// use ticketry_core::metrics::DurationStats;
    /// let s = DurationStats::of((1..=4).map(TimeDelta::hours).collect());
    /// assert_eq!((s.count, s.median, s.p90), (4, Some(TimeDelta::hours(2)), Some(TimeDelta::hours(4))));
    /// assert_eq!(s.mean, Some(TimeDelta::minutes(150)));
    /// ```
    pub fn of(values: Vec<TimeDelta>) -> Self {
        let mut values: Vec<TimeDelta> = values
            .into_iter()
            .map(|d| TimeDelta::seconds(d.num_seconds()))
            .collect();
        values.sort();
        let n = values.len();
        let rank = |q: f64| values[((q * n as f64).ceil() as usize).clamp(1, n) - 1];
        if n == 0 {
            return Self::default();
        }
        let total: i64 = values.iter().map(|d| d.num_seconds()).sum();
        Self {
            count: n as u64,
            mean: Some(TimeDelta::seconds(total / n as i64)),
            median: Some(rank(0.5)),
            p90: Some(rank(0.9)),
        }
    }
}

/// Customer satisfaction.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Csat {
    /// Ratings given.
    pub responses: u64,
    /// Their mean (1–5).
    pub mean: Option<f64>,
    /// How many of each rating, 1 to 5.
    pub distribution: [u64; 5],
    /// Ratings per ticket resolved.
    pub response_rate: Option<f64>,
}

/// One SLA metric: its tickets, by how their clocks of it stand.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SlaCompliance {
    /// The metric.
    pub metric: SlaMetric,
    /// Stopped in time.
    pub met: u64,
    /// Breached (any clock of the metric, a kept next-response miss too).
    pub breached: u64,
    /// Still running or paused.
    pub running: u64,
    /// `met / (met + breached)`.
    pub compliance: Option<f64>,
}

/// The figures of one group (or of the whole period).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MetricsRow {
    /// Tickets created.
    pub created: u64,
    /// Tickets resolved.
    pub resolved: u64,
    /// Tickets closed.
    pub closed: u64,
    /// Tickets reopened.
    pub reopened: u64,
    /// Tickets open at the end.
    pub backlog: u64,
    /// Creation → first public agent reply.
    pub first_response: DurationStats,
    /// The same in business time.
    pub first_response_business: DurationStats,
    /// Creation → resolution.
    pub resolution: DurationStats,
    /// The same in business time.
    pub resolution_business: DurationStats,
    /// Time the resolved tickets spent waiting on the customer.
    pub waiting_on_customer: DurationStats,
    /// Ratings.
    pub csat: Csat,
    /// Reopened per resolved.
    pub reopen_rate: Option<f64>,
    /// Per SLA metric.
    pub sla: Vec<SlaCompliance>,
}

/// One group's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MetricsGroup {
    /// The time bucket's start (with an interval).
    #[serde(serialize_with = "crate::time_serde::opt_instant")]
    pub start: Option<DateTime<Utc>>,
    /// The grouping key's value (with `group_by`; `None`: no value, such as
    /// unassigned).
    pub key: Option<String>,
    /// The figures.
    pub figures: MetricsRow,
}

/// A metrics report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Metrics {
    /// Start of the period.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub since: DateTime<Utc>,
    /// End of the period.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub until: DateTime<Utc>,
    /// The time zone buckets follow.
    pub timezone: String,
    /// The whole period.
    pub totals: MetricsRow,
    /// Per bucket and/or key, by bucket then key (empty without grouping).
    pub groups: Vec<MetricsGroup>,
}

/// One local day's figures, stored once ([`Helpdesk::record_daily_stats`](crate::Helpdesk::record_daily_stats)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DailyStats {
    /// The day, in the workspace's time zone.
    pub day: NaiveDate,
    /// When the figures were computed.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub recorded_at: DateTime<Utc>,
    /// The figures of the day (backlog: at its end).
    pub figures: MetricsRow,
}

/// What the metrics read of a ticket: a small record a store keeps (or
/// derives) per ticket, so a report never loads whole tickets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketFacts {
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Status.
    pub status: Status,
    /// Priority code.
    pub priority: String,
    /// Category.
    pub category: Option<crate::ids::CategoryId>,
    /// Channel.
    pub channel: crate::ticket::Channel,
    /// Assignee.
    pub assignee: Option<crate::ids::AgentId>,
    /// Team.
    pub team: Option<crate::ids::TeamId>,
    /// First public agent reply.
    pub first_response_at: Option<DateTime<Utc>>,
    /// Last resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Last closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// The rating and when it was given.
    pub rating: Option<(u8, DateTime<Utc>)>,
    /// The SLA policy (its calendar measures business time).
    pub sla_policy: Option<crate::ids::PolicyId>,
    /// Each SLA clock's metric and status.
    pub clocks: Vec<(SlaMetric, ClockStatus)>,
    /// Reopenings and waiting on the customer.
    pub activity: crate::ticket::Activity,
}

impl From<&Ticket> for TicketFacts {
    fn from(t: &Ticket) -> Self {
        Self {
            created_at: t.created_at,
            updated_at: t.updated_at,
            status: t.status,
            priority: t.priority.clone(),
            category: t.category,
            channel: t.channel,
            assignee: t.assignee.clone(),
            team: t.team,
            first_response_at: t.first_response_at,
            resolved_at: t.resolved_at,
            closed_at: t.closed_at,
            rating: t.satisfaction.as_ref().map(|s| (s.rating, s.rated_at)),
            sla_policy: t.sla.policy,
            clocks: t.sla.clocks.iter().map(|c| (c.metric, c.status)).collect(),
            activity: t.activity.clone(),
        }
    }
}

/// The local-time buckets of `[since, until)`: each `(start, end)`, the
/// first and last cut at the period's bounds.
pub fn buckets(
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    interval: Interval,
    tz: Tz,
) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>)>> {
    let local_start = |d: NaiveDate| -> DateTime<Utc> {
        let midnight = d.and_time(chrono::NaiveTime::MIN);
        // A midnight skipped by a DST change starts at the next hour.
        tz.from_local_datetime(&midnight)
            .earliest()
            .or_else(|| {
                tz.from_local_datetime(&(midnight + TimeDelta::hours(1)))
                    .earliest()
            })
            .map_or(DateTime::<Utc>::MIN_UTC, |d| d.with_timezone(&Utc))
    };
    let first_day = |d: NaiveDate| match interval {
        Interval::Day => d,
        Interval::Week => d - TimeDelta::days(i64::from(d.weekday().num_days_from_monday())),
        Interval::Month => d.with_day(1).unwrap_or(d),
    };
    let next_day = |d: NaiveDate| match interval {
        Interval::Day => d.succ_opt(),
        Interval::Week => d.checked_add_signed(TimeDelta::days(7)),
        Interval::Month => d.checked_add_months(chrono::Months::new(1)),
    };
    let mut out = Vec::new();
    let mut day = first_day(since.with_timezone(&tz).date_naive());
    let mut start = since;
    while start < until {
        let next = next_day(day).ok_or_else(|| Error::invalid_input("until", "too far"))?;
        let end = local_start(next).min(until);
        if end > start {
            out.push((start, end));
        }
        if out.len() > MAX_GROUPS {
            return Err(Error::invalid_input(
                "interval",
                format!(
                    "more than {MAX_GROUPS} groups: choose a longer interval or a shorter period"
                ),
            ));
        }
        start = end.max(start);
        day = next;
    }
    Ok(out)
}

/// The value of `d` for `t`.
fn key(t: &TicketFacts, d: Dimension) -> Option<String> {
    match d {
        Dimension::Agent => t.assignee.as_ref().map(|a| a.to_string()),
        Dimension::Team => t.team.map(|x| x.to_string()),
        Dimension::Category => t.category.map(|x| x.to_string()),
        Dimension::Priority => Some(t.priority.clone()),
        Dimension::Channel => Some(t.channel.as_str().to_owned()),
    }
}

/// When a finished ticket finished (as of its latest resolution).
fn finished_at(t: &TicketFacts) -> Option<DateTime<Utc>> {
    if t.status.is_active() {
        return None;
    }
    match t.status {
        Status::Cancelled => t.closed_at.or(Some(t.updated_at)),
        _ => t.resolved_at.or(t.closed_at).or(Some(t.updated_at)),
    }
}

/// Computes the report of `q` from `tickets` (at least every ticket with an
/// event in the period or open during it; others are ignored), with
/// `business(t, a, b)` the business time between `a` and `b` on `t`'s SLA
/// calendar.
pub fn compute(
    q: &MetricsQuery,
    tz: Tz,
    tickets: &[TicketFacts],
    business: impl Fn(&TicketFacts, DateTime<Utc>, DateTime<Utc>) -> TimeDelta,
) -> Result<Metrics> {
    if q.until <= q.since {
        return Err(Error::invalid_input("until", "must be after `since`"));
    }
    let spans = match q.interval {
        Some(i) => buckets(q.since, q.until, i, tz)?,
        None => vec![(q.since, q.until)],
    };
    let mut groups = Vec::new();
    if q.interval.is_some() || q.group_by.is_some() {
        for &(start, end) in &spans {
            let mut keyed: BTreeMap<Option<String>, Vec<&TicketFacts>> = BTreeMap::new();
            match q.group_by {
                Some(d) => {
                    for t in tickets {
                        keyed.entry(key(t, d)).or_default().push(t);
                    }
                }
                None => {
                    keyed.insert(None, tickets.iter().collect());
                }
            }
            for (k, ts) in keyed {
                let figures = row(&ts, start, end, &business);
                if q.group_by.is_some() && figures.is_empty() {
                    continue;
                }
                groups.push(MetricsGroup {
                    start: q.interval.map(|_| start),
                    key: k,
                    figures,
                });
                if groups.len() > MAX_GROUPS {
                    return Err(Error::invalid_input(
                        "group_by",
                        format!("more than {MAX_GROUPS} groups"),
                    ));
                }
            }
        }
    }
    let all: Vec<&TicketFacts> = tickets.iter().collect();
    Ok(Metrics {
        since: q.since,
        until: q.until,
        timezone: tz.name().to_owned(),
        totals: row(&all, q.since, q.until, &business),
        groups,
    })
}

impl MetricsRow {
    /// Nothing happened and nothing is open.
    fn is_empty(&self) -> bool {
        self.created == 0
            && self.resolved == 0
            && self.closed == 0
            && self.reopened == 0
            && self.backlog == 0
            && self.first_response.count == 0
            && self.csat.responses == 0
            && self.sla.iter().all(|s| s.met + s.breached + s.running == 0)
    }
}

fn row(
    tickets: &[&TicketFacts],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    business: &impl Fn(&TicketFacts, DateTime<Utc>, DateTime<Utc>) -> TimeDelta,
) -> MetricsRow {
    let within = |at: Option<DateTime<Utc>>| at.is_some_and(|x| x >= start && x < end);
    let (mut frt, mut frt_b, mut res, mut res_b, mut wait) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut r = MetricsRow {
        created: 0,
        resolved: 0,
        closed: 0,
        reopened: 0,
        backlog: 0,
        first_response: DurationStats::default(),
        first_response_business: DurationStats::default(),
        resolution: DurationStats::default(),
        resolution_business: DurationStats::default(),
        waiting_on_customer: DurationStats::default(),
        csat: Csat::default(),
        reopen_rate: None,
        sla: Vec::new(),
    };
    let mut sla: BTreeMap<SlaMetric, [u64; 3]> = BTreeMap::new();
    let mut ratings = 0u64;
    for t in tickets {
        if within(Some(t.created_at)) {
            r.created += 1;
            // One count per ticket and metric: breached if any of its clocks
            // of that metric breached (a next-response miss kept on record),
            // otherwise as its current clock (the first) stands.
            for (i, &(metric, status)) in t.clocks.iter().enumerate() {
                if t.clocks[..i].iter().any(|(m, _)| *m == metric) {
                    continue;
                }
                let breached = t
                    .clocks
                    .iter()
                    .any(|&(m, s)| m == metric && s == ClockStatus::Breached);
                let slot = match status {
                    _ if breached => 1,
                    ClockStatus::Met => 0,
                    ClockStatus::Breached => 1,
                    ClockStatus::Running | ClockStatus::Paused => 2,
                    // Stopped while no target applied: not counted.
                    ClockStatus::Void => continue,
                };
                sla.entry(metric).or_default()[slot] += 1;
            }
        }
        if within(t.resolved_at) && t.status != Status::Cancelled {
            r.resolved += 1;
            let at = t.resolved_at.unwrap_or(t.created_at);
            res.push(at - t.created_at);
            res_b.push(business(t, t.created_at, at));
            wait.push(t.activity.waiting_until(at));
        }
        if within(t.closed_at) {
            r.closed += 1;
        }
        if within(t.activity.reopened_at) {
            r.reopened += 1;
        }
        if t.created_at < end && finished_at(t).is_none_or(|f| f > end) {
            r.backlog += 1;
        }
        if let Some(at) = t.first_response_at.filter(|&at| within(Some(at))) {
            frt.push(at - t.created_at);
            frt_b.push(business(t, t.created_at, at));
        }
        if let Some((rating, _)) = t.rating.filter(|&(_, at)| within(Some(at))) {
            r.csat.responses += 1;
            ratings += u64::from(rating);
            if let Some(slot) = r
                .csat
                .distribution
                .get_mut(usize::from(rating).wrapping_sub(1))
            {
                *slot += 1;
            }
        }
    }
    r.first_response = DurationStats::of(frt);
    r.first_response_business = DurationStats::of(frt_b);
    r.resolution = DurationStats::of(res);
    r.resolution_business = DurationStats::of(res_b);
    r.waiting_on_customer = DurationStats::of(wait);
    let per = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
    r.csat.mean = per(ratings, r.csat.responses);
    r.csat.response_rate = per(r.csat.responses, r.resolved);
    r.reopen_rate = per(r.reopened, r.resolved);
    r.sla = sla
        .into_iter()
        .map(|(metric, [met, breached, running])| SlaCompliance {
            metric,
            met,
            breached,
            running,
            compliance: per(met, met + breached),
        })
        .collect();
    r
}

/// The report as CSV (RFC 4180, CRLF): a header line, then one line for the
/// totals (`start` and `key` empty) and one per group. Durations are in
/// seconds, rates as fractions, instants in RFC 3339 with the workspace's
/// offset.
pub fn csv(m: &Metrics, tz: Tz) -> Result<String> {
    let mut header: Vec<String> = [
        "start", "key", "created", "resolved", "closed", "reopened", "backlog",
    ]
    .map(String::from)
    .into();
    for d in [
        "first_response",
        "first_response_business",
        "resolution",
        "resolution_business",
        "waiting_on_customer",
    ] {
        for s in ["count", "mean_s", "median_s", "p90_s"] {
            header.push(format!("{d}_{s}"));
        }
    }
    header.extend(
        [
            "csat_responses",
            "csat_mean",
            "csat_response_rate",
            "reopen_rate",
        ]
        .map(String::from),
    );
    for metric in SlaMetric::ALL {
        for s in ["met", "breached", "running"] {
            header.push(format!("sla_{}_{s}", metric.as_str()));
        }
    }
    let mut out = Vec::new();
    crate::export::record(&mut out, header)?;
    let num = |x: Option<f64>| x.map(|v| format!("{v:.4}")).unwrap_or_default();
    let secs = |x: Option<TimeDelta>| {
        x.map(|d| format!("{:.0}", d.num_milliseconds() as f64 / 1000.0))
            .unwrap_or_default()
    };
    let mut line = |start: Option<DateTime<Utc>>, key: Option<&str>, r: &MetricsRow| {
        let mut cells = vec![
            start
                .map(|s| s.with_timezone(&tz).to_rfc3339())
                .unwrap_or_default(),
            key.unwrap_or_default().to_owned(),
        ];
        cells.extend(
            [r.created, r.resolved, r.closed, r.reopened, r.backlog].map(|n| n.to_string()),
        );
        for d in [
            &r.first_response,
            &r.first_response_business,
            &r.resolution,
            &r.resolution_business,
            &r.waiting_on_customer,
        ] {
            cells.push(d.count.to_string());
            cells.extend([d.mean, d.median, d.p90].map(secs));
        }
        cells.push(r.csat.responses.to_string());
        cells.extend([r.csat.mean, r.csat.response_rate, r.reopen_rate].map(num));
        for metric in SlaMetric::ALL {
            let s = r.sla.iter().find(|s| s.metric == metric);
            cells.extend(
                [
                    s.map(|s| s.met),
                    s.map(|s| s.breached),
                    s.map(|s| s.running),
                ]
                .map(|n| n.unwrap_or(0).to_string()),
            );
        }
        crate::export::record(&mut out, cells)
    };
    line(None, None, &m.totals)?;
    for g in &m.groups {
        line(g.start, g.key.as_deref(), &g.figures)?;
    }
    String::from_utf8(out).map_err(|e| Error::Internal {
        message: format!("CSV is not UTF-8: {e}"),
    })
}
