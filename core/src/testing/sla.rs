//! SLA cases: clocks react to ticket events; the sweep records exactly once.

use super::fixture::{Fixture, start};
use crate::calendar::CalendarConfig;
use crate::sla::{
    ClockStatus, PolicyConditions, PolicyTarget, SlaMetric, SlaPolicy, WarningThreshold,
};
use crate::store::Store;
use crate::*;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use std::sync::Arc;

pub(super) fn h(n: i64) -> TimeDelta {
    TimeDelta::hours(n)
}

fn m(n: i64) -> TimeDelta {
    TimeDelta::minutes(n)
}

async fn clock(f: &Fixture, t: TicketId, metric: SlaMetric) -> sla::SlaClock {
    f.desk
        .get_ticket(f.ws, t)
        .await
        .unwrap()
        .sla
        .clock(metric)
        .cloned()
        .unwrap_or_else(|| panic!("no {metric:?} clock"))
}

pub(super) fn policy(name: &str, targets: Vec<PolicyTarget>) -> SlaPolicy {
    SlaPolicy {
        id: PolicyId::generate(),
        name: name.into(),
        description: None,
        escalate_to: None,
        conditions: PolicyConditions::default(),
        calendar: None,
        targets,
        warning: WarningThreshold::default(),
        pause_on: vec![Status::Pending, Status::OnHold],
        active: true,
    }
}

pub(super) fn target(
    priority: &str,
    fr: Option<TimeDelta>,
    nr: Option<TimeDelta>,
    res: Option<TimeDelta>,
) -> PolicyTarget {
    PolicyTarget {
        priority: priority.into(),
        first_response: fr,
        next_response: nr,
        resolution: res,
    }
}

async fn count_events(f: &Fixture, name: &str) -> usize {
    f.all_events()
        .await
        .iter()
        .filter(|e| e.kind.name() == name)
        .count()
}

pub async fn sla_clocks_follow_the_ticket(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let t0 = start();
    // medium: first response 8 h, resolution 72 h, 24/7 (the priority's own targets).
    let t = f.open("sla").await;
    let fr = t.sla.clock(SlaMetric::FirstResponse).unwrap();
    assert_eq!(
        (fr.status, fr.due_at, fr.target),
        (ClockStatus::Running, Some(t0 + h(8)), h(8))
    );
    assert_eq!(
        t.sla.clock(SlaMetric::Resolution).unwrap().due_at,
        Some(t0 + h(72))
    );
    assert!(t.sla.clock(SlaMetric::NextResponse).is_none());
    // Internal notes never count as a response.
    f.clock.advance(h(1));
    f.desk
        .add_note(f.ws, t.id, &f.agent, "looking".into())
        .await
        .unwrap();
    assert_eq!(
        clock(&f, t.id, SlaMetric::FirstResponse).await.status,
        ClockStatus::Running
    );
    f.clock.advance(h(1));
    f.desk
        .reply(f.ws, t.id, &f.agent, "on it".into())
        .await
        .unwrap();
    let fr = clock(&f, t.id, SlaMetric::FirstResponse).await;
    assert_eq!(
        (fr.status, fr.stopped_at, fr.consumed),
        (ClockStatus::Met, Some(t0 + h(2)), h(2))
    );
    // Resolving stops the resolution clock; reopening restarts it with its consumed time.
    f.clock.advance(h(10));
    f.desk.resolve(f.ws, t.id, f.agent_actor()).await.unwrap();
    let res = clock(&f, t.id, SlaMetric::Resolution).await;
    assert_eq!((res.status, res.consumed), (ClockStatus::Met, h(12)));
    f.clock.advance(h(24));
    f.desk.reopen(f.ws, t.id, f.customer_actor()).await.unwrap();
    let res = clock(&f, t.id, SlaMetric::Resolution).await;
    assert_eq!(res.status, ClockStatus::Running);
    assert_eq!(res.due_at, Some(t0 + h(36) + h(72 - 12)));
    // The queue sees the earliest running due instant.
    assert_eq!(
        f.desk.get_ticket(f.ws, t.id).await.unwrap().sla.due_at(),
        res.due_at
    );
    let x = f
        .desk
        .explain_sla(f.ws, t.id, SlaMetric::Resolution)
        .await
        .unwrap();
    assert_eq!(
        (x.consumed, x.remaining, x.due_at),
        (h(12), h(60), res.due_at)
    );
    assert!(
        x.lines.iter().any(|l| l.contains("due at")),
        "{:?}",
        x.lines
    );
    crate::testing::fixture::assert_code(
        f.desk
            .explain_sla(f.ws, t.id, SlaMetric::NextResponse)
            .await,
        "not_found",
    );
}

pub async fn sla_pause_and_resume(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let t0 = start();
    let t = f.open("pause").await;
    f.clock.advance(h(1));
    let paused = f
        .desk
        .set_status(f.ws, t.id, Status::Pending, f.agent_actor())
        .await
        .unwrap();
    let fr = paused.sla.clock(SlaMetric::FirstResponse).unwrap();
    assert_eq!(
        (fr.status, fr.due_at, fr.consumed),
        (ClockStatus::Paused, None, h(1))
    );
    assert_eq!(
        paused.sla.next_check(),
        None,
        "a paused ticket has nothing to sweep"
    );
    f.clock.advance(h(5));
    let resumed = f
        .desk
        .set_status(f.ws, t.id, Status::Open, f.agent_actor())
        .await
        .unwrap();
    let fr = resumed.sla.clock(SlaMetric::FirstResponse).unwrap();
    assert_eq!(fr.status, ClockStatus::Running);
    assert_eq!(
        fr.due_at,
        Some(t0 + h(8) + h(5)),
        "resume moves the due instant by the paused time"
    );
    assert_eq!(fr.pauses.len(), 1);
    assert_eq!(fr.pauses[0].to, Some(t0 + h(6)));
    // A customer reply while pending resumes the clocks too (pending -> open).
    f.clock.advance(h(1));
    f.desk
        .set_status(f.ws, t.id, Status::OnHold, f.agent_actor())
        .await
        .unwrap();
    f.clock.advance(h(2));
    f.desk
        .customer_message(f.ws, t.id, &f.customer, "any news?".into())
        .await
        .unwrap();
    let t2 = f.desk.get_ticket(f.ws, t.id).await.unwrap();
    assert_eq!(
        t2.status,
        Status::OnHold,
        "on_hold waits on a third party, not the customer"
    );
    f.desk
        .set_status(f.ws, t.id, Status::InProgress, f.agent_actor())
        .await
        .unwrap();
    let fr = clock(&f, t.id, SlaMetric::FirstResponse).await;
    assert_eq!(fr.due_at, Some(t0 + h(8) + h(5) + h(2)));
    let x = f
        .desk
        .explain_sla(f.ws, t.id, SlaMetric::FirstResponse)
        .await
        .unwrap();
    assert_eq!(x.pauses.len(), 2);
    assert!(
        x.lines.iter().filter(|l| l.starts_with("paused")).count() == 2,
        "{:?}",
        x.lines
    );
}

/// A fixture whose medium tickets answer within 4 h, again within 2 h, and
/// resolve within 48 h; and its start.
async fn with_next_response(store: Arc<dyn Store>) -> (Fixture, DateTime<Utc>) {
    let f = Fixture::new(store).await;
    f.desk
        .set_sla_policies(
            f.ws,
            vec![policy(
                "With next response",
                vec![target("medium", Some(h(4)), Some(h(2)), Some(h(48)))],
            )],
        )
        .await
        .unwrap();
    (f, start())
}

pub async fn sla_next_response_from_oldest_unanswered(store: Arc<dyn Store>) {
    let (f, t0) = with_next_response(store).await;
    let t = f.open("nr").await;
    // The customer writing again before any reply is still first-response time.
    f.desk
        .customer_message(f.ws, t.id, &f.customer, "hello?".into())
        .await
        .unwrap();
    assert!(
        f.desk
            .get_ticket(f.ws, t.id)
            .await
            .unwrap()
            .sla
            .clock(SlaMetric::NextResponse)
            .is_none()
    );
    f.desk
        .reply(f.ws, t.id, &f.agent, "hi".into())
        .await
        .unwrap();
    f.clock.advance(h(1));
    f.desk
        .customer_message(f.ws, t.id, &f.customer, "still broken".into())
        .await
        .unwrap();
    f.clock.advance(m(30));
    f.desk
        .customer_message(f.ws, t.id, &f.customer, "and this too".into())
        .await
        .unwrap();
    let nr = clock(&f, t.id, SlaMetric::NextResponse).await;
    assert_eq!(
        nr.started_at,
        t0 + h(1),
        "counted from the oldest unanswered message"
    );
    assert_eq!(nr.due_at, Some(t0 + h(3)));
    // A note does not answer; a public reply does.
    f.desk
        .add_note(f.ws, t.id, &f.agent, "escalating".into())
        .await
        .unwrap();
    assert_eq!(
        clock(&f, t.id, SlaMetric::NextResponse).await.status,
        ClockStatus::Running
    );
    f.clock.advance(m(15));
    f.desk
        .reply(f.ws, t.id, &f.agent, "fixed".into())
        .await
        .unwrap();
    let nr = clock(&f, t.id, SlaMetric::NextResponse).await;
    assert_eq!((nr.status, nr.consumed), (ClockStatus::Met, m(45)));
    // The next customer message starts a fresh next-response clock.
    f.clock.advance(h(1));
    f.desk
        .customer_message(f.ws, t.id, &f.customer, "again".into())
        .await
        .unwrap();
    let nr = clock(&f, t.id, SlaMetric::NextResponse).await;
    assert_eq!(
        (nr.status, nr.started_at),
        (ClockStatus::Running, t0 + h(2) + m(45))
    );
}

/// A next-response clock breached, then answered, stays on record when the
/// customer writes again: the ticket is still breached (for filters, rules
/// and metrics) while the new clock runs, and the breach is emitted once.
pub async fn sla_next_response_breach_stays_on_record(store: Arc<dyn Store>) {
    let (f, t0) = with_next_response(store).await;
    let t = f.open("missed once").await;
    let reply = |text: &str| f.desk.reply(f.ws, t.id, &f.agent, text.into());
    let write = |text: &str| {
        f.desk
            .customer_message(f.ws, t.id, &f.customer, text.into())
    };
    let next_response_clocks = || async {
        let ticket = f.desk.get_ticket(f.ws, t.id).await.unwrap();
        assert!(ticket.sla.has_breached());
        ticket
            .sla
            .clocks
            .iter()
            .filter(|c| c.metric == SlaMetric::NextResponse)
            .map(|c| (c.status, c.started_at, c.breached_at))
            .collect::<Vec<_>>()
    };
    reply("hi").await.unwrap();
    f.clock.advance(h(1));
    write("still broken").await.unwrap();
    // Due at t0 + 3 h; answered at t0 + 4 h, after the sweep saw the breach.
    f.clock.advance(h(3));
    f.desk.sla_sweep(f.ws, f.clock.now()).await.unwrap();
    reply("sorry").await.unwrap();
    f.clock.advance(h(1));
    write("again").await.unwrap();
    let miss = (ClockStatus::Breached, t0 + h(1), Some(t0 + h(3)));
    assert_eq!(
        next_response_clocks().await,
        [(ClockStatus::Running, t0 + h(5), None), miss],
        "the current clock first"
    );
    let breached = TicketQuery {
        breached: true,
        ..TicketQuery::default()
    };
    let listed = f.desk.list_tickets(f.ws, &breached).await.unwrap();
    assert_eq!(
        listed.items.iter().map(|x| x.id).collect::<Vec<_>>(),
        [t.id]
    );
    // Answered in time, then late again: the first miss stays on record.
    reply("done").await.unwrap();
    write("thanks").await.unwrap();
    f.clock.advance(h(3));
    f.desk.sla_sweep(f.ws, f.clock.now()).await.unwrap();
    reply("late").await.unwrap();
    write("hm").await.unwrap();
    assert_eq!(
        next_response_clocks().await,
        [(ClockStatus::Running, t0 + h(8), None), miss]
    );
    assert_eq!(count_events(&f, "sla.breached").await, 2);
    let period = crate::metrics::MetricsQuery {
        since: t0,
        until: f.clock.now() + h(1),
        interval: None,
        group_by: None,
    };
    let report = f.desk.metrics(f.ws, &period).await.unwrap();
    let nr = report
        .totals
        .sla
        .iter()
        .find(|s| s.metric == SlaMetric::NextResponse)
        .unwrap();
    // Counted once per ticket: breached, although its current clock runs.
    assert_eq!((nr.met, nr.breached, nr.running), (0, 1, 0));
}

pub async fn sla_priority_change_keeps_consumed(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let by = f.agent_actor();
    let mut input = OpenTicket::new(f.customer.clone(), "low", "x");
    input.priority = Some("low".into()); // first response 24 h
    let t = f.desk.open_ticket(f.ws, input).await.unwrap();
    f.clock.advance(h(3));
    let now = f.clock.now();
    f.desk
        .set_priority(f.ws, t.id, "medium", by.clone())
        .await
        .unwrap(); // 8 h
    let fr = clock(&f, t.id, SlaMetric::FirstResponse).await;
    assert_eq!((fr.consumed, fr.due_at), (h(3), Some(now + h(5))));
    f.clock.advance(h(1));
    let now = f.clock.now();
    f.desk
        .set_priority(f.ws, t.id, "low", by.clone())
        .await
        .unwrap();
    assert_eq!(
        clock(&f, t.id, SlaMetric::FirstResponse).await.due_at,
        Some(now + h(20)),
        "toggling never buys time"
    );
    // Up to high (2 h) after 4 h consumed: overdue at once, recorded by the next sweep.
    let now = f.clock.now();
    f.desk
        .set_priority(f.ws, t.id, "high", by.clone())
        .await
        .unwrap();
    assert_eq!(
        clock(&f, t.id, SlaMetric::FirstResponse).await.due_at,
        Some(now)
    );
    f.clock.advance(m(1));
    let report = f.desk.sla_sweep(f.ws, f.clock.now()).await.unwrap();
    assert_eq!(report.alerts.len(), 1);
    assert_eq!(
        (report.alerts[0].kind, report.alerts[0].due_at),
        (AlertKind::Breached, now)
    );
    let fr = clock(&f, t.id, SlaMetric::FirstResponse).await;
    assert_eq!(
        (fr.status, fr.breached_at),
        (ClockStatus::Breached, Some(now))
    );
    // Going back down does not un-breach.
    f.desk.set_priority(f.ws, t.id, "low", by).await.unwrap();
    assert_eq!(
        clock(&f, t.id, SlaMetric::FirstResponse).await.breached_at,
        Some(now)
    );
}

pub async fn sla_sweep_is_idempotent(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let t0 = start();
    let t = f.open("sweep").await; // medium: 8 h, warning at 80 % = 6 h 24 m
    let quiet = f.open("answered").await;
    f.desk
        .reply(f.ws, quiet.id, &f.agent, "done".into())
        .await
        .unwrap();
    assert!(
        f.desk
            .sla_sweep(f.ws, t0 + h(6))
            .await
            .unwrap()
            .alerts
            .is_empty()
    );
    let r = f.desk.sla_sweep(f.ws, t0 + h(6) + m(24)).await.unwrap();
    assert_eq!(r.alerts.len(), 1);
    assert_eq!(
        (r.alerts[0].ticket_id, r.alerts[0].metric, r.alerts[0].kind),
        (t.id, SlaMetric::FirstResponse, AlertKind::Warning)
    );
    assert!(
        f.desk
            .sla_sweep(f.ws, t0 + h(7))
            .await
            .unwrap()
            .alerts
            .is_empty()
    );
    // Exactly at the due instant nothing is breached yet (breach = strictly after).
    assert!(
        f.desk
            .sla_sweep(f.ws, t0 + h(8))
            .await
            .unwrap()
            .alerts
            .is_empty()
    );
    let r = f
        .desk
        .sla_sweep(f.ws, t0 + h(8) + TimeDelta::seconds(1))
        .await
        .unwrap();
    assert_eq!(r.alerts.len(), 1);
    assert_eq!(r.alerts[0].kind, AlertKind::Breached);
    assert!(
        f.desk
            .sla_sweep(f.ws, t0 + h(9))
            .await
            .unwrap()
            .alerts
            .is_empty()
    );
    assert_eq!(count_events(&f, "sla.warning").await, 1);
    assert_eq!(count_events(&f, "sla.breached").await, 1);
    let fr = clock(&f, t.id, SlaMetric::FirstResponse).await;
    assert_eq!(
        fr.breached_at,
        Some(t0 + h(8)),
        "recorded at its true instant, not the sweep's"
    );
    // A late reply stops the breached clock without a second breach event.
    f.clock.set(t0 + h(10));
    f.desk
        .reply(f.ws, t.id, &f.agent, "sorry".into())
        .await
        .unwrap();
    let fr = clock(&f, t.id, SlaMetric::FirstResponse).await;
    assert_eq!(
        (fr.status, fr.stopped_at),
        (ClockStatus::Breached, Some(t0 + h(10)))
    );
    assert_eq!(count_events(&f, "sla.breached").await, 1);
    // A breach never swept is recorded (once) when the clock stops.
    let late = f.open("late").await;
    f.clock.advance(h(9));
    f.desk
        .reply(f.ws, late.id, &f.agent, "late".into())
        .await
        .unwrap();
    assert_eq!(count_events(&f, "sla.breached").await, 2);
    assert!(
        f.desk
            .sla_sweep(f.ws, f.clock.now())
            .await
            .unwrap()
            .alerts
            .iter()
            .all(|a| a.ticket_id != late.id)
    );
}

pub async fn sla_sweep_concurrent_emits_once(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let t0 = start();
    for i in 0..20 {
        f.open(&format!("c{i}")).await;
    }
    let at = t0 + h(9); // past first-response due; warning and breach together: only the breach
    let sweeps: Vec<_> = (0..4)
        .map(|_| {
            let f = f.clone();
            tokio::spawn(async move { f.desk.sla_sweep(f.ws, at).await.unwrap() })
        })
        .collect();
    let mut alerts = Vec::new();
    for s in sweeps {
        alerts.extend(s.await.unwrap().alerts);
    }
    assert_eq!(
        alerts.len(),
        20,
        "each breach reported by exactly one sweep"
    );
    assert!(
        alerts
            .iter()
            .all(|a| a.kind == AlertKind::Breached && a.due_at == t0 + h(8))
    );
    assert_eq!(count_events(&f, "sla.breached").await, 20);
    assert_eq!(count_events(&f, "sla.warning").await, 0);
    assert!(f.desk.sla_sweep(f.ws, at).await.unwrap().alerts.is_empty());
}

/// Weekdays 09:00–17:00 in Berlin.
pub(super) fn berlin_office_hours() -> CalendarConfig {
    CalendarConfig::from_json(
        r#"{"timezone": "Europe/Berlin",
            "weekly": {"mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]],
                       "wed": [["09:00","17:00"]], "thu": [["09:00","17:00"]],
                       "fri": [["09:00","17:00"]]}}"#,
    )
    .unwrap()
}

pub(super) fn berlin(y: i32, mo: u32, d: u32, hh: u32, mm: u32) -> DateTime<Utc> {
    chrono_tz::Europe::Berlin
        .with_ymd_and_hms(y, mo, d, hh, mm, 0)
        .unwrap()
        .with_timezone(&Utc)
}

pub async fn sla_policy_with_calendar(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let cal = CalendarConfig::from_json(
        r#"{"timezone": "Europe/Berlin",
            "weekly": {"mon": [["09:00","12:00"],["13:00","17:00"]], "tue": [["09:00","12:00"],["13:00","17:00"]],
                       "wed": [["09:00","12:00"],["13:00","17:00"]], "thu": [["09:00","12:00"],["13:00","17:00"]],
                       "fri": [["09:00","12:00"],["13:00","17:00"]]},
            "holidays": ["2026-04-03", "2026-04-06"]}"#,
    )
    .unwrap();
    let mut gold = policy(
        "Gold business hours",
        vec![target("high", Some(h(3)), None, Some(h(16)))],
    );
    gold.conditions.customer_tiers = vec!["gold".into()];
    gold.calendar = Some(cal.clone());
    let mut zendesk = gold.clone();
    zendesk.id = PolicyId::generate();
    zendesk.name = "Zendesk-compatible".into();
    zendesk.conditions = PolicyConditions {
        channels: vec![Channel::Email],
        ..Default::default()
    };
    let mut zcal = cal.clone();
    zcal.boundary = Some(crate::calendar::BoundaryMode::NextOpening);
    zendesk.calendar = Some(zcal);
    f.desk
        .set_sla_policies(f.ws, vec![gold.clone(), zendesk.clone()])
        .await
        .unwrap();
    assert_eq!(f.desk.list_sla_policies(f.ws).await.unwrap().len(), 2);

    // Monday 2026-03-02 09:00 Berlin (08:00 UTC), gold customer, high: 3 business hours → 12:00.
    f.clock.set(berlin(2026, 3, 2, 9, 0));
    let mut input = OpenTicket::new(f.customer.clone(), "gold", "x");
    input.priority = Some("high".into());
    let t = f.desk.open_ticket(f.ws, input.clone()).await.unwrap();
    assert_eq!(t.sla.policy, Some(gold.id));
    assert_eq!(
        t.sla.clock(SlaMetric::FirstResponse).unwrap().due_at,
        Some(berlin(2026, 3, 2, 12, 0))
    );
    // Resolution 16 h: Mon 7 h + Tue 7 h + Wed 2 h → Wednesday 11:00.
    assert_eq!(
        t.sla.clock(SlaMetric::Resolution).unwrap().due_at,
        Some(berlin(2026, 3, 4, 11, 0))
    );
    // Same for a non-gold customer on email: the Zendesk mode moves a due at a close to the next opening.
    let mut email = OpenTicket::new(f.customer2.clone(), "mail", "x");
    email.priority = Some("high".into());
    email.channel = Channel::Email;
    let z = f.desk.open_ticket(f.ws, email).await.unwrap();
    assert_eq!(z.sla.policy, Some(zendesk.id));
    assert_eq!(
        z.sla.clock(SlaMetric::FirstResponse).unwrap().due_at,
        Some(berlin(2026, 3, 2, 13, 0))
    );
    // No policy matches: the priority's own targets, 24/7 (high: 2 h).
    let mut plain = OpenTicket::new(f.customer2.clone(), "plain", "x");
    plain.priority = Some("high".into());
    let p = f.desk.open_ticket(f.ws, plain).await.unwrap();
    assert_eq!(p.sla.policy, None);
    assert_eq!(
        p.sla.clock(SlaMetric::FirstResponse).unwrap().due_at,
        Some(berlin(2026, 3, 2, 11, 0))
    );
    // A sweep at 12:30 (closed for lunch) breaches the default-mode clock only.
    let r = f
        .desk
        .sla_sweep(f.ws, berlin(2026, 3, 2, 12, 30))
        .await
        .unwrap();
    let breached: Vec<_> = r
        .alerts
        .iter()
        .filter(|a| a.kind == AlertKind::Breached)
        .map(|a| a.ticket_id)
        .collect();
    assert!(
        breached.contains(&t.id) && breached.contains(&p.id) && !breached.contains(&z.id),
        "{r:?}"
    );
    // Over Easter (Good Friday and Easter Monday are holidays) the clock skips both.
    f.clock.set(berlin(2026, 4, 2, 16, 0));
    let easter = f.desk.open_ticket(f.ws, input).await.unwrap();
    assert_eq!(
        easter.sla.clock(SlaMetric::FirstResponse).unwrap().due_at,
        Some(berlin(2026, 4, 7, 11, 0))
    );
    let x = f
        .desk
        .explain_sla(f.ws, easter.id, SlaMetric::FirstResponse)
        .await
        .unwrap();
    assert_eq!(x.policy_name.as_deref(), Some("Gold business hours"));
    assert_eq!(x.timezone, "Europe/Berlin");
    assert_eq!(x.holidays_skipped.len(), 2, "{x:?}");
    assert_eq!(x.segments.len(), 2);
    assert_eq!(x.segments[0].start, berlin(2026, 4, 2, 16, 0));
    assert_eq!(x.segments[1].end, berlin(2026, 4, 7, 11, 0));
    // Invalid calendars are refused with the field named, and nothing is saved.
    let mut bad = gold.clone();
    bad.calendar.as_mut().unwrap().timezone = "Europe/Atlantis".into();
    let err = f.desk.set_sla_policies(f.ws, vec![bad]).await.unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    assert!(
        err.to_string().contains("policies[0].calendar.timezone"),
        "{err}"
    );
    assert_eq!(f.desk.list_sla_policies(f.ws).await.unwrap().len(), 2);
}

/// A change that moves a ticket to a policy on another calendar keeps the
/// business time used so far as measured on the calendar it ran under:
/// neither the weekend an office calendar skipped counts against it, nor
/// does a 24/7 policy's weekend vanish on office hours.
pub async fn sla_policy_switch_keeps_time_used_on_its_calendar(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let office_hours = berlin_office_hours();
    let (office, ops) = (
        f.category("Office", None).await,
        f.category("Ops", None).await,
    );
    let mut on_office = policy(
        "Office hours",
        vec![target("medium", None, None, Some(h(72)))],
    );
    on_office.calendar = Some(office_hours);
    on_office.conditions.categories = vec![office.id];
    let mut around_the_clock = policy("24/7", vec![target("medium", None, None, Some(h(72)))]);
    around_the_clock.conditions.categories = vec![ops.id];
    f.desk
        .set_sla_policies(f.ws, vec![on_office, around_the_clock])
        .await
        .unwrap();
    // Friday 6 March 15:00 UTC (16:00 Berlin); moved Monday 07:00 UTC.
    f.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 6, 15, 0, 0).unwrap());
    let open = |category| {
        let mut input = OpenTicket::new(f.customer.clone(), "switch", "x");
        input.category = Some(category);
        f.desk.open_ticket(f.ws, input)
    };
    let (a, b) = (open(office.id).await.unwrap(), open(ops.id).await.unwrap());
    let monday = Utc.with_ymd_and_hms(2026, 3, 9, 7, 0, 0).unwrap();
    f.clock.set(monday);
    for (t, to) in [(&a, ops.id), (&b, office.id)] {
        let update = TicketUpdate {
            category: Some(to),
            ..TicketUpdate::default()
        };
        f.desk
            .update_ticket(f.ws, t.id, update, f.agent_actor())
            .await
            .unwrap();
    }
    // Office hours ran Friday 16:00–17:00 Berlin: 1 h used, 71 h left around the clock.
    let moved_to_ops = clock(&f, a.id, SlaMetric::Resolution).await;
    assert_eq!(moved_to_ops.consumed, h(1));
    assert_eq!(moved_to_ops.due_at, Some(monday + h(71)));
    // Around the clock ran 64 h: 8 h left, Monday 09:00–17:00 Berlin.
    let moved_to_office = clock(&f, b.id, SlaMetric::Resolution).await;
    assert_eq!(moved_to_office.consumed, h(64));
    assert_eq!(moved_to_office.due_at, Some(berlin(2026, 3, 9, 17, 0)));
}

/// A priority with no target for a while pauses its clock, as a pausing
/// status does: when a target applies again the clock goes on with the time
/// it used and its pauses, and a breach it recorded stays, emitted once.
pub async fn sla_target_gone_for_a_while_keeps_the_clock(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let by = f.agent_actor();
    let p = policy(
        "Only medium answers",
        vec![
            target("medium", Some(h(8)), None, None),
            target("low", None, None, None),
        ],
    );
    f.desk.set_sla_policies(f.ws, vec![p]).await.unwrap();
    let t0 = start();
    let t = f.open("no target for a while").await;
    let set_priority = |code: &'static str| f.desk.set_priority(f.ws, t.id, code, by.clone());
    f.clock.advance(h(1));
    f.desk
        .set_status(f.ws, t.id, Status::Pending, by.clone())
        .await
        .unwrap();
    f.clock.advance(h(2));
    f.desk
        .set_status(f.ws, t.id, Status::Open, by.clone())
        .await
        .unwrap();
    // 2 h used by t0 + 4 h; no target from then to t0 + 7 h.
    f.clock.advance(h(1));
    set_priority("low").await.unwrap();
    let fr = clock(&f, t.id, SlaMetric::FirstResponse).await;
    assert_eq!(
        (fr.status, fr.consumed, fr.due_at),
        (ClockStatus::Paused, h(2), None)
    );
    let unexplained = f
        .desk
        .explain_sla(f.ws, t.id, SlaMetric::FirstResponse)
        .await;
    assert!(
        matches!(unexplained, Err(Error::NotFound { .. })),
        "no target applies: {unexplained:?}"
    );
    f.clock.advance(h(3));
    set_priority("medium").await.unwrap();
    let fr = clock(&f, t.id, SlaMetric::FirstResponse).await;
    assert_eq!(
        (fr.status, fr.due_at, fr.pauses.len()),
        (ClockStatus::Running, Some(t0 + h(13)), 2),
        "6 h left from t0 + 7 h; the first pause is kept"
    );
    // Breached at t0 + 13 h; the target goes and comes back: still breached
    // then, and the breach is not emitted again.
    f.clock.advance(h(7));
    f.desk.sla_sweep(f.ws, f.clock.now()).await.unwrap();
    set_priority("low").await.unwrap();
    f.clock.advance(h(1));
    set_priority("medium").await.unwrap();
    f.desk.sla_sweep(f.ws, f.clock.now()).await.unwrap();
    let fr = clock(&f, t.id, SlaMetric::FirstResponse).await;
    assert_eq!(
        (fr.status, fr.breached_at),
        (ClockStatus::Breached, Some(t0 + h(13)))
    );
    assert_eq!(count_events(&f, "sla.breached").await, 1);
    // Answered while no target applies: the clock is void, not met.
    let u = f.open("answered without a target").await;
    f.clock.advance(h(1));
    f.desk
        .set_priority(f.ws, u.id, "low", by.clone())
        .await
        .unwrap();
    f.clock.advance(h(20));
    f.desk
        .reply(f.ws, u.id, &f.agent, "at last".into())
        .await
        .unwrap();
    let answered = f.desk.get_ticket(f.ws, u.id).await.unwrap();
    let fr = answered.sla.clock(SlaMetric::FirstResponse).unwrap();
    assert_eq!((fr.status, fr.consumed), (ClockStatus::Void, h(1)));
    // Back to a priority with a target: an answered clock stays void.
    f.desk
        .set_priority(f.ws, u.id, "medium", by.clone())
        .await
        .unwrap();
    let fr = clock(&f, u.id, SlaMetric::FirstResponse).await;
    assert_eq!(fr.status, ClockStatus::Void);
}

/// A void clock restarts like any stopped clock when the ticket reopens:
/// with the time it used, not rebuilt from the ticket's creation.
pub async fn sla_void_clock_restarts_with_its_time(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let by = f.agent_actor();
    let p = policy(
        "Medium resolves",
        vec![
            target("medium", None, None, Some(h(10))),
            target("low", None, None, None),
        ],
    );
    f.desk.set_sla_policies(f.ws, vec![p]).await.unwrap();
    let t = f.open("void, then reopened").await;
    f.clock.advance(h(2));
    f.desk
        .set_priority(f.ws, t.id, "low", by.clone())
        .await
        .unwrap();
    f.clock.advance(h(5));
    f.desk
        .set_status(f.ws, t.id, Status::Resolved, by.clone())
        .await
        .unwrap();
    let res = clock(&f, t.id, SlaMetric::Resolution).await;
    assert_eq!((res.status, res.consumed), (ClockStatus::Void, h(2)));
    f.clock.advance(h(1));
    f.desk
        .set_status(f.ws, t.id, Status::Open, by.clone())
        .await
        .unwrap();
    let now = f.clock.now();
    f.desk.set_priority(f.ws, t.id, "medium", by).await.unwrap();
    let res = clock(&f, t.id, SlaMetric::Resolution).await;
    assert_eq!(
        (res.status, res.consumed, res.due_at),
        (ClockStatus::Running, h(2), Some(now + h(8)))
    );
}

/// A customer writing to a ticket that was resolved with their last
/// message unanswered starts a next-response clock from the new message:
/// the resolution answered the old one (it counted from that, and was
/// breached, back-dated, before the ticket even reopened).
pub async fn sla_next_response_after_a_resolve_counts_from_the_new_message(store: Arc<dyn Store>) {
    let (f, t0) = with_next_response(store).await;
    let t = f.open("again").await;
    // From `at`: a reply at +30 min, the customer's answer at +1 h left
    // unanswered, a resolve at +90 min.
    let resolve_unanswered = |at: DateTime<Utc>| {
        let f = f.clone();
        async move {
            f.clock.set(at + m(30));
            f.desk
                .reply(f.ws, t.id, &f.agent, "try this".into())
                .await
                .unwrap();
            f.clock.set(at + h(1));
            let thanks = "thanks".into();
            f.desk
                .customer_message(f.ws, t.id, &f.customer, thanks)
                .await
                .unwrap();
            f.clock.set(at + m(90));
            f.desk.resolve(f.ws, t.id, f.agent_actor()).await.unwrap();
        }
    };
    resolve_unanswered(t0).await;
    let next_day = t0 + h(25);
    f.clock.set(next_day);
    f.desk
        .customer_message(f.ws, t.id, &f.customer, "broken again".into())
        .await
        .unwrap();
    let nr = clock(&f, t.id, SlaMetric::NextResponse).await;
    assert_eq!(
        (nr.started_at, nr.due_at),
        (next_day, Some(next_day + h(2)))
    );
    assert_eq!(nr.status, sla::ClockStatus::Running);
    // The same when the ticket is reopened first, then written to.
    resolve_unanswered(next_day).await;
    let later = next_day + h(48);
    f.clock.set(later);
    f.desk
        .reopen(f.ws, t.id, Actor::Customer(f.customer.clone()))
        .await
        .unwrap();
    f.clock.set(later + h(1));
    f.desk
        .customer_message(f.ws, t.id, &f.customer, "again".into())
        .await
        .unwrap();
    let nr = clock(&f, t.id, SlaMetric::NextResponse).await;
    assert_eq!(nr.started_at, later + h(1));
    assert_eq!(count_events(&f, "sla.breached").await, 0);
}

/// A ticket opened when its targets fall due after the last instant
/// Ticketry stores (the end of 9999) has no due date, instead of one a
/// Python `datetime` cannot hold (which made the ticket, and every listing
/// holding it, unreadable from Python).
pub async fn sla_due_past_the_last_instant_is_none(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let late = Utc.with_ymd_and_hms(9999, 12, 31, 20, 0, 0).unwrap();
    f.clock.set(late);
    // medium: first response 8 h (past the end of 9999), resolution 72 h.
    let t = f.open("late").await;
    for c in &t.sla.clocks {
        assert_eq!((c.status, c.due_at), (ClockStatus::Running, None), "{c:?}");
        assert!(c.warn_at.is_none_or(|w| w <= crate::limits::max_instant()));
    }
    let page = f
        .desk
        .list_tickets(f.ws, &TicketQuery::default())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    // Within the range, a due date stays.
    f.clock.set(late - h(9));
    let t = f.open("in range").await;
    let fr = t.sla.clock(SlaMetric::FirstResponse).unwrap();
    assert_eq!(fr.due_at, Some(late - h(1)));
}
