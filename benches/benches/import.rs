//! Importing another system's tickets (figures, not timed tests).
//!
//! ```text
//! cargo bench -p ticketry-benches --bench import                          # memory
//! scripts/pg-throwaway.sh cargo bench -p ticketry-benches --bench import  # + PostgreSQL
//! ```
//!
//! Each imported ticket has three messages (the opening one, an agent reply
//! an hour later, a customer answer an hour after that) and an assignee; six
//! in ten are closed, the rest open. They are spread over the two years
//! before the clock's "now", numbered from 1, and sent in batches of 10 000
//! (the most one call takes). Rows are tickets + messages + assignment
//! records. `TICKETRY_BENCH_TICKETS=N` sets the count (default 100 000;
//! the closing note of issue 11 used 1 000 000 on PostgreSQL).
//!
//! PostgreSQL writes into its own schema, `ticketry_bench_import`, dropped
//! and created again on every run, as a role under row-level security.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use std::sync::Arc;
use std::time::Instant;
use ticketry_core::{
    AgentInput, CustomerInput, Helpdesk, ImportMessage, ImportTicket, ManualClock, MessageKind,
    NewWorkspace, Status, WorkspaceId,
};

const BATCH: usize = ticketry_core::ticket::MAX_IMPORT;
const CUSTOMERS: usize = 1_000;
const AGENTS: usize = 20;
const SCHEMA: &str = "ticketry_bench_import";

fn main() {
    ticketry_benches::run("import", memory, |url| async move { postgres(&url).await });
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap()
}

fn record(i: usize, total: usize) -> ImportTicket {
    let span = TimeDelta::days(730).num_seconds() - 3 * 86_400;
    let opened =
        now() - TimeDelta::days(730) + TimeDelta::seconds(span * i as i64 / total.max(1) as i64);
    let agent = ticketry_core::AgentId::new(format!("agent-{:02}", i % AGENTS)).unwrap();
    let message = |kind, agent: Option<&ticketry_core::AgentId>, body: &str, hours| ImportMessage {
        kind,
        agent: agent.cloned(),
        body: body.into(),
        html: None,
        attachments: Vec::new(),
        email_message_id: None,
        created_at: opened + TimeDelta::hours(hours),
    };
    let closed = i % 10 < 6;
    let mut t: ImportTicket = serde_json::from_value(serde_json::json!({
        "seq": i + 1,
        "customer": format!("customer-{:04}", i % CUSTOMERS),
        "subject": format!("Order {i} arrived damaged"),
        "description": "The box was crushed and the screen is cracked. Can you send a new one?",
        "created_at": opened,
        "assignee": agent,
        "tags": ["shipping"],
    }))
    .unwrap();
    t.messages = vec![
        message(
            MessageKind::Reply,
            Some(&agent),
            "Sorry about that. Could you send a photo of the box?",
            1,
        ),
        message(MessageKind::Customer, None, "Attached, thanks.", 2),
    ];
    if closed {
        t.status = Some(Status::Closed);
        t.resolved_at = Some(opened + TimeDelta::hours(3));
        t.closed_at = Some(opened + TimeDelta::hours(51));
    }
    t
}

async fn workspace(desk: &Helpdesk) -> WorkspaceId {
    let ws = desk
        .create_workspace(NewWorkspace::new("Import", "import"))
        .await
        .unwrap()
        .id;
    for i in 0..CUSTOMERS {
        let id = ticketry_core::CustomerId::new(format!("customer-{i:04}")).unwrap();
        desk.put_customer(ws, CustomerInput::new(id, format!("Customer {i}")))
            .await
            .unwrap();
    }
    for i in 0..AGENTS {
        let id = ticketry_core::AgentId::new(format!("agent-{i:02}")).unwrap();
        desk.put_agent(ws, AgentInput::new(id, format!("Agent {i}")))
            .await
            .unwrap();
    }
    ws
}

/// Imports `total` tickets in batches; prints tickets and rows per second
/// (the records are built before the clock starts).
async fn import(label: &str, desk: &Helpdesk, ws: WorkspaceId, total: usize) {
    let (mut busy, mut done) = (std::time::Duration::ZERO, 0);
    while done < total {
        let n = BATCH.min(total - done);
        let batch: Vec<ImportTicket> = (done..done + n).map(|i| record(i, total)).collect();
        let rows = batch.iter().map(|t| 3 + t.messages.len()).sum::<usize>();
        let t = Instant::now();
        let landed = desk.import_tickets(ws, batch).await.unwrap();
        busy += t.elapsed();
        assert_eq!(landed.len(), n);
        done += n;
        if done % 100_000 == 0 || done == total {
            let secs = busy.as_secs_f64();
            eprintln!(
                "{label}: {done} tickets in {secs:.1} s: {:.0} tickets/s, {:.0} rows/s",
                done as f64 / secs,
                (done * rows / n) as f64 / secs,
            );
        }
    }
}

async fn memory() {
    let total = ticketry_benches::tickets(100_000);
    let store = Arc::new(ticketry_memory::MemoryStore::new());
    let desk = Helpdesk::with_clock(store, Arc::new(ManualClock::new(now())));
    let ws = workspace(&desk).await;
    import("memory", &desk, ws, total).await;
}

async fn postgres(url: &str) {
    let total = ticketry_benches::tickets(100_000);
    let store = ticketry_benches::fresh_store(url, SCHEMA, 2).await;
    let desk = Helpdesk::with_clock(Arc::new(store), Arc::new(ManualClock::new(now())));
    let ws = workspace(&desk).await;
    import("postgres", &desk, ws, total).await;
}
