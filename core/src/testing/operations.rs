//! Incidents, the service status and access-recovery requests, on every
//! backend.

use super::fixture::{Fixture, assert_code};
use super::sla::{h, policy, target};
use crate::access::AccessStatus;
use crate::incident::{IncidentStatus, NewIncident, ServiceState, Severity};
use crate::sla::ClockStatus;
use crate::store::Store;
use crate::*;
use chrono::TimeDelta;
use std::sync::Arc;

fn outage(title: &str, categories: Vec<CategoryId>) -> NewIncident {
    NewIncident {
        title: title.into(),
        message: Some(format!("{title}: we are on it")),
        severity: Some(Severity::Critical),
        categories,
        pause_sla: None,
    }
}

async fn open_in(f: &Fixture, subject: &str, category: CategoryId) -> Ticket {
    let mut input = OpenTicket::new(f.customer.clone(), subject, "x");
    input.category = Some(category);
    f.desk.open_ticket(f.ws, input).await.unwrap()
}

async fn system_bodies(f: &Fixture, t: TicketId) -> Vec<String> {
    let thread = f.desk.thread(f.ws, t, View::Agent).await.unwrap();
    thread
        .messages
        .into_iter()
        .filter(|m| m.kind == MessageKind::System)
        .map(|m| m.body)
        .collect()
}

pub async fn incidents_set_the_status_and_hold_linked_tickets(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    f.desk
        .set_sla_policies(
            f.ws,
            vec![policy(
                "Fast",
                vec![target("medium", Some(h(1)), None, None)],
            )],
        )
        .await
        .unwrap();
    let payments = f.category("Payments", None).await;
    let cards = f.category("Cards", Some(payments.id)).await;
    let lessons = f.category("Lessons", None).await;
    assert_eq!(
        f.desk.service_status(f.ws).await.unwrap().state,
        ServiceState::Operational
    );
    let before = open_in(&f, "before", cards.id).await;
    let i = f
        .desk
        .declare_incident(
            f.ws,
            outage("Payments down", vec![payments.id]),
            f.agent_actor(),
        )
        .await
        .unwrap();
    let status = f.desk.service_status(f.ws).await.unwrap();
    assert_eq!(status.state, ServiceState::MajorOutage);
    assert_eq!(
        status.banner.as_deref(),
        Some("Payments down: we are on it")
    );
    f.clock.advance(TimeDelta::minutes(10));
    f.desk
        .post_incident_update(f.ws, i.id, "Fix deployed, watching".into(), f.agent_actor())
        .await
        .unwrap();
    let status = f.desk.service_status(f.ws).await.unwrap();
    assert_eq!(status.banner.as_deref(), Some("Fix deployed, watching"));
    // Only new tickets in an affected category (or below) are linked.
    let during = open_in(&f, "card declined", cards.id).await;
    let other = open_in(&f, "zoom", lessons.id).await;
    assert_eq!(during.incident.map(|l| (l.id, l.open)), Some((i.id, true)));
    assert_eq!(other.incident, None);
    assert_eq!(before.incident, None);
    let clock = |t: &Ticket| t.sla.clock(SlaMetric::FirstResponse).unwrap().status;
    assert_eq!(clock(&during), ClockStatus::Paused);
    assert_eq!(clock(&other), ClockStatus::Running);
    // Two hours later (past the 1 h target) it is resolved: the clock resumes
    // with its full target left.
    f.clock.advance(h(2));
    let resolved = f
        .desk
        .resolve_incident(
            f.ws,
            i.id,
            "Payments work again".into(),
            false,
            f.agent_actor(),
        )
        .await
        .unwrap();
    assert_eq!(resolved.status, IncidentStatus::Resolved);
    let t = f.desk.get_ticket(f.ws, during.id).await.unwrap();
    assert_eq!(clock(&t), ClockStatus::Running);
    assert_eq!(
        t.sla.clock(SlaMetric::FirstResponse).unwrap().due_at,
        Some(f.clock.now() + h(1))
    );
    assert!(t.incident.is_some_and(|l| !l.open));
    assert_eq!(
        system_bodies(&f, during.id).await,
        vec!["Payments work again"]
    );
    assert!(system_bodies(&f, other.id).await.is_empty());
    assert_eq!(t.status, Status::New);
    // After it: not linked; operational; figures.
    let after = open_in(&f, "after", cards.id).await;
    assert_eq!(after.incident, None);
    assert_eq!(
        f.desk.service_status(f.ws).await.unwrap().state,
        ServiceState::Operational
    );
    let figures = f.desk.incident_figures(f.ws, i.id).await.unwrap();
    assert_eq!((figures.linked_tickets, figures.active_tickets), (1, 1));
    assert_eq!(figures.duration, TimeDelta::minutes(130));
    assert_code(
        f.desk
            .resolve_incident(f.ws, i.id, "again".into(), false, f.agent_actor())
            .await,
        "invalid_transition",
    );
    assert_code(
        f.desk
            .post_incident_update(f.ws, i.id, "late".into(), f.agent_actor())
            .await,
        "invalid_transition",
    );
    let names = f.event_names_after(0).await;
    for name in [
        "incident.declared",
        "incident.updated",
        "ticket.incident_linked",
        "incident.resolved",
    ] {
        assert!(names.contains(&name), "{name}");
    }
}

pub async fn resolving_an_incident_replies_once_per_ticket(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let payments = f.category("Payments", None).await;
    let i = f
        .desk
        .declare_incident(f.ws, outage("Down", vec![payments.id]), f.agent_actor())
        .await
        .unwrap();
    let mut linked = Vec::new();
    for n in 0..5 {
        linked.push(open_in(&f, &format!("t{n}"), payments.id).await.id);
    }
    let by_hand = f.open("unrelated at first").await;
    f.desk
        .link_incident(f.ws, by_hand.id, i.id, f.agent_actor())
        .await
        .unwrap();
    linked.push(by_hand.id);
    // A closed ticket's link ends too.
    let closed = open_in(&f, "closed one", payments.id).await;
    f.desk
        .close(f.ws, closed.id, f.agent_actor())
        .await
        .unwrap();
    linked.push(closed.id);
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let f = f.clone();
            tokio::spawn(async move {
                f.desk
                    .resolve_incident(f.ws, i.id, "All good".into(), true, f.agent_actor())
                    .await
            })
        })
        .collect();
    let mut ok = 0;
    for r in runs {
        match r.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e.code(), "invalid_transition", "{e}"),
        }
    }
    assert!(ok >= 1);
    let closed_id = linked.pop().unwrap();
    let closed = f.desk.get_ticket(f.ws, closed_id).await.unwrap();
    assert!(closed.incident.is_some_and(|l| !l.open));
    for t in linked {
        assert_eq!(system_bodies(&f, t).await, vec!["All good"]);
        assert_eq!(
            f.desk.get_ticket(f.ws, t).await.unwrap().status,
            Status::Resolved
        );
    }
}

pub async fn bad_incident_input_changes_nothing(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let other = Fixture::in_desk(f.desk.clone(), f.clock.clone(), "other").await;
    let theirs = other
        .desk
        .declare_incident(other.ws, outage("Theirs", vec![]), other.agent_actor())
        .await
        .unwrap();
    let before = f.snapshot().await;
    let t = f.open("mine").await;
    let before_link = f.snapshot().await;
    assert_code(f.desk.get_incident(f.ws, theirs.id).await, "not_found");
    assert_code(
        f.desk
            .link_incident(f.ws, t.id, theirs.id, f.agent_actor())
            .await,
        "not_found",
    );
    assert_code(
        f.desk
            .declare_incident(
                f.ws,
                outage("x", vec![CategoryId::generate()]),
                f.agent_actor(),
            )
            .await,
        "not_found",
    );
    assert_code(
        f.desk
            .declare_incident(f.ws, outage("", vec![]), f.agent_actor())
            .await,
        "invalid_input",
    );
    assert_code(
        f.desk
            .declare_incident(f.ws, outage("Fake outage", vec![]), f.customer_actor())
            .await,
        "invalid_input",
    );
    assert_eq!(f.snapshot().await, before_link);
    drop(before);
}

pub async fn access_requests_follow_their_workflow(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let request = |kind: &str| AccessRequestInput {
        kind: kind.into(),
        customer: Some(f.customer.clone()),
        verification: Some(access::Verification {
            method: "email_link".into(),
            checked: vec!["email matches".into()],
        }),
        ..AccessRequestInput::default()
    };
    let r = f
        .desk
        .request_access(f.ws, request("password_reset"), f.customer_actor())
        .await
        .unwrap();
    assert_eq!(r.status, AccessStatus::Pending);
    assert_eq!(r.expires_at, f.clock.now() + TimeDelta::hours(72));
    let agent = f.agent_actor();
    let review = f
        .desk
        .decide_access(f.ws, r.id, AccessStatus::InReview, None, agent.clone())
        .await
        .unwrap();
    assert_eq!(review.status, AccessStatus::InReview);
    // Customers cannot decide; rejections need a reason.
    assert_code(
        f.desk
            .decide_access(f.ws, r.id, AccessStatus::Approved, None, f.customer_actor())
            .await,
        "invalid_input",
    );
    assert_code(
        f.desk
            .decide_access(f.ws, r.id, AccessStatus::Rejected, None, agent.clone())
            .await,
        "invalid_input",
    );
    let approved = f
        .desk
        .decide_access(
            f.ws,
            r.id,
            AccessStatus::Approved,
            Some("ID checked".into()),
            agent.clone(),
        )
        .await
        .unwrap();
    assert_eq!(
        (
            approved.status,
            approved.decided_by.as_ref(),
            approved.reason.as_deref()
        ),
        (AccessStatus::Approved, Some(&agent), Some("ID checked"))
    );
    assert_eq!(
        approved.history.iter().map(|h| h.to).collect::<Vec<_>>(),
        vec![
            AccessStatus::Pending,
            AccessStatus::InReview,
            AccessStatus::Approved
        ]
    );
    let snapshot = f.snapshot().await;
    for to in [
        AccessStatus::Approved,
        AccessStatus::Rejected,
        AccessStatus::Cancelled,
        AccessStatus::InReview,
    ] {
        assert_code(
            f.desk
                .decide_access(f.ws, r.id, to, Some("again".into()), agent.clone())
                .await,
            "invalid_transition",
        );
    }
    assert_eq!(f.snapshot().await, snapshot);
    // Every allowed and forbidden step from each state.
    use AccessStatus as S;
    let all = [
        S::Pending,
        S::InReview,
        S::Approved,
        S::Rejected,
        S::Expired,
        S::Cancelled,
    ];
    for from in all {
        for to in all {
            let allowed = matches!(
                (from, to),
                (S::Pending, S::InReview)
                    | (
                        S::Pending | S::InReview,
                        S::Approved | S::Rejected | S::Expired | S::Cancelled
                    )
            );
            assert_eq!(from.can_become(to), allowed, "{from:?} → {to:?}");
        }
    }
    // A customer cancels their own; another customer cannot see it.
    let mine = f
        .desk
        .request_access(f.ws, request("account_unlock"), f.customer_actor())
        .await
        .unwrap();
    assert_code(
        f.desk
            .decide_access(
                f.ws,
                mine.id,
                AccessStatus::Cancelled,
                None,
                Actor::Customer(f.customer2.clone()),
            )
            .await,
        "not_found",
    );
    let cancelled = f
        .desk
        .decide_access(
            f.ws,
            mine.id,
            AccessStatus::Cancelled,
            None,
            f.customer_actor(),
        )
        .await
        .unwrap();
    assert_eq!(cancelled.status, AccessStatus::Cancelled);
    // Without a customer: a contact is required.
    let anonymous = AccessRequestInput {
        kind: "two_factor_reset".into(),
        ..AccessRequestInput::default()
    };
    assert_code(
        f.desk
            .request_access(f.ws, anonymous.clone(), Actor::System)
            .await,
        "invalid_input",
    );
    let by_contact = f
        .desk
        .request_access(
            f.ws,
            AccessRequestInput {
                contact: Some("lost@example.com".into()),
                ..anonymous
            },
            Actor::System,
        )
        .await
        .unwrap();
    assert_eq!(by_contact.customer, None);
    let listed = f
        .desk
        .list_access_requests(f.ws, None, Some(f.customer.clone()))
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![mine.id, r.id]
    );
    let names = f.event_names_after(0).await;
    for name in ["access.requested", "access.changed", "access.approved"] {
        assert!(names.contains(&name), "{name}");
    }
}

pub async fn access_requests_expire_on_time(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let input = AccessRequestInput {
        kind: "email_change".into(),
        customer: Some(f.customer.clone()),
        expires_in: Some(TimeDelta::hours(1)),
        ..AccessRequestInput::default()
    };
    let r = f
        .desk
        .request_access(f.ws, input, f.customer_actor())
        .await
        .unwrap();
    let start = f.clock.now();
    let early = f
        .desk
        .run_automations(f.ws, start + TimeDelta::minutes(59))
        .await
        .unwrap();
    assert!(early.expired_access_requests.is_empty());
    f.clock.set(start + TimeDelta::hours(1));
    let snapshot = f.snapshot().await;
    assert_code(
        f.desk
            .decide_access(f.ws, r.id, AccessStatus::Approved, None, f.agent_actor())
            .await,
        "invalid_transition",
    );
    assert_eq!(f.snapshot().await, snapshot);
    let due = f
        .desk
        .run_automations(f.ws, start + TimeDelta::hours(1))
        .await
        .unwrap();
    assert_eq!(due.expired_access_requests, vec![r.id]);
    let again = f
        .desk
        .run_automations(f.ws, start + TimeDelta::hours(2))
        .await
        .unwrap();
    assert!(again.expired_access_requests.is_empty());
    let expired = f.desk.get_access_request(f.ws, r.id).await.unwrap();
    assert_eq!(expired.status, AccessStatus::Expired);
    assert_eq!(expired.decided_at, Some(start + TimeDelta::hours(1)));
}

pub async fn open_access_requests_are_limited_per_customer(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let f = f.clone();
            tokio::spawn(async move {
                let input = AccessRequestInput {
                    kind: "password_reset".into(),
                    customer: Some(f.customer.clone()),
                    ..AccessRequestInput::default()
                };
                f.desk.request_access(f.ws, input, f.customer_actor()).await
            })
        })
        .collect();
    let (mut ok, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => {
                assert_eq!(e.code(), "conflict", "{e}");
                refused += 1;
            }
        }
    }
    assert_eq!((ok, refused), (3, 13));
    // Another customer is not limited by the first one's requests.
    let input = AccessRequestInput {
        kind: "password_reset".into(),
        customer: Some(f.customer2.clone()),
        ..AccessRequestInput::default()
    };
    f.desk
        .request_access(f.ws, input, Actor::Customer(f.customer2.clone()))
        .await
        .unwrap();
}

pub async fn health_answers(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    f.desk.health().await.unwrap();
}
