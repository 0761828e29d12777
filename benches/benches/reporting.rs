//! Reporting at scale (figures, not timed tests).
//!
//! ```text
//! cargo bench -p ticketry-benches --bench reporting                          # memory
//! scripts/pg-throwaway.sh cargo bench -p ticketry-benches --bench reporting  # + PostgreSQL
//! ```
//!
//! 1. **Memory**: one workspace with 100 000 tickets opened over 200 days
//!    (each answered; two in three resolved, one in three of those rated),
//!    then `metrics` for 30 days by day, `dashboard`, and a CSV export of every
//!    ticket page by page (rows per second; the process's peak memory, from
//!    `/proc/self/status` `VmHWM`, before and after the export).
//!    `TICKETRY_BENCH_TICKETS=N` sets the size.
//! 2. **PostgreSQL** (with `DATABASE_URL`): the 1 M tickets of `pg_seed` (100
//!    workspaces of 10 000 opened over the 30 days before its "now"):
//!    `metrics` for those 30 days in one workspace (it reads the facts of all
//!    10 000), the dashboard, and its CSV export page by page.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../pg_seed.rs"]
mod pg_seed;

use chrono::TimeDelta;
use std::time::{Duration, Instant};
use ticketry_core::metrics::{Interval, MetricsQuery};
use ticketry_core::{Actor, Clock, Helpdesk, MessageInput, OpenTicket, TicketQuery, WorkspaceId};

fn main() {
    ticketry_benches::run(
        "reporting",
        memory,
        |url| async move { postgres(&url).await },
    );
}

/// The process's peak resident memory (`VmHWM`), in MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Median of `runs` timings of `f`.
async fn median<F, Fut, T>(runs: usize, mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        f().await;
        times.push(t.elapsed());
    }
    ticketry_benches::percentiles(times).0
}

/// Exports every ticket page by page; returns rows and elapsed time.
async fn export(desk: &Helpdesk, ws: WorkspaceId) -> (usize, Duration) {
    let mut q = TicketQuery {
        limit: 500,
        ..TicketQuery::default()
    };
    let (mut rows, mut bytes) = (0, 0);
    let t = Instant::now();
    loop {
        let page = desk
            .export_tickets_csv_page(ws, &q, Vec::new(), false)
            .await
            .unwrap();
        rows += page.csv.matches("\r\n").count();
        bytes += page.csv.len();
        match page.next_cursor {
            Some(c) => q.after = Some(c),
            None => break,
        }
    }
    let elapsed = t.elapsed();
    println!("  export: {} MB of CSV", bytes / 1_000_000);
    (rows - 1, elapsed)
}

async fn memory() {
    let n = ticketry_benches::tickets(100_000);
    let start = pg_seed::now() - TimeDelta::days(200);
    let ticketry_benches::MemoryDesk {
        desk,
        clock,
        ws,
        customer,
        agent,
    } = ticketry_benches::MemoryDesk::new(start).await;
    let step = TimeDelta::milliseconds(200 * 86_400_000 / n as i64);
    let t = Instant::now();
    for i in 0..n {
        clock.advance(step);
        let input = OpenTicket::new(customer.clone(), pg_seed::subject(i), "It does not work");
        let id = desk.open_ticket(ws, input).await.unwrap().id;
        desk.reply(ws, id, &agent, MessageInput::text("On it"))
            .await
            .unwrap();
        if i % 3 != 0 {
            desk.resolve(ws, id, Actor::Agent(agent.clone()))
                .await
                .unwrap();
            if i % 3 == 1 {
                let rating = (i % 5 + 1) as u8;
                desk.rate(ws, id, rating, None, Actor::Customer(customer.clone()))
                    .await
                    .unwrap();
            }
        }
    }
    println!(
        "memory: {n} tickets over 200 days, seeded in {:.1?}",
        t.elapsed()
    );
    let now = clock.now();
    let q = MetricsQuery {
        since: now - TimeDelta::days(30),
        until: now,
        interval: Some(Interval::Day),
        group_by: None,
    };
    let m = desk.metrics(ws, &q).await.unwrap();
    let took = median(5, || desk.metrics(ws, &q)).await;
    println!(
        "memory: metrics for 30 days by day over {n} tickets: median {took:.1?} \
         ({} created, {} resolved in the period)",
        m.totals.created, m.totals.resolved
    );
    let took = median(20, || desk.dashboard(ws, None)).await;
    println!("memory: dashboard snapshot: median {took:.2?}");
    let before = peak_mib();
    let (rows, took) = export(&desk, ws).await;
    println!(
        "memory: CSV export page by page: {rows} rows in {took:.1?} ({:.0} rows/s); \
         peak memory {before:.0} MiB before, {:.0} MiB after",
        rows as f64 / took.as_secs_f64(),
        peak_mib()
    );
}

async fn postgres(url: &str) {
    let (_store, desk) = pg_seed::open(url, 4).await.unwrap();
    let ws = pg_seed::workspace(&desk, 0).await.unwrap();
    let now = pg_seed::now();
    let q = MetricsQuery {
        since: now - TimeDelta::days(30),
        until: now,
        interval: Some(Interval::Day),
        group_by: None,
    };
    desk.metrics(ws, &q).await.unwrap();
    let took = median(5, || desk.metrics(ws, &q)).await;
    println!(
        "postgres: metrics for 30 days by day, one workspace of {} tickets (1 M in all; \
         its tickets span the 30 days, so all are read): median {took:.1?}",
        pg_seed::TICKETS
    );
    let took = median(20, || desk.dashboard(ws, Some(now))).await;
    println!("postgres: dashboard snapshot: median {took:.2?}");
    let (rows, took) = export(&desk, ws).await;
    println!(
        "postgres: CSV export page by page: {rows} rows in {took:.1?} ({:.0} rows/s)",
        rows as f64 / took.as_secs_f64()
    );
}
