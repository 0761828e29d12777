//! PostgreSQL-specific guarantees: numbering and idempotency under
//! concurrency, optimistic concurrency, row-level security, atomic writes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use sqlx::{AssertSqlSafe, Connection, Row};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use ticketry_core::event::NewEvent;
use ticketry_core::store::{
    Idempotency, Store, TicketCreate, TicketStore, TicketWrite, WriteOutcome,
};
use ticketry_core::testing::Fixture;
use ticketry_core::{
    Actor, Assign, CategoryInput, EventKind, MessageInput, OpenTicket, StoreError, Tag,
    TemplateInput, Ticket, TicketQuery, View, WorkspaceId,
};
use ticketry_postgres::{PgOptions, PgStore, TABLES};

fn dyn_store(store: &PgStore) -> Arc<dyn Store> {
    Arc::new(store.clone())
}

/// `workspace_counters` of `ws`: (last ticket number, last event seq).
async fn counters(store: &PgStore, ws: WorkspaceId) -> (i64, i64) {
    let mut tx = store.begin(ws).await.unwrap();
    let row = sqlx::query(
        "SELECT last_ticket, last_event FROM workspace_counters WHERE workspace_id = $1",
    )
    .bind(ws.as_uuid())
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    (row.get(0), row.get(1))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_creators_in_four_workspaces_get_consecutive_numbers() {
    let store = common::store().await;
    let a = Fixture::new(dyn_store(&store)).await;
    let mut desks = vec![a.clone()];
    for slug in ["globex", "initech", "umbrella"] {
        desks.push(Fixture::in_desk(a.desk.clone(), a.clock.clone(), slug).await);
    }
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let f = desks[i % 4].clone();
            tokio::spawn(async move { (i % 4, f.open(&format!("creator {i}")).await) })
        })
        .collect();
    let mut per_ws: Vec<Vec<Ticket>> = vec![Vec::new(); 4];
    for t in tasks {
        let (w, t) = t.await.unwrap();
        per_ws[w].push(t);
    }
    for (w, tickets) in per_ws.iter().enumerate() {
        let mut seqs: Vec<u64> = tickets.iter().map(|t| t.seq).collect();
        seqs.sort_unstable();
        assert_eq!(seqs, (1..=16).collect::<Vec<u64>>(), "workspace {w}");
        let numbers: HashSet<&str> = tickets.iter().map(|t| t.number.as_str()).collect();
        assert_eq!(numbers.len(), 16);
        assert!(tickets.iter().all(|t| t.workspace_id == desks[w].ws));
        assert_counters_match(&store, &desks[w], 16).await;
    }
}

/// The workspace's counter says `tickets` tickets, and its events are
/// numbered 1, 2, … up to the counter's last event.
async fn assert_counters_match(store: &PgStore, f: &Fixture, tickets: i64) {
    let (last_ticket, last_event) = counters(store, f.ws).await;
    assert_eq!(last_ticket, tickets);
    let events = f.all_events().await;
    assert_eq!(events.len() as i64, last_event);
    assert!(
        events
            .iter()
            .enumerate()
            .all(|(i, e)| e.seq == i as u64 + 1)
    );
}

/// A write of `t` with a new subject, computed from `t`'s version (no
/// event, no catalog version, no checks).
fn retitle(t: &Ticket, subject: &str) -> TicketWrite {
    let mut next = t.clone();
    next.subject = subject.into();
    next.version = t.version + 1;
    TicketWrite {
        catalog_version: None,
        active_agent: None,
        capacity: None,
        tags_before: None,
        ticket: next,
        expected_version: t.version,
        messages: Vec::new(),
        assignments: Vec::new(),
        events: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_concurrent_updates_give_exactly_one_conflict() {
    let store = common::store().await;
    let f = Fixture::new(dyn_store(&store)).await;
    let t = f.open("contended").await;
    let write = |t: &Ticket, subject: &str| {
        let mut w = retitle(t, subject);
        w.events.push(NewEvent {
            ticket_id: Some(t.id),
            actor: Actor::System,
            at: t.updated_at,
            kind: EventKind::Updated {
                fields: vec!["subject".into()],
            },
        });
        w
    };
    let mut current = t;
    for round in 0..5 {
        let events_before = f.all_events().await.len();
        let (a, b) = tokio::join!(
            store.update_ticket(f.ws, write(&current, &format!("A{round}"))),
            store.update_ticket(f.ws, write(&current, &format!("B{round}"))),
        );
        let (winner, loser) = match (&a, &b) {
            (Ok(WriteOutcome::Applied), Err(_)) => (format!("A{round}"), b),
            (Err(_), Ok(WriteOutcome::Applied)) => (format!("B{round}"), a),
            _ => panic!("round {round}: expected one winner, got {a:?} and {b:?}"),
        };
        assert!(
            matches!(loser, Err(StoreError::VersionConflict { expected, .. }) if expected == current.version),
            "{loser:?}"
        );
        let stored = store.get_ticket(f.ws, current.id).await.unwrap().unwrap();
        assert_eq!(stored.subject, winner);
        assert_eq!(stored.version, current.version + 1);
        // The winner's copy is the stored ticket, offered again once a read
        // (the one above) confirmed it after the loser's conflict.
        assert_eq!(
            store.remembered_ticket(f.ws, current.id).as_ref(),
            Some(&stored)
        );
        assert_eq!(
            f.all_events().await.len(),
            events_before + 1,
            "the loser wrote an event"
        );
        // A stale write changes nothing.
        let stale = store
            .update_ticket(f.ws, write(&current, "stale"))
            .await
            .unwrap_err();
        assert!(matches!(stale, StoreError::VersionConflict { .. }));
        assert_eq!(
            store.get_ticket(f.ws, current.id).await.unwrap().unwrap(),
            stored
        );
        current = stored;
    }
    let missing = write(&current, "x");
    let mut gone = missing.clone();
    gone.ticket.id = ticketry_core::TicketId::generate();
    assert!(matches!(
        store.update_ticket(f.ws, gone).await,
        Err(StoreError::NotFound {
            entity: "ticket",
            ..
        })
    ));
}

/// A write that waits for the counter row while another write moves its
/// ticket writes nothing and is a version conflict (its copy marked stale),
/// not a changed catalog: the workspace's cached catalog is still valid.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_ticket_moved_while_its_write_waits_is_a_conflict() {
    use ticketry_core::store::WorkspaceStore;
    let store = common::store().await;
    let f = Fixture::new(dyn_store(&store)).await;
    let t = f.open("waits").await;
    let catalog = store.catalog(f.ws).await.unwrap().unwrap();
    assert!(catalog.version.is_some());
    let write = TicketWrite {
        catalog_version: catalog.version,
        ..retitle(&t, "from the waiting write")
    };
    let mut blocker = hold_counter_lock(&store, f.ws).await;
    let waiting = tokio::spawn({
        let (store, ws) = (store.clone(), f.ws);
        async move { store.update_ticket(ws, write).await }
    });
    for _ in 0..500 {
        if blocked_writers(&store, f.ws).await > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(blocked_writers(&store, f.ws).await, 1);
    // Another writer (holding the row) moves the ticket meanwhile.
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE \"{}\".tickets SET version = version + 1, \
         doc = jsonb_set(doc, '{{version}}', to_jsonb(version + 1)) \
         WHERE workspace_id = $1 AND ticket_id = $2",
        store.schema()
    )))
    .bind(f.ws.as_uuid())
    .bind(t.id.as_uuid())
    .execute(&mut *blocker)
    .await
    .unwrap();
    blocker.commit().await.unwrap();
    let outcome = waiting.await.unwrap();
    assert!(
        matches!(outcome, Err(StoreError::VersionConflict { expected, .. }) if expected == t.version),
        "{outcome:?}"
    );
    assert_eq!(store.remembered_ticket(f.ws, t.id), None);
    let stored = store.get_ticket(f.ws, t.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.subject.as_str(), stored.version),
        (t.subject.as_str(), t.version + 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn idempotency_key_used_twice_gives_one_ticket() {
    let store = common::store().await;
    let f = Fixture::new(dyn_store(&store)).await;
    let mut input = OpenTicket::new(f.customer.clone(), "from mail", "body");
    input.idempotency_key = Some("<once@mail.example>".into());
    let first = f.desk.open_ticket(f.ws, input.clone()).await.unwrap();
    let again = f.desk.open_ticket(f.ws, input).await.unwrap();
    assert_eq!(first, again);

    let mut input = OpenTicket::new(f.customer.clone(), "retried", "body");
    input.idempotency_key = Some("<retry@mail.example>".into());
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (f, input) = (f.clone(), input.clone());
            tokio::spawn(async move { f.desk.open_ticket(f.ws, input).await.unwrap().id })
        })
        .collect();
    let mut ids = HashSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap());
    }
    assert_eq!(ids.len(), 1);
    let listed = f
        .desk
        .list_tickets(f.ws, &TicketQuery::default())
        .await
        .unwrap()
        .items;
    assert_eq!(listed.len(), 2);
    assert_eq!(counters(&store, f.ws).await.0, 2, "a number was skipped");
    let created = f
        .all_events()
        .await
        .iter()
        .filter(|e| e.kind.name() == "ticket.created")
        .count();
    assert_eq!(created, 2);

    // Messages, concurrently.
    let ticket = listed[0].id;
    let mut msg = MessageInput::text("same mail, delivered 8 times");
    msg.idempotency_key = Some("<msg@mail.example>".into());
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (f, msg) = (f.clone(), msg.clone());
            tokio::spawn(async move {
                f.desk
                    .customer_message(f.ws, ticket, &f.customer, msg)
                    .await
                    .unwrap()
                    .id
            })
        })
        .collect();
    let mut ids = HashSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap());
    }
    assert_eq!(ids.len(), 1);
    let thread = f.desk.thread(f.ws, ticket, View::Agent).await.unwrap();
    assert_eq!(thread.messages.len(), 2);
}

/// Forces the race the unique index settles: both creates pass the
/// idempotency check before either takes the counter lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn idempotency_race_returns_the_winner() {
    let store = common::store().await;
    let f = Fixture::new(dyn_store(&store)).await;
    let seed = f.open("seed").await;
    let create = |key: &str| {
        let mut t = seed.clone();
        t.id = ticketry_core::TicketId::generate();
        ticketry_core::store::TicketCreate {
            catalog_version: None,
            capacity: None,
            suggestions: None,
            ticket: t,
            number_format: Default::default(),
            messages: Vec::new(),
            assignments: Vec::new(),
            events: Vec::new(),
            local_year: 2026,
            idempotency: Some(Idempotency {
                key: key.into(),
                fingerprint: uuid::Uuid::nil(),
            }),
        }
    };
    // Hold the workspace's counter lock (as the login user).
    let mut blocker = store.pool().begin().await.unwrap();
    sqlx::query(AssertSqlSafe(format!(
        "SELECT 1 FROM \"{}\".workspace_counters WHERE workspace_id = $1 FOR UPDATE",
        store.schema()
    )))
    .bind(f.ws.as_uuid())
    .fetch_one(&mut *blocker)
    .await
    .unwrap();
    let (s1, s2) = (store.clone(), store.clone());
    let (c1, c2) = (create("race"), create("race"));
    let ws = f.ws;
    let t1 = tokio::spawn(async move { s1.create_ticket(ws, c1).await });
    let t2 = tokio::spawn(async move { s2.create_ticket(ws, c2).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    blocker.commit().await.unwrap();
    let (r1, r2) = (t1.await.unwrap().unwrap(), t2.await.unwrap().unwrap());
    assert_eq!(r1.0.id, r2.0.id);
    assert_eq!([r1.1, r2.1].iter().filter(|c| **c).count(), 1);
    assert_eq!(
        counters(&store, f.ws).await.0,
        2,
        "the loser's number was not rolled back"
    );
}

/// Fills two workspaces with a row in every table.
async fn populate(f: &Fixture) {
    let d = &f.desk;
    let by = f.agent_actor();
    let t = f.open("secret").await;
    d.assign(f.ws, t.id, Assign::to(f.agent.clone()), by.clone())
        .await
        .unwrap();
    d.create_category(
        f.ws,
        CategoryInput {
            name: "Billing".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    d.put_tag(
        f.ws,
        Tag {
            slug: "vip".into(),
            name: "VIP".into(),
            color: None,
        },
    )
    .await
    .unwrap();
    d.create_template(
        f.ws,
        TemplateInput {
            name: "Hi".into(),
            body: "Hi".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let policy: ticketry_core::sla::SlaPolicy = serde_json::from_value(serde_json::json!({
        "id": ticketry_core::PolicyId::generate(),
        "name": "Gold",
        "targets": [{"priority": "high", "first_response": 3600}],
    }))
    .unwrap();
    d.store().save_sla_policies(f.ws, &[policy]).await.unwrap();
    let rule: ticketry_core::automation::Rule = serde_json::from_value(serde_json::json!({
        "name": "Tag all", "on": ["ticket_created"], "actions": [{"add_tag": "all"}],
    }))
    .unwrap();
    d.set_rules(f.ws, vec![rule]).await.unwrap();
    let incident = ticketry_core::incident::NewIncident {
        title: "Down".into(),
        message: None,
        severity: None,
        categories: Vec::new(),
        pause_sla: None,
    };
    d.declare_incident(f.ws, incident, f.agent_actor())
        .await
        .unwrap();
    let access = ticketry_core::AccessRequestInput {
        kind: "password_reset".into(),
        customer: Some(f.customer.clone()),
        ..Default::default()
    };
    d.request_access(f.ws, access, f.customer_actor())
        .await
        .unwrap();
    let category = ticketry_core::kb::KbCategoryInput {
        slug: "faq".into(),
        name: "FAQ".into(),
        ..Default::default()
    };
    d.create_kb_category(f.ws, category).await.unwrap();
    let article = ticketry_core::kb::ArticleInput {
        slug: "reset".into(),
        title: "Reset".into(),
        body: "Open settings".into(),
        status: Some(ticketry_core::kb::ArticleStatus::Published),
        ..Default::default()
    };
    let a = d.create_article(f.ws, article).await.unwrap();
    d.vote_article(f.ws, a.id, "u1", Some(true)).await.unwrap();
    let shown = d
        .suggest_articles(f.ws, "reset", &a.language, None, None, Some(&f.customer))
        .await
        .unwrap();
    assert!(shown.id.is_some());
    d.read_article(f.ws, "reset", &a.language, None)
        .await
        .unwrap();
    d.ack_events(f.ws, "mailer", 1).await.unwrap();
    let mail = b"From: someone@example.com\r\nSubject: Hi\r\nMessage-ID: <p1@example.com>\r\n\r\nHello\r\n";
    d.ingest_email(f.ws, mail, Default::default())
        .await
        .unwrap();
    d.record_daily_stats(f.ws, None).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn row_level_security_hides_other_workspaces() {
    let store = common::store().await;
    assert_eq!(store.role(), Some(common::APP_ROLE));
    assert!(
        store.rls_enforced().await.unwrap(),
        "the test role bypasses RLS"
    );
    let a = Fixture::new(dyn_store(&store)).await;
    let b = Fixture::in_desk(a.desk.clone(), a.clock.clone(), "globex").await;
    populate(&a).await;
    populate(&b).await;
    let schema = store.schema().to_owned();
    let as_role = format!(
        "BEGIN; SET LOCAL search_path TO \"{schema}\"; SET LOCAL ROLE {}",
        common::APP_ROLE
    );
    for table in TABLES {
        let count = format!(
            "SELECT count(*), count(*) FILTER (WHERE workspace_id = $1) FROM \"{schema}\".{table}"
        );
        // The data is there (the login user is a superuser on the throwaway
        // server; on another server this check is skipped).
        let mut tx = store.pool().begin().await.unwrap();
        let (_, of_b): (i64, i64) = sqlx::query_as(AssertSqlSafe(count.clone()))
            .bind(b.ws.as_uuid())
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        let superuser: bool =
            sqlx::query_scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                .fetch_one(&mut *tx)
                .await
                .unwrap();
        drop(tx);
        if superuser {
            assert!(of_b > 0, "{table}: no row of B to hide");
        }
        // Scoped to A, as the RLS-subject role: rows of A only.
        let mut tx = store.begin(a.ws).await.unwrap();
        let (all, of_b): (i64, i64) = sqlx::query_as(AssertSqlSafe(count.clone()))
            .bind(b.ws.as_uuid())
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert!(all > 0, "{table}: A sees none of its own rows");
        assert_eq!(of_b, 0, "{table}: A sees rows of B");
        // Even without a workspace filter in the query, nothing of B.
        let leaked: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT count(*) FROM {table} WHERE workspace_id <> $1"
        )))
        .bind(a.ws.as_uuid())
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        assert_eq!(leaked, 0, "{table}");
        drop(tx);
        // No workspace set: nothing at all.
        let mut tx = store
            .pool()
            .begin_with(AssertSqlSafe(as_role.clone()))
            .await
            .unwrap();
        let (all, _): (i64, i64) = sqlx::query_as(AssertSqlSafe(count.clone()))
            .bind(b.ws.as_uuid())
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(all, 0, "{table}: visible with no workspace set");
    }
    // Writes into B from a transaction scoped to A are refused.
    let mut tx = store.begin(a.ws).await.unwrap();
    let err = sqlx::query(
        "INSERT INTO event_consumers (workspace_id, consumer, position) VALUES ($1, 'x', 1)",
    )
    .bind(b.ws.as_uuid())
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    drop(tx);
    let mut tx = store.begin(a.ws).await.unwrap();
    let done = sqlx::query("UPDATE tickets SET status = 'closed' WHERE workspace_id = $1")
        .bind(b.ws.as_uuid())
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 0);
    // Looking a workspace up by slug shows that one workspace only.
    let by_slug = a.desk.get_workspace_by_slug("globex").await.unwrap();
    assert_eq!(by_slug.id, b.ws);
    // ... and only to reads (migration 0026): scoped to A with B's slug
    // set, B's row can be read, not locked, changed or deleted.
    let b_slug = "SET LOCAL ticketry.workspace_slug = 'globex'";
    let mut tx = store.begin(a.ws).await.unwrap();
    sqlx::raw_sql(b_slug).execute(&mut *tx).await.unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM workspaces WHERE workspace_id = $1")
        .bind(b.ws.as_uuid())
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, 1, "the slug lookup reads its row");
    let locked: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT workspace_id FROM workspaces WHERE slug = 'globex' FOR UPDATE")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    assert!(locked.is_empty(), "B's row locked from A");
    for write in [
        "DELETE FROM workspaces WHERE slug = 'globex'",
        "UPDATE workspaces SET slug = slug WHERE slug = 'globex'",
    ] {
        let done = sqlx::query(write).execute(&mut *tx).await.unwrap();
        assert_eq!(done.rows_affected(), 0, "{write}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_write_leaves_nothing_behind() {
    let store = common::store().await;
    let f = Fixture::new(dyn_store(&store)).await;
    let open = f.open("stays as it is").await;
    // Inject a failure: inserting a message whose body is "boom" raises,
    // after the counters were taken and the ticket row written.
    let schema = store.schema();
    sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE FUNCTION \"{schema}\".boom() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$;
         CREATE TRIGGER boom BEFORE INSERT ON \"{schema}\".messages FOR EACH ROW
            WHEN (NEW.doc->>'body' = 'boom') EXECUTE FUNCTION \"{schema}\".boom()"
    )))
    .execute(store.pool())
    .await
    .unwrap();
    let before = f.snapshot().await;
    let counters_before = counters(&store, f.ws).await;

    let err = f
        .desk
        .open_ticket(f.ws, OpenTicket::new(f.customer.clone(), "doomed", "boom"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "storage", "{err}");
    let err = f
        .desk
        .reply(f.ws, open.id, &f.agent, "boom".into())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "storage", "{err}");

    assert_eq!(
        f.snapshot().await,
        before,
        "a failed write left rows behind"
    );
    assert_eq!(counters(&store, f.ws).await, counters_before);
    let next = f.open("after the failures").await;
    assert_eq!(next.seq, open.seq + 1, "a failed create used up a number");
    let events = f.all_events().await;
    assert!(
        events
            .iter()
            .enumerate()
            .all(|(i, e)| e.seq == i as u64 + 1)
    );
}

#[tokio::test]
async fn migrate_is_idempotent_and_schemas_are_separate() {
    let store = common::store().await;
    store.migrate().await.unwrap();
    let other = common::store().await;
    assert_ne!(store.schema(), other.schema());
    let a = Fixture::new(dyn_store(&store)).await;
    // Same slug in another schema: no clash.
    let b = Fixture::new(dyn_store(&other)).await;
    assert_ne!(a.ws, b.ws);
    // A second store on the same pool and schema sees the same data.
    let same = PgStore::from_pool(store.pool().clone(), store.schema())
        .unwrap()
        .with_role(Some(common::APP_ROLE))
        .unwrap();
    same.migrate().await.unwrap();
    let ws = ticketry_core::store::WorkspaceStore::get_workspace(&same, a.ws)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ws.slug, "acme");
    assert!(
        ticketry_core::store::EventStore::events_after(&same, WorkspaceId::generate(), 0, 10)
            .await
            .is_err(),
        "an unknown workspace is not_found"
    );
}

/// A create of a copy of `seed` (new id) with an idempotency key.
fn keyed_create(seed: &Ticket, key: &str, fingerprint: uuid::Uuid) -> TicketCreate {
    let mut t = seed.clone();
    t.id = ticketry_core::TicketId::generate();
    TicketCreate {
        catalog_version: None,
        capacity: None,
        suggestions: None,
        ticket: t,
        number_format: Default::default(),
        messages: Vec::new(),
        assignments: Vec::new(),
        events: Vec::new(),
        local_year: 2026,
        idempotency: Some(Idempotency {
            key: key.into(),
            fingerprint,
        }),
    }
}

/// Holds the workspace's counter lock (as the login user) until committed,
/// so that concurrent creates all pass their idempotency check first.
async fn hold_counter_lock(
    store: &PgStore,
    ws: WorkspaceId,
) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut blocker = store.pool().begin().await.unwrap();
    sqlx::query(AssertSqlSafe(format!(
        "SELECT 1 FROM \"{}\".workspace_counters WHERE workspace_id = $1 FOR UPDATE",
        store.schema()
    )))
    .bind(ws.as_uuid())
    .fetch_one(&mut *blocker)
    .await
    .unwrap();
    blocker
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn idempotency_key_is_bound_to_its_request() {
    let store = common::store().await;
    let f = Fixture::new(dyn_store(&store)).await;

    // Through the desk: the same request again is the same ticket; the key
    // with another request is a conflict and writes nothing.
    let mut input = OpenTicket::new(f.customer.clone(), "printer", "on fire");
    input.idempotency_key = Some("<bound@mail.example>".into());
    let first = f.desk.open_ticket(f.ws, input.clone()).await.unwrap();
    assert_eq!(
        f.desk.open_ticket(f.ws, input.clone()).await.unwrap(),
        first
    );
    let mut other = input.clone();
    other.subject = "another printer".into();
    let err = f.desk.open_ticket(f.ws, other).await.unwrap_err();
    assert_eq!(err.code(), "conflict", "{err}");
    let mut tx = store.begin(f.ws).await.unwrap();
    let stored: Option<uuid::Uuid> = sqlx::query_scalar(
        "SELECT idempotency_fingerprint FROM tickets WHERE workspace_id = $1 AND ticket_id = $2",
    )
    .bind(f.ws.as_uuid())
    .bind(first.id.as_uuid())
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    drop(tx);
    assert!(stored.is_some_and(|u| !u.is_nil()), "{stored:?}");
    let unkeyed = f.open("no key").await;
    let mut tx = store.begin(f.ws).await.unwrap();
    let none: Option<uuid::Uuid> = sqlx::query_scalar(
        "SELECT idempotency_fingerprint FROM tickets WHERE workspace_id = $1 AND ticket_id = $2",
    )
    .bind(f.ws.as_uuid())
    .bind(unkeyed.id.as_uuid())
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    drop(tx);
    assert_eq!(none, None);

    // At the store.
    let (a, b) = (uuid::Uuid::from_u128(0xa), uuid::Uuid::from_u128(0xb));
    let (made, created) = store
        .create_ticket(f.ws, keyed_create(&first, "k", a))
        .await
        .unwrap();
    assert!(created);
    let (again, created) = store
        .create_ticket(f.ws, keyed_create(&first, "k", a))
        .await
        .unwrap();
    assert_eq!((again.id, created), (made.id, false));
    let err = store
        .create_ticket(f.ws, keyed_create(&first, "k", b))
        .await
        .unwrap_err();
    assert_eq!(err, StoreError::IdempotencyMismatch { key: "k".into() });
    // A key stored without a fingerprint (before version 2) matches any request.
    let mut tx = store.begin(f.ws).await.unwrap();
    sqlx::query(
        "UPDATE tickets SET idempotency_fingerprint = NULL WHERE workspace_id = $1 AND ticket_id = $2",
    )
    .bind(f.ws.as_uuid())
    .bind(made.id.as_uuid())
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (old, created) = store
        .create_ticket(f.ws, keyed_create(&first, "k", b))
        .await
        .unwrap();
    assert_eq!((old.id, created), (made.id, false));
    assert_eq!(counters(&store, f.ws).await.0, 3, "a replay used a number");
}

/// Forces the unique-violation path with two different requests: the loser
/// gets `IdempotencyMismatch`, not the winner's ticket.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn idempotency_race_with_another_request_is_a_mismatch() {
    let store = common::store().await;
    let f = Fixture::new(dyn_store(&store)).await;
    let seed = f.open("seed").await;
    let blocker = hold_counter_lock(&store, f.ws).await;
    let ws = f.ws;
    let tasks: Vec<_> = [0xa_u128, 0xb]
        .into_iter()
        .map(|fp| {
            let (s, c) = (
                store.clone(),
                keyed_create(&seed, "race", uuid::Uuid::from_u128(fp)),
            );
            tokio::spawn(async move { s.create_ticket(ws, c).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    blocker.commit().await.unwrap();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let won = results
        .iter()
        .filter(|r| matches!(r, Ok((_, true))))
        .count();
    let mismatched = results
        .iter()
        .filter(|r| matches!(r, Err(StoreError::IdempotencyMismatch { key }) if key == "race"))
        .count();
    assert_eq!((won, mismatched), (1, 1), "{results:?}");
    assert_eq!(counters(&store, f.ws).await.0, 2);

    // Many callers through the desk, two different requests under one key:
    // one ticket; callers of its request get it, the others a conflict.
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let f = f.clone();
            let mut input = OpenTicket::new(f.customer.clone(), format!("subject {}", i % 2), "b");
            input.idempotency_key = Some("<shared@mail.example>".into());
            tokio::spawn(async move { (i % 2, f.desk.open_ticket(f.ws, input).await) })
        })
        .collect();
    let mut ok: Vec<(usize, ticketry_core::TicketId)> = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            (i, Ok(t)) => ok.push((i, t.id)),
            (_, Err(e)) => assert_eq!(e.code(), "conflict", "{e}"),
        }
    }
    let ids: HashSet<_> = ok.iter().map(|(_, id)| *id).collect();
    let kinds: HashSet<_> = ok.iter().map(|(i, _)| *i).collect();
    assert_eq!(ids.len(), 1, "{ok:?}");
    assert_eq!(
        kinds.len(),
        1,
        "callers of the other request got the ticket"
    );
    assert_eq!(ok.len(), 4);
    assert_eq!(counters(&store, f.ws).await.0, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ticket_numbers_are_found_ignoring_ascii_case() {
    let store = common::store().await;
    let a = Fixture::new(dyn_store(&store)).await;
    let b = Fixture::in_desk(a.desk.clone(), a.clock.clone(), "globex").await;
    let ta = a.open("in A").await;
    let tb = b.open("in B").await;
    assert_eq!(ta.number, "TKT-2026-00001");
    assert_eq!(ta.number, tb.number);
    for n in ["TKT-2026-00001", "tkt-2026-00001", "Tkt-2026-00001"] {
        assert_eq!(
            a.desk.get_ticket_by_number(a.ws, n).await.unwrap().id,
            ta.id
        );
        // Scoped to the workspace: B's ticket of the same number.
        assert_eq!(
            b.desk.get_ticket_by_number(b.ws, n).await.unwrap().id,
            tb.id
        );
    }
    for n in ["TKT-2026-00002", "TKT-2026-00001 ", "TKT-2026-0001"] {
        let r = a.desk.get_ticket_by_number(a.ws, n).await;
        assert_eq!(r.unwrap_err().code(), "not_found");
    }

    // Numbers are unique per workspace regardless of case.
    let mut tx = store.begin(a.ws).await.unwrap();
    sqlx::query("UPDATE tickets SET number = 'TKT-2026-00002' WHERE workspace_id = $1")
        .bind(a.ws.as_uuid())
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut lower = keyed_create(&ta, "lower", uuid::Uuid::nil());
    lower.idempotency = None;
    lower.number_format = ticketry_core::NumberFormat("tkt-{year}-{seq:05}".into());
    let err = store.create_ticket(a.ws, lower).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::AlreadyExists { entity: "ticket", key } if key == "tkt-2026-00002"),
        "{err:?}"
    );

    // The lookup uses the index as the RLS-subject role, with a custom and
    // with a generic plan (lower() is not leakproof: it must not be applied
    // to the column).
    let sql =
        "SELECT doc FROM tickets WHERE workspace_id = $1 AND number_key = lower($2 COLLATE \"C\")";
    // (With two tickets every index costs the same: add enough of them.)
    let mut tx = store.begin(a.ws).await.unwrap();
    sqlx::query(
        "INSERT INTO tickets (workspace_id, ticket_id, seq, number, status, active, priority,
             rank_key, due_secs, sla_next_check, customer_id, assignee_id, team_id, category_id,
             tags, created_at, updated_at, version, doc)
         SELECT workspace_id, gen_random_uuid(), seq + g, number || '-' || g, status, active,
             priority, rank_key, due_secs, sla_next_check, customer_id, assignee_id, team_id,
             category_id, tags, created_at, updated_at, version, doc
         FROM tickets, generate_series(1, 2000) AS g WHERE workspace_id = $1",
    )
    .bind(a.ws.as_uuid())
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    sqlx::raw_sql(AssertSqlSafe(format!(
        "ANALYZE \"{}\".tickets",
        store.schema()
    )))
    .execute(store.pool())
    .await
    .unwrap();
    let mut tx = store.begin(a.ws).await.unwrap();
    sqlx::raw_sql("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
        .execute(&mut *tx)
        .await
        .unwrap();
    let custom: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!("EXPLAIN {sql}")))
        .bind(a.ws.as_uuid())
        .bind("tkt-2026-00002")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    sqlx::raw_sql(AssertSqlSafe(format!(
        "SET LOCAL plan_cache_mode = force_generic_plan; PREPARE by_number(uuid, text) AS {sql}"
    )))
    .execute(&mut *tx)
    .await
    .unwrap();
    let generic: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
        "EXPLAIN EXECUTE by_number('{}', 'tkt-2026-00002')",
        a.ws.as_uuid()
    )))
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    for plan in [custom, generic] {
        let plan = plan.join("\n");
        assert!(plan.contains("tickets_number_ci"), "{plan}");
        assert!(
            plan.lines()
                .any(|l| l.contains("Index Cond") && l.contains("number_key")),
            "{plan}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rls_enforced_tells_the_role_and_is_known_from_the_start() {
    let store = common::store().await;
    assert!(store.rls_enforced().await.unwrap());
    let bypass: bool = sqlx::query_scalar(
        "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    // As the login user (a superuser on the throwaway server).
    let plain = PgStore::from_pool(store.pool().clone(), store.schema()).unwrap();
    assert_eq!(plain.rls_enforced().await.unwrap(), !bypass);
    let with_role = plain.with_role(Some(common::APP_ROLE)).unwrap();
    assert!(with_role.rls_enforced().await.unwrap());

    // Computed when connecting: known even once the server is out of reach.
    for (role, expected) in [(Some(common::APP_ROLE), true), (None, !bypass)] {
        let options = ticketry_postgres::PgOptions {
            schema: store.schema().into(),
            role: role.map(Into::into),
            max_connections: 1,
            ..Default::default()
        };
        let connected = PgStore::connect(&common::database_url(), options)
            .await
            .unwrap();
        connected.close().await;
        assert_eq!(
            connected.rls_enforced().await.unwrap(),
            expected,
            "{role:?}"
        );
    }
}

/// A store of one connection on `schema` whose role does not exist.
async fn with_a_missing_role(schema: &str) -> PgStore {
    let options = PgOptions {
        schema: schema.into(),
        role: Some("ticketry_no_such_role".into()),
        max_connections: 1,
        ..Default::default()
    };
    PgStore::connect(&common::database_url(), options)
        .await
        .unwrap()
}

/// A transaction whose scope the server refuses (here a role that does not
/// exist) leaves its connection clean: the next call on it gets the same
/// error, not "current transaction is aborted" (25P02), which hid the cause.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_scope_leaves_its_connection_out_of_any_transaction() {
    let store = common::store().await;
    let missing = with_a_missing_role(store.schema()).await;
    let refused = |err: StoreError| {
        let err = err.to_string();
        assert!(
            err.contains("role \"ticketry_no_such_role\" does not exist"),
            "{err}"
        );
    };
    for _ in 0..3 {
        refused(missing.rls_enforced().await.unwrap_err());
        refused(missing.begin(WorkspaceId::generate()).await.unwrap_err());
        refused(missing.migrate().await.unwrap_err());
    }
    missing.close().await;
}

/// A TCP proxy to the test server that can stop passing bytes on, without
/// refusing or closing anything: a network partition.
struct Partition {
    url: String,
    frozen: Arc<std::sync::atomic::AtomicBool>,
}

impl Partition {
    /// `url` through a proxy, if its server is reached over TCP.
    fn of(url: &str) -> Option<Self> {
        use std::io::{Read, Write};
        use std::net::{TcpListener, TcpStream};
        use std::sync::atomic::Ordering;
        let (head, rest) = url.split_once('@')?;
        let (authority, path) = rest.split_once('/')?;
        if authority.is_empty() || path.contains("host=") {
            return None;
        }
        let target = match authority.contains(':') {
            true => authority.to_owned(),
            false => format!("{authority}:5432"),
        };
        let listener = TcpListener::bind("127.0.0.1:0").ok()?;
        let proxied = format!("{head}@{}/{path}", listener.local_addr().ok()?);
        let frozen = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let pump =
            |mut from: TcpStream, mut to: TcpStream, frozen: Arc<std::sync::atomic::AtomicBool>| {
                std::thread::spawn(move || {
                    let mut buf = [0; 8192];
                    while let Ok(n @ 1..) = from.read(&mut buf) {
                        while frozen.load(Ordering::SeqCst) {
                            std::thread::sleep(Duration::from_millis(10));
                        }
                        if to.write_all(&buf[..n]).is_err() {
                            return;
                        }
                    }
                });
            };
        let held = frozen.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(&target) else {
                    return;
                };
                let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
                    return;
                };
                pump(client, s2, held.clone());
                pump(server, c2, held.clone());
            }
        });
        Some(Self {
            url: proxied,
            frozen,
        })
    }

    fn freeze(&self, frozen: bool) {
        self.frozen
            .store(frozen, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A server that stops answering (a partition) fails calls after the
/// statement timeout and a margin, instead of leaving them waiting for as
/// long as TCP does: a write's outcome is unknown, a read is a storage
/// error, and calls work again once the network does.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn calls_to_a_silent_server_fail_instead_of_hanging() {
    let store = common::store().await;
    let Some(partition) = Partition::of(&common::database_url()) else {
        eprintln!("skipped: the test server is not reached over TCP");
        return;
    };
    let options = PgOptions {
        schema: store.schema().into(),
        statement_timeout: Some(Duration::from_secs(1)),
        max_connections: 2,
        ..Default::default()
    };
    let proxied = PgStore::connect(&partition.url, options).await.unwrap();
    let f = Fixture::new(dyn_store(&proxied)).await;
    let t = f.open("before the partition").await;
    partition.freeze(true);
    let reply = f
        .desk
        .reply(f.ws, t.id, &f.agent, MessageInput::text("into the void"))
        .await;
    assert_eq!(reply.map(drop).unwrap_err().code(), "outcome_unknown");
    let read = f.desk.list_tickets(f.ws, &TicketQuery::default()).await;
    assert_eq!(read.map(drop).unwrap_err().code(), "storage");
    partition.freeze(false);
    assert_eq!(f.desk.get_ticket(f.ws, t.id).await.unwrap().id, t.id);
    proxied.close().await;
}

/// Closing a temporary store drops its schema then, not only when the last
/// handle goes (a host's test that closes its help desk but keeps a
/// reference, or exits without collecting it, left the schema behind).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn closing_a_temporary_store_drops_its_schema() {
    let store = common::store().await;
    let temporary = PgStore::temporary(&common::database_url(), PgOptions::default())
        .await
        .unwrap();
    let schema = temporary.schema().to_owned();
    let count = || {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1",
        )
        .bind(&schema)
        .fetch_one(store.pool())
    };
    assert_eq!(count().await.unwrap(), 1);
    temporary.close().await;
    assert_eq!(count().await.unwrap(), 0);
    drop(temporary);
}

/// A migration for a role that does not exist stops before it creates
/// anything: it used to create the schema and every table, then fail at the
/// grants, leaving a half-set-up schema behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_migration_for_a_missing_role_creates_nothing() {
    let store = common::store().await;
    let schema = format!("ticketry_unmigrated_{}", std::process::id());
    let missing = with_a_missing_role(&schema).await;
    let err = missing.migrate().await.unwrap_err().to_string();
    assert!(
        err.contains("role \"ticketry_no_such_role\" does not exist: create it"),
        "{err}"
    );
    missing.close().await;
    let schemas: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1",
    )
    .bind(&schema)
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(schemas, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn server_errors_lose_their_source_line_and_are_bounded() {
    let store = common::store().await;
    let f = Fixture::new(dyn_store(&store)).await;
    let schema = store.schema();
    sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE FUNCTION \"{schema}\".long() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION 'long %', repeat('x', 5000); END $$;
         CREATE TRIGGER long BEFORE INSERT ON \"{schema}\".tags FOR EACH ROW
            WHEN (NEW.slug = 'long') EXECUTE FUNCTION \"{schema}\".long()"
    )))
    .execute(store.pool())
    .await
    .unwrap();
    let tag = |slug: &str| Tag {
        slug: slug.into(),
        name: "x".into(),
        color: None,
    };
    let err = f.desk.put_tag(f.ws, tag("long")).await.unwrap_err();
    assert_eq!(err.code(), "storage", "{err}");
    let ticketry_core::Error::Storage { message } = &err else {
        unreachable!()
    };
    assert!(
        message.starts_with("error returned from database: long xxx"),
        "{message}"
    );
    assert!(
        message.chars().count() <= ticketry_postgres::MAX_MESSAGE + 1,
        "{} characters",
        message.chars().count()
    );
    assert!(!message.contains(" at line "), "{message}");
    // What sqlx's Display gives for the same kind of error, for contrast.
    let raw = sqlx::query("SELECT 1/0")
        .execute(store.pool())
        .await
        .unwrap_err();
    assert!(raw.to_string().contains(" at line "), "{raw}");
}

/// A deferred trigger that runs at COMMIT on `event_consumers`: refuses the
/// row (`refused`) or kills its own session (`lost`).
async fn commit_time_triggers(store: &PgStore) {
    let schema = store.schema();
    sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE FUNCTION \"{schema}\".at_commit() RETURNS trigger LANGUAGE plpgsql
            SECURITY DEFINER AS $$ BEGIN
                IF NEW.consumer = 'refused' THEN
                    RAISE EXCEPTION 'refused at commit' USING ERRCODE = '40001';
                END IF;
                PERFORM pg_terminate_backend(pg_backend_pid());
                PERFORM pg_sleep(5);
                RETURN NULL;
            END $$;
         CREATE CONSTRAINT TRIGGER at_commit AFTER INSERT OR UPDATE ON \"{schema}\".event_consumers
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
            WHEN (NEW.consumer IN ('refused', 'lost')) EXECUTE FUNCTION \"{schema}\".at_commit()"
    )))
    .execute(store.pool())
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_commit_is_storage_and_a_lost_one_is_outcome_unknown() {
    let store = common::store().await;
    let f = Fixture::new(dyn_store(&store)).await;
    f.open("an event to acknowledge").await;
    commit_time_triggers(&store).await;
    // The server answers COMMIT with an error: definite, nothing written.
    let err = f.desk.ack_events(f.ws, "refused", 1).await.unwrap_err();
    assert_eq!(err.code(), "storage", "{err}");
    assert!(err.to_string().contains("refused at commit"), "{err}");
    assert_eq!(f.desk.consumer_position(f.ws, "refused").await.unwrap(), 0);
    // The session dies while COMMIT is in flight: the store cannot know.
    let err = f.desk.ack_events(f.ws, "lost", 1).await.unwrap_err();
    assert_eq!(err.code(), "outcome_unknown", "{err}");
    assert!(err.to_string().chars().count() < 400, "{err}");
    // The dead connection is not reused.
    assert_eq!(f.desk.consumer_position(f.ws, "lost").await.unwrap(), 0);
    f.desk.ack_events(f.ws, "fine", 1).await.unwrap();
    assert_eq!(f.desk.consumer_position(f.ws, "fine").await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn connections_kept_between_calls_go_back_to_the_pool_unused_or_at_close() {
    let store = common::store().await;
    let f = Fixture::new(dyn_store(&store)).await;
    f.open("its connection is kept").await;
    // Unused for a second, every kept connection is idle in the pool again.
    let mut back = false;
    for _ in 0..200 {
        if store.pool().num_idle() == store.pool().size() as usize {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(back, "kept connections never went back to the pool");
    // Calls take them again; closing the store gives back the kept ones
    // at once and closes the pool.
    f.open("kept again").await;
    store.close().await;
    assert!(store.pool().is_closed());
    assert_eq!(store.pool().size(), 0);
    let err = f.open_err("closed").await;
    assert_eq!(err.code(), "storage", "{err}");
}

/// Ends the session of every connection of `store` (`pg_terminate_backend`,
/// as a fast shutdown does) and waits until the server has let them go.
async fn end_sessions(admin: &mut sqlx::PgConnection, store: &PgStore) {
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
    )
    .bind(store.schema())
    .execute(&mut *admin)
    .await
    .unwrap();
    let alive = "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1";
    while sqlx::query_scalar::<_, i64>(alive)
        .bind(store.schema())
        .fetch_one(&mut *admin)
        .await
        .unwrap()
        > 0
    {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[test]
fn a_store_dropped_outside_a_runtime_closes_its_kept_connections() {
    // A host drops the store on a thread outside any runtime (Python at
    // exit, a Node finalizer): the connections it kept are closed there,
    // without the task that giving them back to the pool would need.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (store, f) = runtime.block_on(async {
        let store = common::store().await;
        let f = Fixture::new(dyn_store(&store)).await;
        f.open("its connection is kept").await;
        (store, f)
    });
    drop(f);
    drop(store);
    drop(runtime);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn more_callers_than_connections_all_get_one_while_the_store_keeps_them() {
    // Two connections, eight callers: the six waiting in the pool must get
    // connections back from the calls that end, not only the callers that
    // come later (which would take the kept ones first, and the waiting
    // ones would time out).
    common::ensure_app_role().await;
    let options = PgOptions {
        max_connections: 2,
        acquire_timeout: Duration::from_secs(3),
        ..common::options()
    };
    let store = PgStore::temporary(&common::database_url(), options)
        .await
        .unwrap();
    let f = Arc::new(Fixture::new(dyn_store(&store)).await);
    let callers: Vec<_> = (0..8)
        .map(|i| {
            let f = f.clone();
            tokio::spawn(async move {
                let mut seqs = Vec::new();
                for j in 0..40 {
                    let t = f.open(&format!("caller {i}, call {j}")).await;
                    f.desk.get_ticket(f.ws, t.id).await.unwrap();
                    seqs.push(t.seq);
                }
                seqs
            })
        })
        .collect();
    let mut seqs = HashSet::new();
    for c in callers {
        seqs.extend(c.await.unwrap());
    }
    assert_eq!(seqs, (1..=320).collect::<HashSet<u64>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_write_on_a_session_the_server_just_ended_is_sent_again_once() {
    // A connection used a moment ago: a write takes it without a ping and
    // sends its whole transaction in one message. The server ended the
    // session meanwhile (`pg_terminate_backend`, as a fast shutdown does):
    // the answer starts with its FATAL, nothing ran, and the write goes
    // again on a new connection, once. With one connection at most, the
    // pool holds it between calls (a pool at its limit gets its connection
    // back); with two, the store keeps it (`kept.rs`).
    common::ensure_app_role().await;
    let mut admin = sqlx::PgConnection::connect(&common::database_url())
        .await
        .unwrap();
    for max_connections in [1, 2] {
        let options = PgOptions {
            max_connections,
            ..common::options()
        };
        let store = PgStore::temporary(&common::database_url(), options)
            .await
            .unwrap();
        let f = Fixture::new(dyn_store(&store)).await;
        for round in 1..=3_u64 {
            let t = f.open("before the session ends").await;
            assert_eq!(t.seq, 2 * round - 1);
            end_sessions(&mut admin, &store).await;
            let t = f.open("after the session ended").await;
            assert_eq!(t.seq, 2 * round, "one ticket per write");
        }
        let listed = f.desk.list_tickets(f.ws, &Default::default()).await;
        assert_eq!(listed.unwrap().items.len(), 6);
    }
    admin.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dead_pooled_connections_are_replaced_before_a_transaction_starts() {
    let store = common::store().await;
    let f = Fixture::new(dyn_store(&store)).await;
    let max = common::options().max_connections as usize;
    // Fill the pool: `max` transactions open at once, then all idle.
    let mut open = Vec::new();
    for _ in 0..max {
        open.push(store.begin(f.ws).await.unwrap());
    }
    drop(open);
    let mut admin = sqlx::PgConnection::connect(&common::database_url())
        .await
        .unwrap();
    let count = "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1";
    for _ in 0..100 {
        let idle: i64 = sqlx::query_scalar(AssertSqlSafe(format!("{count} AND state = 'idle'")))
            .bind(store.schema())
            .fetch_one(&mut admin)
            .await
            .unwrap();
        if idle as usize == max {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(store.pool().num_idle(), max);
    // Kill every one of them, as a server restart would.
    end_sessions(&mut admin, &store).await;
    // The very next call works, reads and writes alike.
    f.desk.get_workspace(f.ws).await.unwrap();
    let t = f.open("after the restart").await;
    assert_eq!(t.seq, 1);
    admin.close().await.ok();
}

/// The store's own reads and writes run under row-level security, as the
/// store's role with the workspace set, however their transactions are
/// begun (a guard for any change that folds the settings into fewer round
/// trips). A restrictive policy that hides the current workspace's rows
/// only when both are in force makes every read come back empty (as a
/// superuser, or without the setting, the rows would show).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn store_reads_and_writes_run_under_row_level_security() {
    let store = common::store().await;
    let f = Fixture::new(dyn_store(&store)).await;
    let t = f.open("visible until the probe").await;
    assert!(f.desk.get_ticket(f.ws, t.id).await.is_ok());
    let schema = store.schema();
    let mut admin = sqlx::PgConnection::connect(&common::database_url())
        .await
        .unwrap();
    sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE POLICY probe ON \"{schema}\".tickets AS RESTRICTIVE
            USING (current_user <> '{role}'
                OR current_setting('ticketry.workspace_id', true) <> '{ws}')",
        role = common::APP_ROLE,
        ws = f.ws.as_uuid(),
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    assert_eq!(store.get_ticket(f.ws, t.id).await.unwrap(), None);
    assert_eq!(
        store.get_ticket_by_number(f.ws, &t.number).await.unwrap(),
        None
    );
    let page = f
        .desk
        .list_tickets(f.ws, &TicketQuery::default())
        .await
        .unwrap();
    assert!(page.items.is_empty());
    assert!(store.count_by_status(f.ws).await.unwrap().is_empty());
    // A write scoped the same way cannot see the ticket either: it is
    // refused as not found, and nothing is written.
    let (_, events_before) = counters(&store, f.ws).await;
    let mut ticket = t.clone();
    ticket.version += 1;
    let err = store
        .update_ticket(
            f.ws,
            TicketWrite {
                catalog_version: None,
                active_agent: None,
                capacity: None,
                tags_before: None,
                ticket,
                expected_version: t.version,
                messages: vec![],
                assignments: vec![],
                events: vec![],
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert_eq!(counters(&store, f.ws).await.1, events_before);
    sqlx::raw_sql(AssertSqlSafe(format!(
        "DROP POLICY probe ON \"{schema}\".tickets"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    assert_eq!(
        store.get_ticket(f.ws, t.id).await.unwrap().unwrap().id,
        t.id
    );
    admin.close().await.ok();
}

/// A deferred trigger on `tickets` that runs when a ticket write commits: refuses the row (`refused` in the subject) or kills its own
/// session (`lost`).
async fn ticket_commit_triggers(store: &PgStore) {
    let schema = store.schema();
    sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE FUNCTION \"{schema}\".ticket_at_commit() RETURNS trigger LANGUAGE plpgsql
            SECURITY DEFINER AS $$ BEGIN
                IF NEW.doc->>'subject' = 'refused' THEN
                    RAISE EXCEPTION 'refused at commit' USING ERRCODE = '40001';
                END IF;
                PERFORM pg_terminate_backend(pg_backend_pid());
                PERFORM pg_sleep(5);
                RETURN NULL;
            END $$;
         CREATE CONSTRAINT TRIGGER ticket_at_commit AFTER INSERT ON \"{schema}\".tickets
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
            WHEN (NEW.doc->>'subject' IN ('refused', 'lost'))
            EXECUTE FUNCTION \"{schema}\".ticket_at_commit()"
    )))
    .execute(store.pool())
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_ticket_write_refused_at_commit_is_storage_and_a_lost_one_outcome_unknown() {
    let store = common::store().await;
    let f = Fixture::new(dyn_store(&store)).await;
    f.open("first").await;
    ticket_commit_triggers(&store).await;
    let before = counters(&store, f.ws).await;
    let err = f.open_err("refused").await;
    assert_eq!(err.code(), "storage", "{err}");
    assert!(err.to_string().contains("refused at commit"), "{err}");
    // Nothing written, the counter included.
    assert_eq!(counters(&store, f.ws).await, before);
    let err = f.open_err("lost").await;
    assert_eq!(err.code(), "outcome_unknown", "{err}");
    let t = f.open("after").await;
    assert_eq!(t.seq, 2);

    // A change computed from the kept copy of `t` whose commit is lost (the
    // first time only) is `outcome_unknown` too: never made again from a
    // fresh read, which would succeed here.
    let schema = store.schema();
    sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE SEQUENCE \"{schema}\".lost_updates;
         GRANT USAGE ON SEQUENCE \"{schema}\".lost_updates TO PUBLIC;
         CREATE FUNCTION \"{schema}\".lose_first_update() RETURNS trigger LANGUAGE plpgsql
            SECURITY DEFINER AS $$ BEGIN
                IF nextval('\"{schema}\".lost_updates') = 1 THEN
                    PERFORM pg_terminate_backend(pg_backend_pid());
                    PERFORM pg_sleep(5);
                END IF;
                RETURN NULL;
            END $$;
         CREATE CONSTRAINT TRIGGER lose_first_update AFTER UPDATE ON \"{schema}\".tickets
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
            WHEN (NEW.doc->>'subject' = 'renamed')
            EXECUTE FUNCTION \"{schema}\".lose_first_update()"
    )))
    .execute(store.pool())
    .await
    .unwrap();
    assert!(store.remembered_ticket(f.ws, t.id).is_some());
    let rename = || ticketry_core::TicketUpdate {
        subject: Some("renamed".into()),
        ..Default::default()
    };
    let agent = Actor::Agent(f.agent.clone());
    let err = f
        .desk
        .update_ticket(f.ws, t.id, rename(), agent.clone())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "outcome_unknown", "{err}");
    let stored = store.get_ticket(f.ws, t.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.subject.as_str(), stored.version),
        ("after", t.version)
    );
    let renamed = f
        .desk
        .update_ticket(f.ws, t.id, rename(), agent)
        .await
        .unwrap();
    assert_eq!(renamed.version, t.version + 1);
}

/// A second store on `store`'s schema, as another process would have.
async fn another_process(store: &PgStore) -> PgStore {
    PgStore::connect(
        &common::database_url(),
        ticketry_postgres::PgOptions {
            schema: store.schema().into(),
            ..common::options()
        },
    )
    .await
    .unwrap()
}

/// Another process (here: another store on the same schema) changes the
/// catalog this store has cached: the next create and the next update notice
/// it inside their write, nothing stale is written, and the service
/// recomputes with the fresh catalog.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_catalog_changed_by_another_process_is_used_by_the_next_write() {
    use ticketry_core::sla::{PolicyTarget, SlaPolicy};
    use ticketry_core::{Helpdesk, NumberFormat, PolicyId, SettingsPatch};
    let store = common::store().await;
    let a = Fixture::new(dyn_store(&store)).await;
    let first = a.open("caches the catalog").await;
    assert!(first.sla.policy.is_none());

    let other = another_process(&store).await;
    let b = Helpdesk::with_clock(dyn_store(&other), a.clock.clone());
    b.update_workspace(
        a.ws,
        None,
        Some(SettingsPatch {
            number_format: Some(NumberFormat("HD-{seq}".into())),
            ..SettingsPatch::default()
        }),
    )
    .await
    .unwrap();
    let mut policy = SlaPolicy::new(PolicyId::generate(), "Everyone");
    policy.targets = ["low", "medium", "high", "urgent"]
        .map(|p| PolicyTarget {
            priority: p.into(),
            first_response: Some(chrono::TimeDelta::hours(1)),
            next_response: None,
            resolution: None,
        })
        .into();
    let policy = b.set_sla_policies(a.ws, vec![policy]).await.unwrap()[0].id;

    // A create: numbered in the new format, under the new policy.
    let second = a.open("after the change").await;
    assert_eq!(second.number, "HD-2");
    assert_eq!(second.sla.policy, Some(policy));
    // An update of a ticket made before: picks the new policy up.
    let changed = a
        .desk
        .set_priority(a.ws, first.id, "high", Actor::Agent(a.agent.clone()))
        .await
        .unwrap();
    assert_eq!(changed.sla.policy, Some(policy));
    // Nothing was written twice: one event per change, numbers gap-free.
    let (tickets, _) = counters(&store, a.ws).await;
    assert_eq!(tickets, 2);
}

/// A change starts from the copy of the ticket this store last wrote, and
/// that copy is exactly what a read returns; when another process moved the
/// ticket since, the change is decided again on what it wrote, also when the
/// stale copy would have called it a no-op.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_ticket_changed_by_another_process_is_read_again() {
    use ticketry_core::{Helpdesk, Status};
    let store = common::store().await;
    let a = Fixture::new(dyn_store(&store)).await;
    let agent = Actor::Agent(a.agent.clone());
    let t = a.open("remembered").await;
    // Kept by the create, number and seq included.
    let created = store.get_ticket(a.ws, t.id).await.unwrap();
    assert_eq!(store.remembered_ticket(a.ws, t.id), created);
    let reply = MessageInput::text("On it.");
    a.desk.reply(a.ws, t.id, &a.agent, reply).await.unwrap();
    let kept = store
        .remembered_ticket(a.ws, t.id)
        .expect("kept after its write");
    assert_eq!(
        Some(&kept),
        store.get_ticket(a.ws, t.id).await.unwrap().as_ref()
    );
    assert_eq!((kept.status, kept.version), (Status::Open, 2));

    let other = another_process(&store).await;
    let b = Helpdesk::with_clock(dyn_store(&other), a.clock.clone());
    b.set_status(a.ws, t.id, Status::Pending, agent.clone())
        .await
        .unwrap();

    // Open on the kept copy changes nothing; on the stored ticket it does.
    let reopened = a
        .desk
        .set_status(a.ws, t.id, Status::Open, agent.clone())
        .await
        .unwrap();
    assert_eq!((reopened.status, reopened.version), (Status::Open, 4));
    // That read showed another writer: the ticket is shared, its copy not
    // offered until a read finds it current.
    assert_eq!(store.remembered_ticket(a.ws, t.id), None);
    store.get_ticket(a.ws, t.id).await.unwrap();
    assert_eq!(store.remembered_ticket(a.ws, t.id), Some(reopened));
    b.set_priority(a.ws, t.id, "high", agent.clone())
        .await
        .unwrap();
    // A write from the stale copy finds the ticket moved: shared again.
    let stale = store.remembered_ticket(a.ws, t.id).unwrap();
    assert_eq!(stale.version, 4);
    let write = retitle(&stale, &stale.subject);
    let moved = store.update_ticket(a.ws, write).await;
    assert!(
        matches!(moved, Err(StoreError::VersionConflict { .. })),
        "{moved:?}"
    );
    assert_eq!(store.remembered_ticket(a.ws, t.id), None);
    b.set_priority(a.ws, t.id, "low", agent.clone())
        .await
        .unwrap();
    // Shared: the change reads the ticket first.
    let noted = a
        .desk
        .add_note(a.ws, t.id, &a.agent, MessageInput::text("checked"))
        .await
        .unwrap();
    assert_eq!(noted.ticket_id, t.id);
    assert_eq!(store.remembered_ticket(a.ws, t.id), None);
    // A read finding the ticket as this store wrote it ends the sharing.
    let stored = store.get_ticket(a.ws, t.id).await.unwrap().unwrap();
    assert_eq!((stored.priority.as_str(), stored.version), ("low", 7));
    assert_eq!(stored.status, Status::Open);
    assert_eq!(store.remembered_ticket(a.ws, t.id), Some(stored));
    assert_counters_match(&store, &a, 1).await;
}

/// Rows written by version 3 (documents without the fields version 4 added,
/// a template with one `category`) read back under version 4 with the
/// documented defaults, after the migration's rewrite.
#[tokio::test]
async fn documents_of_version_3_read_back_under_version_4() {
    let store = common::store().await;
    let f = Fixture::new(dyn_store(&store)).await;
    let d = &f.desk;
    let cat = f.category("Billing", None).await;
    let scoped = TemplateInput {
        name: "Scoped".into(),
        body: "b".into(),
        categories: vec![cat.id],
        ..Default::default()
    };
    let scoped = d.create_template(f.ws, scoped).await.unwrap();
    let open = TemplateInput {
        name: "Everywhere".into(),
        body: "b".into(),
        ..Default::default()
    };
    let open = d.create_template(f.ws, open).await.unwrap();
    let t = f.open("old").await;
    // Turn the rows into what version 3 wrote (as the login user: no RLS).
    let mut conn = sqlx::PgConnection::connect(&common::database_url())
        .await
        .unwrap();
    let schema = store.schema();
    sqlx::raw_sql(AssertSqlSafe(format!(
        r#"SET search_path TO "{schema}";
        UPDATE templates SET doc = (doc - 'categories' - 'subject' - 'created_by')
            || jsonb_build_object('category', doc->'categories'->0);
        UPDATE priorities SET doc = doc - 'description' - 'active';
        UPDATE teams SET doc = doc - 'email' - 'active';
        UPDATE tickets SET doc = doc - 'source_email' - 'source_phone';
        UPDATE messages SET doc = doc - 'sender';"#
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    // The migration's rewrite, as `migrate()` runs it on a version-3 schema.
    sqlx::raw_sql(AssertSqlSafe(format!(
        "SET search_path TO \"{schema}\"; {}",
        include_str!("../migrations/0004_seed_fidelity.sql")
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    // A fresh store: nothing from the first one's catalog cache.
    let fresh = PgStore::from_pool(store.pool().clone(), schema)
        .unwrap()
        .with_role(Some(common::APP_ROLE))
        .unwrap();
    let desk = ticketry_core::Helpdesk::with_clock(Arc::new(fresh), f.clock.clone());
    assert_eq!(
        desk.get_template(f.ws, scoped.id).await.unwrap().categories,
        [cat.id]
    );
    assert!(
        desk.get_template(f.ws, open.id)
            .await
            .unwrap()
            .categories
            .is_empty()
    );
    let names: Vec<_> = desk
        .list_templates(f.ws, Some(cat.id))
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["Everywhere", "Scoped"]);
    let priorities = desk.list_priorities(f.ws).await.unwrap();
    assert!(
        priorities
            .iter()
            .all(|p| p.active && p.description.is_none())
    );
    let team = desk.get_team(f.ws, f.team).await.unwrap();
    assert!(team.active && team.email.is_none());
    let read = desk.get_ticket(f.ws, t.id).await.unwrap();
    assert_eq!((read.source_email, read.source_phone), (None, None));
    let thread = desk.thread(f.ws, t.id, View::Agent).await.unwrap();
    assert_eq!(thread.messages[0].sender, None);
}

/// `{token}` rendered inside the create statement equals the core's
/// rendering also past the code space, where the round is appended.
#[tokio::test]
async fn token_numbers_past_the_code_space_match_the_core() {
    let store = common::store().await;
    let f = Fixture::new(dyn_store(&store)).await;
    let format = ticketry_core::NumberFormat("TKT-{token}".into());
    let patch = ticketry_core::SettingsPatch {
        number_format: Some(format.clone()),
        ..Default::default()
    };
    f.desk
        .update_workspace(f.ws, None, Some(patch))
        .await
        .unwrap();
    let last = ticketry_core::NumberPiece::TOKENS as i64 - 1;
    let mut conn = sqlx::PgConnection::connect(&common::database_url())
        .await
        .unwrap();
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE \"{}\".workspace_counters SET last_ticket = $1 WHERE workspace_id = $2",
        store.schema()
    )))
    .bind(last)
    .bind(f.ws.as_uuid())
    .execute(&mut conn)
    .await
    .unwrap();
    for _ in 0..3 {
        let t = f.open("far along").await;
        assert_eq!(t.number, format.render(t.seq, 2026, f.ws));
    }
    let t = f.open("one more").await;
    assert_eq!(t.seq, ticketry_core::NumberPiece::TOKENS + 3);
    assert!(
        t.number.ends_with("03") || t.number.len() == 11,
        "{}",
        t.number
    );
    assert_eq!(&t.number[10..], "1");
}

/// Rows written before their search columns existed (customers before
/// migration 11, tickets before migration 8) are listed in `search_backlog`
/// and indexed by the next `migrate()`, which empties it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn migrate_indexes_rows_written_before_their_search_columns() {
    use ticketry_core::{MessageInput, TicketOrder, TicketQuery};
    let store = common::store().await;
    let f = Fixture::new(dyn_store(&store)).await;
    let t = f.open("Printer on fire").await;
    f.desk
        .reply(
            f.ws,
            t.id,
            &f.agent,
            MessageInput::text("Extinguisher sent"),
        )
        .await
        .unwrap();
    let schema = store.schema().to_owned();
    // As an older version left them: no terms, listed by migration 11.
    sqlx::raw_sql(AssertSqlSafe(format!(
        "SET search_path TO \"{schema}\";
         UPDATE customers SET search = '';
         UPDATE tickets SET search_head = '', search_public = '', search_notes = '';
         UPDATE ticket_terms SET terms = '';
         UPDATE customer_terms SET terms = '';
         INSERT INTO search_backlog SELECT workspace_id, 'customer', customer_id FROM customers;
         INSERT INTO search_backlog SELECT workspace_id, 'ticket', ticket_id::text FROM tickets;
         INSERT INTO search_backlog VALUES (gen_random_uuid(), 'ticket', gen_random_uuid()::text);"
    )))
    .execute(store.pool())
    .await
    .unwrap();
    let found = |search: &'static str| {
        let f = f.clone();
        async move {
            let q = TicketQuery {
                search: Some(search.into()),
                order: TicketOrder::Oldest,
                ..TicketQuery::default()
            };
            f.desk.list_tickets(f.ws, &q).await.unwrap().items.len()
        }
    };
    assert_eq!(
        (
            found("printer").await,
            found("extinguisher").await,
            found("carol").await
        ),
        (0, 0, 0)
    );
    store.migrate().await.unwrap();
    assert_eq!(
        (
            found("printer").await,
            found("extinguisher").await,
            found("carol").await
        ),
        (1, 1, 1)
    );
    let left: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT count(*) FROM \"{schema}\".search_backlog"
    )))
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(left, 0);
}

/// Polls `done` (every 20 ms, for at most 60 s) until it holds.
async fn eventually<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..3000 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("still waiting for {what}");
}

/// Public search terms live in `ticket_terms` (migration 0016), written
/// with a created or imported ticket and kept by every write that changes
/// them, each term scoped to its workspace (migration 0019), and
/// `ticket_search`, which reads that table as its owner, answers only for
/// the transaction's workspace and reads only its index entries.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn search_terms_follow_writes_and_stay_in_their_workspace() {
    use ticketry_core::{Status, TicketUpdate};
    let store = common::store().await;
    let a = Fixture::new(dyn_store(&store)).await;
    let b = Fixture::in_desk(a.desk.clone(), a.clock.clone(), "globex").await;
    let t = a.open("printer on fire").await;
    let other = b.open("printer on fire").await;
    let agent = a.agent_actor();
    // How many tickets there are, and how many rows equal their ticket's
    // public terms (the login user is a superuser on the throwaway server,
    // so it sees every workspace).
    let schema = store.schema().to_owned();
    let rows_as_terms = || async {
        let counts: (i64, i64) = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT count(*), count(*) FILTER (WHERE x.terms
                 = \"{schema}\".scoped_terms(workspace_id, t.search_head || t.search_public))
             FROM \"{schema}\".tickets t
             LEFT JOIN \"{schema}\".ticket_terms x USING (workspace_id, ticket_id)"
        )))
        .fetch_one(store.pool())
        .await
        .unwrap();
        counts
    };
    // Replies grow the row by their own terms only: still the same row.
    for text in ["toner everywhere", "toner again, on fire"] {
        a.desk
            .reply(a.ws, t.id, &a.agent, MessageInput::text(text))
            .await
            .unwrap();
    }
    assert_eq!(rows_as_terms().await, (2, 2));
    a.desk
        .add_note(a.ws, t.id, &a.agent, MessageInput::text("secret cellar"))
        .await
        .unwrap();
    a.desk
        .set_status(a.ws, t.id, Status::Pending, agent.clone())
        .await
        .unwrap();
    let update = TicketUpdate {
        subject: Some("scanner jammed".into()),
        ..TicketUpdate::default()
    };
    a.desk
        .update_ticket(a.ws, t.id, update, agent)
        .await
        .unwrap();
    let record = ticketry_core::testing::import_record(&a, "fax beeps", 0);
    let imported = a.desk.import_tickets(a.ws, vec![record]).await.unwrap();
    assert_eq!(rows_as_terms().await, (3, 3));
    let page = |text: &str, notes: bool, limit: u32| {
        let query = TicketQuery {
            search: Some(text.into()),
            search_notes: notes,
            limit,
            ..TicketQuery::default()
        };
        let desk = a.desk.clone();
        let ws = a.ws;
        async move { desk.list_tickets(ws, &query).await.unwrap() }
    };
    let search = |text: &str, notes: bool| {
        let found = page(text, notes, TicketQuery::default().limit);
        async move { found.await.items.iter().map(|t| t.id).collect::<Vec<_>>() }
    };
    assert_eq!(search("toner", false).await, vec![t.id]);
    assert_eq!(search("scanner toner", false).await, vec![t.id]);
    assert_eq!(search("printer", false).await, vec![], "the old subject");
    assert_eq!(search("secret", false).await, vec![], "a note, publicly");
    assert_eq!(search("secret", true).await, vec![t.id]);
    assert_eq!(search("beeps", false).await, vec![imported[0].id]);
    let s = format!("\"{schema}\"");
    // A row that says more than its ticket (read in another snapshot, or
    // written by hand) finds nothing: the page query rechecks the ticket.
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE {s}.ticket_terms SET terms = terms || {s}.scoped_terms(workspace_id, 'ghost')
         WHERE ticket_id = $1"
    )))
    .bind(t.id.as_uuid())
    .execute(store.pool())
    .await
    .unwrap();
    assert_eq!(search("ghost", false).await, vec![]);
    // Every stored term carries its workspace's scope, so a query's index
    // keys match no other workspace's rows: `printer`, now only in `b`,
    // is no key of `a` (a search there reads none of `b`'s entries).
    let (unscoped, printer_a, printer_b): (i64, i64, i64) = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT (SELECT count(*) FROM {s}.ticket_terms, unnest(terms) u
                 WHERE NOT starts_with(u.lexeme, {s}.terms_scope(workspace_id))),
             (SELECT count(*) FROM {s}.ticket_terms WHERE terms @@ {s}.scoped_query($1, 'printer')),
             (SELECT count(*) FROM {s}.ticket_terms WHERE terms @@ {s}.scoped_query($2, 'printer'))"
    )))
    .bind(a.ws.as_uuid())
    .bind(b.ws.as_uuid())
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!((unscoped, printer_a, printer_b), (0, 0, 1));
    // Scoped through `replace` (terms of letters and digits) or, for any
    // other term (a quote inside, a trailing space), a regular expression:
    // the same text either way. Terms too many to scope within a
    // tsvector's 1 MB become the scope's catch-all term, which every search
    // of the workspace matches: the page query's recheck keeps the ticket
    // exactly where it matches.
    let (scope, plain, odd, huge_is_catch_all): (String, String, String, bool) =
        sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {s}.terms_scope($1),
                 {s}.scoped_terms($1, $$'card':1A,3 'declin':2$$)::text,
                 {s}.scoped_terms($1, $$'it''s':1 'x ':2 'y z':3$$)::text,
                 {s}.scoped_terms($1, array_to_tsvector(ARRAY(
                     SELECT 'w' || g FROM generate_series(1, 90000) g)))
                 = array_to_tsvector(ARRAY[{s}.terms_scope($1) || '!'])"
        )))
        .bind(a.ws.as_uuid())
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(plain, format!("'{scope}card':1A,3 '{scope}declin':2"));
    assert_eq!(
        odd,
        format!("'{scope}it''s':1 '{scope}x ':2 '{scope}y z':3")
    );
    assert!(huge_is_catch_all);
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE {s}.ticket_terms SET terms = array_to_tsvector(ARRAY[{s}.terms_scope(workspace_id) || '!'])
         WHERE ticket_id = $1"
    )))
    .bind(imported[0].id.as_uuid())
    .execute(store.pool())
    .await
    .unwrap();
    assert_eq!(search("beeps", false).await, vec![imported[0].id]);
    assert_eq!(search("toner", false).await, vec![t.id]);
    // A missing row (a ticket a host copied in) is written by the next
    // write that adds public terms.
    sqlx::query(AssertSqlSafe(format!(
        "DELETE FROM {s}.ticket_terms WHERE ticket_id = $1"
    )))
    .bind(imported[0].id.as_uuid())
    .execute(store.pool())
    .await
    .unwrap();
    a.desk
        .reply(
            a.ws,
            imported[0].id,
            &a.agent,
            MessageInput::text("modem hums"),
        )
        .await
        .unwrap();
    assert_eq!(search("modem beeps", false).await, vec![imported[0].id]);
    // Over 1 000 matches (the most passed on as ids: 1 001 here), the page query reads
    // the workspace's tickets in its own order: the same answer.
    let mut many = Vec::new();
    for i in 0..1_001 {
        many.push(a.open(&format!("common {i}")).await);
    }
    let mut want: Vec<_> = many.iter().map(|t| (t.seq, t.id)).collect();
    want.sort_unstable_by(|x, y| y.cmp(x));
    let found = page("common", false, 5).await;
    let got: Vec<_> = found.items.iter().map(|t| (t.seq, t.id)).collect();
    assert_eq!(got, want[..5]);
    assert!(found.next_cursor.is_some());
    assert_eq!(page("common 999", false, 5).await.items.len(), 1);
    // The function, as the RLS-subject role: the scoped workspace's ids only.
    for (ws, toner, printer) in [
        (a.ws, vec![t.id.as_uuid()], vec![]),
        (b.ws, vec![], vec![other.id.as_uuid()]),
    ] {
        let mut tx = store.begin(ws).await.unwrap();
        for (term, want) in [("'toner'", toner), ("'printer'", printer)] {
            let found: Vec<uuid::Uuid> = sqlx::query_scalar(
                "SELECT ARRAY(SELECT ticket_search($1::tsquery, 10) ORDER BY 1)",
            )
            .bind(term)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
            assert_eq!(found, want, "{term}");
        }
    }
}

/// An incident's tickets are found through `tickets_incident` by a role
/// under row-level security: the link's id is a plain uuid column
/// (migration 0018), kept equal to the document's by every ticket write.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_incidents_tickets_are_found_through_its_index() {
    use ticketry_core::incident::{NewIncident, Severity};
    let store = common::store().await;
    let f = Fixture::new(dyn_store(&store)).await;
    // Enough tickets that reading the workspace costs more than the index.
    let records = (0..300)
        .map(|i| ticketry_core::testing::import_record(&f, &format!("old {i}"), 0))
        .collect();
    f.desk.import_tickets(f.ws, records).await.unwrap();
    let payments = f.category("Payments", None).await;
    let incident = f
        .desk
        .declare_incident(
            f.ws,
            NewIncident {
                title: "Payments down".into(),
                message: None,
                severity: Some(Severity::Critical),
                categories: vec![payments.id],
                pause_sla: None,
            },
            f.agent_actor(),
        )
        .await
        .unwrap();
    let mut input = OpenTicket::new(f.customer.clone(), "card refused", "x");
    input.category = Some(payments.id);
    let linked = f.desk.open_ticket(f.ws, input).await.unwrap();
    let by_hand = f.open("checkout spins").await;
    f.desk
        .link_incident(f.ws, by_hand.id, incident.id, f.agent_actor())
        .await
        .unwrap();
    f.open("unrelated").await;
    let query = TicketQuery {
        incident: Some(incident.id),
        ..TicketQuery::default()
    };
    let page = f.desk.list_tickets(f.ws, &query).await.unwrap();
    let mut ids: Vec<_> = page.items.iter().map(|t| t.id).collect();
    ids.sort_unstable();
    let mut want = vec![linked.id, by_hand.id];
    want.sort_unstable();
    assert_eq!(ids, want);
    let plan = store.explain_list_tickets(f.ws, &query).await.unwrap();
    assert!(
        plan.iter().any(|l| l.contains("tickets_incident")),
        "{plan:#?}"
    );
    let schema = store.schema().to_owned();
    let (tickets, equal): (i64, i64) = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT count(*), count(*) FILTER (WHERE incident_id IS NOT DISTINCT FROM
             (doc->'incident'->>'id')::uuid)
         FROM \"{schema}\".tickets WHERE workspace_id = $1"
    )))
    .bind(f.ws.as_uuid())
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!((tickets, equal), (303, 303));
}

/// A tag's tickets are found through the key of `ticket_tags` by a role
/// under row-level security (migration 0020), whose rows follow every
/// write of a ticket's tags: create, import, update (added and dropped),
/// and stay when a change leaves the tags alone.
/// A tag on over 1 000 tickets is checked on the tickets the page walks.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_tags_tickets_are_found_through_its_rows() {
    use ticketry_core::TicketUpdate;
    let store = common::store().await;
    let f = Fixture::new(dyn_store(&store)).await;
    // A tag on more tickets than the page query takes as ids.
    let records = (0..1_001)
        .map(|i| {
            let mut r = ticketry_core::testing::import_record(&f, &format!("old {i}"), 0);
            r.tags = vec!["old".into()];
            if i % 100 == 0 {
                r.tags.push("legacy".into());
            }
            r
        })
        .collect();
    let imported = f.desk.import_tickets(f.ws, records).await.unwrap();
    let mut input = OpenTicket::new(f.customer.clone(), "card refused", "x");
    input.tags = vec!["vip".into(), "billing".into()];
    let t = f.desk.open_ticket(f.ws, input).await.unwrap();
    let update = TicketUpdate {
        add_tags: vec!["urgent".into()],
        remove_tags: vec!["billing".into()],
        ..TicketUpdate::default()
    };
    f.desk
        .update_ticket(f.ws, t.id, update, f.agent_actor())
        .await
        .unwrap();
    // A change that leaves the tags alone leaves their rows alone.
    f.desk
        .reply(f.ws, t.id, &f.agent, MessageInput::text("on it"))
        .await
        .unwrap();
    let tagged = |tag: &str| {
        let query = TicketQuery {
            tag: Some(tag.into()),
            ..TicketQuery::default()
        };
        let desk = f.desk.clone();
        let ws = f.ws;
        async move {
            let mut ids: Vec<_> = desk
                .list_tickets(ws, &query)
                .await
                .unwrap()
                .items
                .iter()
                .map(|t| t.id)
                .collect();
            ids.sort_unstable();
            ids
        }
    };
    assert_eq!(tagged("vip").await, vec![t.id]);
    assert_eq!(tagged("urgent").await, vec![t.id]);
    assert_eq!(tagged("billing").await, vec![]);
    let mut legacy: Vec<_> = (0..=1_000).step_by(100).map(|i| imported[i].id).collect();
    legacy.sort_unstable();
    assert_eq!(tagged("legacy").await, legacy);
    // The rows are exactly the tickets' tags.
    let s = format!("\"{}\"", store.schema());
    let (rows, differ): (i64, i64) = sqlx::query_as(AssertSqlSafe(format!(
        "WITH want AS (SELECT workspace_id, tag, ticket_id FROM {s}.tickets, unnest(tags) AS tag),
              have AS (SELECT workspace_id, tag, ticket_id FROM {s}.ticket_tags)
         SELECT (SELECT count(*) FROM have),
             (SELECT count(*) FROM ((SELECT * FROM want EXCEPT SELECT * FROM have)
                 UNION ALL (SELECT * FROM have EXCEPT SELECT * FROM want)) d)"
    )))
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!((rows, differ), (1_014, 0));
    let newest = TicketQuery {
        tag: Some("old".into()),
        limit: 5,
        ..TicketQuery::default()
    };
    let mut want: Vec<_> = imported.iter().map(|t| (t.seq, t.id)).collect();
    want.sort_unstable_by(|x, y| y.cmp(x));
    let page = f.desk.list_tickets(f.ws, &newest).await.unwrap();
    let got: Vec<_> = page.items.iter().map(|t| (t.seq, t.id)).collect();
    assert_eq!(got, want[..5]);
    sqlx::raw_sql(AssertSqlSafe(format!(
        "ANALYZE {s}.tickets, {s}.ticket_tags"
    )))
    .execute(store.pool())
    .await
    .unwrap();
    let query = TicketQuery {
        tag: Some("legacy".into()),
        ..TicketQuery::default()
    };
    let plan = store.explain_list_tickets(f.ws, &query).await.unwrap();
    // The tickets are taken by their key (the workspace is not read)...
    assert!(
        plan.iter()
            .any(|l| l.contains("using tickets_pkey on tickets")),
        "{plan:#?}"
    );
    // ...and the tag's rows by theirs, as the role (on these few rows the
    // planner prefers reading them all unless told otherwise).
    let mut tx = store.begin(f.ws).await.unwrap();
    sqlx::raw_sql("SET LOCAL enable_seqscan = off")
        .execute(&mut *tx)
        .await
        .unwrap();
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT ticket_id FROM ticket_tags WHERE workspace_id = $1 AND tag = $2",
    )
    .bind(f.ws.as_uuid())
    .bind("legacy")
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    assert!(
        plan.iter().any(|l| l.contains("ticket_tags_pkey")),
        "{plan:#?}"
    );
}

/// Article suggestions find their articles through the index of
/// `article_terms` (`article_search`, migration 0021), whose row follows
/// each save of an article, scoped to its workspace; with over 1 000
/// articles sharing a word, the workspace's articles are read instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn article_terms_follow_saves_and_stay_in_their_workspace() {
    use ticketry_core::kb::{ArticleInput, ArticleStatus};
    let store = common::store().await;
    let a = Fixture::new(dyn_store(&store)).await;
    let b = Fixture::in_desk(a.desk.clone(), a.clock.clone(), "globex").await;
    let input = |slug: &str, title: &str| ArticleInput {
        language: Some("en".into()),
        slug: slug.into(),
        title: title.into(),
        body: "Steps inside.".into(),
        status: Some(ArticleStatus::Published),
        ..ArticleInput::default()
    };
    let suggested = |f: &Fixture, text: &'static str| {
        let desk = f.desk.clone();
        let ws = f.ws;
        async move {
            let hits = desk
                .suggest_articles(ws, text, "en", None, Some(10), None)
                .await
                .unwrap();
            hits.articles
                .iter()
                .map(|h| h.article.id)
                .collect::<Vec<_>>()
        }
    };
    let printer = a
        .desk
        .create_article(a.ws, input("printer", "Printer jams"))
        .await
        .unwrap();
    let other = b
        .desk
        .create_article(b.ws, input("printer", "Printer jams"))
        .await
        .unwrap();
    assert_eq!(suggested(&a, "my printer jams").await, vec![printer.id]);
    assert_eq!(suggested(&b, "printer").await, vec![other.id]);
    a.desk
        .update_article(a.ws, printer.id, input("printer", "Scanner jams"), None)
        .await
        .unwrap();
    assert_eq!(suggested(&a, "printer").await, vec![]);
    assert_eq!(suggested(&a, "scanner").await, vec![printer.id]);
    // Each row holds its article's terms, scoped: `scanner`, only in `a`,
    // is no key of `b`.
    let counts = four_counts(
        &store,
        "SELECT count(*), count(*) FILTER (WHERE x.terms = {s}.scoped_words(workspace_id, a.terms)),
             (SELECT count(*) FROM {s}.article_terms
              WHERE terms && {s}.scoped_words($1, ARRAY['scanner'])),
             (SELECT count(*) FROM {s}.article_terms
              WHERE terms && {s}.scoped_words($2, ARRAY['scanner']))
         FROM {s}.articles a JOIN {s}.article_terms x USING (workspace_id, article_id)",
        a.ws,
        b.ws,
    )
    .await;
    assert_eq!(counts, (2, 2, 1, 0));
    // Over 1 000 articles sharing the word: read with the workspace's.
    for i in 0..1_001 {
        a.desk
            .create_article(a.ws, input(&format!("toner-{i}"), "Toner empty"))
            .await
            .unwrap();
    }
    assert_eq!(suggested(&a, "toner").await.len(), 10);
    assert_eq!(suggested(&a, "scanner").await, vec![printer.id]);
}

/// An agent's search finds the tickets of the customers whose terms match
/// through the index of `customer_terms` (`customer_search`, migration
/// 0023), whose row follows each write of a customer, scoped to its
/// workspace.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn customer_terms_follow_writes_and_stay_in_their_workspace() {
    use ticketry_core::{CustomerId, CustomerInput};
    let store = common::store().await;
    let a = Fixture::new(dyn_store(&store)).await;
    let b = Fixture::in_desk(a.desk.clone(), a.clock.clone(), "globex").await;
    let zelda = CustomerId::new("zelda").unwrap();
    b.desk
        .put_customer(b.ws, CustomerInput::new(zelda.clone(), "Zelda Zebra"))
        .await
        .unwrap();
    let theirs = b
        .desk
        .open_ticket(b.ws, OpenTicket::new(zelda.clone(), "hello", "x"))
        .await
        .unwrap();
    a.open("hello").await;
    let search = |f: &Fixture, text: &'static str| {
        let desk = f.desk.clone();
        let ws = f.ws;
        async move {
            let q = TicketQuery {
                search: Some(text.into()),
                ..TicketQuery::default()
            };
            let page = desk.list_tickets(ws, &q).await.unwrap();
            page.items.iter().map(|t| t.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(search(&b, "zebra").await, vec![theirs.id]);
    assert_eq!(search(&a, "zebra").await, vec![]);
    b.desk
        .put_customer(b.ws, CustomerInput::new(zelda.clone(), "Zelda Quagga"))
        .await
        .unwrap();
    assert_eq!(search(&b, "quagga").await, vec![theirs.id]);
    assert_eq!(search(&b, "zebra").await, vec![]);
    // Each row holds its customer's terms, scoped: `quagga`, only in `b`,
    // is no key of `a`.
    let counts = four_counts(
        &store,
        "SELECT count(*), count(*) FILTER (WHERE x.terms = {s}.scoped_terms(workspace_id, c.search)),
             (SELECT count(*) FROM {s}.customer_terms
              WHERE terms @@ {s}.scoped_query($1, 'quagga')),
             (SELECT count(*) FROM {s}.customer_terms
              WHERE terms @@ {s}.scoped_query($2, 'quagga'))
         FROM {s}.customers c JOIN {s}.customer_terms x USING (workspace_id, customer_id)",
        a.ws,
        b.ws,
    )
    .await;
    assert_eq!(counts, (5, 5, 0, 1));
}

/// The four counts `sql` selects (`{s}`: `store`'s schema), with `$1` and
/// `$2` bound to workspaces `a` and `b`: how a search terms' table's rows
/// match their source and which workspace's keys a word is.
async fn four_counts(
    store: &PgStore,
    sql: &str,
    a: WorkspaceId,
    b: WorkspaceId,
) -> (i64, i64, i64, i64) {
    let sql = sql.replace("{s}", &format!("\"{}\"", store.schema()));
    sqlx::query_as(AssertSqlSafe(sql))
        .bind(a.as_uuid())
        .bind(b.as_uuid())
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// Backends of `ws`'s (or, in a connection's first write, the store's)
/// ticket writes waiting on a lock.
async fn blocked_writers(store: &PgStore, ws: WorkspaceId) -> i64 {
    // A connection's first write of a statement starts with the schema
    // (`BEGIN; SET LOCAL search_path …; PREPARE …`), later ones with the
    // workspace (`SET LOCAL ticketry.workspace_id …`).
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
         AND (left(query, 200) LIKE '%' || $1 || '%' OR left(query, 200) LIKE '%' || $2 || '%')",
    )
    .bind(ws.as_uuid().to_string())
    .bind(format!("\"{}\"", store.schema()))
    .fetch_one(store.pool())
    .await
    .unwrap()
}

/// Group commit: while a workspace's counter row is held (as an import
/// holds it), its writes queue behind the two writes holding its two
/// places (sent alone, blocked on the row), and another
/// workspace's writes go through meanwhile. Once the row is free the queued
/// writes go as one batch; one of them is refused at commit, so the batch
/// is sent again write by write: only that one fails, and the others get
/// consecutive numbers and gap-free events.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_queue_per_workspace_and_a_refused_one_fails_alone() {
    let store = common::store().await;
    let a = Fixture::new(dyn_store(&store)).await;
    let b = Fixture::in_desk(a.desk.clone(), a.clock.clone(), "batch-b").await;
    ticket_commit_triggers(&store).await;
    let open = |f: &Fixture, subject: String| {
        let f = f.clone();
        tokio::spawn(async move {
            f.desk
                .open_ticket(f.ws, OpenTicket::new(f.customer.clone(), subject, "x"))
                .await
        })
    };
    let blocker = hold_counter_lock(&store, a.ws).await;
    // Two lone writes take the workspace's two places and wait on the lock.
    let mut tasks = Vec::new();
    for i in 0..2 {
        tasks.push(open(&a, format!("early {i}")));
        eventually("a write blocked on the counter row", || async {
            blocked_writers(&store, a.ws).await == i + 1
        })
        .await;
    }
    let before = store.group_commit_stats();
    let refused = open(&a, "refused".into());
    for i in 0..11 {
        tasks.push(open(&a, format!("queued {i}")));
    }
    eventually("12 queued writes", || async {
        store.group_commit_stats().waiting == 12
    })
    .await;
    // Another workspace is not held up by this one.
    for i in 0..4 {
        let t = open(&b, format!("other {i}")).await.unwrap().unwrap();
        assert_eq!(t.seq, i + 1);
    }
    blocker.commit().await.unwrap();
    let err = refused.await.unwrap().unwrap_err();
    assert_eq!(err.code(), "storage", "{err}");
    let mut seqs = Vec::new();
    for t in tasks {
        seqs.push(t.await.unwrap().unwrap().seq);
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=13).collect::<Vec<u64>>());
    assert_counters_match(&store, &a, 13).await;
    assert_counters_match(&store, &b, 4).await;
    let after = store.group_commit_stats();
    // The 12 went in one or two batches; the one holding "refused" was
    // sent again write by write.
    assert!(after.resent - before.resent >= 2, "{before:?} {after:?}");
    assert_eq!(after.waiting, 0);
}

/// A runtime shut down while ticket writes wait (two lone writes blocked on
/// the counter row, one queued behind them) ends normally: the places are
/// given back without starting runners on a closing runtime, and the queued
/// write's caller is dropped with its runtime.
#[test]
fn shutting_down_with_writes_waiting_returns() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = runtime.block_on(async {
        let store = common::store().await;
        let f = Fixture::new(dyn_store(&store)).await;
        let blocker = hold_counter_lock(&store, f.ws).await;
        for i in 0..3 {
            let f = f.clone();
            drop(tokio::spawn(async move {
                let input = OpenTicket::new(f.customer.clone(), format!("w{i}"), "x");
                let _ = f.desk.open_ticket(f.ws, input).await;
            }));
        }
        eventually("two writers blocked and one queued", || async {
            blocked_writers(&store, f.ws).await == 2 && store.group_commit_stats().waiting == 1
        })
        .await;
        // The blocker's connection goes down with the runtime too.
        std::mem::forget(blocker);
        store
    });
    drop(runtime);
    assert_eq!(store.group_commit_stats().waiting, 0);
}
