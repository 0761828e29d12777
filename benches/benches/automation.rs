//! `run_automations` at scale (figures, not timed tests).
//!
//! ```text
//! cargo bench -p ticketry-benches --bench automation                          # memory
//! scripts/pg-throwaway.sh cargo bench -p ticketry-benches --bench automation  # + PostgreSQL
//! ```
//!
//! 1. **Memory**: one workspace with 1 M tickets (opened through
//!    `Helpdesk::open_ticket`, the auto-close preset installed), then three
//!    rounds: 10 000 tickets (1 %) resolved, `run_automations` seven days
//!    later closes them (10 000 due actions); between rounds, the median of
//!    20 runs when nothing is due.
//! 2. **PostgreSQL** (with `DATABASE_URL`): the 1 M tickets of `pg_seed` (100
//!    workspaces of 10 000); in one workspace the auto-close preset is
//!    installed (its resolved tickets become due), one run does what is due,
//!    then the median of 20 runs when nothing is due.
//!
//! `TICKETRY_BENCH_TICKETS=N` sets the memory workspace's size.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../pg_seed.rs"]
mod pg_seed;

use chrono::TimeDelta;
use std::time::{Duration, Instant};
use ticketry_core::automation::Preset;
use ticketry_core::{Actor, Helpdesk, ManualClock, OpenTicket, WorkspaceId};

fn main() {
    ticketry_benches::run(
        "automation",
        memory,
        |url| async move { postgres(&url).await },
    );
}

/// The median of 20 runs of `run_automations` at `now` that find nothing due.
async fn idle(desk: &Helpdesk, ws: WorkspaceId, now: chrono::DateTime<chrono::Utc>) -> Duration {
    let mut times = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let r = desk.run_automations(ws, now).await.unwrap();
        times.push(t.elapsed());
        assert!(r.fired.is_empty(), "nothing was to be due");
    }
    ticketry_benches::percentiles(times).0
}

async fn memory() {
    let n = ticketry_benches::tickets(1_000_000);
    let start = pg_seed::now();
    let ticketry_benches::MemoryDesk {
        desk,
        clock,
        ws,
        customer,
        agent,
    } = ticketry_benches::MemoryDesk::new(start).await;
    desk.add_preset(ws, Preset::AutoClose { after: None })
        .await
        .unwrap();
    let t = Instant::now();
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let input = OpenTicket::new(customer.clone(), format!("t{i}"), "the export hangs");
        ids.push(desk.open_ticket(ws, input).await.unwrap().id);
    }
    println!(
        "memory: opened {n} tickets in {:.1?} ({:.2} µs each)",
        t.elapsed(),
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let due = n / 100;
    for round in 0..3 {
        let resolved_at = clock.now_utc();
        for id in &ids[round * due..(round + 1) * due] {
            desk.resolve(ws, *id, Actor::Agent(agent.clone()))
                .await
                .unwrap();
        }
        let quiet = idle(&desk, ws, resolved_at + TimeDelta::days(1)).await;
        let t = Instant::now();
        let r = desk
            .run_automations(ws, resolved_at + TimeDelta::days(7))
            .await
            .unwrap();
        let busy = t.elapsed();
        assert_eq!(r.fired.len(), due);
        println!(
            "memory round {round}: nothing due {:.2?} (median of 20); {due} due closed in {:.1?} ({:.1} µs each)",
            quiet,
            busy,
            busy.as_secs_f64() * 1e6 / due as f64
        );
        clock.advance(TimeDelta::days(8));
    }
}

async fn postgres(url: &str) {
    let (_store, desk) = pg_seed::open(url, 8).await.unwrap();
    // Each run uses a workspace no earlier run automated (100 are seeded).
    let mut ws = None;
    for w in (0..pg_seed::WORKSPACES).rev() {
        let id = desk
            .get_workspace_by_slug(&pg_seed::slug(w))
            .await
            .unwrap()
            .id;
        if desk.list_rules(id).await.unwrap().is_empty() {
            ws = Some(id);
            break;
        }
    }
    let Some(ws) = ws else {
        println!("postgres: every seeded workspace was automated: drop the schema to re-seed");
        return;
    };
    let now = pg_seed::now();
    let t = Instant::now();
    desk.add_preset(ws, Preset::AutoClose { after: None })
        .await
        .unwrap();
    println!(
        "postgres: installing auto-close over a workspace of {} tickets (1 M in the table): {:.1?}",
        pg_seed::TICKETS,
        t.elapsed()
    );
    let t = Instant::now();
    let r = desk.run_automations(ws, now).await.unwrap();
    let busy = t.elapsed();
    println!(
        "postgres: first run: {} time rule(s) fired, {} SLA alert(s), in {:.1?}{}",
        r.fired.len(),
        r.sla.alerts.len(),
        busy,
        if r.fired.is_empty() {
            String::new()
        } else {
            format!(
                " ({:.2} ms each)",
                busy.as_secs_f64() * 1e3 / r.fired.len() as f64
            )
        }
    );
    println!(
        "postgres: nothing due: {:.2?} (median of 20)",
        idle(&desk, ws, now).await
    );
}

trait NowUtc {
    fn now_utc(&self) -> chrono::DateTime<chrono::Utc>;
}

impl NowUtc for ManualClock {
    fn now_utc(&self) -> chrono::DateTime<chrono::Utc> {
        ticketry_core::Clock::now(self)
    }
}
