//! Importing another system's tickets on every backend.

use super::fixture::{Fixture, assert_code, start};
use crate::store::Store;
use crate::*;
use chrono::{DateTime, TimeDelta, Utc};
use std::sync::Arc;

fn at(minutes: i64) -> DateTime<Utc> {
    start() + TimeDelta::minutes(minutes)
}

/// A record of another system's ticket by `f.customer`, created `minutes`
/// after the fixture's start, described as "`subject`: it does not work".
pub fn import_record(f: &Fixture, subject: &str, minutes: i64) -> ImportTicket {
    serde_json::from_value(serde_json::json!({
        "customer": f.customer,
        "subject": subject,
        "description": format!("{subject}: it does not work"),
        "created_at": at(minutes),
    }))
    .unwrap()
}

fn message(kind: MessageKind, agent: Option<&AgentId>, body: &str, minutes: i64) -> ImportMessage {
    ImportMessage {
        kind,
        agent: agent.cloned(),
        body: body.into(),
        html: None,
        attachments: Vec::new(),
        email_message_id: None,
        created_at: at(minutes),
    }
}

/// What an imported ticket must share with the same history lived through.
fn observable(t: &Ticket) -> serde_json::Value {
    let mut v = serde_json::to_value(t).unwrap();
    for key in ["id", "seq", "number", "version"] {
        v.as_object_mut().unwrap().remove(key);
    }
    v
}

pub async fn imported_history_equals_the_lived_one(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = &f.desk;
    // Lived: opened, answered, asked again, answered and resolved, closed
    // two days later, rated.
    let mut input = OpenTicket::new(f.customer.clone(), "Refund", "Refund: it does not work");
    input.assignee = Some(f.agent.clone());
    input.tags = vec!["billing".into()];
    let lived = d.open_ticket(f.ws, input).await.unwrap();
    f.clock.set(at(30));
    d.reply(f.ws, lived.id, &f.agent, "Which order?".into())
        .await
        .unwrap();
    f.clock.set(at(120));
    d.customer_message(f.ws, lived.id, &f.customer, "Order 8812".into())
        .await
        .unwrap();
    f.clock.set(at(150));
    d.add_note(f.ws, lived.id, &f.agent, "Refund approved".into())
        .await
        .unwrap();
    f.clock.set(at(180));
    d.reply(f.ws, lived.id, &f.agent, "Refunded.".into())
        .await
        .unwrap();
    f.clock.set(at(240));
    d.set_status(f.ws, lived.id, Status::Resolved, f.agent_actor())
        .await
        .unwrap();
    f.clock.set(at(240 + 2 * 24 * 60));
    d.set_status(f.ws, lived.id, Status::Closed, f.agent_actor())
        .await
        .unwrap();
    f.clock.set(at(240 + 2 * 24 * 60 + 60));
    let lived = d
        .rate(f.ws, lived.id, 4, Some("Quick".into()), f.customer_actor())
        .await
        .unwrap();
    let lived_thread = d.thread(f.ws, lived.id, View::Agent).await.unwrap();
    let events_before = f.last_seq().await;

    // The same history, imported; then an open ticket whose resolution
    // deadline passed long ago; then one without a seq.
    let mut closed = import_record(&f, "Refund", 0);
    closed.seq = Some(41);
    closed.assignee = Some(f.agent.clone());
    closed.tags = vec!["billing".into()];
    closed.status = Some(Status::Closed);
    closed.resolved_at = Some(at(240));
    closed.closed_at = Some(at(240 + 2 * 24 * 60));
    closed.satisfaction = Some(Satisfaction {
        rating: 4,
        comment: Some("Quick".into()),
        rated_at: at(240 + 2 * 24 * 60 + 60),
    });
    closed.messages = vec![
        message(MessageKind::Reply, Some(&f.agent), "Which order?", 30),
        message(MessageKind::Customer, None, "Order 8812", 120),
        message(MessageKind::Note, Some(&f.agent), "Refund approved", 150),
        message(MessageKind::Reply, Some(&f.agent), "Refunded.", 180),
    ];
    let mut open = import_record(&f, "Printer jams", 10);
    open.seq = Some(50);
    open.number = Some("HD-50".into());
    open.messages = vec![message(MessageKind::Customer, None, "Still jams", 20)];
    let unnumbered = import_record(&f, "Password reset", 15);
    let landed = d
        .import_tickets(f.ws, vec![closed, open, unnumbered])
        .await
        .unwrap();
    let year = 2026;
    assert_eq!(
        landed
            .iter()
            .map(|l| (l.seq, l.number.as_str()))
            .collect::<Vec<_>>(),
        [
            (41, format!("TKT-{year}-00041").as_str()),
            (50, "HD-50"),
            (51, format!("TKT-{year}-00051").as_str())
        ]
    );

    // The closed one is what Ticketry recorded when it lived it.
    let imported = d.get_ticket(f.ws, landed[0].id).await.unwrap();
    assert_eq!(observable(&imported), observable(&lived));
    assert_eq!(imported.activity, lived.activity);
    let thread = d.thread(f.ws, imported.id, View::Agent).await.unwrap();
    let shape = |t: &Thread| {
        t.messages
            .iter()
            .map(|m| (m.kind, m.author.clone(), m.body.clone(), m.created_at))
            .collect::<Vec<_>>()
    };
    assert_eq!(shape(&thread), shape(&lived_thread));
    let history = d.assignment_history(f.ws, imported.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].to.as_ref(), Some(&f.agent));

    // The open one: awaiting a reply since its opening, its overdue clocks
    // recorded as breached without announcing it now or at the next sweep.
    let open = d.get_ticket_by_number(f.ws, "hd-50").await.unwrap();
    assert_eq!(open.status, Status::New);
    assert_eq!(open.awaiting_reply_since, Some(at(10)));
    assert_eq!(open.last_customer_message_at, Some(at(20)));
    assert!(
        open.sla
            .clocks
            .iter()
            .any(|c| c.status == sla::ClockStatus::Breached),
        "{:?}",
        open.sla
    );
    d.run_automations(f.ws, f.clock.now()).await.unwrap();
    assert_eq!(
        f.last_seq().await,
        events_before,
        "an import announces nothing"
    );

    // Numbering goes on after the highest seq; listing pages across the gaps.
    let next = f.open("After the import").await;
    assert_eq!(next.seq, 52);
    let mut q = TicketQuery {
        limit: 2,
        ..TicketQuery::default()
    };
    let mut seqs = Vec::new();
    loop {
        let page = d.list_tickets(f.ws, &q).await.unwrap();
        seqs.extend(page.items.iter().map(|t| t.seq));
        match page.next_cursor {
            Some(c) => q.after = Some(c),
            None => break,
        }
    }
    assert_eq!(seqs, [52, 51, 50, 41, 1]);
    q.order = TicketOrder::Oldest;
    q.after = None;
    q.limit = 3;
    let page = d.list_tickets(f.ws, &q).await.unwrap();
    q.after = page.next_cursor.clone();
    let rest = d.list_tickets(f.ws, &q).await.unwrap();
    let oldest: Vec<u64> = page
        .items
        .iter()
        .chain(&rest.items)
        .map(|t| t.seq)
        .collect();
    assert_eq!(oldest, [1, 41, 50, 51, 52]);
    // Imported threads are searched.
    let found = d
        .list_tickets(
            f.ws,
            &TicketQuery {
                search: Some("jams".into()),
                ..TicketQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(found.items.iter().map(|t| t.seq).collect::<Vec<_>>(), [50]);
}

pub async fn bad_imports_change_nothing(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = &f.desk;
    let mut first = import_record(&f, "First", 0);
    first.seq = Some(10);
    d.import_tickets(f.ws, vec![first]).await.unwrap();
    f.clock.set(at(60));
    let before = f.snapshot().await;
    let ok = |f: &Fixture| {
        let mut r = import_record(f, "Fine", 5);
        r.seq = Some(20);
        r
    };
    let field = |records: Vec<ImportTicket>, want: &str| {
        let d = d.clone();
        let ws = f.ws;
        let want = want.to_owned();
        async move {
            match d.import_tickets(ws, records).await {
                Err(Error::InvalidInput { field, .. }) => assert_eq!(field, want),
                other => panic!("expected invalid_input on {want}, got {other:?}"),
            }
        }
    };
    let mut r = import_record(&f, "Early reply", 5);
    r.messages = vec![message(MessageKind::Reply, Some(&f.agent), "Hi", 4)];
    field(vec![ok(&f), r], "tickets[1].messages[0].created_at").await;
    let mut r = import_record(&f, "Who?", 5);
    r.messages = vec![message(
        MessageKind::Reply,
        Some(&AgentId::new("nobody").unwrap()),
        "Hi",
        6,
    )];
    field(vec![r], "tickets[0].messages[0].agent").await;
    let mut r = import_record(&f, "Note", 5);
    r.messages = vec![message(MessageKind::Note, None, "Hi", 6)];
    field(vec![r], "tickets[0].messages[0].agent").await;
    let mut r = import_record(&f, "Empty", 5);
    r.messages = vec![message(MessageKind::Customer, None, "  ", 6)];
    field(vec![r], "tickets[0].messages[0].body").await;
    field(
        vec![import_record(&f, "Future", 61)],
        "tickets[0].created_at",
    )
    .await;
    let mut r = import_record(&f, "Resolved?", 5);
    r.resolved_at = Some(at(6));
    field(vec![r], "tickets[0].resolved_at").await;
    let mut r = import_record(&f, "Closed", 5);
    r.status = Some(Status::Closed);
    r.resolved_at = Some(at(20));
    r.closed_at = Some(at(10));
    field(vec![r], "tickets[0].closed_at").await;
    let mut r = import_record(&f, "Priority", 5);
    r.priority = Some("extreme".into());
    field(vec![r], "tickets[0].priority").await;
    let mut r = import_record(&f, "Number", 5);
    r.number = Some("HD 1".into());
    field(vec![r], "tickets[0].number").await;
    let mut r = import_record(&f, "Subject", 5);
    r.subject = String::new();
    field(vec![r], "tickets[0].subject").await;
    let mut r = import_record(&f, "Rated", 5);
    r.satisfaction = Some(Satisfaction {
        rating: 9,
        comment: None,
        rated_at: at(6),
    });
    r.status = Some(Status::Resolved);
    field(vec![r], "tickets[0].satisfaction.rating").await;

    // Taken seqs and numbers, within the batch or stored.
    let mut r = import_record(&f, "Again", 5);
    r.seq = Some(10);
    assert_code(
        d.import_tickets(f.ws, vec![ok(&f), r]).await,
        "already_exists",
    );
    let mut r = import_record(&f, "Below", 5);
    r.seq = Some(3);
    assert_code(d.import_tickets(f.ws, vec![r]).await, "already_exists");
    let mut r = import_record(&f, "Number", 5);
    r.number = Some("tkt-2026-00010".into());
    assert_code(d.import_tickets(f.ws, vec![r]).await, "already_exists");
    // The workspace's own number for seq 10 cannot be kept with another seq.
    let mut r = import_record(&f, "Number", 5);
    r.number = Some("TKT-2026-00030".into());
    r.seq = Some(31);
    field(vec![r], "tickets[0].number").await;
    assert_code(
        d.import_tickets(f.ws, vec![ok(&f), ok(&f)]).await,
        "already_exists",
    );
    let mut r = import_record(&f, "Stranger", 5);
    r.customer = CustomerId::new("stranger").unwrap();
    assert_code(d.import_tickets(f.ws, vec![ok(&f), r]).await, "not_found");
    // A seq no counter can grow from.
    let mut r = import_record(&f, "Huge", 5);
    r.seq = Some(u64::MAX);
    field(vec![r], "tickets[0].seq").await;
    let many = vec![import_record(&f, "Many", 5); ticket::MAX_IMPORT + 1];
    field(many, "tickets").await;
    assert_eq!(f.snapshot().await, before);
    // The counter did not move either.
    assert_eq!(f.open("Next").await.seq, 11);
}

pub async fn import_errors_name_the_same_offender(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = &f.desk;
    f.clock.advance(TimeDelta::hours(2));
    let mut kept = import_record(&f, "Kept", 5);
    kept.number = Some("HD-10".into());
    d.import_tickets(f.ws, vec![kept]).await.unwrap();
    // Numbers are checked before customers, each the first in the batch's
    // order, spelt as imported.
    let mut ghost = import_record(&f, "Ghost", 5);
    ghost.customer = CustomerId::new("ghost").unwrap();
    let mut taken = import_record(&f, "Taken", 5);
    taken.number = Some("hd-10".into());
    match d.import_tickets(f.ws, vec![ghost.clone(), taken]).await {
        Err(Error::AlreadyExists { key, .. }) => assert_eq!(key, "hd-10"),
        other => panic!("expected already_exists, got {other:?}"),
    }
    let mut ghost2 = import_record(&f, "Ghost 2", 5);
    ghost2.customer = CustomerId::new("another-ghost").unwrap();
    match d.import_tickets(f.ws, vec![ghost, ghost2]).await {
        Err(Error::NotFound { id, .. }) => assert_eq!(id, "ghost"),
        other => panic!("expected not_found, got {other:?}"),
    }
    // A kept number of the workspace's own format takes its seq, so live
    // tickets never collide with it.
    let year = f.clock.now().format("%Y");
    let mut own = import_record(&f, "Own", 5);
    own.number = Some(format!("TKT-{year}-00003"));
    let landed = d.import_tickets(f.ws, vec![own]).await.unwrap();
    assert_eq!(landed[0].seq, 3);
    let live: Vec<u64> = [f.open("a").await.seq, f.open("b").await.seq].into();
    assert_eq!(live, [4, 5]);
}

pub async fn a_huge_imported_thread_imports_and_stays_searchable(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    f.clock.advance(TimeDelta::hours(2));
    let mut r = import_record(&f, "Logs", 1);
    // 60 replies of 2,000 distinct words each: more index than PostgreSQL
    // keeps for one ticket (1 MB of tsvector).
    r.messages = (0..60)
        .map(|i| {
            let body: Vec<String> = (0..2_000)
                .map(|j| format!("x{:08x}", i * 2_000 + j))
                .collect();
            message(
                MessageKind::Reply,
                Some(&f.agent),
                &body.join(" "),
                2 + i64::from(i),
            )
        })
        .collect();
    let landed = f.desk.import_tickets(f.ws, vec![r]).await.unwrap();
    let found = f
        .desk
        .list_tickets(
            f.ws,
            &TicketQuery {
                search: Some("x00000007".into()),
                ..TicketQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        found.items.iter().map(|t| t.id).collect::<Vec<_>>(),
        [landed[0].id]
    );
}
