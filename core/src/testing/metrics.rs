//! Support metrics on every backend: a scripted week computed by hand.

use super::fixture::{Fixture, assert_code};
use super::sla::{berlin, h, policy, target};
use crate::calendar::CalendarConfig;
use crate::metrics::{Dimension, Interval, MetricsQuery};
use crate::sla::SlaMetric;
use crate::store::Store;
use crate::*;
use chrono::{NaiveDate, TimeDelta};
use std::sync::Arc;

fn mins(n: i64) -> TimeDelta {
    TimeDelta::minutes(n)
}

/// Friday 2026-03-27 to Tuesday 31 in Berlin: a weekend, the DST switch
/// (Sunday 29th) and a holiday (Monday 30th). Business hours Mon–Fri
/// 09:00–17:00.
///
/// - T4: Thu 26 10:00, answered Thu 11:00, resolved Fri 11:00, rated 3 Fri 12:00.
/// - T1: Fri 10:00, answered Fri 16:00 (then pending), customer Tue 10:00,
///   resolved Tue 12:00, rated 5 Tue 13:00.
/// - T2 (low): Sat 12:00, answered Tue 09:30, resolved Tue 11:00, reopened
///   Tue 14:00 by a customer message (so no longer resolved).
/// - T3 (low): Tue 15:00, nothing since.
pub async fn metrics_match_a_week_computed_by_hand(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = &f.desk;
    let berlin_zone = SettingsPatch {
        timezone: Some("Europe/Berlin".into()),
        ..SettingsPatch::default()
    };
    d.update_workspace(f.ws, None, Some(berlin_zone))
        .await
        .unwrap();
    let mut p = policy(
        "Business hours",
        ["low", "medium", "high", "urgent"]
            .map(|p| target(p, Some(h(4)), None, Some(h(16))))
            .into(),
    );
    p.calendar = Some(
        CalendarConfig::from_json(
            r#"{"timezone": "Europe/Berlin",
                "weekly": {"mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]],
                           "wed": [["09:00","17:00"]], "thu": [["09:00","17:00"]],
                           "fri": [["09:00","17:00"]]},
                "holidays": ["2026-03-30"]}"#,
        )
        .unwrap(),
    );
    d.set_sla_policies(f.ws, vec![p]).await.unwrap();
    let at = |day: u32, hh: u32, mm: u32| {
        let t = berlin(2026, 3, day, hh, mm);
        f.clock.set(t);
    };
    let open = |subject: &'static str, priority: &'static str| {
        let mut input = OpenTicket::new(f.customer.clone(), subject, "x");
        input.priority = Some(priority.into());
        d.open_ticket(f.ws, input)
    };
    let reply = |t: TicketId, status: Option<Status>| {
        let mut m = MessageInput::text("on it");
        m.status = status;
        d.reply(f.ws, t, &f.agent, m)
    };
    at(26, 10, 0);
    let t4 = open("T4", "high").await.unwrap().id;
    at(26, 11, 0);
    reply(t4, None).await.unwrap();
    at(27, 10, 0);
    let t1 = open("T1", "high").await.unwrap().id;
    at(27, 11, 0);
    d.resolve(f.ws, t4, f.agent_actor()).await.unwrap();
    at(27, 12, 0);
    d.rate(f.ws, t4, 3, None, f.customer_actor()).await.unwrap();
    at(27, 16, 0);
    reply(t1, Some(Status::Pending)).await.unwrap();
    at(28, 12, 0);
    let t2 = open("T2", "low").await.unwrap().id;
    at(31, 9, 30);
    reply(t2, None).await.unwrap();
    at(31, 10, 0);
    d.customer_message(f.ws, t1, &f.customer, MessageInput::text("still broken"))
        .await
        .unwrap();
    at(31, 11, 0);
    d.resolve(f.ws, t2, f.agent_actor()).await.unwrap();
    at(31, 12, 0);
    d.resolve(f.ws, t1, f.agent_actor()).await.unwrap();
    at(31, 13, 0);
    d.rate(f.ws, t1, 5, None, f.customer_actor()).await.unwrap();
    at(31, 14, 0);
    d.customer_message(f.ws, t2, &f.customer, MessageInput::text("again"))
        .await
        .unwrap();
    at(31, 15, 0);
    open("T3", "low").await.unwrap();
    at(31, 18, 0);

    let q = |interval, group_by| MetricsQuery {
        since: berlin(2026, 3, 27, 0, 0),
        until: berlin(2026, 4, 1, 0, 0),
        interval,
        group_by,
    };
    let m = d.metrics(f.ws, &q(None, None)).await.unwrap();
    let t = &m.totals;
    assert_eq!(
        (t.created, t.resolved, t.closed, t.reopened, t.backlog),
        (3, 2, 0, 1, 2)
    );
    // First responses in the period: T1 6 h (6 h business), T2 68.5 h (0.5 h).
    let fr = &t.first_response;
    assert_eq!(
        (fr.count, fr.mean, fr.median, fr.p90),
        (
            2,
            Some(mins(37 * 60 + 15)),
            Some(h(6)),
            Some(mins(68 * 60 + 30))
        )
    );
    let frb = &t.first_response_business;
    assert_eq!(
        (frb.mean, frb.median, frb.p90),
        (Some(mins(3 * 60 + 15)), Some(mins(30)), Some(h(6)))
    );
    // Resolutions: T4 25 h (Thu 7 + Fri 2 = 9 h), T1 97 h (Fri 7 + Tue 3 =
    // 10 h: weekend, DST night and holiday skipped); T2 was reopened.
    let r = &t.resolution;
    assert_eq!(
        (r.count, r.mean, r.median, r.p90),
        (2, Some(h(61)), Some(h(25)), Some(h(97)))
    );
    let rb = &t.resolution_business;
    assert_eq!(
        (rb.mean, rb.median, rb.p90),
        (Some(mins(9 * 60 + 30)), Some(h(9)), Some(h(10)))
    );
    // T1 waited on the customer from Friday 16:00 CET to Tuesday 10:00 CEST: 89 h.
    let w = &t.waiting_on_customer;
    assert_eq!(
        (w.count, w.mean, w.median, w.p90),
        (2, Some(mins(89 * 30)), Some(TimeDelta::zero()), Some(h(89)))
    );
    assert_eq!(
        (t.csat.responses, t.csat.mean, t.csat.distribution),
        (2, Some(4.0), [0, 0, 1, 0, 1])
    );
    assert_eq!(t.csat.response_rate, Some(1.0));
    assert_eq!(t.reopen_rate, Some(0.5));
    // SLA of the tickets created in the period: first response T1 breached
    // (6 business hours > 4), T2 met, T3 running; resolution T1 met, T2
    // running again (reopened), T3 running.
    let sla = |metric| t.sla.iter().find(|s| s.metric == metric).copied().unwrap();
    let fr = sla(SlaMetric::FirstResponse);
    assert_eq!((fr.met, fr.breached, fr.running), (1, 1, 1));
    assert_eq!(fr.compliance, Some(0.5));
    let res = sla(SlaMetric::Resolution);
    assert_eq!((res.met, res.breached, res.running), (1, 0, 2));

    // By local day: the DST day is 23 hours long; the sums are the totals.
    let days = d
        .metrics(f.ws, &q(Some(Interval::Day), None))
        .await
        .unwrap();
    let starts: Vec<_> = days.groups.iter().map(|g| g.start.unwrap()).collect();
    assert_eq!(
        starts,
        [27, 28, 29, 30, 31].map(|day| berlin(2026, 3, day, 0, 0))
    );
    assert_eq!(starts[3] - starts[2], h(23));
    let col = |f: fn(&crate::metrics::MetricsRow) -> u64| -> Vec<u64> {
        days.groups.iter().map(|g| f(&g.figures)).collect()
    };
    assert_eq!(col(|r| r.created), [1, 1, 0, 0, 1]);
    assert_eq!(col(|r| r.resolved), [1, 0, 0, 0, 1]);
    assert_eq!(col(|r| r.reopened), [0, 0, 0, 0, 1]);
    assert_eq!(col(|r| r.backlog), [1, 2, 2, 2, 2]);
    assert_eq!(col(|r| r.first_response.count), [1, 0, 0, 0, 1]);
    assert_eq!(col(|r| r.csat.responses), [1, 0, 0, 0, 1]);
    // By priority: high T1 T4, low T2 T3; sums equal the totals.
    let by = d
        .metrics(f.ws, &q(None, Some(Dimension::Priority)))
        .await
        .unwrap();
    let keys: Vec<_> = by.groups.iter().map(|g| g.key.clone().unwrap()).collect();
    assert_eq!(keys, ["high", "low"]);
    let sum = |f: fn(&crate::metrics::MetricsRow) -> u64| -> u64 {
        by.groups.iter().map(|g| f(&g.figures)).sum()
    };
    assert_eq!(
        (sum(|r| r.created), sum(|r| r.resolved), sum(|r| r.backlog)),
        (t.created, t.resolved, t.backlog)
    );
    assert_eq!(by.groups[0].figures.resolution.count, 2);
    // CSV: a header, the totals, one line per day.
    let csv = d
        .export_metrics_csv(f.ws, &q(Some(Interval::Day), None))
        .await
        .unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 7);
    assert!(lines[0].starts_with("start,key,created,resolved,closed,reopened,backlog,"));
    assert!(
        lines[1].starts_with(",,3,2,0,1,2,2,134100,"),
        "{}",
        lines[1]
    );
    assert!(
        lines[4].starts_with("2026-03-29T00:00:00+01:00,,0,0,0,0,2,"),
        "{}",
        lines[4]
    );

    // Daily statistics: stored once, the first figures kept.
    let day = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
    at(31, 23, 0);
    assert_code(d.record_daily_stats(f.ws, Some(day)).await, "invalid_input");
    f.clock.set(berlin(2026, 4, 1, 1, 0));
    let first = d.record_daily_stats(f.ws, None).await.unwrap();
    assert_eq!(first.day, day);
    assert_eq!((first.figures.created, first.figures.resolved), (1, 1));
    open("late", "low").await.unwrap();
    f.clock.advance(h(1));
    let again = d.record_daily_stats(f.ws, Some(day)).await.unwrap();
    assert_eq!(again, first);
    let friday = NaiveDate::from_ymd_opt(2026, 3, 27).unwrap();
    d.record_daily_stats(f.ws, Some(friday)).await.unwrap();
    let stored = d.daily_stats(f.ws, friday, day).await.unwrap();
    assert_eq!(
        stored.iter().map(|s| s.day).collect::<Vec<_>>(),
        [friday, day]
    );
    assert_eq!(stored[0].figures.resolved, 1);
    // Bad periods change nothing.
    let mut bad = q(None, None);
    bad.until = bad.since;
    assert_code(d.metrics(f.ws, &bad).await, "invalid_input");
    let mut long = q(Some(Interval::Day), None);
    long.since = berlin(2020, 1, 1, 0, 0);
    assert_code(d.metrics(f.ws, &long).await, "invalid_input");
    assert_code(d.daily_stats(f.ws, day, friday).await, "invalid_input");
}
