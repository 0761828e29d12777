//! Hostile input: what a careless or malicious host (or tenant) sends.
//! Every case gets a typed error and changes nothing, on every backend.

use super::fixture::{Fixture, assert_code, assert_field};
use crate::calendar::CalendarConfig;
use crate::ids::PolicyId;
use crate::sla::{PolicyConditions, PolicyTarget, WarningThreshold};
use crate::store::Store;
use crate::*;
use chrono::{TimeDelta, TimeZone, Utc};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// A JSON value `depth` objects deep.
pub fn nested(depth: usize) -> Value {
    let mut v = json!(1);
    for _ in 0..depth {
        v = json!({ "a": v });
    }
    v
}

fn fields(v: Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("x".into(), v);
    m
}

/// A policy on `calendar` whose `low` priority resolves in `resolution`.
pub fn policy_on(calendar: &str, resolution: TimeDelta) -> SlaPolicy {
    SlaPolicy {
        id: PolicyId::generate(),
        name: "p".into(),
        description: None,
        escalate_to: None,
        conditions: PolicyConditions::default(),
        calendar: Some(CalendarConfig::from_json(calendar).unwrap()),
        targets: vec![PolicyTarget {
            priority: "low".into(),
            first_response: None,
            next_response: None,
            resolution: Some(resolution),
        }],
        warning: WarningThreshold::default(),
        pause_on: vec![],
        active: true,
    }
}

/// A calendar open `n` one-second intervals every Monday.
pub fn dense_calendar(n: usize) -> String {
    let slots: Vec<String> = (0..n)
        .map(|i| {
            let (h, m) = (i / 60 % 24, i % 60);
            format!(r#"["{h:02}:{m:02}:00","{h:02}:{m:02}:01"]"#)
        })
        .collect();
    format!(
        r#"{{"timezone":"UTC","weekly":{{"mon":[{}]}}}}"#,
        slots.join(",")
    )
}

/// A calendar open one second a week.
pub const RARE_CALENDAR: &str = r#"{"timezone":"UTC","weekly":{"mon":[["09:00:00","09:00:01"]]}}"#;

/// The hostile templates of issue 10, saved and rendered: each one is
/// `invalid_input` on `body`, fast, and nothing is written.
pub async fn hostile_templates_change_nothing(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = &f.desk;
    let mut big = OpenTicket::new(f.customer.clone(), "big fields", "x");
    big.custom_fields = fields(json!({
        "big": "y".repeat(30_000),
        "many": (0..1000).collect::<Vec<_>>(),
    }));
    let t = d.open_ticket(f.ws, big).await.unwrap();
    let heavy = d
        .create_template(
            f.ws,
            TemplateInput {
                name: "heavy".into(),
                body: "{% for n in ticket.custom_fields.x.many %}{{ ticket.custom_fields.x.big }}{% endfor %}"
                    .into(),
                ..TemplateInput::default()
            },
        )
        .await
        .unwrap();
    let before = f.snapshot().await;
    for body in [
        format!("{{{{ {}1 }}}}", "-".repeat(30_000)),
        format!("{{{{ x{} }}}}", "+1".repeat(10_000)),
        format!("{{{{ x{} }}}}", ".a".repeat(10_000)),
        format!("{{{{ x{} }}}}", "[0]".repeat(10_000)),
        format!("{{{{ {}x{} }}}}", "(".repeat(5_000), ")".repeat(5_000)),
        "{% if x %}".repeat(5_000),
        "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}".into(),
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}".into(),
        "{{ 'x' * 100000000 }}".into(),
        "{{ debug() }}".into(),
        "x".repeat(limits::TEMPLATE_BODY + 1),
    ] {
        let input = TemplateInput {
            name: "evil".into(),
            body,
            ..TemplateInput::default()
        };
        assert_code(d.create_template(f.ws, input.clone()).await, "invalid_input");
        assert_code(d.update_template(f.ws, heavy.id, input).await, "invalid_input");
    }
    let e = d
        .render_template(f.ws, heavy.id, t.id, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input", "{e}");
    assert_eq!(f.snapshot().await, before);
}

/// Oversized or too deep JSON, hostile calendars and SLA targets, instants
/// out of range, text that would break mail headers, unbounded echoes.
pub async fn hostile_input_changes_nothing(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = &f.desk;
    let t = f.open("target").await;
    let before = f.snapshot().await;
    let by = f.agent_actor();

    // JSON documents: depth and size bounded the same on every backend.
    for v in [nested(40), nested(128), json!("z".repeat(70_000))] {
        let mut open = OpenTicket::new(f.customer.clone(), "deep", "x");
        open.custom_fields = fields(v.clone());
        assert_code(d.open_ticket(f.ws, open).await, "invalid_input");
        let update = TicketUpdate {
            custom_fields: Some(fields(v)),
            ..TicketUpdate::default()
        };
        assert_code(
            d.update_ticket(f.ws, t.id, update, by.clone()).await,
            "invalid_input",
        );
    }
    let mut nul = OpenTicket::new(f.customer.clone(), "nul", "x");
    nul.custom_fields = fields(json!({"k\u{0}": 1}));
    assert_code(d.open_ticket(f.ws, nul).await, "invalid_input");
    // A document at the limit is accepted elsewhere (see the round trip below).

    // Calendars and SLA targets.
    let dense = dense_calendar(1000);
    let e = d
        .set_sla_policies(f.ws, vec![policy_on(&dense, TimeDelta::hours(8))])
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput { field, .. } if field == "policies[0].calendar.weekly.mon"),
        "{e}"
    );
    let rare = RARE_CALENDAR;
    let e = d
        .set_sla_policies(f.ws, vec![policy_on(rare, TimeDelta::hours(1000))])
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput { field, .. } if field == "policies[0].targets[0].resolution"),
        "{e}"
    );
    assert_code(
        d.set_sla_policies(f.ws, vec![policy_on(rare, TimeDelta::days(400))])
            .await,
        "invalid_input",
    );

    // One-line fields.
    for subject in ["two\nlines", "bell\u{7}", "tab\there"] {
        assert_code(
            d.open_ticket(f.ws, OpenTicket::new(f.customer.clone(), subject, "x"))
                .await,
            "invalid_input",
        );
    }

    // Echoes are bounded.
    let long = "k".repeat(1_000_000);
    for e in [
        d.get_ticket_by_number(f.ws, &long).await.unwrap_err(),
        d.add_tag(f.ws, t.id, &long, by.clone()).await.unwrap_err(),
    ] {
        assert!(e.to_string().len() < 400, "{} bytes", e.to_string().len());
    }

    // Instants no backend can store.
    let now = f.clock.now();
    f.clock
        .set(Utc.with_ymd_and_hms(-10_000, 1, 1, 0, 0, 0).unwrap());
    let e = d
        .open_ticket(f.ws, OpenTicket::new(f.customer.clone(), "ancient", "x"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput { field, .. } if field == "clock"),
        "{e}"
    );
    f.clock.set(now);
    assert_code(
        f.clock.try_advance(TimeDelta::seconds(-1)).map(drop),
        "invalid_input",
    );
    assert_code(
        f.clock.try_advance(TimeDelta::days(10_000_000)).map(drop),
        "invalid_input",
    );
    assert_eq!(f.clock.now(), now);

    assert_eq!(f.snapshot().await, before);
}

/// A lookup holding NUL finds nothing, and a filter holding NUL names
/// itself: no backend stores NUL, and PostgreSQL refuses it as a parameter
/// (which made these a `storage` error there, a retry-me on a plain read).
pub async fn lookups_holding_nul_find_nothing(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let t = f.open("target").await;
    assert_code(
        f.desk
            .get_ticket_by_number(f.ws, &format!("{}\0", t.number))
            .await,
        "not_found",
    );
    assert_code(f.desk.get_workspace_by_slug("acme\0").await, "not_found");
    let filters: [(&str, TicketQuery); 4] = [
        (
            "priority",
            TicketQuery {
                priority: Some("high\0".into()),
                ..TicketQuery::default()
            },
        ),
        (
            "tag",
            TicketQuery {
                tag: Some("a\0".into()),
                ..TicketQuery::default()
            },
        ),
        (
            "priorities",
            TicketQuery {
                priorities: vec!["low".into(), "\0".into()],
                ..TicketQuery::default()
            },
        ),
        (
            "link.id",
            TicketQuery {
                link: Some(Link {
                    kind: "order".into(),
                    id: "7\0".into(),
                }),
                ..TicketQuery::default()
            },
        ),
    ];
    for (field, query) in filters {
        assert_field(f.desk.list_tickets(f.ws, &query).await, field);
    }
}

/// Opening or importing a ticket takes at most 50 tags and 50 links, as
/// adding them one by one does (2 000 were taken, and made every later
/// write of the ticket heavier).
pub async fn tags_and_links_are_capped_on_every_path(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let tags: Vec<String> = (0..51).map(|i| format!("t{i}")).collect();
    let links: Vec<Link> = (0..51)
        .map(|i| Link::new("order", &i.to_string()).unwrap())
        .collect();
    let mut open = OpenTicket::new(f.customer.clone(), "many", "x");
    open.tags = tags.clone();
    assert_field(f.desk.open_ticket(f.ws, open).await, "tags");
    let mut open = OpenTicket::new(f.customer.clone(), "many", "x");
    open.links = links.clone();
    assert_field(f.desk.open_ticket(f.ws, open).await, "links");
    let mut record = super::import::import_record(&f, "many", -60);
    record.tags = tags[..50].to_vec();
    record.links = links.clone();
    assert_field(
        f.desk.import_tickets(f.ws, vec![record]).await,
        "tickets[0].links",
    );
    let mut open = OpenTicket::new(f.customer.clone(), "fifty", "x");
    open.tags = tags[..50].to_vec();
    open.links = links[..50].to_vec();
    let t = f.desk.open_ticket(f.ws, open).await.unwrap();
    assert_eq!((t.tags.len(), t.links.len()), (50, 50));
}

/// Who may act, and one code per situation.
pub async fn actors_are_checked(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = &f.desk;
    let t = f.open("mine").await;
    d.resolve(f.ws, t.id, f.agent_actor()).await.unwrap();
    let before = f.snapshot().await;
    let ghost = Actor::Agent(AgentId::new("ghost").unwrap());
    let stranger = Actor::Customer(CustomerId::new("nobody").unwrap());
    let other = Actor::Customer(f.customer2.clone());

    assert_code(
        d.rate(f.ws, t.id, 5, None, other.clone()).await,
        "invalid_input",
    );
    assert_code(
        d.rate(f.ws, t.id, 5, None, f.agent_actor()).await,
        "invalid_input",
    );
    assert_code(
        d.rate(f.ws, t.id, 5, None, stranger.clone()).await,
        "not_found",
    );
    assert_code(
        d.rate(f.ws, t.id, 5, None, ghost.clone()).await,
        "not_found",
    );
    assert_code(d.reopen(f.ws, t.id, other.clone()).await, "invalid_input");
    // A reply by someone who is not an agent of the workspace (checked by
    // the write itself).
    assert_code(
        d.reply(f.ws, t.id, &AgentId::new("ghost").unwrap(), "hi".into())
            .await,
        "not_found",
    );
    // A ticket for someone who is not a customer of the workspace (checked
    // by the write itself, with or without an idempotency key).
    let nobody = CustomerId::new("nobody").unwrap();
    assert_code(
        d.open_ticket(f.ws, OpenTicket::new(nobody.clone(), "hello", "x"))
            .await,
        "not_found",
    );
    let mut keyed = OpenTicket::new(nobody, "hello", "x");
    keyed.idempotency_key = Some("nobody-1".into());
    assert_code(d.open_ticket(f.ws, keyed).await, "not_found");
    assert_code(
        d.set_status(f.ws, t.id, Status::Closed, ghost.clone())
            .await,
        "not_found",
    );
    assert_code(
        d.assign(f.ws, t.id, Assign::to(f.agent.clone()), ghost.clone())
            .await,
        "not_found",
    );
    assert_code(
        d.assign(
            f.ws,
            t.id,
            Assign::to(AgentId::new("ghost").unwrap()),
            f.agent_actor(),
        )
        .await,
        "not_found",
    );
    let no_team = Assign {
        team: Some(TeamId::generate()),
        ..Assign::default()
    };
    assert_code(
        d.assign(f.ws, t.id, no_team, f.agent_actor()).await,
        "not_found",
    );
    assert_code(
        d.set_category(f.ws, t.id, Some(CategoryId::generate()), f.agent_actor())
            .await,
        "not_found",
    );
    let orphan = CategoryInput {
        name: "Orphan".into(),
        parent: Some(CategoryId::generate()),
        ..CategoryInput::default()
    };
    assert_code(d.create_category(f.ws, orphan).await, "not_found");
    assert_code(d.add_tag(f.ws, t.id, "x", stranger).await, "not_found");
    assert_eq!(f.snapshot().await, before);

    // The ticket's own customer rates it, once.
    d.rate(f.ws, t.id, 4, None, f.customer_actor())
        .await
        .unwrap();
    let rated = f.snapshot().await;
    assert_code(
        d.rate(f.ws, t.id, 1, None, f.customer_actor()).await,
        "already_exists",
    );
    assert_eq!(f.snapshot().await, rated);
}

/// Idempotency keys are bound to their request.
pub async fn idempotency_keys_bind_their_request(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = &f.desk;
    let open = |customer: &CustomerId, subject: &str| {
        let mut o = OpenTicket::new(customer.clone(), subject, "card ending 4242 declined");
        o.idempotency_key = Some("k1".into());
        o
    };
    let first = d
        .open_ticket(f.ws, open(&f.customer, "payment"))
        .await
        .unwrap();
    let again = d
        .open_ticket(f.ws, open(&f.customer, "payment"))
        .await
        .unwrap();
    assert_eq!(first, again);
    let before = f.snapshot().await;
    assert_code(
        d.open_ticket(f.ws, open(&f.customer2, "payment")).await,
        "conflict",
    );
    assert_code(
        d.open_ticket(f.ws, open(&f.customer, "other")).await,
        "conflict",
    );

    let msg = |body: &str| MessageInput {
        idempotency_key: Some("m1".into()),
        ..MessageInput::text(body)
    };
    let m = d
        .reply(f.ws, first.id, &f.agent, msg("on it"))
        .await
        .unwrap();
    let mid = f.snapshot().await;
    assert_eq!(
        d.reply(f.ws, first.id, &f.agent, msg("on it"))
            .await
            .unwrap(),
        m
    );
    assert_code(
        d.reply(f.ws, first.id, &f.agent, msg("something else"))
            .await,
        "conflict",
    );
    assert_code(
        d.reply(f.ws, first.id, &f.agent2, msg("on it")).await,
        "conflict",
    );
    assert_eq!(f.snapshot().await, mid);
    let _ = before;
}

/// `{year}` is the year in the workspace's zone; numbers are found whatever
/// their case; a JSON document at the limits round-trips.
pub async fn numbers_and_documents_round_trip(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = &f.desk;
    let zone = SettingsPatch {
        timezone: Some("Europe/Berlin".into()),
        ..SettingsPatch::default()
    };
    d.update_workspace(f.ws, None, Some(zone)).await.unwrap();
    // 23:30 UTC on 31 December is 00:30 on 1 January in Berlin.
    f.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).unwrap());
    let mut open = OpenTicket::new(f.customer.clone(), "new year", "x");
    let mut deep = json!("leaf");
    for _ in 0..(limits::JSON_DEPTH - 1) {
        deep = json!([deep]);
    }
    open.custom_fields = fields(deep);
    let t = d.open_ticket(f.ws, open).await.unwrap();
    assert_eq!(t.number, "TKT-2027-00001");
    assert_eq!(
        d.get_ticket_by_number(f.ws, "tkt-2027-00001")
            .await
            .unwrap(),
        t
    );
    assert_eq!(
        d.get_ticket(f.ws, t.id).await.unwrap().custom_fields,
        t.custom_fields
    );
    let non_ascii = SettingsPatch {
        number_format: Some(NumberFormat("Ticket №{seq}".into())),
        ..SettingsPatch::default()
    };
    assert_code(
        d.update_workspace(f.ws, None, Some(non_ascii)).await,
        "invalid_input",
    );
}
