//! PostgreSQL-specific guarantees: numbering and idempotency under
//! concurrency, optimistic concurrency, row-level security, atomic writes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use sqlx::{AssertSqlSafe, Row};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use ticketry_core::event::NewEvent;
use ticketry_core::store::{Store, TicketStore, TicketWrite, WriteOutcome};
use ticketry_core::testing::Fixture;
use ticketry_core::{
    Actor, Assign, CategoryInput, EventKind, MessageInput, OpenTicket, StoreError, Tag,
    TemplateInput, Ticket, TicketQuery, View, WorkspaceId,
};
use ticketry_postgres::{PgStore, TABLES};

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
        let (last_ticket, last_event) = counters(&store, desks[w].ws).await;
        assert_eq!(last_ticket, 16);
        let events = desks[w].all_events().await;
        assert_eq!(events.len() as i64, last_event);
        assert!(
            events
                .iter()
                .enumerate()
                .all(|(i, e)| e.seq == i as u64 + 1)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_concurrent_updates_give_exactly_one_conflict() {
    let store = common::store().await;
    let f = Fixture::new(dyn_store(&store)).await;
    let t = f.open("contended").await;
    let write = |t: &Ticket, subject: &str| {
        let mut next = t.clone();
        next.subject = subject.into();
        next.version = t.version + 1;
        TicketWrite {
            ticket: next,
            expected_version: t.version,
            messages: Vec::new(),
            assignments: Vec::new(),
            events: vec![NewEvent {
                ticket_id: Some(t.id),
                actor: Actor::System,
                at: t.updated_at,
                kind: EventKind::Updated {
                    fields: vec!["subject".into()],
                },
            }],
        }
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
            ticket: t,
            number_format: Default::default(),
            messages: Vec::new(),
            assignments: Vec::new(),
            events: Vec::new(),
            idempotency_key: Some(key.into()),
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
    d.ack_events(f.ws, "mailer", 1).await.unwrap();
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
