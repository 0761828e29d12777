//! # Ticketry in-memory backend
//!
//! The embedded default: every storage trait of `ticketry-core`, held in
//! process memory, safe under many concurrent tasks. Each workspace has its
//! own lock, so tenants never wait on each other; every write is applied
//! under that lock in one step, so it is atomic and readers never see half
//! of it.
//!
//! One file per store concern, as in `ticketry-core`'s service and the
//! PostgreSQL backend: `workspaces.rs`, `directory.rs`, `catalog.rs`,
//! `tickets.rs`, `events.rs`; this file holds the per-workspace data and
//! its lock, `chunked.rs` the append-only row storage.
//!
//! ```
//! use std::sync::Arc;
//! use ticketry_core::{Helpdesk, NewWorkspace};
//! use ticketry_memory::MemoryStore;
//! # tokio_test_block_on(async {
//! let desk = Helpdesk::new(Arc::new(MemoryStore::new()));
//! let ws = desk.create_workspace(NewWorkspace::new("Acme", "acme")).await.unwrap();
//! assert_eq!(desk.list_priorities(ws.id).await.unwrap().len(), 4);
//! # });
//! # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
//! # }
//! ```

mod catalog;
mod chunked;
mod directory;
mod events;
mod incidents;
mod kb;
mod mail;
mod stats;
mod tickets;
mod workspaces;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use chunked::Chunked;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use ticketry_core::event::Event;
use ticketry_core::query::{Page, Position, TicketOrder, TicketQuery, page_from};
use ticketry_core::sla::SlaPolicy;
use ticketry_core::store::{
    AgentLoad, CatalogStore, DirectoryStore, EventStore, StoreResult, TicketCreate, TicketImport,
    TicketStore, TicketWrite, WorkspaceCatalog, WorkspaceStore, WriteOutcome,
};
use ticketry_core::{
    Agent, AgentId, AssignmentRecord, Category, CategoryId, Customer, CustomerId, ImportedTicket,
    Message, MessageId, Priority, Status, StoreError, Tag, Team, TeamId, Template, TemplateId,
    Ticket, TicketId, Workspace, WorkspaceId,
};

/// FxHash (the rustc hasher): keys here are UUIDs and short strings chosen
/// by the library or the host's own ids, so no HashDoS-resistant hasher is
/// needed, and SipHash showed up in profiles.
#[derive(Debug, Default, Clone, Copy)]
struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn finish(&self) -> u64 {
        // The multiply leaves its entropy in the high bits; hashbrown picks
        // buckets with the low ones (as in rustc-hash 2).
        self.0.rotate_left(26)
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

/// The in-memory store. Cheap to share behind an `Arc`.
#[derive(Debug, Default)]
pub struct MemoryStore {
    tenants: RwLock<Tenants>,
}

#[derive(Debug, Default)]
struct Tenants {
    by_id: FastMap<WorkspaceId, Arc<Tenant>>,
    by_slug: FastMap<String, WorkspaceId>,
}

#[derive(Debug)]
struct Tenant {
    workspace: RwLock<Workspace>,
    data: RwLock<TenantData>,
}

/// One ticket with its thread and history.
#[derive(Debug)]
struct Row {
    ticket: Ticket,
    messages: Vec<Message>,
    assignments: Vec<AssignmentRecord>,
    /// The opening message's body is the ticket's description: it is held
    /// once (in the ticket) and `messages[0].body` stays empty until the
    /// description is edited.
    opening_shared: bool,
    /// Its search terms.
    terms: Terms,
}

/// A ticket's search terms, in the order PostgreSQL concatenates them.
#[derive(Debug, Default)]
struct Terms {
    /// Subject and description.
    head: Vec<String>,
    /// Public messages after the opening one.
    public: Vec<String>,
    /// Internal notes.
    notes: Vec<String>,
}

impl Terms {
    fn head_of(t: &Ticket) -> Vec<String> {
        let mut head = ticketry_core::search::index_terms(&t.subject);
        head.extend(ticketry_core::search::index_terms(&t.description));
        head
    }

    /// The ticket's [`Query::score`](ticketry_core::search::Query::score)
    /// (messages: public ones, and notes with `notes`).
    fn score(&self, query: &ticketry_core::search::Query, notes: bool) -> u32 {
        let mut body = self.public.clone();
        if notes {
            body.extend_from_slice(&self.notes);
        }
        query.score(&self.head, &body)
    }

    /// The terms a search sees (notes only with `notes`).
    fn view(&self, notes: bool) -> Vec<String> {
        let mut all = self.head.clone();
        all.extend_from_slice(&self.public);
        if notes {
            all.extend_from_slice(&self.notes);
        }
        all
    }
}

impl Row {
    /// The message at `i` as written.
    fn message(&self, i: usize) -> Message {
        let mut m = self.messages[i].clone();
        if i == 0 && self.opening_shared {
            m.body.clone_from(&self.ticket.description);
        }
        m
    }

    /// The thread as written.
    fn thread(&self) -> Vec<Message> {
        (0..self.messages.len()).map(|i| self.message(i)).collect()
    }

    /// Stores the ticket's new state, first giving the opening message its
    /// own copy of the text if the description changes.
    fn set_ticket(&mut self, ticket: Ticket) {
        if self.opening_shared && ticket.description != self.ticket.description {
            self.messages[0].body = std::mem::take(&mut self.ticket.description);
            self.opening_shared = false;
        }
        self.ticket = ticket;
    }
}

/// What [`TenantData::track`] indexes of a ticket.
#[derive(Debug, Default)]
struct Tracked {
    /// The assignee, while the ticket is open.
    holder: Option<AgentId>,
    /// `timers.due`.
    due: Option<DateTime<Utc>>,
}

impl Tracked {
    fn of(t: Option<&Ticket>) -> Self {
        match t {
            Some(t) => Self {
                holder: t.assignee.clone().filter(|_| t.status.is_active()),
                due: t.timers.due,
            },
            None => Self::default(),
        }
    }
}

#[derive(Debug, Default)]
struct TenantData {
    agents: BTreeMap<AgentId, Agent>,
    customers: BTreeMap<CustomerId, Customer>,
    /// Each customer's [`Customer::search_terms`].
    customer_terms: FastMap<CustomerId, Vec<String>>,
    teams: FastMap<TeamId, Team>,
    priorities: Arc<[Priority]>,
    categories: FastMap<CategoryId, Category>,
    tags: BTreeMap<String, Tag>,
    templates: FastMap<TemplateId, Template>,
    policies: Arc<[SlaPolicy]>,
    rules: Arc<[ticketry_core::automation::Rule]>,
    /// Tickets in seq order (dense, `seq - 1`, unless an import kept
    /// another system's numbers: see [`TenantData::below`]).
    tickets: Chunked<Row>,
    /// The workspace's last ticket seq.
    last_seq: u64,
    by_id: FastMap<TicketId, u32>,
    by_number: FastMap<Box<str>, u32>,
    /// Host-chosen keys: a keyed hash (SipHash, random keys), so crafted
    /// colliding keys cannot make inserts quadratic.
    ticket_keys: HashMap<Box<str>, (u32, uuid::Uuid)>,
    message_keys: HashMap<Box<str>, (u32, u32)>,
    /// Messages by id: `(ticket index, position in its thread)`.
    message_ids: FastMap<MessageId, (u32, u32)>,
    /// `(next_check, index)` of tickets with SLA work pending.
    sla_index: BTreeSet<(DateTime<Utc>, u32)>,
    /// Search term → the tickets that had it (append-only: a search
    /// verifies each candidate against its current terms).
    postings: HashMap<Box<str>, Vec<u32>>,
    /// `(timers.due, index)` of tickets with a time rule ahead.
    timer_index: BTreeSet<(DateTime<Utc>, u32)>,
    /// Open tickets (active statuses) per assignee.
    loads: FastMap<AgentId, u32>,
    /// The last assignment to each agent.
    last_assigned: FastMap<AgentId, DateTime<Utc>>,
    /// Incidents, in the order declared.
    incidents: Vec<ticketry_core::incident::Incident>,
    /// The open ones (the catalog's).
    open_incidents: Arc<[ticketry_core::incident::Incident]>,
    /// Access-recovery requests, in the order made.
    access: Vec<ticketry_core::access::AccessRequest>,
    /// Knowledge-base categories.
    kb_categories: Vec<ticketry_core::kb::KbCategory>,
    /// Daily statistics by day.
    daily_stats: BTreeMap<chrono::NaiveDate, ticketry_core::metrics::DailyStats>,
    /// Articles with their search terms.
    articles: Vec<(ticketry_core::kb::Article, Vec<String>)>,
    /// Votes: (article, voter) → helpful.
    votes: HashMap<(ticketry_core::ArticleId, Box<str>), bool>,
    /// Views per article.
    views: HashMap<ticketry_core::ArticleId, u64>,
    /// Suggestions shown.
    suggestions: FastMap<ticketry_core::SuggestionId, ticketry_core::kb::SuggestionSet>,
    /// Events by `seq - 1`.
    events: Chunked<Event>,
    consumers: FastMap<String, u64>,
    /// Messages by their e-mail `Message-ID` (the newest): `(insertion
    /// order, ticket index)`. A keyed hash, as the ids come from mail.
    email_ids: HashMap<Box<str>, (u64, u32)>,
    /// Messages inserted so far (the order `email_ids` compares by).
    messages_inserted: u64,
    /// Customers by lower-case e-mail address.
    customer_emails: HashMap<String, BTreeSet<CustomerId>>,
    /// The mail log, in the order first received.
    inbound: Vec<ticketry_core::mail::InboundMail>,
    /// Positions in `inbound` by key, and by sender.
    inbound_keys: HashMap<String, usize>,
    inbound_from: HashMap<String, Vec<usize>>,
}

fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|p| p.into_inner())
}

fn missing_workspace(ws: WorkspaceId) -> StoreError {
    StoreError::NotFound {
        entity: "workspace",
        id: ws.to_string(),
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn tenant(&self, ws: WorkspaceId) -> StoreResult<Arc<Tenant>> {
        read(&self.tenants)
            .by_id
            .get(&ws)
            .cloned()
            .ok_or_else(|| missing_workspace(ws))
    }

    fn with<R>(&self, ws: WorkspaceId, f: impl FnOnce(&TenantData) -> R) -> StoreResult<R> {
        let t = self.tenant(ws)?;
        let data = read(&t.data);
        Ok(f(&data))
    }

    fn with_mut<R>(
        &self,
        ws: WorkspaceId,
        f: impl FnOnce(&mut TenantData) -> StoreResult<R>,
    ) -> StoreResult<R> {
        let t = self.tenant(ws)?;
        let mut data = write(&t.data);
        f(&mut data)
    }
}

impl TenantData {
    fn row(&self, id: TicketId) -> Option<&Row> {
        self.by_id.get(&id).map(|&i| &self.tickets[i as usize])
    }

    /// How many tickets have a seq below `seq` (the position of the first
    /// at or after it).
    fn below(&self, seq: u64) -> usize {
        let n = self.tickets.len();
        if self.last_seq == n as u64 {
            // Dense: seq = position + 1.
            return (seq.saturating_sub(1) as usize).min(n);
        }
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.tickets[mid].ticket.seq < seq {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Stores a new ticket (numbered, its seq above every stored one) with
    /// its thread and history, indexed; returns its position.
    fn insert_ticket(
        &mut self,
        ticket: Ticket,
        mut messages: Vec<Message>,
        assignments: Vec<AssignmentRecord>,
    ) -> u32 {
        let idx = self.tickets.len() as u32;
        self.last_seq = self.last_seq.max(ticket.seq);
        self.by_id.insert(ticket.id, idx);
        self.by_number
            .insert(ticket.number.to_ascii_lowercase().into_boxed_str(), idx);
        self.index_sla(idx, None, ticket.sla.next_check());
        self.track(idx, Tracked::default(), &ticket, &assignments);
        let opening_shared = messages
            .first_mut()
            .filter(|m| m.body == ticket.description)
            .map(|m| m.body = String::new())
            .is_some();
        let head = Terms::head_of(&ticket);
        self.post(idx, &head);
        self.tickets.push(Row {
            ticket,
            messages: Vec::new(),
            assignments,
            opening_shared,
            terms: Terms {
                head,
                ..Terms::default()
            },
        });
        self.add_messages(idx, messages);
        idx
    }

    fn append_events(&mut self, ws: WorkspaceId, events: Vec<ticketry_core::event::NewEvent>) {
        for e in events {
            let seq = self.events.len() as u64 + 1;
            self.events.push(e.into_event(ws, seq));
        }
    }

    fn index_sla(&mut self, idx: u32, old: Option<DateTime<Utc>>, new: Option<DateTime<Utc>>) {
        if old == new {
            return;
        }
        if let Some(o) = old {
            self.sla_index.remove(&(o, idx));
        }
        if let Some(n) = new {
            self.sla_index.insert((n, idx));
        }
    }

    /// Keeps the timer index, the loads and the last assignments up to date
    /// as the ticket at `idx` goes from `old` ([`Tracked::of`] its earlier
    /// state) to `new`.
    fn track(&mut self, idx: u32, old: Tracked, new: &Ticket, assignments: &[AssignmentRecord]) {
        let now = Tracked::of(Some(new));
        if old.due != now.due {
            if let Some(o) = old.due {
                self.timer_index.remove(&(o, idx));
            }
            if let Some(n) = now.due {
                self.timer_index.insert((n, idx));
            }
        }
        if old.holder != now.holder {
            if let Some(a) = old.holder
                && let Some(n) = self.loads.get_mut(&a)
            {
                *n = n.saturating_sub(1);
            }
            if let Some(a) = now.holder {
                *self.loads.entry(a).or_default() += 1;
            }
        }
        for r in assignments {
            if let Some(to) = &r.to {
                let last = self.last_assigned.entry(to.clone()).or_insert(r.at);
                *last = (*last).max(r.at);
            }
        }
    }

    /// `NotFound`/`AtCapacity` unless the guard's agent has room (not
    /// counting the ticket at `idx`, if it holds it).
    fn check_capacity(
        &self,
        guard: Option<&ticketry_core::store::CapacityGuard>,
        current: Option<&Ticket>,
    ) -> StoreResult<()> {
        let Some(g) = guard else { return Ok(()) };
        let mut open = self.loads.get(&g.agent).copied().unwrap_or(0);
        if current.is_some_and(|t| t.status.is_active() && t.assignee.as_ref() == Some(&g.agent)) {
            open = open.saturating_sub(1);
        }
        if open >= g.max {
            return Err(StoreError::AtCapacity {
                id: g.agent.to_string(),
            });
        }
        Ok(())
    }

    /// The tickets of `index` due by `now`, earliest first, at most `limit`.
    fn due(
        &self,
        index: &BTreeSet<(DateTime<Utc>, u32)>,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Vec<Ticket> {
        index
            .iter()
            .take_while(|(at, _)| *at <= now)
            .take(limit)
            .map(|&(_, i)| self.tickets[i as usize].ticket.clone())
            .collect()
    }

    /// Adds `terms` of the ticket at `idx` to the postings.
    fn post(&mut self, idx: u32, terms: &[String]) {
        let mut seen: Vec<&String> = terms.iter().collect();
        seen.sort();
        seen.dedup();
        for t in seen {
            let list = self.postings.entry(t.as_str().into()).or_default();
            if list.last() != Some(&idx) {
                list.push(idx);
            }
        }
    }

    /// The tickets matching `query` (in the view with or without notes).
    fn search(&self, query: &ticketry_core::search::Query, notes: bool) -> HashSet<u32> {
        use ticketry_core::search::Clause;
        let postings = |c: &Clause| -> Vec<u32> {
            match c {
                Clause::Term { term, prefix: true } => self
                    .postings
                    .iter()
                    .filter(|(k, _)| k.starts_with(term.as_str()))
                    .flat_map(|(_, v)| v.iter().copied())
                    .collect(),
                Clause::Term { term, .. } => self
                    .postings
                    .get(term.as_str())
                    .cloned()
                    .unwrap_or_default(),
                Clause::Phrase(p) => p
                    .iter()
                    .filter_map(|t| self.postings.get(t.as_str()))
                    .min_by_key(|v| v.len())
                    .cloned()
                    .unwrap_or_default(),
            }
        };
        // The group with the fewest candidates, each checked in full.
        let candidates = query
            .all
            .iter()
            .map(|g| g.iter().flat_map(postings).collect::<HashSet<u32>>())
            .min_by_key(HashSet::len)
            .unwrap_or_default();
        candidates
            .into_iter()
            .filter(|&i| query.matches(&self.tickets[i as usize].terms.view(notes)))
            .collect()
    }

    fn check_message_keys(&self, messages: &[Message]) -> Option<Message> {
        messages.iter().find_map(|m| {
            let key = m.idempotency_key.as_deref()?;
            let &(t, i) = self.message_keys.get(key)?;
            Some(self.tickets[t as usize].message(i as usize))
        })
    }

    fn add_messages(&mut self, idx: u32, messages: Vec<Message>) {
        let first = self.tickets[idx as usize].messages.is_empty();
        let mut added = Vec::new();
        for (i, m) in messages.iter().enumerate() {
            // The opening message is the description (in the head).
            if first && i == 0 {
                continue;
            }
            // System messages (auto-replies, broadcasts) are not searched.
            if m.kind == ticketry_core::MessageKind::System {
                continue;
            }
            let terms = ticketry_core::search::index_terms(&m.body);
            let row = &mut self.tickets[idx as usize];
            let view = if m.kind == ticketry_core::MessageKind::Note {
                &mut row.terms.notes
            } else {
                &mut row.terms.public
            };
            if view.len() < ticketry_core::search::MAX_VIEW_TERMS {
                view.extend_from_slice(&terms);
                added.extend(terms);
            }
        }
        self.post(idx, &added);
        let row = &mut self.tickets[idx as usize];
        // Exact capacity: a first push would reserve room for four messages.
        row.messages.reserve_exact(messages.len());
        for m in messages {
            let at = (idx, row.messages.len() as u32);
            if let Some(k) = &m.idempotency_key {
                self.message_keys.insert(k.as_str().into(), at);
            }
            self.message_ids.insert(m.id, at);
            if let Some(e) = &m.email_message_id {
                self.messages_inserted += 1;
                self.email_ids
                    .insert(e.as_str().into(), (self.messages_inserted, at.0));
            }
            row.messages.push(m);
        }
    }
}
