//! Ticket search latency (figures, not timed tests).
//!
//! ```text
//! cargo bench -p ticketry-benches --bench search                          # memory
//! scripts/pg-throwaway.sh cargo bench -p ticketry-benches --bench search  # + PostgreSQL
//! ```
//!
//! 1. **Memory**: one workspace of 100 000 tickets (subjects of four words of
//!    a 2 000-word vocabulary, skewed as real words are), each with two
//!    replies; p50/p99 of 200 two-word searches, and the cost of a ticket
//!    write with its indexing.
//! 2. **PostgreSQL** (with `DATABASE_URL`): the 1 M tickets of `pg_seed` (100
//!    workspaces, the same vocabulary); p50/p99 of 200 two-word searches in
//!    one workspace, first page of 50, newest first, and the plan.
//! 3. **Suggestions** over 10 000 published articles (titles and bodies of
//!    the same vocabulary), in memory and on PostgreSQL (a new workspace
//!    each run): p50/p99 of 100 ticket subjects.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../pg_seed.rs"]
mod pg_seed;

use std::sync::Arc;
use std::time::{Duration, Instant};
use ticketry_core::kb::{ArticleInput, ArticleStatus};
use ticketry_core::{
    AgentId, AgentInput, CustomerId, CustomerInput, Helpdesk, MessageInput, NewWorkspace,
    OpenTicket, TicketOrder, TicketQuery, WorkspaceId,
};
use ticketry_memory::MemoryStore;

fn main() {
    ticketry_benches::run("search", memory, |url| async move { postgres(&url).await });
}

/// 200 two-word queries: words of ranks spread over the vocabulary.
fn queries() -> Vec<String> {
    (0..200)
        .map(|i| {
            let a = pg_seed::word((i * 7) % 300);
            let b = pg_seed::word((i * 13 + 5) % 1200);
            format!("{a} {b}")
        })
        .collect()
}

async fn measure(
    desk: &Helpdesk,
    ws: WorkspaceId,
    order: TicketOrder,
) -> (Duration, Duration, usize) {
    let mut times = Vec::new();
    let mut hits = 0;
    for q in queries() {
        let query = TicketQuery {
            search: Some(q),
            limit: 50,
            order,
            ..TicketQuery::default()
        };
        let t = Instant::now();
        hits += desk.search_tickets(ws, &query).await.unwrap().items.len();
        times.push(t.elapsed());
    }
    let (p50, p99) = ticketry_benches::percentiles(times);
    (p50, p99, hits)
}

async fn memory() {
    let n = 100_000;
    let desk = Helpdesk::new(Arc::new(MemoryStore::new()));
    let ws = desk
        .create_workspace(NewWorkspace::new("Bench", "bench"))
        .await
        .unwrap()
        .id;
    let customer = CustomerId::new("c1").unwrap();
    desk.put_customer(ws, CustomerInput::new(customer.clone(), "C"))
        .await
        .unwrap();
    let agent = AgentId::new("a1").unwrap();
    desk.put_agent(ws, AgentInput::new(agent.clone(), "A"))
        .await
        .unwrap();
    let t = Instant::now();
    for seq in 1..=n {
        let input = OpenTicket::new(customer.clone(), pg_seed::subject(seq), "the export hangs");
        let id = desk.open_ticket(ws, input).await.unwrap().id;
        for r in 0..2 {
            let body = format!("{} please retry", pg_seed::subject(seq * 3 + r));
            desk.reply(ws, id, &agent, MessageInput::text(body))
                .await
                .unwrap();
        }
    }
    let per = t.elapsed().as_secs_f64() * 1e6 / (3 * n) as f64;
    suggestions(&desk, "memory").await;
    println!("memory: {n} tickets × 3 messages ({per:.1} µs per write, indexing included)");
    for order in [TicketOrder::Newest, TicketOrder::Relevance] {
        let (p50, p99, hits) = measure(&desk, ws, order).await;
        println!(
            "memory: two-word search by {order:?}, p50 {p50:.2?}, p99 {p99:.2?} \
             ({hits} hits over 200 queries)"
        );
    }
}

async fn postgres(url: &str) {
    let (store, desk) = pg_seed::open(url, 4).await.unwrap();
    let ws = pg_seed::workspace(&desk, 0).await.unwrap();
    suggestions(&desk, "postgres").await;
    measure(&desk, ws, TicketOrder::Newest).await; // warm the caches
    for order in [TicketOrder::Newest, TicketOrder::Relevance] {
        let (p50, p99, hits) = measure(&desk, ws, order).await;
        println!(
            "postgres: 1 M tickets (10 000 in the workspace); two-word search by {order:?}, \
             first page of 50: p50 {p50:.2?}, p99 {p99:.2?} ({hits} hits over 200 queries)"
        );
    }
    let query = TicketQuery {
        search: Some(queries()[0].clone()),
        limit: 50,
        ..TicketQuery::default()
    };
    if let Ok(plan) = store.explain_list_tickets(ws, &query).await {
        println!("{}", plan.join("\n"));
    }
}

/// Suggestion latency over 10 000 articles in a new workspace of `desk`.
async fn suggestions(desk: &Helpdesk, backend: &str) {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let ws = desk
        .create_workspace(NewWorkspace::new("KB", format!("kb-{stamp}")))
        .await
        .unwrap()
        .id;
    let t = Instant::now();
    for i in 0..10_000 {
        let input = ArticleInput {
            slug: format!("a{i}"),
            title: words(i + 1),
            body: format!("{}\n\n{}", words(i + 50_000), words(i + 90_000)),
            status: Some(ArticleStatus::Published),
            ..ArticleInput::default()
        };
        desk.create_article(ws, input).await.unwrap();
    }
    let per = t.elapsed().as_secs_f64() * 1e3 / 10_000.0;
    let mut times = Vec::new();
    let mut hits = 0;
    for i in 0..100 {
        let text = words(i * 977 + 3);
        let t = Instant::now();
        hits += desk
            .suggest_articles(ws, &text, "en", None, None, None)
            .await
            .unwrap()
            .articles
            .len();
        times.push(t.elapsed());
    }
    let (p50, p99) = ticketry_benches::percentiles(times);
    println!(
        "{backend}: suggestions over 10 000 articles: p50 {p50:.2?}, p99 {p99:.2?} \
         ({hits} over 100 subjects; {per:.2} ms to write an article)"
    );
}

/// The vocabulary words of `pg_seed::subject(seq)`, without its "Ticket N:".
fn words(seq: usize) -> String {
    let s = pg_seed::subject(seq);
    s.split_once(": ").map_or(s.clone(), |(_, w)| w.to_owned())
}
