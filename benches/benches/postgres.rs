//! PostgreSQL backend benchmarks (figures, not timed tests).
//!
//! ```text
//! scripts/pg-throwaway.sh cargo bench -p ticketry-benches --bench postgres
//! ```
//!
//! 1. Tickets created per second (each with its opening message, through
//!    `Helpdesk::open_ticket`) by 1, 8 and 32 concurrent tasks, in one
//!    workspace and spread over one workspace per task; then agent replies
//!    per second (`Helpdesk::reply` to a random ticket) by 1 and 8 tasks in
//!    the first run's workspace, which by then holds thousands of tickets,
//!    and by one task replying to one ticket through two stores by turns
//!    (two processes: each reply finds the ticket moved since its store's
//!    kept copy).
//! 2. On 1 M tickets in 100 workspaces (seeded by `pg_seed` if missing):
//!    p50/p99 of the agent queue (new/open/in-progress tickets of one
//!    workspace, urgency order, first page of 50 via `Helpdesk::list_tickets`),
//!    of its second page, of "my tickets" of one customer, and of the SLA
//!    sweep's read, with the `EXPLAIN (ANALYZE, BUFFERS)` of each.
//!
//! Without `--bench` (e.g. `cargo test --all-targets`) it does nothing.
//!
//! `TICKETRY_BENCH_QUICK=1` runs only part 1 at 1 and 8 tasks in one
//! workspace and 8 tasks in 8 workspaces (no seeding),
//! `TICKETRY_BENCH_SECS=N` sets each run's length (default 5 s).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../pg_seed.rs"]
mod pg_seed;

use sqlx::{AssertSqlSafe, Connection};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use ticketry_core::store::TicketStore;
use ticketry_core::{
    CustomerInput, Helpdesk, NewWorkspace, OpenTicket, Status, TicketOrder, TicketQuery,
};
use ticketry_postgres::{PgOptions, PgStore};

use ticketry_benches::{ROLE, ensure_role};

/// Whether `TICKETRY_BENCH_QUICK` asks for the short run.
fn quick() -> bool {
    std::env::var("TICKETRY_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// How long each throughput run lasts (`TICKETRY_BENCH_SECS`, default 5 s).
fn run_length() -> Duration {
    let secs = std::env::var("TICKETRY_BENCH_SECS")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .unwrap_or(5.0);
    Duration::from_secs_f64(secs)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("postgres bench: skipped (run it with `cargo bench --bench postgres`)");
        return;
    }
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "DATABASE_URL is not set: run `scripts/pg-throwaway.sh cargo bench -p \
             ticketry-benches --bench postgres` (starts a throwaway PostgreSQL)"
        )
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        ensure_role(&url).await;
        throughput(&url).await;
        if !quick() {
            queues(&url).await;
        }
    });
}

fn options(schema: &str, max_connections: u32) -> PgOptions {
    PgOptions {
        schema: schema.into(),
        max_connections,
        role: Some(ROLE.into()),
        ..PgOptions::default()
    }
}

async fn throughput(url: &str) {
    let schema = "ticketry_bench_create";
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::raw_sql(AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    let store = PgStore::connect(url, options(schema, 40)).await.unwrap();
    store.migrate().await.unwrap();
    let desk = Helpdesk::new(Arc::new(store.clone()));
    let run = run_length();
    println!("== tickets created per second (open_ticket with its first message, {run:?} each)");
    let mut n = 0;
    let runs: &[(usize, bool)] = if quick() {
        &[(1, false), (8, false), (8, true)]
    } else {
        &[(1, false), (8, false), (32, false), (8, true), (32, true)]
    };
    let mut first = None;
    for &(tasks, spread) in runs {
        let mut targets = Vec::new();
        for _ in 0..(if spread { tasks } else { 1 }) {
            n += 1;
            let ws = desk
                .create_workspace(NewWorkspace::new("Create", format!("create-{n}")))
                .await
                .unwrap()
                .id;
            let customer = pg_seed::customer(1);
            desk.put_customer(ws, CustomerInput::new(customer.clone(), "C"))
                .await
                .unwrap();
            targets.push((ws, customer));
        }
        first.get_or_insert(targets[0].0);
        let before = store.group_commit_stats();
        let rate = per_second("tickets", tasks, run, |i| {
            let desk = desk.clone();
            let (ws, customer) = targets[i % targets.len()].clone();
            move || {
                let (desk, customer) = (desk.clone(), customer.clone());
                async move {
                    let input = OpenTicket::new(customer, "Bench", "It hangs.");
                    desk.open_ticket(ws, input).await.unwrap();
                }
            }
        })
        .await;
        let place = if spread {
            "one workspace per task:"
        } else {
            "one workspace:"
        };
        let after = store.group_commit_stats();
        let (writes, batches) = (after.writes - before.writes, after.batches - before.batches);
        println!(
            "{tasks:>3} tasks, {place:<24} {rate}, {:.1} writes per transaction",
            writes as f64 / batches.max(1) as f64
        );
    }
    // Another process on the same schema: its writes make this one's kept
    // copies stale.
    let other = PgStore::connect(url, options(schema, 40)).await.unwrap();
    let other = Helpdesk::new(Arc::new(other));
    replies(&desk, &other, first.expect("a run"), run).await;
}

/// Agent replies per second to random tickets of `ws`, by 1 and 8 tasks;
/// then to one ticket by turns from `desk` and `other` (two processes), so
/// that each reply finds the ticket moved since its store last wrote it.
async fn replies(desk: &Helpdesk, other: &Helpdesk, ws: ticketry_core::WorkspaceId, run: Duration) {
    let agent = ticketry_core::AgentId::new("agent-bench").unwrap();
    desk.put_agent(ws, ticketry_core::AgentInput::new(agent.clone(), "A"))
        .await
        .unwrap();
    let mut ids = Vec::new();
    let mut query = TicketQuery {
        limit: 100,
        ..TicketQuery::default()
    };
    loop {
        let page = desk.list_tickets(ws, &query).await.unwrap();
        ids.extend(page.items.iter().map(|t| t.id));
        match page.next_cursor {
            Some(c) => query.after = Some(c),
            None => break,
        }
    }
    let ids = Arc::new(ids);
    println!(
        "== agent replies per second (reply to a random one of {} tickets, {run:?} each)",
        ids.len()
    );
    for tasks in [1, 8] {
        let rate = per_second("replies", tasks, run, |i| {
            let (desk, ids, agent) = (desk.clone(), ids.clone(), agent.clone());
            let mut k = i as u64 * 7919 + 1;
            move || {
                k = k
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let id = ids[(k >> 33) as usize % ids.len()];
                let (desk, agent) = (desk.clone(), agent.clone());
                async move {
                    let text = ticketry_core::MessageInput::text("On it.");
                    desk.reply(ws, id, &agent, text).await.unwrap();
                }
            }
        })
        .await;
        println!("{tasks:>3} tasks, {:<24} {rate}", "one workspace:");
    }
    let rate = per_second("replies", 1, run, |_| {
        let (desks, id, agent) = ([desk.clone(), other.clone()], ids[0], agent.clone());
        let mut turn = 0;
        move || {
            turn += 1;
            let (desk, agent) = (desks[turn % 2].clone(), agent.clone());
            async move {
                let text = ticketry_core::MessageInput::text("On it.");
                desk.reply(ws, id, &agent, text).await.unwrap();
            }
        }
    })
    .await;
    println!("  1 task,  {:<24} {rate}", "two processes by turns:");
}

/// Calls per second of `tasks` concurrent loops over `run`: task `i` calls
/// the closure `task(i)` returns until the time is up. Formats the rate, the
/// count and, when the server runs on this machine, the CPU time per call of
/// its processes and of this one (`    724 tickets/s (2896 in 4.0 s; CPU
/// per call 0.61 ms server, 0.12 ms bench)`): on a shared machine that
/// moves far less from run to run than the rate does.
async fn per_second<M, F, Fut>(unit: &str, tasks: usize, run: Duration, mut task: M) -> String
where
    M: FnMut(usize) -> F,
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let calls = Arc::new(AtomicU64::new(0));
    let cpu_before = CpuTime::now();
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|i| {
            let (calls, mut call) = (calls.clone(), task(i));
            tokio::spawn(async move {
                while started.elapsed() < run {
                    call().await;
                    calls.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    let total = calls.load(Ordering::Relaxed);
    let cpu = match (cpu_before, CpuTime::now()) {
        (Some(a), Some(b)) if total > 0 => {
            let per_call = |x: f64| x * 1e3 / total as f64;
            format!(
                "; CPU per call {:.2} ms server, {:.2} ms bench",
                per_call(b.server - a.server),
                per_call(b.bench - a.bench)
            )
        }
        _ => String::new(),
    };
    format!(
        "{:>7.0} {unit}/s ({total} in {secs:.1} s{cpu})",
        total as f64 / secs
    )
}

/// CPU seconds (user and system) used so far by this machine's `postgres`
/// processes and by this process, read from `/proc`; `None` where there is
/// no `/proc` or no local server. A backend that exits takes its time with
/// it, so this holds for runs on a pool's lasting connections.
struct CpuTime {
    server: f64,
    bench: f64,
}

impl CpuTime {
    fn now() -> Option<Self> {
        // `/proc` counts in USER_HZ, which Linux fixes at 100 for user space.
        let seconds = |stat: &str| -> Option<(String, f64)> {
            let (head, rest) = stat.rsplit_once(") ")?;
            let comm = head.split_once(" (")?.1.to_owned();
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let ticks: u64 =
                fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
            Some((comm, ticks as f64 / 100.0))
        };
        let bench = seconds(&std::fs::read_to_string("/proc/self/stat").ok()?)?.1;
        let mut server = 0.0;
        let mut found = false;
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let stat = std::fs::read_to_string(entry.path().join("stat"));
            if let Some((comm, secs)) = stat.ok().as_deref().and_then(seconds)
                && comm == "postgres"
            {
                server += secs;
                found = true;
            }
        }
        found.then_some(Self { server, bench })
    }
}

/// p50, p99 and mean of `iterations` sequential calls.
async fn measure<F, Fut>(label: &str, iterations: usize, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    for _ in 0..50 {
        f().await;
    }
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let t = Instant::now();
        f().await;
        times.push(t.elapsed());
    }
    times.sort_unstable();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!(
        "{label:<44} p50 {:>8.3} ms  p99 {:>8.3} ms  mean {:>8.3} ms  ({iterations} runs)",
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        mean.as_secs_f64() * 1e3,
    );
}

async fn queues(url: &str) {
    let started = Instant::now();
    if pg_seed::seed(url).await.unwrap() {
        println!(
            "== seeded {} tickets in {} workspaces in {:.1?}",
            pg_seed::WORKSPACES * pg_seed::TICKETS,
            pg_seed::WORKSPACES,
            started.elapsed()
        );
    }
    let store = PgStore::connect(url, options(pg_seed::SCHEMA, 4))
        .await
        .unwrap();
    store.migrate().await.unwrap(); // grants the role its rights
    assert!(store.rls_enforced().await.unwrap());
    let desk = Helpdesk::new(Arc::new(store.clone()));
    let ws = desk
        .get_workspace_by_slug(&pg_seed::slug(42))
        .await
        .unwrap()
        .id;
    // The data reads back through the store.
    let stats = desk.ticket_stats(ws).await.unwrap();
    assert_eq!(stats.total, pg_seed::TICKETS as u64);
    let queue = TicketQuery {
        statuses: vec![Status::New, Status::Open, Status::InProgress],
        order: TicketOrder::Urgency,
        limit: 50,
        ..TicketQuery::default()
    };
    let first = desk.list_tickets(ws, &queue).await.unwrap();
    assert_eq!(first.items.len(), 50);
    assert!(first.items.iter().all(|t| t.priority == "urgent"));
    desk.thread(ws, first.items[0].id, ticketry_core::View::Agent)
        .await
        .unwrap();
    let second = TicketQuery {
        after: first.next_cursor.clone(),
        ..queue.clone()
    };
    let mine = TicketQuery {
        customer: Some(pg_seed::customer(17)),
        limit: 50,
        ..TicketQuery::default()
    };
    let mine_page = desk.list_tickets(ws, &mine).await.unwrap();
    assert_eq!(mine_page.items.len(), pg_seed::TICKETS / pg_seed::CUSTOMERS);
    let due = store.sla_due(ws, pg_seed::now(), 500).await.unwrap();
    println!(
        "== 1 M tickets, workspace {} ({:?}): {} active of {}, {} SLA checks due at {}",
        pg_seed::slug(42),
        ws,
        stats.by_status[&Status::New]
            + stats.by_status[&Status::Open]
            + stats.by_status[&Status::InProgress]
            + stats.by_status[&Status::Pending],
        stats.total,
        due.len(),
        pg_seed::now()
    );
    measure("agent queue, urgency, first page (50)", 1000, || async {
        desk.list_tickets(ws, &queue).await.unwrap();
    })
    .await;
    measure("agent queue, urgency, second page (50)", 1000, || async {
        desk.list_tickets(ws, &second).await.unwrap();
    })
    .await;
    measure("my tickets (one customer, newest first)", 1000, || async {
        desk.list_tickets(ws, &mine).await.unwrap();
    })
    .await;
    measure("SLA sweep read (sla_due, limit 500)", 1000, || async {
        store.sla_due(ws, pg_seed::now(), 500).await.unwrap();
    })
    .await;
    measure("get_ticket by id", 1000, || async {
        desk.get_ticket(ws, first.items[0].id).await.unwrap();
    })
    .await;
    for (label, plan) in [
        (
            "agent queue",
            store.explain_list_tickets(ws, &queue).await.unwrap(),
        ),
        (
            "agent queue, second page",
            store.explain_list_tickets(ws, &second).await.unwrap(),
        ),
        (
            "my tickets",
            store.explain_list_tickets(ws, &mine).await.unwrap(),
        ),
        (
            "SLA sweep",
            store
                .explain_sla_due(ws, pg_seed::now(), 500)
                .await
                .unwrap(),
        ),
    ] {
        println!("== EXPLAIN {label}");
        for line in plan {
            println!("   {line}");
        }
    }
}
