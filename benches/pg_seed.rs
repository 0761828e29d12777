//! Seeds a PostgreSQL schema with 1 M tickets across 100 workspaces, fast:
//! rows are generated in Rust from real tickets (opened through
//! `Helpdesk::open_ticket` on an in-memory store, one per priority, so every
//! document is what the store itself would write) and loaded with `COPY`.
//!
//! Each workspace gets 1 000 customers, 20 agents and 10 000 tickets, each
//! with its opening message and its `ticket.created` event. The newest 40 %
//! are active (new / open / in progress / pending, in turn, independently of
//! the priority), the rest resolved or closed. SLA clocks are as a sweep
//! run up to 5 minutes before [`now`] left them: past warnings emitted,
//! past breaches recorded, so the next SLA check of most tickets lies in
//! the future.
//!
//! `COPY` into tables under row-level security needs a superuser or a
//! `BYPASSRLS` role (the throwaway server's `postgres` is one).

use chrono::{DateTime, Datelike, TimeDelta, TimeZone, Utc};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;
use ticketry_core::event::NewEvent;
use ticketry_core::sla::{ClockStatus, SlaClock};
use ticketry_core::{
    AgentId, CustomerId, EventKind, Helpdesk, ManualClock, Message, MessageId, NewWorkspace,
    OpenTicket, Status, Ticket, TicketId, WorkspaceId,
};
use ticketry_postgres::{PgOptions, PgStore};

/// The seeded schema.
pub const SCHEMA: &str = "ticketry_bench_v3";
/// Workspaces seeded.
pub const WORKSPACES: usize = 100;
/// Tickets per workspace.
pub const TICKETS: usize = 10_000;
/// Customers per workspace.
pub const CUSTOMERS: usize = 1_000;
/// Agents per workspace.
pub const AGENTS: usize = 20;
const PRIORITIES: [&str; 4] = ["low", "medium", "high", "urgent"];

/// The instant the data is seeded for (the sweep's "now").
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0)
        .single()
        .expect("valid instant")
}

/// The slug of the `i`-th workspace.
pub fn slug(i: usize) -> String {
    format!("bench-{i:03}")
}

/// The id of the `i`-th customer of a workspace.
pub fn customer(i: usize) -> CustomerId {
    CustomerId::new(format!("customer-{i:04}")).expect("valid id")
}

fn agent(i: usize) -> AgentId {
    AgentId::new(format!("agent-{i:02}")).expect("valid id")
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The seeded schema (seeding it first if needed, and applying the latest
/// migrations), with a store of `connections` and a desk on it. The store
/// runs as [`ticketry_benches::ROLE`], subject to row-level security as a
/// host's should be: plans (and so figures) differ from a superuser's.
#[allow(dead_code)]
pub async fn open(url: &str, connections: u32) -> Result<(PgStore, Helpdesk), BoxError> {
    seed(url).await?;
    ticketry_benches::ensure_role(url).await;
    let options = PgOptions {
        schema: SCHEMA.into(),
        max_connections: connections,
        role: Some(ticketry_benches::ROLE.into()),
        ..PgOptions::default()
    };
    let store = PgStore::connect(url, options).await?;
    store.migrate().await?;
    let desk = Helpdesk::new(Arc::new(store.clone()));
    Ok((store, desk))
}

/// The id of the `i`-th seeded workspace.
#[allow(dead_code)]
pub async fn workspace(desk: &Helpdesk, i: usize) -> Result<WorkspaceId, BoxError> {
    Ok(desk.get_workspace_by_slug(&slug(i)).await?.id)
}

/// Seeds [`SCHEMA`] unless it already holds the full data set; returns
/// whether it seeded.
pub async fn seed(url: &str) -> Result<bool, BoxError> {
    let options = PgOptions {
        schema: SCHEMA.into(),
        max_connections: 4,
        statement_timeout: None,
        ..PgOptions::default()
    };
    let store = PgStore::connect(url, options).await?;
    let mut conn = PgConnection::connect(url).await?;
    let seeded: Option<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT count(*) FROM {SCHEMA}.tickets"
    )))
    .fetch_one(&mut conn)
    .await
    .ok();
    if seeded == Some((WORKSPACES * TICKETS) as i64) {
        return Ok(false);
    }
    sqlx::raw_sql(AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"
    )))
    .execute(&mut conn)
    .await?;
    store.migrate().await?;
    let started = Instant::now();
    let templates = templates().await?;
    let desk = Helpdesk::new(Arc::new(store.clone()));
    for w in 0..WORKSPACES {
        let ws = desk
            .create_workspace(NewWorkspace::new(format!("Bench {w}"), slug(w)))
            .await?;
        load_workspace(&mut conn, ws.id, &templates).await?;
        if w % 10 == 9 {
            eprintln!(
                "seed: {} workspaces, {} tickets, {:.0?}",
                w + 1,
                (w + 1) * TICKETS,
                started.elapsed()
            );
        }
    }
    sqlx::raw_sql(AssertSqlSafe(format!(
        "UPDATE {SCHEMA}.workspace_counters SET last_ticket = {TICKETS}, last_event = {TICKETS}"
    )))
    .execute(&mut conn)
    .await?;
    // One statement each: VACUUM cannot run in the implicit transaction of a
    // multi-statement query.
    for table in ["tickets", "messages", "events", "customers", "agents"] {
        sqlx::raw_sql(AssertSqlSafe(format!("VACUUM ANALYZE {SCHEMA}.{table}")))
            .execute(&mut conn)
            .await?;
    }
    eprintln!("seed: done in {:.1?}", started.elapsed());
    conn.close().await?;
    Ok(true)
}

/// One opened ticket (with its opening message) per priority.
/// A ticket as `open_ticket` made it, with its opening message and event.
type Template = (Ticket, Message, NewEvent);

async fn templates() -> Result<Vec<Template>, BoxError> {
    let mem = Arc::new(ticketry_memory::MemoryStore::new());
    let clock = Arc::new(ManualClock::new(now()));
    let desk = Helpdesk::with_clock(mem.clone(), clock);
    let ws = desk.create_workspace(NewWorkspace::new("T", "t")).await?;
    desk.put_customer(ws.id, ticketry_core::CustomerInput::new(customer(0), "C"))
        .await?;
    let mut out = Vec::new();
    for p in PRIORITIES {
        let mut input = OpenTicket::new(customer(0), "template", "It does not work.");
        input.priority = Some(p.into());
        let t = desk.open_ticket(ws.id, input).await?;
        let thread = desk.thread(ws.id, t.id, ticketry_core::View::Agent).await?;
        let events = desk.events(ws.id, 0, 1000).await?;
        let created = events
            .into_iter()
            .find(|e| e.ticket_id == Some(t.id) && e.kind.name() == "ticket.created")
            .ok_or("no ticket.created event")?;
        let event = NewEvent {
            ticket_id: created.ticket_id,
            actor: created.actor,
            at: created.at,
            kind: created.kind,
        };
        out.push((t, thread.messages[0].clone(), event));
    }
    Ok(out)
}

fn shift(t: &mut Option<DateTime<Utc>>, d: TimeDelta) {
    if let Some(x) = t {
        *x += d;
    }
}

/// The clock as a sweep that ran up to `now - 5 min` left it.
fn settle(c: &mut SlaClock, swept: DateTime<Utc>) {
    if c.status != ClockStatus::Running {
        return;
    }
    if c.warn_at.is_some_and(|w| w <= swept) {
        c.warned = true;
    }
    if let Some(due) = c.due_at.filter(|d| *d <= swept) {
        c.status = ClockStatus::Breached;
        c.breached_at = Some(due);
    }
}

/// Ticket `seq` of a workspace, with its opening message and event.
fn ticket(ws: WorkspaceId, seq: usize, templates: &[Template]) -> (Ticket, Message, NewEvent) {
    let (template, message, event) = &templates[seq % 4];
    let mut t = template.clone();
    // Spread over the last 30 days, oldest first; whole seconds.
    let created = now() - TimeDelta::seconds(((TICKETS - seq) * 259) as i64);
    let d = created - t.created_at;
    t.id = TicketId::generate();
    t.workspace_id = ws;
    t.seq = seq as u64;
    t.number = ticketry_core::NumberFormat::default().render(t.seq, created.year(), ws);
    t.subject = subject(seq);
    t.customer = customer(seq * 7 % CUSTOMERS);
    t.assignee = (!seq.is_multiple_of(3)).then(|| agent(seq % AGENTS));
    if seq.is_multiple_of(5) {
        t.tags = vec!["billing".into()];
    }
    t.created_at = created;
    t.updated_at = created;
    shift(&mut t.awaiting_reply_since, d);
    for c in &mut t.sla.clocks {
        c.started_at += d;
        shift(&mut c.running_since, d);
        shift(&mut c.due_at, d);
        shift(&mut c.warn_at, d);
    }
    let active = seq * 10 > TICKETS * 6;
    t.status = if active {
        [
            Status::New,
            Status::Open,
            Status::InProgress,
            Status::Pending,
        ][seq / 4 % 4]
    } else if seq.is_multiple_of(3) {
        Status::Resolved
    } else {
        Status::Closed
    };
    let swept = now() - TimeDelta::minutes(5);
    for c in &mut t.sla.clocks {
        match t.status {
            Status::Pending => {
                c.status = ClockStatus::Paused;
                c.running_since = None;
                c.due_at = None;
                c.warn_at = None;
            }
            s if s.is_active() => settle(c, swept),
            _ => {
                c.status = ClockStatus::Met;
                c.running_since = None;
                c.stopped_at = Some(created + TimeDelta::hours(1));
            }
        }
    }
    if !active {
        t.resolved_at = Some(created + TimeDelta::hours(1));
        t.first_response_at = Some(created + TimeDelta::minutes(20));
        t.awaiting_reply_since = None;
        if t.status == Status::Closed {
            t.closed_at = Some(created + TimeDelta::hours(2));
        }
        t.version = 4;
    }
    let mut m = message.clone();
    m.id = MessageId::generate();
    m.ticket_id = t.id;
    m.author = ticketry_core::Actor::Customer(t.customer.clone());
    m.created_at = created;
    let mut e = event.clone();
    e.ticket_id = Some(t.id);
    e.actor = m.author.clone();
    e.at = created;
    if let EventKind::TicketCreated {
        number, subject, ..
    } = &mut e.kind
    {
        number.clone_from(&t.number);
        subject.clone_from(&t.subject);
    }
    (t, m, e)
}

/// The `i`-th word of the seeded vocabulary (2 000 made-up words of two to
/// four syllables, which the English stemmer leaves as they are).
pub fn word(i: usize) -> String {
    const SYLLABLES: [&str; 12] = [
        "ka", "lo", "mi", "ne", "po", "ru", "sa", "te", "vi", "zo", "da", "fu",
    ];
    let mut out = String::new();
    let mut n = i + 12;
    while n > 0 {
        out.push_str(SYLLABLES[n % 12]);
        n /= 12;
    }
    out.push('x');
    out
}

/// Vocabulary size.
pub const VOCABULARY: usize = 2_000;

/// The subject of ticket `seq`: four words drawn with a skew to the first
/// ones of the vocabulary (as real words are: a few common, most rare).
pub fn subject(seq: usize) -> String {
    let mut h = (seq as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut words = Vec::new();
    for _ in 0..4 {
        h ^= h >> 29;
        h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        let r = (h >> 11) as usize % VOCABULARY;
        words.push(word(r * r / VOCABULARY));
    }
    format!("Ticket {seq}: {}", words.join(" "))
}

/// A CSV field: quoted, quotes doubled.
fn q(out: &mut String, s: &str) {
    out.push('"');
    out.push_str(&s.replace('"', "\"\""));
    out.push('"');
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

async fn copy(conn: &mut PgConnection, statement: &str, data: String) -> Result<(), BoxError> {
    let mut copy = conn.copy_in_raw(statement).await?;
    copy.send(data.into_bytes()).await?;
    copy.finish().await?;
    Ok(())
}

async fn load_workspace(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    templates: &[Template],
) -> Result<(), BoxError> {
    let w = ws.as_uuid();
    let (mut customers, mut agents) = (String::new(), String::new());
    for i in 0..CUSTOMERS {
        let c = ticketry_core::Customer {
            id: customer(i),
            name: format!("Customer {i}"),
            email: Some(format!("customer-{i}@example.com")),
            tier: (i % 10 == 0).then(|| "gold".into()),
            locale: None,
            timezone: None,
            created_at: now(),
        };
        write!(customers, "{w},{},", c.id)?;
        q(&mut customers, &serde_json::to_string(&c)?);
        customers.push(',');
        q(
            &mut customers,
            &ticketry_core::search::tsvector(&c.search_terms()),
        );
        customers.push('\n');
    }
    for i in 0..AGENTS {
        let a = ticketry_core::Agent {
            id: agent(i),
            name: format!("Agent {i}"),
            email: None,
            active: true,
            available: true,
            capacity: None,
            created_at: now(),
        };
        write!(agents, "{w},{},", a.id)?;
        q(&mut agents, &serde_json::to_string(&a)?);
        agents.push('\n');
    }
    let (mut tickets, mut messages, mut events) = (String::new(), String::new(), String::new());
    for seq in 1..=TICKETS {
        let (t, m, e) = ticket(ws, seq, templates);
        let rank = PRIORITIES
            .iter()
            .position(|p| *p == t.priority)
            .map_or(0, |i| i as i32 + 1);
        let due = t.sla.due_at().map_or(i64::MAX, |d| d.timestamp());
        let next = t.sla.next_check().map(ts).unwrap_or_default();
        let tags = if t.tags.is_empty() {
            "{}".to_owned()
        } else {
            format!("{{{}}}", t.tags.join(","))
        };
        write!(
            tickets,
            "{w},{},{},{},{},{},{},{},{},{},{},{},,,\"{tags}\",,{},{},{},",
            t.id,
            t.seq,
            t.number,
            t.status.as_str(),
            t.status.is_active(),
            t.priority,
            -rank,
            due,
            next,
            t.customer,
            t.assignee.as_ref().map(|a| a.as_str()).unwrap_or_default(),
            ts(t.created_at),
            ts(t.updated_at),
            t.version,
        )?;
        q(&mut tickets, &serde_json::to_string(&t)?);
        tickets.push(',');
        let mut head = ticketry_core::search::terms(&t.subject);
        head.extend(ticketry_core::search::terms(&t.description));
        q(&mut tickets, &ticketry_core::search::tsvector(&head));
        tickets.push(',');
        let facts = ticketry_core::metrics::TicketFacts::from(&t);
        q(&mut tickets, &serde_json::to_string(&facts)?);
        tickets.push('\n');
        write!(
            messages,
            "{w},{},{},{},,{},",
            m.id,
            m.ticket_id,
            m.kind.as_str(),
            ts(m.created_at)
        )?;
        q(&mut messages, &serde_json::to_string(&m)?);
        messages.push('\n');
        let event = e.into_event(ws, t.seq);
        write!(
            events,
            "{w},{},{},{},{},",
            event.seq,
            t.id,
            event.kind.name(),
            ts(event.at)
        )?;
        q(&mut events, &serde_json::to_string(&event)?);
        events.push('\n');
    }
    copy(
        conn,
        &format!(
            "COPY {SCHEMA}.customers (workspace_id, customer_id, doc, search) FROM STDIN (FORMAT csv)"
        ),
        customers,
    )
    .await?;
    copy(
        conn,
        &format!("COPY {SCHEMA}.agents (workspace_id, agent_id, doc) FROM STDIN (FORMAT csv)"),
        agents,
    )
    .await?;
    copy(
        conn,
        &format!(
            "COPY {SCHEMA}.tickets (workspace_id, ticket_id, seq, number, status, active, \
             priority, rank_key, due_secs, sla_next_check, customer_id, assignee_id, team_id, \
             category_id, tags, idempotency_key, created_at, updated_at, version, doc, \
             search_head, facts) \
             FROM STDIN (FORMAT csv)"
        ),
        tickets,
    )
    .await?;
    copy(
        conn,
        &format!(
            "COPY {SCHEMA}.messages (workspace_id, message_id, ticket_id, kind, \
             idempotency_key, created_at, doc) FROM STDIN (FORMAT csv)"
        ),
        messages,
    )
    .await?;
    copy(
        conn,
        &format!(
            "COPY {SCHEMA}.events (workspace_id, seq, ticket_id, type, at, doc) \
             FROM STDIN (FORMAT csv)"
        ),
        events,
    )
    .await?;
    // What the store's own inserts write beside a ticket (migrations 0017, 0019).
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO {SCHEMA}.ticket_terms (workspace_id, ticket_id, terms)
         SELECT workspace_id, ticket_id,
             {SCHEMA}.scoped_terms(workspace_id, search_head || search_public)
         FROM {SCHEMA}.tickets WHERE workspace_id = $1"
    )))
    .bind(w)
    .execute(&mut *conn)
    .await?;
    // And its tags' rows (migration 0020).
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO {SCHEMA}.ticket_tags (workspace_id, tag, ticket_id)
         SELECT DISTINCT workspace_id, tag, ticket_id
         FROM {SCHEMA}.tickets, unnest(tags) AS tag WHERE workspace_id = $1"
    )))
    .bind(w)
    .execute(&mut *conn)
    .await?;
    // And its customers' search terms' rows (migration 0023).
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO {SCHEMA}.customer_terms (workspace_id, customer_id, terms)
         SELECT workspace_id, customer_id, {SCHEMA}.scoped_terms(workspace_id, search)
         FROM {SCHEMA}.customers WHERE workspace_id = $1"
    )))
    .bind(w)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
