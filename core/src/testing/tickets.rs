//! Ticket, catalog and event cases.

use super::fixture::{Fixture, assert_code};
use crate::store::Store;
use crate::*;
use chrono::TimeDelta;
use std::collections::HashSet;
use std::sync::Arc;

/// Brings a fresh ticket to `status` through allowed moves.
async fn ticket_in(f: &Fixture, status: Status) -> Ticket {
    let t = f.open("transition").await;
    let by = f.agent_actor();
    match status {
        Status::New => t,
        Status::Closed => f.desk.close(f.ws, t.id, by).await.unwrap(),
        s => f.desk.set_status(f.ws, t.id, s, by).await.unwrap(),
    }
}

pub async fn status_transitions(store: Arc<dyn Store>) {
    use Status::*;
    let f = Fixture::new(store).await;
    // The workflow, written out by hand (not derived from the code under test).
    let allowed: &[(Status, &[Status])] = &[
        (
            New,
            &[
                Open, InProgress, Pending, OnHold, Resolved, Closed, Cancelled,
            ],
        ),
        (
            Open,
            &[InProgress, Pending, OnHold, Resolved, Closed, Cancelled],
        ),
        (
            InProgress,
            &[Open, Pending, OnHold, Resolved, Closed, Cancelled],
        ),
        (
            Pending,
            &[Open, InProgress, OnHold, Resolved, Closed, Cancelled],
        ),
        (
            OnHold,
            &[Open, InProgress, Pending, Resolved, Closed, Cancelled],
        ),
        (Resolved, &[Open, Closed]),
        (Closed, &[]),
        (Cancelled, &[]),
    ];
    for &(from, targets) in allowed {
        for to in Status::ALL {
            if to == from {
                continue;
            }
            let t = ticket_in(&f, from).await;
            assert_eq!(t.status, from);
            let r = f.desk.set_status(f.ws, t.id, to, f.agent_actor()).await;
            if targets.contains(&to) {
                let moved = r.unwrap_or_else(|e| panic!("{from} -> {to} should be allowed: {e}"));
                assert_eq!(moved.status, to);
                assert_eq!(moved.version, t.version + 1);
                let after = f.desk.get_ticket(f.ws, t.id).await.unwrap();
                assert_eq!(after.status, to);
                if to == Resolved {
                    assert!(after.resolved_at.is_some());
                }
                if to == Closed {
                    assert!(after.closed_at.is_some());
                }
            } else {
                assert_code(r, "invalid_transition");
                assert_eq!(
                    f.desk.get_ticket(f.ws, t.id).await.unwrap(),
                    t,
                    "{from} -> {to} changed the ticket"
                );
            }
        }
    }
    // Seed aliases map onto the workflow.
    assert_eq!("waiting_user".parse::<Status>().unwrap(), Pending);
    assert_eq!("in_progress".parse::<Status>().unwrap(), InProgress);
    assert_eq!("solved".parse::<Status>().unwrap(), Resolved);
    assert_code("nonsense".parse::<Status>(), "invalid_input");
}

pub async fn reopen_window(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let by = f.agent_actor();
    let resolved = ticket_in(&f, Status::Resolved).await;
    let t = f.desk.reopen(f.ws, resolved.id, by.clone()).await.unwrap();
    assert_eq!((t.status, t.resolved_at), (Status::Open, None));

    let closed = ticket_in(&f, Status::Closed).await;
    f.clock.advance(TimeDelta::days(6));
    assert_eq!(
        f.desk
            .reopen(f.ws, closed.id, by.clone())
            .await
            .unwrap()
            .status,
        Status::Open
    );

    let closed = ticket_in(&f, Status::Closed).await;
    f.clock.advance(TimeDelta::days(7) + TimeDelta::seconds(1));
    assert_code(
        f.desk.reopen(f.ws, closed.id, by.clone()).await,
        "invalid_transition",
    );

    let open = f.open("not closed").await;
    assert_code(
        f.desk.reopen(f.ws, open.id, by.clone()).await,
        "invalid_transition",
    );
    let cancelled = ticket_in(&f, Status::Cancelled).await;
    assert_code(
        f.desk.reopen(f.ws, cancelled.id, by).await,
        "invalid_transition",
    );
}

pub async fn concurrent_numbering(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let f = f.clone();
            tokio::spawn(async move { f.open(&format!("concurrent {i}")).await })
        })
        .collect();
    let mut seqs = Vec::new();
    let mut numbers = HashSet::new();
    for t in tasks {
        let t = t.await.unwrap();
        assert_eq!(t.number, format!("TKT-2026-{:05}", t.seq));
        numbers.insert(t.number);
        seqs.push(t.seq);
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=50).collect::<Vec<u64>>());
    assert_eq!(numbers.len(), 50);
    let created = f
        .all_events()
        .await
        .iter()
        .filter(|e| e.kind.name() == "ticket.created")
        .count();
    assert_eq!(created, 50);
}

pub async fn tenant_isolation(store: Arc<dyn Store>) {
    let a = Fixture::new(store).await;
    let b = Fixture::in_desk(a.desk.clone(), a.clock.clone(), "globex").await;
    let t = a.open("secret of A").await;
    let cat = a
        .desk
        .create_category(
            a.ws,
            CategoryInput {
                name: "Billing".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let tpl = a
        .desk
        .create_template(
            a.ws,
            TemplateInput {
                name: "Hi".into(),
                body: "Hi {{ customer.name }}".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let before_b = b.snapshot().await;
    let d = &b.desk;
    let by = b.agent_actor();
    assert_code(d.get_ticket(b.ws, t.id).await, "not_found");
    assert_code(d.get_ticket_by_number(b.ws, &t.number).await, "not_found");
    assert_code(d.thread(b.ws, t.id, View::Agent).await, "not_found");
    assert_code(
        d.reply(b.ws, t.id, &b.agent, "leak?".into()).await,
        "not_found",
    );
    assert_code(
        d.add_note(b.ws, t.id, &b.agent, "leak?".into()).await,
        "not_found",
    );
    assert_code(
        d.set_status(b.ws, t.id, Status::Open, by.clone()).await,
        "not_found",
    );
    assert_code(
        d.assign(b.ws, t.id, Assign::to(b.agent.clone()), by.clone())
            .await,
        "not_found",
    );
    assert_code(d.add_tag(b.ws, t.id, "x", by.clone()).await, "not_found");
    assert_code(d.assignment_history(b.ws, t.id).await, "not_found");
    assert_code(d.get_category(b.ws, cat.id).await, "not_found");
    assert_code(d.get_template(b.ws, tpl.id).await, "not_found");
    assert_code(
        d.render_template(b.ws, tpl.id, t.id, None).await,
        "not_found",
    );
    assert_code(d.get_agent(b.ws, &a.agent).await, "not_found");
    assert_code(d.get_customer(b.ws, &a.customer).await, "not_found");
    // A's ids used to build B's data are refused, never linked.
    let mut open = OpenTicket::new(b.customer.clone(), "cross", "ref");
    open.category = Some(cat.id);
    assert_code(d.open_ticket(b.ws, open).await, "not_found");
    assert_code(
        d.open_ticket(b.ws, OpenTicket::new(a.customer.clone(), "cross", "ref"))
            .await,
        "not_found",
    );
    assert_code(
        d.assign(b.ws, t.id, Assign::to(a.agent.clone()), by).await,
        "not_found",
    );
    assert!(
        d.list_tickets(b.ws, &TicketQuery::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(b.all_events().await.iter().all(|e| e.workspace_id == b.ws));
    assert_eq!(b.snapshot().await, before_b);
    // A still sees its own.
    assert_eq!(
        a.desk.get_ticket(a.ws, t.id).await.unwrap().subject,
        "secret of A"
    );
}

pub async fn bad_input_changes_nothing(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = &f.desk;
    let open = f.open("will stay open").await;
    let resolved = ticket_in(&f, Status::Resolved).await;
    let closed = ticket_in(&f, Status::Closed).await;
    let before = f.snapshot().await;
    let by = f.agent_actor();

    assert_code(
        d.open_ticket(f.ws, OpenTicket::new(f.customer.clone(), "", "x"))
            .await,
        "invalid_input",
    );
    assert_code(
        d.open_ticket(f.ws, OpenTicket::new(f.customer.clone(), "   ", "x"))
            .await,
        "invalid_input",
    );
    assert_code(
        d.open_ticket(
            f.ws,
            OpenTicket::new(f.customer.clone(), "s".repeat(10_000), "x"),
        )
        .await,
        "invalid_input",
    );
    assert_code(
        d.open_ticket(f.ws, OpenTicket::new(f.customer.clone(), "ok", ""))
            .await,
        "invalid_input",
    );
    let mut unknown_priority = OpenTicket::new(f.customer.clone(), "ok", "x");
    unknown_priority.priority = Some("blocker".into());
    assert_code(d.open_ticket(f.ws, unknown_priority).await, "invalid_input");
    let mut bad_tag = OpenTicket::new(f.customer.clone(), "ok", "x");
    bad_tag.tags = vec!["Not A Slug".into()];
    assert_code(d.open_ticket(f.ws, bad_tag).await, "invalid_input");
    assert_code(
        d.set_priority(f.ws, open.id, "blocker", by.clone()).await,
        "invalid_input",
    );
    for rating in [0, 6] {
        assert_code(
            d.rate(f.ws, resolved.id, rating, None, f.customer_actor())
                .await,
            "invalid_input",
        );
    }
    assert_code(
        d.rate(f.ws, open.id, 5, None, f.customer_actor()).await,
        "invalid_transition",
    );
    assert_code(
        d.reply(f.ws, closed.id, &f.agent, "too late".into()).await,
        "invalid_transition",
    );
    assert_code(
        d.customer_message(f.ws, closed.id, &f.customer, "hello?".into())
            .await,
        "invalid_transition",
    );
    assert_code(
        d.customer_message(f.ws, open.id, &f.customer2, "not mine".into())
            .await,
        "invalid_input",
    );
    assert_code(
        d.reply(f.ws, open.id, &f.agent, "".into()).await,
        "invalid_input",
    );
    assert_code(
        d.reply(f.ws, open.id, &f.agent, "nul \0 byte".into()).await,
        "invalid_input",
    );
    assert_code(
        d.open_ticket(f.ws, OpenTicket::new(f.customer.clone(), "nul \0", "x"))
            .await,
        "invalid_input",
    );
    let mut nul_field = OpenTicket::new(f.customer.clone(), "ok", "x");
    nul_field
        .custom_fields
        .insert("note".into(), serde_json::json!(["a\0b"]));
    assert_code(d.open_ticket(f.ws, nul_field).await, "invalid_input");
    let back_to_new = MessageInput {
        status: Some(Status::New),
        ..MessageInput::text("hi")
    };
    assert_code(
        d.reply(f.ws, open.id, &f.agent, back_to_new).await,
        "invalid_transition",
    );
    let reopen_by_reply = MessageInput {
        status: Some(Status::Open),
        ..MessageInput::text("hi")
    };
    assert_code(
        d.reply(f.ws, closed.id, &f.agent, reopen_by_reply).await,
        "invalid_transition",
    );
    assert_code(
        d.reply(
            f.ws,
            open.id,
            &f.agent,
            MessageInput::text("x".repeat(100_001)),
        )
        .await,
        "invalid_input",
    );
    assert_code(
        d.reply(f.ws, open.id, &f.inactive, "I left".into()).await,
        "invalid_input",
    );
    assert_code(
        d.assign(f.ws, open.id, Assign::to(f.inactive.clone()), by.clone())
            .await,
        "invalid_input",
    );
    assert_code(
        d.create_template(
            f.ws,
            TemplateInput {
                name: "Broken".into(),
                body: "Hi {{ customer.name ".into(),
                ..Default::default()
            },
        )
        .await,
        "invalid_input",
    );
    assert_code(
        d.create_template(
            f.ws,
            TemplateInput {
                name: "Broken".into(),
                body: "{% if %}".into(),
                ..Default::default()
            },
        )
        .await,
        "invalid_input",
    );
    assert_code(
        d.add_tag(f.ws, open.id, "UPPER", by.clone()).await,
        "invalid_input",
    );
    assert_code(
        d.link(
            f.ws,
            open.id,
            Link {
                kind: "".into(),
                id: "1".into(),
            },
            by.clone(),
        )
        .await,
        "invalid_input",
    );
    assert_code(
        d.set_status(f.ws, closed.id, Status::Open, by.clone())
            .await,
        "invalid_transition",
    );
    assert_code(
        d.assign(f.ws, closed.id, Assign::to(f.agent.clone()), by.clone())
            .await,
        "invalid_transition",
    );
    assert_code(
        d.create_category(
            f.ws,
            CategoryInput {
                name: "".into(),
                ..Default::default()
            },
        )
        .await,
        "invalid_input",
    );
    assert_code(
        d.create_team(
            f.ws,
            TeamInput {
                name: "Ghosts".into(),
                members: vec![AgentId::new("nobody").unwrap()],
                ..Default::default()
            },
        )
        .await,
        "not_found",
    );
    assert_code(
        d.put_tag(
            f.ws,
            Tag {
                slug: "ok".into(),
                name: "Ok".into(),
                color: Some("red".into()),
            },
        )
        .await,
        "invalid_input",
    );
    let mut p = Priority::new("dup", "Dup", 1);
    p.is_default = true;
    let mut p2 = p.clone();
    p2.code = "dup2".into();
    assert_code(
        d.set_priorities(f.ws, vec![p.clone(), p.clone()]).await,
        "invalid_input",
    );
    assert_code(d.set_priorities(f.ws, vec![p, p2]).await, "invalid_input");
    let mut agent = AgentInput::new(f.agent.clone(), "Renamed");
    agent.email = Some("not-an-email".into());
    assert_code(d.put_agent(f.ws, agent).await, "invalid_input");
    assert_code(
        d.list_tickets(
            f.ws,
            &TicketQuery {
                limit: 0,
                ..Default::default()
            },
        )
        .await,
        "invalid_input",
    );
    assert_code(
        d.list_tickets(
            f.ws,
            &TicketQuery {
                after: Some("garbage".into()),
                ..Default::default()
            },
        )
        .await,
        "invalid_input",
    );
    assert_code(d.get_ticket(f.ws, TicketId::generate()).await, "not_found");
    assert_code(d.events(WorkspaceId::generate(), 0, 10).await, "not_found");
    assert_eq!(
        f.snapshot().await,
        before,
        "a failed operation changed the store"
    );
}

pub async fn events_per_operation(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = &f.desk;
    let by = f.agent_actor();
    let mut seen = 0;
    macro_rules! expect {
        ($($name:literal),*) => {{
            let names = f.event_names_after(seen).await;
            let want: Vec<&str> = vec![$($name),*];
            assert_eq!(names, want);
            #[allow(unused_assignments)]
            {
                seen = f.last_seq().await;
            }
        }};
    }
    let t = f.open("events").await;
    expect!("ticket.created");
    d.customer_message(f.ws, t.id, &f.customer, "more details".into())
        .await
        .unwrap();
    expect!("message.added");
    d.reply(f.ws, t.id, &f.agent, "looking".into())
        .await
        .unwrap();
    expect!("message.added", "status.changed");
    d.add_note(f.ws, t.id, &f.agent, "internal".into())
        .await
        .unwrap();
    expect!("message.added");
    d.assign(f.ws, t.id, Assign::to(f.agent.clone()), by.clone())
        .await
        .unwrap();
    expect!("ticket.assigned");
    d.assign(f.ws, t.id, Assign::to(f.agent.clone()), by.clone())
        .await
        .unwrap();
    expect!();
    d.set_priority(f.ws, t.id, "urgent", by.clone())
        .await
        .unwrap();
    expect!("priority.changed");
    let cat = d
        .create_category(
            f.ws,
            CategoryInput {
                name: "Billing".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    d.set_category(f.ws, t.id, Some(cat.id), by.clone())
        .await
        .unwrap();
    expect!("category.changed");
    d.add_tag(f.ws, t.id, "vip", by.clone()).await.unwrap();
    d.add_tag(f.ws, t.id, "vip", by.clone()).await.unwrap();
    expect!("ticket.tagged");
    d.remove_tag(f.ws, t.id, "vip", by.clone()).await.unwrap();
    expect!("ticket.untagged");
    d.link(f.ws, t.id, "order:8812".parse().unwrap(), by.clone())
        .await
        .unwrap();
    expect!("ticket.linked");
    d.update_ticket(
        f.ws,
        t.id,
        TicketUpdate {
            subject: Some("renamed".into()),
            ..Default::default()
        },
        by.clone(),
    )
    .await
    .unwrap();
    expect!("ticket.updated");
    d.set_status(f.ws, t.id, Status::Pending, by.clone())
        .await
        .unwrap();
    expect!("status.changed");
    d.customer_message(f.ws, t.id, &f.customer, "here you go".into())
        .await
        .unwrap();
    expect!("message.added", "status.changed");
    d.resolve(f.ws, t.id, by.clone()).await.unwrap();
    expect!("status.changed");
    d.rate(f.ws, t.id, 5, Some("great".into()), f.customer_actor())
        .await
        .unwrap();
    expect!("ticket.rated");
    d.close(f.ws, t.id, by.clone()).await.unwrap();
    expect!("status.changed");
    d.reopen(f.ws, t.id, by.clone()).await.unwrap();
    expect!("status.changed");
    d.unassign(f.ws, t.id, by).await.unwrap();
    expect!("ticket.assigned");
    let events = f.all_events().await;
    // Gap-free and typed.
    assert!(
        events
            .iter()
            .enumerate()
            .all(|(i, e)| e.seq == i as u64 + 1)
    );
    let json = serde_json::to_value(&events[0]).unwrap();
    assert_eq!(json["type"], "ticket.created");
    assert_eq!(json["number"], t.number);
}

pub async fn event_cursor_sees_each_once(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    // Writers and a paging reader run at once; the reader must see every
    // event exactly once and in order.
    let writers: Vec<_> = (0..8)
        .map(|i| {
            let f = f.clone();
            tokio::spawn(async move {
                for j in 0..5 {
                    let t = f.open(&format!("w{i}-{j}")).await;
                    f.desk
                        .reply(f.ws, t.id, &f.agent, "ok".into())
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    let reader = {
        let f = f.clone();
        tokio::spawn(async move {
            let mut cursor = f.desk.consumer_position(f.ws, "mailer").await.unwrap();
            let mut seen = Vec::new();
            while seen.len() < 8 * 5 * 3 {
                let page = f.desk.events(f.ws, cursor, 7).await.unwrap();
                for e in &page {
                    seen.push(e.seq);
                }
                if let Some(last) = page.last() {
                    cursor = last.seq;
                    f.desk.ack_events(f.ws, "mailer", cursor).await.unwrap();
                } else {
                    tokio::task::yield_now().await;
                }
            }
            seen
        })
    };
    for w in writers {
        w.await.unwrap();
    }
    let seen = reader.await.unwrap();
    assert_eq!(seen, (1..=120).collect::<Vec<u64>>());
    assert_eq!(f.desk.consumer_position(f.ws, "mailer").await.unwrap(), 120);
    f.desk.ack_events(f.ws, "mailer", 3).await.unwrap();
    assert_eq!(
        f.desk.consumer_position(f.ws, "mailer").await.unwrap(),
        120,
        "ack never moves back"
    );
    assert_code(
        f.desk.ack_events(f.ws, "mailer", 121).await,
        "invalid_input",
    );
    assert_code(
        f.desk.ack_events(f.ws, "Not A Key", 1).await,
        "invalid_input",
    );
    assert_eq!(f.desk.consumer_position(f.ws, "mailer").await.unwrap(), 120);
    assert!(f.desk.events(f.ws, 120, 10).await.unwrap().is_empty());
}

pub async fn thread_views_hide_notes(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let t = f.open("thread").await;
    let mut reply = MessageInput::text("Try again");
    reply.html = Some("<p>Try again</p>".into());
    reply.attachments = vec![Attachment::stored(
        "howto.png",
        2048,
        "image/png",
        "s3://bucket/howto.png",
    )];
    f.desk.reply(f.ws, t.id, &f.agent, reply).await.unwrap();
    f.desk
        .add_note(f.ws, t.id, &f.agent, "customer is VIP".into())
        .await
        .unwrap();
    f.desk
        .customer_message(f.ws, t.id, &f.customer, "works, thanks".into())
        .await
        .unwrap();
    let agent = f.desk.thread(f.ws, t.id, View::Agent).await.unwrap();
    let kinds: Vec<_> = agent.messages.iter().map(|m| m.kind).collect();
    assert_eq!(
        kinds,
        [
            MessageKind::Customer,
            MessageKind::Reply,
            MessageKind::Note,
            MessageKind::Customer
        ]
    );
    assert_eq!(agent.messages[0].body, "Something is broken");
    assert_eq!(agent.messages[1].attachments[0].filename, "howto.png");
    assert_eq!(agent.messages[1].html.as_deref(), Some("<p>Try again</p>"));
    let customer = f.desk.thread(f.ws, t.id, View::Customer).await.unwrap();
    assert_eq!(customer.messages.len(), 3);
    assert!(
        customer
            .messages
            .iter()
            .all(|m| m.kind != MessageKind::Note)
    );
    assert!(customer.messages.iter().all(|m| !m.body.contains("VIP")));
}

pub async fn idempotent_open_and_message(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let mut input = OpenTicket::new(f.customer.clone(), "from mail", "body");
    input.channel = Channel::Email;
    input.idempotency_key = Some("<msg-1@mail.example>".into());
    let concurrent: Vec<_> = (0..8)
        .map(|_| {
            let (f, input) = (f.clone(), input.clone());
            tokio::spawn(async move { f.desk.open_ticket(f.ws, input).await.unwrap() })
        })
        .collect();
    let mut ids = HashSet::new();
    for t in concurrent {
        ids.insert(t.await.unwrap().id);
    }
    assert_eq!(ids.len(), 1);
    let again = f.desk.open_ticket(f.ws, input).await.unwrap();
    assert!(ids.contains(&again.id));
    assert_eq!(f.ticket_count().await, 1);
    let mut msg = MessageInput::text("reply by mail");
    msg.idempotency_key = Some("<msg-2@mail.example>".into());
    let m1 = f
        .desk
        .customer_message(f.ws, again.id, &f.customer, msg.clone())
        .await
        .unwrap();
    let m2 = f
        .desk
        .customer_message(f.ws, again.id, &f.customer, msg)
        .await
        .unwrap();
    assert_eq!(m1.id, m2.id);
    assert_eq!(
        f.desk
            .thread(f.ws, again.id, View::Agent)
            .await
            .unwrap()
            .messages
            .len(),
        2
    );
    assert_eq!(
        f.event_names_after(0).await,
        ["ticket.created", "message.added"]
    );
}

pub async fn optimistic_concurrency(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let t = f.open("edit me").await;
    let by = f.agent_actor();
    let edit = |subject: &str, v| TicketUpdate {
        subject: Some(subject.into()),
        expected_version: Some(v),
        ..Default::default()
    };
    let t2 = f
        .desk
        .update_ticket(f.ws, t.id, edit("first", t.version), by.clone())
        .await
        .unwrap();
    assert_eq!(t2.version, t.version + 1);
    let before = f.snapshot().await;
    assert_code(
        f.desk
            .update_ticket(f.ws, t.id, edit("stale", t.version), by.clone())
            .await,
        "conflict",
    );
    assert_eq!(f.snapshot().await, before);
    // Two concurrent edits from the same version: exactly one wins.
    let (a, b) = tokio::join!(
        f.desk
            .update_ticket(f.ws, t.id, edit("A", t2.version), by.clone()),
        f.desk
            .update_ticket(f.ws, t.id, edit("B", t2.version), by.clone()),
    );
    let wins = [&a, &b].iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "{a:?} {b:?}");
    let loser = if a.is_ok() { b } else { a };
    assert_code(loser, "conflict");
    let fin = f.desk.get_ticket(f.ws, t.id).await.unwrap();
    assert_eq!(fin.version, t2.version + 1);
    assert!(fin.subject == "A" || fin.subject == "B");
}

pub async fn concurrent_updates_lose_nothing(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let t = f.open("busy").await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let f = f.clone();
            tokio::spawn(async move {
                f.desk
                    .add_tag(f.ws, t.id, &format!("tag-{i}"), f.agent_actor())
                    .await
                    .unwrap();
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let t = f.desk.get_ticket(f.ws, t.id).await.unwrap();
    assert_eq!(t.tags.len(), 20);
    assert_eq!(t.version, 21);
}

pub async fn listing_filters_and_pagination(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = &f.desk;
    let by = f.agent_actor();
    let cat = d
        .create_category(
            f.ws,
            CategoryInput {
                name: "Billing".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut all = Vec::new();
    for i in 0..30 {
        let customer = if i % 3 == 0 {
            f.customer2.clone()
        } else {
            f.customer.clone()
        };
        let mut input = OpenTicket::new(customer, format!("t{i}"), "x");
        input.priority = Some(["low", "medium", "high", "urgent"][i % 4].into());
        if i % 5 == 0 {
            input.category = Some(cat.id);
            input.tags = vec!["billing".into()];
        }
        let t = d.open_ticket(f.ws, input).await.unwrap();
        if i % 2 == 0 {
            d.assign(
                f.ws,
                t.id,
                Assign {
                    agent: Some(f.agent2.clone()),
                    team: Some(f.team),
                    ..Default::default()
                },
                by.clone(),
            )
            .await
            .unwrap();
        }
        if i % 7 == 0 {
            d.set_status(f.ws, t.id, Status::InProgress, by.clone())
                .await
                .unwrap();
        }
        all.push(t);
    }
    let count = |q: TicketQuery| async move {
        let mut n = Vec::new();
        let mut q = TicketQuery { limit: 4, ..q };
        loop {
            let page = d.list_tickets(f.ws, &q).await.unwrap();
            assert!(page.items.len() <= 4);
            n.extend(page.items.iter().map(|t| t.seq));
            match page.next_cursor {
                Some(c) => q.after = Some(c),
                None => return n,
            }
        }
    };
    let newest = count(TicketQuery::default()).await;
    assert_eq!(newest, (1..=30).rev().collect::<Vec<u64>>());
    let oldest = count(TicketQuery {
        order: TicketOrder::Oldest,
        ..Default::default()
    })
    .await;
    assert_eq!(oldest, (1..=30).collect::<Vec<u64>>());
    let expect = |pred: &dyn Fn(usize) -> bool| {
        (0..30usize)
            .rev()
            .filter(|&i| pred(i))
            .map(|i| i as u64 + 1)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        count(TicketQuery {
            customer: Some(f.customer2.clone()),
            ..Default::default()
        })
        .await,
        expect(&|i| i % 3 == 0)
    );
    assert_eq!(
        count(TicketQuery {
            priority: Some("high".into()),
            ..Default::default()
        })
        .await,
        expect(&|i| i % 4 == 2)
    );
    assert_eq!(
        count(TicketQuery {
            assignee: Some(f.agent2.clone()),
            ..Default::default()
        })
        .await,
        expect(&|i| i % 2 == 0)
    );
    assert_eq!(
        count(TicketQuery {
            unassigned: true,
            ..Default::default()
        })
        .await,
        expect(&|i| i % 2 == 1)
    );
    assert_eq!(
        count(TicketQuery {
            team: Some(f.team),
            ..Default::default()
        })
        .await,
        expect(&|i| i % 2 == 0)
    );
    assert_eq!(
        count(TicketQuery {
            category: Some(cat.id),
            ..Default::default()
        })
        .await,
        expect(&|i| i % 5 == 0)
    );
    assert_eq!(
        count(TicketQuery {
            tag: Some("billing".into()),
            ..Default::default()
        })
        .await,
        expect(&|i| i % 5 == 0)
    );
    assert_eq!(
        count(TicketQuery {
            statuses: vec![Status::InProgress],
            ..Default::default()
        })
        .await,
        expect(&|i| i % 7 == 0)
    );
    assert_eq!(
        count(TicketQuery {
            statuses: vec![Status::New],
            assignee: Some(f.agent2.clone()),
            priority: Some("low".into()),
            ..Default::default()
        })
        .await,
        expect(&|i| i % 2 == 0 && i % 4 == 0 && i % 7 != 0)
    );
    let by_number = d.get_ticket_by_number(f.ws, &all[4].number).await.unwrap();
    assert_eq!(by_number.id, all[4].id);
}

pub async fn templates_render_and_count(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = &f.desk;
    let t = f.open("Refund").await;
    d.assign(f.ws, t.id, Assign::to(f.agent.clone()), f.agent_actor())
        .await
        .unwrap();
    let tpl = d
        .create_template(
            f.ws,
            TemplateInput {
                name: "Greeting".into(),
                body: "Hello {{ customer.name }}, about {{ ticket.number }} ({{ ticket.subject }}). {% if ticket.priority == 'medium' %}Normal priority.{% endif %} -- {{ agent.name }}, {{ workspace.name }}".into(),
                language: Some("en".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let text = d.render_template(f.ws, tpl.id, t.id, None).await.unwrap();
    assert_eq!(
        text,
        format!(
            "Hello Carol Customer, about {} (Refund). Normal priority. -- Ann Agent, ACME",
            t.number
        )
    );
    let text = d
        .render_template(f.ws, tpl.id, t.id, Some(&f.agent2))
        .await
        .unwrap();
    assert!(text.ends_with("-- Bob Agent, ACME"));
    assert_eq!(d.get_template(f.ws, tpl.id).await.unwrap().usage_count, 2);
    let cat = d
        .create_category(
            f.ws,
            CategoryInput {
                name: "Billing".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let sub = d
        .create_category(
            f.ws,
            CategoryInput {
                name: "Refunds".into(),
                parent: Some(cat.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let billing_only = d
        .create_template(
            f.ws,
            TemplateInput {
                name: "Billing".into(),
                body: "b".into(),
                categories: vec![cat.id],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let other = d
        .create_category(
            f.ws,
            CategoryInput {
                name: "Tech".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let names = |v: Vec<Template>| v.into_iter().map(|t| t.name).collect::<Vec<_>>();
    assert_eq!(
        names(d.list_templates(f.ws, Some(sub.id)).await.unwrap()),
        ["Billing", "Greeting"]
    );
    assert_eq!(
        names(d.list_templates(f.ws, Some(other.id)).await.unwrap()),
        ["Greeting"]
    );
    let updated = d
        .update_template(
            f.ws,
            billing_only.id,
            TemplateInput {
                name: "Billing".into(),
                body: "b2".into(),
                active: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!updated.active);
    assert_code(
        d.render_template(f.ws, updated.id, t.id, None).await,
        "invalid_input",
    );
}

pub async fn catalog_rules(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = &f.desk;
    let codes = |v: Vec<Priority>| v.into_iter().map(|p| p.code).collect::<Vec<_>>();
    assert_eq!(
        codes(d.list_priorities(f.ws).await.unwrap()),
        ["low", "medium", "high", "urgent"]
    );
    assert_eq!(
        codes(
            d.install_priority_preset(f.ws, PriorityPreset::P0ToP3)
                .await
                .unwrap()
        ),
        ["p3", "p2", "p1", "p0"]
    );
    let t = f.open("defaults to p2").await;
    assert_eq!(t.priority, "p2");
    let mut p = Priority::new("p4", "P4", 0);
    p.is_default = true;
    let all = d.put_priority(f.ws, p).await.unwrap();
    assert_eq!(
        all.iter()
            .filter(|p| p.is_default)
            .map(|p| p.code.as_str())
            .collect::<Vec<_>>(),
        ["p4"]
    );
    assert_eq!(f.open("now p4").await.priority, "p4");
    // Categories nest, route, and refuse cycles.
    let root = d
        .create_category(
            f.ws,
            CategoryInput {
                name: "Tech".into(),
                default_priority: Some("p0".into()),
                default_team: Some(f.team),
                default_assignee: Some(f.agent2.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let child = d
        .create_category(
            f.ws,
            CategoryInput {
                name: "Login".into(),
                parent: Some(root.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_code(
        d.update_category(
            f.ws,
            root.id,
            CategoryInput {
                name: "Tech".into(),
                parent: Some(child.id),
                ..Default::default()
            },
        )
        .await,
        "invalid_input",
    );
    assert_code(
        d.update_category(
            f.ws,
            root.id,
            CategoryInput {
                name: "Tech".into(),
                parent: Some(root.id),
                ..Default::default()
            },
        )
        .await,
        "invalid_input",
    );
    let mut input = OpenTicket::new(f.customer.clone(), "routed", "x");
    input.category = Some(root.id);
    let routed = d.open_ticket(f.ws, input).await.unwrap();
    assert_eq!(
        (
            routed.priority.as_str(),
            routed.team,
            routed.assignee.clone()
        ),
        ("p0", Some(f.team), Some(f.agent2.clone()))
    );
    assert_eq!(
        d.assignment_history(f.ws, routed.id).await.unwrap()[0].action,
        AssignmentAction::Assigned
    );
    d.update_category(
        f.ws,
        child.id,
        CategoryInput {
            name: "Login".into(),
            parent: Some(root.id),
            active: Some(false),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut inactive = OpenTicket::new(f.customer.clone(), "x", "x");
    inactive.category = Some(child.id);
    assert_code(d.open_ticket(f.ws, inactive).await, "invalid_input");
    // Teams, tags, agents, customers, workspaces.
    let team = d.get_team(f.ws, f.team).await.unwrap();
    assert_eq!(team.members, [f.agent2.clone(), f.agent.clone()]);
    assert_eq!(d.list_teams(f.ws).await.unwrap().len(), 1);
    d.put_tag(
        f.ws,
        Tag {
            slug: "vip".into(),
            name: "VIP".into(),
            color: Some("#FF0000".into()),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        d.list_tags(f.ws).await.unwrap()[0].color.as_deref(),
        Some("#ff0000")
    );
    let before = d.get_agent(f.ws, &f.agent).await.unwrap();
    f.clock.advance(TimeDelta::hours(1));
    let mut again = AgentInput::new(f.agent.clone(), "Ann Renamed");
    again.capacity = Some(5);
    let after = d.put_agent(f.ws, again).await.unwrap();
    assert_eq!(
        (after.created_at, after.capacity, after.name.as_str()),
        (before.created_at, Some(5), "Ann Renamed")
    );
    assert_eq!(d.list_agents(f.ws).await.unwrap().len(), 3);
    assert_eq!(d.list_customers(f.ws).await.unwrap().len(), 2);
    assert_code(
        d.create_workspace(NewWorkspace::new("Again", "acme")).await,
        "already_exists",
    );
    assert_code(
        d.create_workspace(NewWorkspace::new("Bad", "Bad Slug"))
            .await,
        "invalid_input",
    );
    let bad = SettingsPatch {
        timezone: Some("Mars/Olympus".into()),
        ..SettingsPatch::default()
    };
    assert_code(
        d.update_workspace(f.ws, None, Some(bad)).await,
        "invalid_input",
    );
    let zone = SettingsPatch {
        timezone: Some("Europe/Berlin".into()),
        ..SettingsPatch::default()
    };
    d.update_workspace(f.ws, None, Some(zone)).await.unwrap();
    // A patch changes only what it names: the zone set above stays.
    let format = SettingsPatch {
        number_format: Some(NumberFormat("HD-{seq:06}".into())),
        ..SettingsPatch::default()
    };
    let ws = d
        .update_workspace(f.ws, Some("Acme Inc".into()), Some(format))
        .await
        .unwrap();
    assert_eq!(ws.settings.timezone, "Europe/Berlin");
    assert_eq!(
        ws.settings.reopen_window,
        WorkspaceSettings::default().reopen_window
    );
    assert_eq!(d.get_workspace_by_slug("acme").await.unwrap(), ws);
    assert_eq!(f.open("new format").await.number, "HD-000004");
}

pub async fn assignment_history(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = &f.desk;
    let t = f.open("history").await;
    let by = f.agent_actor();
    d.assign(f.ws, t.id, Assign::to(f.agent.clone()), by.clone())
        .await
        .unwrap();
    f.clock.advance(TimeDelta::minutes(5));
    d.assign(
        f.ws,
        t.id,
        Assign {
            agent: Some(f.agent2.clone()),
            reason: Some("shift change".into()),
            ..Default::default()
        },
        by.clone(),
    )
    .await
    .unwrap();
    d.assign(
        f.ws,
        t.id,
        Assign {
            agent: Some(f.agent.clone()),
            team: Some(f.team),
            escalate: true,
            reason: Some("VIP".into()),
        },
        Actor::System,
    )
    .await
    .unwrap();
    d.unassign(f.ws, t.id, by.clone()).await.unwrap();
    let h = d.assignment_history(f.ws, t.id).await.unwrap();
    let actions: Vec<_> = h.iter().map(|r| r.action).collect();
    use AssignmentAction::*;
    assert_eq!(actions, [Assigned, Reassigned, Escalated, Unassigned]);
    assert_eq!(h[1].reason.as_deref(), Some("shift change"));
    assert_eq!(
        (h[1].from.clone(), h[1].to.clone()),
        (Some(f.agent.clone()), Some(f.agent2.clone()))
    );
    assert_eq!(h[1].at, super::fixture::start() + TimeDelta::minutes(5));
    assert_eq!((h[2].by.clone(), h[2].team), (Actor::System, Some(f.team)));
    assert_eq!(h[3].to, None);
    let t = d.get_ticket(f.ws, t.id).await.unwrap();
    assert_eq!((t.assignee, t.team), (None, Some(f.team)));
}

pub async fn ticket_stats(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    for s in [
        Status::New,
        Status::New,
        Status::InProgress,
        Status::Resolved,
    ] {
        ticket_in(&f, s).await;
    }
    let stats = f.desk.ticket_stats(f.ws).await.unwrap();
    assert_eq!(stats.total, 4);
    assert_eq!(stats.by_status[&Status::New], 2);
    assert_eq!(stats.by_status[&Status::InProgress], 1);
    assert_eq!(stats.by_status[&Status::Resolved], 1);
    assert_eq!(stats.by_status[&Status::Closed], 0);
}

pub async fn urgency_queue_order(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let mut expected = Vec::new();
    for (i, p) in ["low", "urgent", "medium", "urgent", "high", "low"]
        .iter()
        .enumerate()
    {
        let mut input = OpenTicket::new(f.customer.clone(), format!("q{i}"), "x");
        input.priority = Some((*p).into());
        let t = f.desk.open_ticket(f.ws, input).await.unwrap();
        expected.push((t.seq, *p));
        f.clock.advance(TimeDelta::minutes(1));
    }
    let mut seen = Vec::new();
    let mut q = TicketQuery {
        order: TicketOrder::Urgency,
        limit: 2,
        ..Default::default()
    };
    loop {
        let page = f.desk.list_tickets(f.ws, &q).await.unwrap();
        seen.extend(page.items.iter().map(|t| (t.seq, t.priority.clone())));
        match page.next_cursor {
            Some(c) => q.after = Some(c),
            None => break,
        }
    }
    // Same priority: the earlier SLA due (the older ticket) first.
    let order: Vec<u64> = seen.iter().map(|s| s.0).collect();
    assert_eq!(order, [2, 4, 5, 3, 1, 6], "{seen:?}");
    // A cursor of another order, another workspace's ticket or no ticket.
    let newest = TicketQuery {
        limit: 1,
        ..Default::default()
    };
    let first = f.desk.list_tickets(f.ws, &newest).await.unwrap();
    let last = first.items[0].id;
    assert_eq!(
        first.next_cursor,
        Some(format!("t{last}")),
        "a cursor names a ticket, never a count"
    );
    let other = Fixture::in_desk(f.desk.clone(), f.clock.clone(), "urgency-other").await;
    let theirs = other.open("theirs").await;
    for after in [
        format!("t{last}"),
        format!("u1.2.{}", theirs.id),
        "t3".to_owned(),
        format!("t{}", TicketId::generate()),
        format!("x.{last}"),
    ] {
        let wrong = TicketQuery {
            after: Some(after.clone()),
            order: TicketOrder::Urgency,
            ..Default::default()
        };
        match f.desk.list_tickets(f.ws, &wrong).await {
            Err(Error::InvalidInput { field, message }) => {
                assert_eq!(field, "after", "{after}");
                // The store's cursor (holding the seq) is never shown.
                if after.starts_with("x.") {
                    assert!(message.contains(&after), "{message}");
                }
            }
            other => panic!("{after}: expected invalid_input on after, got {other:?}"),
        }
    }
    let foreign = TicketQuery {
        after: Some(format!("t{}", theirs.id)),
        ..newest
    };
    assert_code(f.desk.list_tickets(f.ws, &foreign).await, "invalid_input");
}

pub async fn editing_description_keeps_the_thread(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let t = f.open("edit").await;
    let before = f
        .desk
        .thread(f.ws, t.id, View::Agent)
        .await
        .unwrap()
        .messages;
    assert_eq!(before[0].body, "Something is broken");
    let update = TicketUpdate {
        description: Some("Rewritten by an agent".into()),
        ..Default::default()
    };
    let t2 = f
        .desk
        .update_ticket(f.ws, t.id, update, f.agent_actor())
        .await
        .unwrap();
    assert_eq!(t2.description, "Rewritten by an agent");
    let after = f
        .desk
        .thread(f.ws, t.id, View::Customer)
        .await
        .unwrap()
        .messages;
    assert_eq!(
        after[0].body, "Something is broken",
        "the thread keeps what the customer wrote"
    );
    assert_eq!(
        f.desk.get_ticket(f.ws, t.id).await.unwrap().description,
        "Rewritten by an agent"
    );
}

/// Threads page by cursor, in order, each message once; customers never see notes.
pub async fn thread_pages(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = &f.desk;
    let t = f.open("long thread").await;
    for i in 0..9 {
        let body = format!("m{i}");
        if i % 3 == 2 {
            d.add_note(f.ws, t.id, &f.agent, body.as_str().into())
                .await
                .unwrap();
        } else {
            d.reply(f.ws, t.id, &f.agent, body.as_str().into())
                .await
                .unwrap();
        }
    }
    for view in [View::Agent, View::Customer] {
        let whole = d.thread(f.ws, t.id, view).await.unwrap().messages;
        let mut paged = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = d
                .messages(f.ws, t.id, view, after.as_deref(), 4)
                .await
                .unwrap();
            assert!(page.items.len() <= 4);
            // A cursor names the page's last message, which its reader
            // sees: no position that counts notes or other workspaces.
            if let (Some(c), Some(last)) = (&page.next_cursor, page.items.last()) {
                assert_eq!(*c, format!("m{}", last.id));
            }
            paged.extend(page.items);
            match page.next_cursor {
                Some(c) => after = Some(c),
                None => break,
            }
        }
        assert_eq!(paged, whole, "{view:?}");
    }
    assert_eq!(
        d.thread(f.ws, t.id, View::Customer)
            .await
            .unwrap()
            .messages
            .len(),
        7
    );
    assert_code(
        d.messages(f.ws, t.id, View::Agent, None, 0).await,
        "invalid_input",
    );
    assert_code(
        d.messages(f.ws, t.id, View::Agent, None, 501).await,
        "invalid_input",
    );
    assert_code(
        d.messages(f.ws, t.id, View::Agent, Some("garbage"), 10)
            .await,
        "invalid_input",
    );
    assert_code(
        d.messages(f.ws, TicketId::generate(), View::Agent, None, 10)
            .await,
        "not_found",
    );
    // A message of another thread (or none at all) starts no page here.
    let other = f.open("another thread").await;
    let foreign = d
        .thread(f.ws, other.id, View::Agent)
        .await
        .unwrap()
        .messages[0]
        .id;
    for cursor in [format!("m{foreign}"), format!("m{}", MessageId::generate())] {
        let page = d
            .messages(f.ws, t.id, View::Agent, Some(&cursor), 10)
            .await
            .unwrap();
        assert!(
            page.items.is_empty() && page.next_cursor.is_none(),
            "{cursor}"
        );
    }
}

/// `get_message` finds each message of a thread by id, as written; the
/// customer view does not see notes, and another workspace sees nothing.
pub async fn messages_by_id(store: Arc<dyn Store>) {
    let f = Fixture::new(store.clone()).await;
    let t = f.open("by id").await;
    f.desk
        .reply(f.ws, t.id, &f.agent, "Try again".into())
        .await
        .unwrap();
    f.desk
        .add_note(f.ws, t.id, &f.agent, "VIP".into())
        .await
        .unwrap();
    let thread = f.desk.thread(f.ws, t.id, View::Agent).await.unwrap();
    for m in &thread.messages {
        let got = f.desk.get_message(f.ws, m.id, View::Agent).await.unwrap();
        assert_eq!(&got, m);
    }
    assert_eq!(thread.messages[0].body, t.description);
    let note = &thread.messages[2];
    let e = f
        .desk
        .get_message(f.ws, note.id, View::Customer)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_found");
    let reply = &thread.messages[1];
    let seen = f.desk.get_message(f.ws, reply.id, View::Customer).await;
    assert_eq!(seen.unwrap().id, reply.id);
    let e = f
        .desk
        .get_message(f.ws, MessageId::generate(), View::Agent)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_found");
    let other = f
        .desk
        .create_workspace(NewWorkspace::new("Other", "other-by-id"))
        .await
        .unwrap();
    let e = f
        .desk
        .get_message(other.id, reply.id, View::Agent)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_found");
}

/// A child category without routing defaults of its own routes like its
/// nearest ancestor that has them; its own defaults and explicit input win.
pub async fn nested_categories_inherit_routing(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let category = |name: &str, parent: Option<CategoryId>| CategoryInput {
        name: name.into(),
        parent,
        ..Default::default()
    };
    let payments = f
        .desk
        .create_category(
            f.ws,
            CategoryInput {
                default_priority: Some("high".into()),
                default_team: Some(f.team),
                default_assignee: Some(f.agent.clone()),
                ..category("Payments", None)
            },
        )
        .await
        .unwrap();
    let refunds = f
        .desk
        .create_category(
            f.ws,
            CategoryInput {
                default_assignee: Some(f.agent2.clone()),
                ..category("Refunds", Some(payments.id))
            },
        )
        .await
        .unwrap();
    let cards = f
        .desk
        .create_category(f.ws, category("Card refunds", Some(refunds.id)))
        .await
        .unwrap();
    let mut input = OpenTicket::new(f.customer.clone(), "Refund", "Charged twice");
    input.category = Some(cards.id);
    let t = f.desk.open_ticket(f.ws, input.clone()).await.unwrap();
    assert_eq!(t.category, Some(cards.id));
    assert_eq!(t.priority, "high");
    assert_eq!(t.team, Some(f.team));
    assert_eq!(
        t.assignee.as_ref(),
        Some(&f.agent2),
        "the nearest default wins"
    );
    input.priority = Some("low".into());
    input.assignee = Some(f.agent.clone());
    let t = f.desk.open_ticket(f.ws, input).await.unwrap();
    assert_eq!(
        (t.priority.as_str(), t.assignee.as_ref()),
        ("low", Some(&f.agent))
    );
    // The stored child keeps its own (empty) defaults.
    let stored = f.desk.get_category(f.ws, cards.id).await.unwrap();
    assert_eq!((stored.default_team, stored.default_priority), (None, None));
}
