//! Seed fidelity: the fields seed hosts map their models onto (issue 18),
//! their defaults, their validation, and their round trip through a store.

use super::fixture::{Fixture, assert_code};
use crate::export::Column;
use crate::store::Store;
use crate::*;
use std::sync::Arc;

/// The field an `invalid_input` error names.
#[track_caller]
fn assert_field<T: std::fmt::Debug>(r: Result<T>, field: &str) {
    match r {
        Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field),
        other => panic!("expected invalid_input on {field}, got {other:?}"),
    }
}

pub async fn priorities_describe_and_retire(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let mut all = f.desk.list_priorities(f.ws).await.unwrap();
    assert!(all.iter().all(|p| p.active && p.description.is_none()));
    let low = all.iter_mut().find(|p| p.code == "low").unwrap();
    low.description = Some("A question, no hurry".into());
    low.active = false;
    f.desk.set_priorities(f.ws, all.clone()).await.unwrap();
    let read = f.desk.list_priorities(f.ws).await.unwrap();
    assert_eq!(read, all, "description and active round-trip");
    // An inactive priority is kept but cannot be given.
    let mut input = OpenTicket::new(f.customer.clone(), "s", "d");
    input.priority = Some("low".into());
    assert_field(f.desk.open_ticket(f.ws, input).await, "priority");
    let t = f.open("medium by default").await;
    assert_eq!(t.priority, "medium");
    assert_field(
        f.desk
            .set_priority(f.ws, t.id, "low", f.agent_actor())
            .await,
        "priority",
    );
    // The default must be active.
    let mut bad = read.clone();
    bad.iter_mut().for_each(|p| p.active = !p.is_default);
    let before = f.snapshot().await;
    assert_field(f.desk.set_priorities(f.ws, bad).await, "active");
    assert_eq!(f.snapshot().await, before);
    // SLA policies say what they promise.
    let mut gold = SlaPolicy::new(PolicyId::generate(), "Gold");
    gold.description = Some("Replies within the hour".into());
    let saved = f
        .desk
        .set_sla_policies(f.ws, vec![gold.clone()])
        .await
        .unwrap();
    assert_eq!(saved[0].description, gold.description);
    assert_eq!(f.desk.list_sla_policies(f.ws).await.unwrap(), saved);
}

pub async fn teams_have_an_address_and_retire(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let billing = f
        .desk
        .create_team(
            f.ws,
            TeamInput {
                name: "Billing".into(),
                members: vec![f.agent.clone()],
                email: Some("billing@acme.test".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(billing.email.as_deref(), Some("billing@acme.test"));
    assert!(billing.active);
    assert_eq!(f.desk.get_team(f.ws, billing.id).await.unwrap(), billing);
    let bad = TeamInput {
        name: "X".into(),
        email: Some("not an address".into()),
        ..Default::default()
    };
    assert_field(f.desk.create_team(f.ws, bad).await, "email");
    let category = f
        .desk
        .create_category(
            f.ws,
            CategoryInput {
                name: "Payments".into(),
                default_team: Some(billing.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let retired = f
        .desk
        .update_team(
            f.ws,
            billing.id,
            TeamInput {
                name: "Billing".into(),
                members: vec![f.agent.clone()],
                email: Some("billing@acme.test".into()),
                active: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!retired.active);
    let t = f.open("to nobody").await;
    let assign = Assign {
        team: Some(billing.id),
        ..Default::default()
    };
    assert_field(
        f.desk.assign(f.ws, t.id, assign, f.agent_actor()).await,
        "team",
    );
    // A category whose default team retired routes to no team.
    let mut input = OpenTicket::new(f.customer.clone(), "Refund", "please");
    input.category = Some(category.id);
    let routed = f.desk.open_ticket(f.ws, input).await.unwrap();
    assert_eq!(routed.team, None);
}

pub async fn templates_have_subjects_categories_and_authors(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let billing = f.category("Billing", None).await;
    let shipping = f.category("Shipping", None).await;
    let tech = f.category("Tech", None).await;
    let input = TemplateInput {
        name: "Refund".into(),
        body: "Refunded.".into(),
        subject: Some("Your refund".into()),
        categories: vec![billing.id, shipping.id],
        created_by: Some(f.agent.clone()),
        ..Default::default()
    };
    let t = f.desk.create_template(f.ws, input.clone()).await.unwrap();
    assert_eq!(t.updated_at, None);
    assert_eq!(t.subject.as_deref(), Some("Your refund"));
    assert_eq!(t.categories, [billing.id, shipping.id]);
    assert_eq!(t.created_by.as_ref(), Some(&f.agent));
    assert_eq!(f.desk.get_template(f.ws, t.id).await.unwrap(), t);
    let names = |v: Vec<Template>| v.into_iter().map(|t| t.name).collect::<Vec<_>>();
    assert_eq!(
        names(
            f.desk
                .list_templates(f.ws, Some(shipping.id))
                .await
                .unwrap()
        ),
        ["Refund"]
    );
    assert!(
        f.desk
            .list_templates(f.ws, Some(tech.id))
            .await
            .unwrap()
            .is_empty()
    );
    // An update that leaves the author out keeps it.
    let updated = TemplateInput {
        created_by: None,
        categories: vec![tech.id],
        ..input.clone()
    };
    f.clock.advance(chrono::TimeDelta::minutes(5));
    let u = f.desk.update_template(f.ws, t.id, updated).await.unwrap();
    assert_eq!(
        u.updated_at,
        Some(t.created_at + chrono::TimeDelta::minutes(5))
    );
    assert_eq!(u.created_at, t.created_at);
    assert_eq!(
        (u.created_by.as_ref(), u.categories.as_slice()),
        (Some(&f.agent), &[tech.id][..])
    );
    // Unknown author or category, a category twice: refused, nothing saved.
    let before = f.snapshot().await;
    let ghost = TemplateInput {
        created_by: Some(AgentId::new("ghost").unwrap()),
        ..input.clone()
    };
    assert_code(f.desk.create_template(f.ws, ghost).await, "not_found");
    let twice = TemplateInput {
        categories: vec![billing.id, billing.id],
        ..input.clone()
    };
    assert_field(f.desk.create_template(f.ws, twice).await, "categories");
    let unknown = TemplateInput {
        categories: vec![CategoryId::generate()],
        ..input
    };
    assert_code(f.desk.create_template(f.ws, unknown).await, "not_found");
    assert_eq!(f.snapshot().await, before);
}

pub async fn tickets_keep_their_source(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let mut input = OpenTicket::new(f.customer.clone(), "Call me", "About my order");
    input.channel = Channel::Phone;
    input.source_phone = Some("+7 (912) 345-67-89".into());
    input.source_email = Some("alice@home.test".into());
    let t = f.desk.open_ticket(f.ws, input.clone()).await.unwrap();
    assert_eq!(t.source_phone.as_deref(), Some("+7 (912) 345-67-89"));
    assert_eq!(t.source_email.as_deref(), Some("alice@home.test"));
    assert_eq!(f.desk.get_ticket(f.ws, t.id).await.unwrap(), t);
    let before = f.snapshot().await;
    let mut bad = input.clone();
    bad.source_phone = Some("call me maybe".into());
    assert_field(f.desk.open_ticket(f.ws, bad).await, "source_phone");
    let mut bad = input;
    bad.source_email = Some("alice".into());
    assert_field(f.desk.open_ticket(f.ws, bad).await, "source_email");
    assert_eq!(f.snapshot().await, before);
    assert_eq!(f.open("plain").await.source_email, None);
}

pub async fn messages_name_unregistered_senders(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let relayed = Sender {
        name: Some("Bob from Accounting".into()),
        email: Some("bob@partner.test".into()),
    };
    let mut input = OpenTicket::new(f.customer.clone(), "Forwarded", "See below");
    input.sender = Some(relayed.clone());
    let t = f.desk.open_ticket(f.ws, input).await.unwrap();
    let thread = f.desk.thread(f.ws, t.id, View::Agent).await.unwrap();
    assert_eq!(thread.messages[0].sender.as_ref(), Some(&relayed));
    let mut note = MessageInput::text("He called too");
    note.sender = Some(Sender {
        name: Some("Reception".into()),
        email: None,
    });
    let m = f.desk.add_note(f.ws, t.id, &f.agent, note).await.unwrap();
    assert_eq!(
        f.desk.get_message(f.ws, m.id, View::Agent).await.unwrap(),
        m
    );
    assert_eq!(m.sender.unwrap().name.as_deref(), Some("Reception"));
    let plain = f
        .desk
        .customer_message(f.ws, t.id, &f.customer, "me again".into())
        .await
        .unwrap();
    assert_eq!(plain.sender, None);
    // A system notice: public, by the system, no response and no status change.
    let status = f.desk.get_ticket(f.ws, t.id).await.unwrap().status;
    let notice = f
        .desk
        .system_message(f.ws, t.id, "We are looking into a payment outage".into())
        .await
        .unwrap();
    assert_eq!(
        (notice.kind, &notice.author),
        (MessageKind::System, &Actor::System)
    );
    let after = f.desk.get_ticket(f.ws, t.id).await.unwrap();
    assert_eq!((after.status, after.first_response_at), (status, None));
    let customer_view = f.desk.thread(f.ws, t.id, View::Customer).await.unwrap();
    assert!(customer_view.messages.iter().any(|m| m.id == notice.id));
    let mut with_status = MessageInput::text("x");
    with_status.status = Some(Status::Pending);
    assert_field(
        f.desk.system_message(f.ws, t.id, with_status).await,
        "status",
    );
    let before = f.snapshot().await;
    let mut empty = MessageInput::text("x");
    empty.sender = Some(Sender {
        name: None,
        email: None,
    });
    assert_field(f.desk.reply(f.ws, t.id, &f.agent, empty).await, "sender");
    let mut bad = MessageInput::text("x");
    bad.sender = Some(Sender {
        name: None,
        email: Some("nobody".into()),
    });
    assert_field(
        f.desk.reply(f.ws, t.id, &f.agent, bad).await,
        "sender.email",
    );
    assert_eq!(f.snapshot().await, before);
}

pub async fn attachments_by_url(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let t = f.open("screenshot").await;
    let by_url = Attachment {
        filename: "screenshot.png".into(),
        size: None,
        mime_type: None,
        storage_key: None,
        url: Some("/media/support/2026/11/screenshot.png".into()),
    };
    let stored = Attachment::stored("log.txt", 120, "text/plain", "s3://b/log.txt");
    let mut input = MessageInput::text("here");
    input.attachments = vec![by_url.clone(), stored.clone()];
    let m = f
        .desk
        .customer_message(f.ws, t.id, &f.customer, input)
        .await
        .unwrap();
    assert_eq!(m.attachments, [by_url.clone(), stored.clone()]);
    assert_eq!(
        f.desk
            .get_message(f.ws, m.id, View::Customer)
            .await
            .unwrap(),
        m
    );
    let before = f.snapshot().await;
    for (bad, field) in [
        (
            Attachment {
                url: None,
                ..by_url.clone()
            },
            "attachments[0].storage_key",
        ),
        (
            Attachment {
                url: Some("s3://b/x".into()),
                storage_key: Some("k".into()),
                ..by_url.clone()
            },
            "attachments[0].storage_key",
        ),
        (
            Attachment {
                url: Some("javascript:alert(1)".into()),
                ..by_url.clone()
            },
            "attachments[0].url",
        ),
        (
            Attachment {
                url: Some("//evil.test/x".into()),
                ..by_url.clone()
            },
            "attachments[0].url",
        ),
        (
            Attachment {
                url: Some("https://a.test/a b".into()),
                ..by_url.clone()
            },
            "attachments[0].url",
        ),
    ] {
        let mut input = MessageInput::text("x");
        input.attachments = vec![bad];
        assert_field(
            f.desk
                .customer_message(f.ws, t.id, &f.customer, input)
                .await,
            field,
        );
    }
    assert_eq!(f.snapshot().await, before);
}

pub async fn ticket_numbers_as_short_tokens(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let format = SettingsPatch {
        number_format: Some(NumberFormat("TKT-{token}".into())),
        ..SettingsPatch::default()
    };
    f.desk
        .update_workspace(f.ws, None, Some(format))
        .await
        .unwrap();
    let mut numbers = std::collections::HashSet::new();
    let mut last = None;
    for i in 0..40 {
        let t = f.open(&format!("token {i}")).await;
        // seed 004's shape: TKT-XXX123, letters without I and O.
        let code = t.number.strip_prefix("TKT-").unwrap();
        assert_eq!(code.len(), 6, "{}", t.number);
        assert!(
            code[..3]
                .bytes()
                .all(|b| b.is_ascii_uppercase() && b != b'I' && b != b'O')
        );
        assert!(code[3..].bytes().all(|b| b.is_ascii_digit()));
        // Every backend renders what the core renders, from the gap-free counter.
        let expected = NumberFormat("TKT-{token}".into()).render(t.seq, 2026, f.ws);
        assert_eq!(t.number, expected);
        assert!(numbers.insert(t.number.clone()), "{} twice", t.number);
        let lower = t.number.to_ascii_lowercase();
        assert_eq!(
            f.desk.get_ticket_by_number(f.ws, &lower).await.unwrap().id,
            t.id
        );
        if let Some(prev) = last.replace(t.number.clone()) {
            assert_ne!(prev[4..7], t.number[4..7], "consecutive tickets look alike");
        }
    }
    let bad = SettingsPatch {
        number_format: Some(NumberFormat("TKT-{tok}".into())),
        ..SettingsPatch::default()
    };
    assert_field(
        f.desk.update_workspace(f.ws, None, Some(bad)).await,
        "settings.number_format",
    );
}

pub async fn categories_have_codes_and_priorities_a_display_order(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let input = |name: &str, code: Option<&str>| CategoryInput {
        name: name.into(),
        code: code.map(Into::into),
        ..Default::default()
    };
    let payment = f
        .desk
        .create_category(f.ws, input("Payment", Some("payment")))
        .await
        .unwrap();
    assert_eq!(payment.code.as_deref(), Some("payment"));
    let found = f.desk.get_category_by_code(f.ws, "payment").await.unwrap();
    assert_eq!(found, payment);
    assert_code(
        f.desk.get_category_by_code(f.ws, "login").await,
        "not_found",
    );
    let before = f.snapshot().await;
    let taken = f
        .desk
        .create_category(f.ws, input("Billing", Some("payment")))
        .await;
    assert_code(taken, "already_exists");
    assert_field(
        f.desk
            .create_category(f.ws, input("Login", Some("Log In")))
            .await,
        "code",
    );
    assert_eq!(f.snapshot().await, before);
    // Updating a category keeps its own code; codes are optional.
    let renamed = f
        .desk
        .update_category(f.ws, payment.id, input("Payments", Some("payment")))
        .await
        .unwrap();
    assert_eq!(renamed.code.as_deref(), Some("payment"));
    f.desk
        .create_category(f.ws, input("Other", None))
        .await
        .unwrap();
    f.desk
        .create_category(f.ws, input("More", None))
        .await
        .unwrap();
    // Priorities: a display order apart from urgency.
    let mut all = f.desk.list_priorities(f.ws).await.unwrap();
    assert_eq!(
        all.iter().map(|p| p.position).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    for (p, pos) in all.iter_mut().zip([3, 0, 2, 1]) {
        p.position = pos;
    }
    f.desk.set_priorities(f.ws, all).await.unwrap();
    let read = f.desk.list_priorities(f.ws).await.unwrap();
    assert_eq!(
        read.iter().map(|p| p.rank).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert_eq!(
        read.iter().map(|p| p.position).collect::<Vec<_>>(),
        [3, 0, 2, 1]
    );
}

pub async fn updates_change_several_fields_at_once(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let t = f.open("all at once").await;
    let category = f.category("Billing", None).await;
    let after = f.last_seq().await;
    let update = TicketUpdate {
        subject: Some("Refund, please".into()),
        category: Some(category.id),
        priority: Some("high".into()),
        assignee: Some(f.agent.clone()),
        team: Some(f.team),
        status: Some(Status::InProgress),
        expected_version: Some(t.version),
        ..Default::default()
    };
    let u = f
        .desk
        .update_ticket(f.ws, t.id, update, f.agent_actor())
        .await
        .unwrap();
    assert_eq!(u.version, t.version + 1, "one write");
    assert_eq!(
        (
            u.subject.as_str(),
            u.category,
            u.priority.as_str(),
            u.assignee.as_ref(),
            u.team,
            u.status
        ),
        (
            "Refund, please",
            Some(category.id),
            "high",
            Some(&f.agent),
            Some(f.team),
            Status::InProgress
        )
    );
    assert_eq!(
        f.event_names_after(after).await,
        [
            "ticket.updated",
            "category.changed",
            "priority.changed",
            "ticket.assigned",
            "status.changed"
        ]
    );
    // A refused part writes nothing: here the status (closed cannot go back).
    let closed = f
        .desk
        .update_ticket(
            f.ws,
            t.id,
            TicketUpdate {
                status: Some(Status::Closed),
                ..Default::default()
            },
            f.agent_actor(),
        )
        .await
        .unwrap();
    let before = f.snapshot().await;
    let refused = TicketUpdate {
        subject: Some("changed?".into()),
        status: Some(Status::Open),
        ..Default::default()
    };
    assert_code(
        f.desk
            .update_ticket(f.ws, t.id, refused, f.agent_actor())
            .await,
        "invalid_transition",
    );
    let bad_priority = TicketUpdate {
        subject: Some("changed?".into()),
        priority: Some("nope".into()),
        ..Default::default()
    };
    assert_field(
        f.desk
            .update_ticket(f.ws, t.id, bad_priority, f.agent_actor())
            .await,
        "priority",
    );
    assert_eq!(f.snapshot().await, before);
    assert_eq!(f.desk.get_ticket(f.ws, t.id).await.unwrap(), closed);
    // Unassign in the same write as another change.
    let t2 = f.open("second").await;
    let t2 = f
        .desk
        .assign(f.ws, t2.id, Assign::to(f.agent.clone()), f.agent_actor())
        .await
        .unwrap();
    let u2 = TicketUpdate {
        unassign: true,
        priority: Some("low".into()),
        ..Default::default()
    };
    let u2 = f
        .desk
        .update_ticket(f.ws, t2.id, u2, f.agent_actor())
        .await
        .unwrap();
    assert_eq!(
        (u2.assignee, u2.priority.as_str(), u2.version),
        (None, "low", t2.version + 1)
    );
    let both = TicketUpdate {
        unassign: true,
        assignee: Some(f.agent.clone()),
        ..Default::default()
    };
    assert_field(
        f.desk
            .update_ticket(f.ws, t2.id, both, f.agent_actor())
            .await,
        "unassign",
    );
}

pub async fn queue_filters_of_the_seeds(store: Arc<dyn Store>) {
    use chrono::TimeDelta;
    let f = Fixture::new(store).await;
    let names = |p: Page<Ticket>| p.items.into_iter().map(|t| t.subject).collect::<Vec<_>>();
    let list = |q: TicketQuery| {
        let d = f.desk.clone();
        async move { names(d.list_tickets(f.ws, &q).await.unwrap()) }
    };
    let mut high = OpenTicket::new(f.customer.clone(), "high", "d");
    high.priority = Some("high".into());
    high.links = vec![Link {
        kind: "order".into(),
        id: "8812".into(),
    }];
    let high = f.desk.open_ticket(f.ws, high).await.unwrap();
    f.clock.advance(TimeDelta::hours(1));
    let mut low = OpenTicket::new(f.customer.clone(), "low", "d");
    low.priority = Some("low".into());
    let low = f.desk.open_ticket(f.ws, low).await.unwrap();
    f.clock.advance(TimeDelta::hours(1));
    let medium = f.open("medium").await;
    let q = TicketQuery::default;
    assert_eq!(
        list(TicketQuery {
            priorities: vec!["high".into(), "low".into()],
            ..q()
        })
        .await,
        ["low", "high"]
    );
    assert_eq!(
        list(TicketQuery {
            created_since: Some(low.created_at),
            ..q()
        })
        .await,
        ["medium", "low"]
    );
    assert_eq!(
        list(TicketQuery {
            created_before: Some(low.created_at),
            ..q()
        })
        .await,
        ["high"]
    );
    assert_eq!(
        list(TicketQuery {
            link: Some(high.links[0].clone()),
            ..q()
        })
        .await,
        ["high"]
    );
    // high: first response due 2 h after it opened, i.e. now; low: in 24 h.
    let now = medium.created_at;
    assert_eq!(
        list(TicketQuery {
            due_before: Some(now + TimeDelta::minutes(1)),
            ..q()
        })
        .await,
        ["high"]
    );
    assert!(
        list(TicketQuery {
            breached: true,
            ..q()
        })
        .await
        .is_empty()
    );
    f.desk
        .sla_sweep(f.ws, now + TimeDelta::hours(3))
        .await
        .unwrap();
    assert_eq!(
        list(TicketQuery {
            breached: true,
            ..q()
        })
        .await,
        ["high"]
    );
    // Resolved and not yet rated (the rating reminder's list).
    f.desk.resolve(f.ws, low.id, f.agent_actor()).await.unwrap();
    f.desk
        .resolve(f.ws, medium.id, f.agent_actor())
        .await
        .unwrap();
    f.desk
        .rate(f.ws, medium.id, 5, None, f.customer_actor())
        .await
        .unwrap();
    let resolved = vec![Status::Resolved];
    assert_eq!(
        list(TicketQuery {
            statuses: resolved.clone(),
            rated: Some(false),
            ..q()
        })
        .await,
        ["low"]
    );
    assert_eq!(
        list(TicketQuery {
            statuses: resolved,
            rated: Some(true),
            ..q()
        })
        .await,
        ["medium"]
    );
    // Recording a breach is not an edit: high was last changed when opened.
    assert_eq!(
        list(TicketQuery {
            updated_since: Some(now),
            ..q()
        })
        .await,
        ["medium", "low"]
    );
    assert_eq!(
        list(TicketQuery {
            updated_before: Some(now),
            ..q()
        })
        .await,
        ["high"]
    );
    // Resolved ranges: low and medium were resolved at `now`.
    assert_eq!(
        list(TicketQuery {
            resolved_since: Some(now),
            resolved_before: Some(now + TimeDelta::seconds(1)),
            ..q()
        })
        .await,
        ["medium", "low"]
    );
    assert!(
        list(TicketQuery {
            resolved_before: Some(now),
            ..q()
        })
        .await
        .is_empty()
    );
}

pub async fn bulk_updates_report_each_ticket(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let a = f.open("a").await;
    let b = f.open("b").await;
    let closed = f.open("closed").await;
    f.desk
        .close(f.ws, closed.id, f.agent_actor())
        .await
        .unwrap();
    let ghost = TicketId::generate();
    let update = TicketUpdate {
        priority: Some("high".into()),
        assignee: Some(f.agent.clone()),
        ..Default::default()
    };
    let out = f
        .desk
        .bulk_update(
            f.ws,
            vec![a.id, closed.id, ghost, b.id],
            update.clone(),
            f.agent_actor(),
        )
        .await
        .unwrap();
    let summary: Vec<_> = out
        .iter()
        .map(|o| {
            (
                o.ticket,
                o.updated.as_ref().map(|t| t.priority.clone()),
                o.error.as_ref().map(|e| e.code.clone()),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (a.id, Some("high".to_owned()), None),
            (closed.id, None, Some("invalid_transition".to_owned())),
            (ghost, None, Some("not_found".to_owned())),
            (b.id, Some("high".to_owned()), None),
        ]
    );
    assert_eq!(
        f.desk
            .get_ticket(f.ws, b.id)
            .await
            .unwrap()
            .assignee
            .as_ref(),
        Some(&f.agent)
    );
    // A bad value fails the whole call before anything is written.
    let before = f.snapshot().await;
    let bad = TicketUpdate {
        priority: Some("p9".into()),
        ..Default::default()
    };
    assert_field(
        f.desk
            .bulk_update(f.ws, vec![a.id], bad, f.agent_actor())
            .await,
        "priority",
    );
    assert_field(
        f.desk
            .bulk_update(f.ws, vec![a.id, a.id], update.clone(), f.agent_actor())
            .await,
        "tickets[1]",
    );
    assert_field(
        f.desk
            .bulk_update(f.ws, vec![], update, f.agent_actor())
            .await,
        "tickets",
    );
    assert_eq!(f.snapshot().await, before);
}

pub async fn dashboard_counts_today_in_the_workspace_zone(store: Arc<dyn Store>) {
    use chrono::TimeDelta;
    let f = Fixture::new(store).await;
    let zone = SettingsPatch {
        timezone: Some("Asia/Tokyo".into()),
        ..SettingsPatch::default()
    };
    f.desk
        .update_workspace(f.ws, None, Some(zone))
        .await
        .unwrap();
    let open = |subject: &'static str, priority: &'static str| {
        let mut input = OpenTicket::new(f.customer.clone(), subject, "d");
        input.priority = Some(priority.into());
        let d = f.desk.clone();
        async move { d.open_ticket(f.ws, input).await.unwrap() }
    };
    let a = open("a", "medium").await; // 08:00 UTC
    f.clock.advance(TimeDelta::hours(2));
    f.desk
        .reply(f.ws, a.id, &f.agent, "On it".into())
        .await
        .unwrap();
    let b = open("b", "medium").await; // 10:00
    f.clock.advance(TimeDelta::hours(1));
    f.clock.advance(TimeDelta::minutes(30));
    open("e", "high").await; // 11:30: first response due 13:30
    f.clock.advance(TimeDelta::minutes(30));
    f.desk.resolve(f.ws, b.id, f.agent_actor()).await.unwrap(); // 12:00
    f.desk.close(f.ws, b.id, f.agent_actor()).await.unwrap();
    open("c", "medium").await;
    open("d", "urgent").await; // 12:00: due 12:30
    let now = a.created_at + TimeDelta::hours(5); // 13:00 UTC, 22:00 in Tokyo
    let dash = f.desk.dashboard(f.ws, Some(now)).await.unwrap();
    assert_eq!(
        dash.day_start,
        a.created_at - TimeDelta::hours(17),
        "Tokyo midnight"
    );
    assert_eq!(
        (
            dash.active,
            dash.unassigned,
            dash.created_today,
            dash.resolved_today,
            dash.closed_today
        ),
        (4, 4, 5, 1, 1)
    );
    assert_eq!((dash.breaching_now, dash.due_within_hour), (1, 1));
    assert_eq!(dash.avg_first_response, Some(TimeDelta::hours(2)));
    assert_eq!(dash.avg_resolution, Some(TimeDelta::hours(2)));
    // 01:00 the next day in Tokyo: nothing happened today yet.
    let tomorrow = f
        .desk
        .dashboard(f.ws, Some(now + TimeDelta::hours(3)))
        .await
        .unwrap();
    assert_eq!(
        (
            tomorrow.created_today,
            tomorrow.resolved_today,
            tomorrow.avg_first_response
        ),
        (0, 0, None)
    );
    assert_eq!(tomorrow.active, 4);
}

pub async fn tickets_export_as_csv(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let mut input = OpenTicket::new(
        f.customer.clone(),
        "=HYPERLINK(\"http://evil\"), please",
        "d",
    );
    input.tags = vec!["vip".into(), "billing".into()];
    let a = f.desk.open_ticket(f.ws, input).await.unwrap();
    let b = f.open("Plain").await;
    f.desk.resolve(f.ws, b.id, f.agent_actor()).await.unwrap();
    let csv = f
        .desk
        .export_tickets_csv(f.ws, &TicketQuery::default(), Vec::new(), false)
        .await
        .unwrap();
    let lines: Vec<&str> = csv.split("\r\n").collect();
    let names: Vec<&str> = Column::DEFAULT.iter().map(|c| c.name()).collect();
    assert_eq!(lines[0], names.join(","));
    assert_eq!(lines.len(), 4, "header, two tickets, the final CRLF");
    assert!(
        lines[1].starts_with(&format!("{},Plain,resolved,medium,", b.number)),
        "{}",
        lines[1]
    );
    let expected_subject = "\"'=HYPERLINK(\"\"http://evil\"\"), please\"";
    assert!(
        lines[2].starts_with(&format!("{},{expected_subject},new,", a.number)),
        "{}",
        lines[2]
    );
    assert!(lines[2].contains(",billing vip,"), "{}", lines[2]);
    let only_new = TicketQuery {
        statuses: vec![Status::New],
        limit: 1,
        ..TicketQuery::default()
    };
    let csv = f
        .desk
        .export_tickets_csv(f.ws, &only_new, Vec::new(), false)
        .await
        .unwrap();
    assert_eq!(csv.matches("\r\n").count(), 2);
    // Chosen columns, instants in the workspace's zone, a BOM for Excel.
    let tokyo = SettingsPatch {
        timezone: Some("Asia/Tokyo".into()),
        ..SettingsPatch::default()
    };
    f.desk
        .update_workspace(f.ws, None, Some(tokyo))
        .await
        .unwrap();
    let columns = vec![Column::Number, Column::CreatedAt, Column::Description];
    let csv = f
        .desk
        .export_tickets_csv(f.ws, &TicketQuery::default(), columns.clone(), true)
        .await
        .unwrap();
    let created = b
        .created_at
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(
        csv,
        format!(
            "\u{feff}number,created_at,description\r\n{},{created},Something is broken\r\n{},{},d\r\n",
            b.number,
            a.number,
            a.created_at
                .with_timezone(&chrono_tz::Asia::Tokyo)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
    );
    assert!(created.ends_with("+09:00"), "{created}");
    // Page by page: the header (and BOM) once, then each page's lines.
    let mut q = TicketQuery {
        limit: 1,
        ..TicketQuery::default()
    };
    let mut pages = Vec::new();
    loop {
        let page = f
            .desk
            .export_tickets_csv_page(f.ws, &q, columns.clone(), true)
            .await
            .unwrap();
        pages.push(page.csv);
        match page.next_cursor {
            Some(c) => q.after = Some(c),
            None => break,
        }
    }
    assert_eq!(pages.concat(), csv);
    assert_eq!(pages.len(), 2);
    assert_field(
        f.desk
            .export_tickets_csv(f.ws, &q, vec![Column::Id, Column::Id], false)
            .await,
        "columns[1]",
    );
}

/// A thousand tickets in one bulk change, three of which refuse it: 997
/// change, the three are reported with their codes, nothing else moves, and
/// a retry changes nothing more. Then the same by query.
pub async fn bulk_changes_a_thousand_tickets(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let other = Fixture::in_desk(f.desk.clone(), f.clock.clone(), "other").await;
    let mut ids = Vec::new();
    for i in 0..998 {
        ids.push(f.open(&format!("ticket {i}")).await.id);
    }
    let closed = ids[10];
    f.desk.close(f.ws, closed, f.agent_actor()).await.unwrap();
    let cancelled = ids[500];
    f.desk
        .set_status(f.ws, cancelled, Status::Cancelled, f.agent_actor())
        .await
        .unwrap();
    let theirs = other.open("theirs").await.id;
    ids.insert(700, theirs);
    let untouched = f.open("not in the list").await;
    ids.push(f.open("one more").await.id);
    assert_eq!(ids.len(), 1_000);
    let update = TicketUpdate {
        priority: Some("high".into()),
        assignee: Some(f.agent2.clone()),
        escalate: true,
        add_tags: vec!["vip".into()],
        ..Default::default()
    };
    let run = || {
        f.desk
            .bulk_update(f.ws, ids.clone(), update.clone(), f.agent_actor())
    };
    let out = run().await.unwrap();
    let failed: Vec<_> = out
        .iter()
        .filter_map(|o| o.error.as_ref().map(|e| (o.ticket, e.code.as_str())))
        .collect();
    assert_eq!(
        failed,
        [
            (closed, "invalid_transition"),
            (cancelled, "invalid_transition"),
            (theirs, "not_found"),
        ]
    );
    assert_eq!(out.iter().filter(|o| o.updated.is_some()).count(), 997);
    let changed = f.desk.get_ticket(f.ws, ids[0]).await.unwrap();
    assert_eq!(
        (
            changed.priority.as_str(),
            changed.assignee.as_ref(),
            changed.tags.as_slice()
        ),
        ("high", Some(&f.agent2), ["vip".to_owned()].as_slice())
    );
    let history = f.desk.assignment_history(f.ws, ids[0]).await.unwrap();
    assert_eq!(history.last().unwrap().action, AssignmentAction::Escalated);
    assert_eq!(
        f.desk.get_ticket(f.ws, untouched.id).await.unwrap(),
        untouched
    );
    assert_eq!(
        other
            .desk
            .get_ticket(other.ws, theirs)
            .await
            .unwrap()
            .version,
        1
    );
    // A retry changes nothing more.
    let seq = f.last_seq().await;
    let again = run().await.unwrap();
    assert_eq!(again.iter().filter(|o| o.error.is_some()).count(), 3);
    assert_eq!(f.last_seq().await, seq);
    // By query: every ticket tagged vip loses the tag.
    let vip = TicketQuery {
        tag: Some("vip".into()),
        ..TicketQuery::default()
    };
    let removed = f
        .desk
        .bulk_update_matching(
            f.ws,
            &vip,
            TicketUpdate {
                remove_tags: vec!["vip".into()],
                ..Default::default()
            },
            f.agent_actor(),
        )
        .await
        .unwrap();
    assert_eq!(removed.len(), 997);
    assert!(removed.iter().all(|o| o.error.is_none()));
    assert!(
        f.desk
            .list_tickets(f.ws, &vip)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // Bad tag lists fail the whole call first.
    let before = f.snapshot().await;
    let both = TicketUpdate {
        add_tags: vec!["a".into()],
        remove_tags: vec!["a".into()],
        ..Default::default()
    };
    assert_field(
        f.desk
            .bulk_update(f.ws, ids.clone(), both, f.agent_actor())
            .await,
        "remove_tags",
    );
    let bad = TicketUpdate {
        add_tags: vec!["Not A Slug".into()],
        ..Default::default()
    };
    assert_field(
        f.desk
            .bulk_update(f.ws, ids.clone(), bad, f.agent_actor())
            .await,
        "add_tags[0]",
    );
    let mut too_many = ids.clone();
    too_many.push(TicketId::generate());
    assert_field(
        f.desk
            .bulk_update(f.ws, too_many, TicketUpdate::default(), f.agent_actor())
            .await,
        "tickets",
    );
    assert_eq!(f.snapshot().await, before);
}
