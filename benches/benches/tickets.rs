//! Ticket throughput and memory on the in-memory backend.
//!
//! `cargo bench -p ticketry-benches --bench tickets`
//!
//! - `open+reply`: open a ticket (200-byte description, two tags) and add an
//!   agent reply, through `Helpdesk` on `MemoryStore`, one core; each sample
//!   on a fresh store (so the store holds the sample's tickets, ~20 000).
//! - `list`: the first page (50) of a 10 000-ticket workspace, newest first,
//!   filtered by status, and the agent queue (urgency order).
//! - memory: resident memory per ticket (one 200-byte message, two tags),
//!   measured from /proc/self/statm over 100 000 tickets.

use criterion::{Criterion, Throughput, criterion_group};
use std::sync::Arc;
use ticketry_core::{
    AgentId, AgentInput, CustomerId, CustomerInput, Helpdesk, MessageInput, NewWorkspace,
    OpenTicket, Status, TicketOrder, TicketQuery, WorkspaceId,
};
use ticketry_memory::MemoryStore;
use tokio::runtime::Runtime;

const BODY: &str = "Hello, I cannot log in to my account since this morning. The page says 403 Forbidden \
                    after I enter my password. I tried two browsers and cleared cookies. Could you check it? \
                    Thank you, Carol..........";

struct Desk {
    desk: Helpdesk,
    ws: WorkspaceId,
    agent: AgentId,
    customer: CustomerId,
}

fn setup(rt: &Runtime) -> Desk {
    rt.block_on(async {
        let desk = Helpdesk::new(Arc::new(MemoryStore::new()));
        let ws = desk
            .create_workspace(NewWorkspace::new("Bench", "bench"))
            .await
            .expect("workspace")
            .id;
        let agent = AgentId::new("agent").expect("id");
        let customer = CustomerId::new("customer").expect("id");
        desk.put_agent(ws, AgentInput::new(agent.clone(), "Agent"))
            .await
            .expect("agent");
        desk.put_customer(ws, CustomerInput::new(customer.clone(), "Customer"))
            .await
            .expect("customer");
        Desk {
            desk,
            ws,
            agent,
            customer,
        }
    })
}

fn open_input(d: &Desk) -> OpenTicket {
    let mut o = OpenTicket::new(d.customer.clone(), "Cannot log in", BODY);
    o.tags = vec!["login".into(), "web".into()];
    o
}

fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<usize>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}

fn report_memory() {
    assert_eq!(BODY.len(), 200);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let d = setup(&rt);
    const N: usize = 100_000;
    let before = rss_bytes();
    rt.block_on(async {
        for _ in 0..N {
            d.desk
                .open_ticket(d.ws, open_input(&d))
                .await
                .expect("open");
        }
    });
    let after = rss_bytes();
    println!(
        "memory: {} bytes resident per ticket (one 200-byte message, two tags; {N} tickets, {} MiB total)",
        (after - before) / N,
        (after - before) >> 20
    );
}

/// `iters` tickets opened and replied to on a fresh store whose workspace
/// has `rules` automation rules: all but two never match (words conditions
/// that are not in the text), one tags each new ticket, one emits an event
/// on each reply.
fn open_reply(rt: &Runtime, iters: u64, rules: usize) -> std::time::Duration {
    use ticketry_core::automation::{Condition, Rule, RuleAction, Trigger};
    let d = setup(rt);
    let rule = |i: usize, on: Trigger, words: &str, action: RuleAction| Rule {
        name: format!("rule {i}"),
        on: vec![on],
        conditions: vec![Condition::Words(vec![words.into()])],
        actions: vec![action],
        ..Rule::default()
    };
    let list: Vec<Rule> = (0..rules)
        .map(|i| match i {
            0 => rule(
                i,
                Trigger::TicketCreated,
                "log in",
                RuleAction::AddTag("access".into()),
            ),
            1 => rule(
                i,
                Trigger::AgentReply,
                "on it",
                RuleAction::Emit("notify:replied".into()),
            ),
            _ => rule(
                i,
                Trigger::TicketCreated,
                &format!("refund {i}"),
                RuleAction::AddTag("x".into()),
            ),
        })
        .collect();
    rt.block_on(d.desk.set_rules(d.ws, list)).expect("rules");
    let start = std::time::Instant::now();
    rt.block_on(async {
        for _ in 0..iters {
            let t = d
                .desk
                .open_ticket(d.ws, open_input(&d))
                .await
                .expect("open");
            d.desk
                .reply(d.ws, t.id, &d.agent, MessageInput::text("We are on it."))
                .await
                .expect("reply");
        }
    });
    start.elapsed()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let mut g = c.benchmark_group("memory_backend");
    g.throughput(Throughput::Elements(1));
    // Each sample runs on a fresh store (set up and dropped outside the
    // timing), so the store holds as many tickets as the sample wrote.
    for rules in [0, 50] {
        let name = match rules {
            0 => "open+reply".to_owned(),
            n => format!("open+reply, {n} automation rules"),
        };
        g.bench_function(name, |b| {
            b.iter_custom(|iters| open_reply(&rt, iters, rules))
        });
    }
    g.finish();

    let d = setup(&rt);
    rt.block_on(async {
        for i in 0..10_000 {
            let t = d
                .desk
                .open_ticket(d.ws, open_input(&d))
                .await
                .expect("open");
            if i % 3 == 0 {
                d.desk
                    .reply(d.ws, t.id, &d.agent, MessageInput::text("ok"))
                    .await
                    .expect("reply");
            }
        }
    });
    let mut g = c.benchmark_group("list_10k");
    g.throughput(Throughput::Elements(50));
    let newest = TicketQuery {
        statuses: vec![Status::Open],
        ..TicketQuery::default()
    };
    g.bench_function("newest_open_page", |b| {
        b.iter(|| {
            rt.block_on(d.desk.list_tickets(d.ws, &newest))
                .expect("list")
        })
    });
    let queue = TicketQuery {
        statuses: vec![Status::New, Status::Open],
        order: TicketOrder::Urgency,
        ..TicketQuery::default()
    };
    g.bench_function("urgency_queue_page", |b| {
        b.iter(|| {
            rt.block_on(d.desk.list_tickets(d.ws, &queue))
                .expect("list")
        })
    });
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    report_memory();
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}
