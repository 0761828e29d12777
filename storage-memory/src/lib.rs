//! # Ticketry in-memory backend
//!
//! The embedded default: every storage trait of `ticketry-core`, held in
//! process memory, safe under many concurrent tasks. Each workspace has its
//! own lock, so tenants never wait on each other; every write is applied
//! under that lock in one step, so it is atomic and readers never see half
//! of it.
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

mod chunked;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use chunked::Chunked;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use ticketry_core::event::Event;
use ticketry_core::query::{Page, Position, TicketOrder, TicketQuery, page_from};
use ticketry_core::sla::SlaPolicy;
use ticketry_core::store::{
    CatalogStore, DirectoryStore, EventStore, StoreResult, TicketCreate, TicketStore, TicketWrite,
    WorkspaceStore, WriteOutcome,
};
use ticketry_core::{
    Agent, AgentId, AssignmentRecord, Category, CategoryId, Customer, CustomerId, Message,
    Priority, Status, StoreError, Tag, Team, TeamId, Template, TemplateId, Ticket, TicketId,
    Workspace, WorkspaceId,
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

#[derive(Debug, Default)]
struct TenantData {
    agents: BTreeMap<AgentId, Agent>,
    customers: BTreeMap<CustomerId, Customer>,
    teams: FastMap<TeamId, Team>,
    priorities: Arc<[Priority]>,
    categories: FastMap<CategoryId, Category>,
    tags: BTreeMap<String, Tag>,
    templates: FastMap<TemplateId, Template>,
    policies: Arc<[SlaPolicy]>,
    /// Tickets by `seq - 1` (the counter is gap-free, so this is dense).
    tickets: Chunked<Row>,
    by_id: FastMap<TicketId, u32>,
    by_number: FastMap<Box<str>, u32>,
    /// Host-chosen keys: a keyed hash (SipHash, random keys), so crafted
    /// colliding keys cannot make inserts quadratic.
    ticket_keys: HashMap<Box<str>, (u32, uuid::Uuid)>,
    message_keys: HashMap<Box<str>, (u32, u32)>,
    /// `(next_check, index)` of tickets with SLA work pending.
    sla_index: BTreeSet<(DateTime<Utc>, u32)>,
    /// Events by `seq - 1`.
    events: Chunked<Event>,
    consumers: FastMap<String, u64>,
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

    fn check_message_keys(&self, messages: &[Message]) -> Option<Message> {
        messages.iter().find_map(|m| {
            let key = m.idempotency_key.as_deref()?;
            let &(t, i) = self.message_keys.get(key)?;
            Some(self.tickets[t as usize].message(i as usize))
        })
    }

    fn add_messages(&mut self, idx: u32, messages: Vec<Message>) {
        let row = &mut self.tickets[idx as usize];
        // Exact capacity: a first push would reserve room for four messages.
        row.messages.reserve_exact(messages.len());
        for m in messages {
            if let Some(k) = &m.idempotency_key {
                self.message_keys
                    .insert(k.as_str().into(), (idx, row.messages.len() as u32));
            }
            row.messages.push(m);
        }
    }
}

#[async_trait]
impl WorkspaceStore for MemoryStore {
    async fn insert_workspace(&self, ws: &Workspace) -> StoreResult<()> {
        let mut tenants = write(&self.tenants);
        if tenants.by_slug.contains_key(&ws.slug) || tenants.by_id.contains_key(&ws.id) {
            return Err(StoreError::AlreadyExists {
                entity: "workspace",
                key: ws.slug.clone(),
            });
        }
        tenants.by_slug.insert(ws.slug.clone(), ws.id);
        tenants.by_id.insert(
            ws.id,
            Arc::new(Tenant {
                workspace: RwLock::new(ws.clone()),
                data: RwLock::default(),
            }),
        );
        Ok(())
    }

    async fn update_workspace(&self, ws: &Workspace) -> StoreResult<()> {
        let t = self.tenant(ws.id)?;
        let mut current = write(&t.workspace);
        current.name.clone_from(&ws.name);
        current.settings = ws.settings.clone();
        Ok(())
    }

    async fn get_workspace(&self, id: WorkspaceId) -> StoreResult<Option<Workspace>> {
        Ok(read(&self.tenants)
            .by_id
            .get(&id)
            .map(|t| read(&t.workspace).clone()))
    }

    async fn get_workspace_by_slug(&self, slug: &str) -> StoreResult<Option<Workspace>> {
        let tenants = read(&self.tenants);
        Ok(tenants
            .by_slug
            .get(slug)
            .and_then(|id| tenants.by_id.get(id))
            .map(|t| read(&t.workspace).clone()))
    }
}

#[async_trait]
impl DirectoryStore for MemoryStore {
    async fn put_agent(&self, ws: WorkspaceId, agent: &Agent) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            d.agents.insert(agent.id.clone(), agent.clone());
            Ok(())
        })
    }
    async fn get_agent(&self, ws: WorkspaceId, id: &AgentId) -> StoreResult<Option<Agent>> {
        self.with(ws, |d| d.agents.get(id).cloned())
    }
    async fn list_agents(&self, ws: WorkspaceId) -> StoreResult<Vec<Agent>> {
        self.with(ws, |d| d.agents.values().cloned().collect())
    }
    async fn put_customer(&self, ws: WorkspaceId, customer: &Customer) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            d.customers.insert(customer.id.clone(), customer.clone());
            Ok(())
        })
    }
    async fn get_customer(
        &self,
        ws: WorkspaceId,
        id: &CustomerId,
    ) -> StoreResult<Option<Customer>> {
        self.with(ws, |d| d.customers.get(id).cloned())
    }
    async fn list_customers(&self, ws: WorkspaceId) -> StoreResult<Vec<Customer>> {
        self.with(ws, |d| d.customers.values().cloned().collect())
    }
    async fn put_team(&self, ws: WorkspaceId, team: &Team) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            d.teams.insert(team.id, team.clone());
            Ok(())
        })
    }
    async fn get_team(&self, ws: WorkspaceId, id: TeamId) -> StoreResult<Option<Team>> {
        self.with(ws, |d| d.teams.get(&id).cloned())
    }
    async fn list_teams(&self, ws: WorkspaceId) -> StoreResult<Vec<Team>> {
        self.with(ws, |d| {
            let mut v: Vec<Team> = d.teams.values().cloned().collect();
            v.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
            v
        })
    }
}

#[async_trait]
impl CatalogStore for MemoryStore {
    async fn save_priorities(&self, ws: WorkspaceId, priorities: &[Priority]) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            let mut sorted = priorities.to_vec();
            sorted.sort_by_key(|p| p.rank);
            d.priorities = sorted.into();
            Ok(())
        })
    }
    async fn list_priorities(&self, ws: WorkspaceId) -> StoreResult<Arc<[Priority]>> {
        self.with(ws, |d| d.priorities.clone())
    }
    async fn put_category(&self, ws: WorkspaceId, category: &Category) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            d.categories.insert(category.id, category.clone());
            Ok(())
        })
    }
    async fn get_category(&self, ws: WorkspaceId, id: CategoryId) -> StoreResult<Option<Category>> {
        self.with(ws, |d| d.categories.get(&id).cloned())
    }
    async fn list_categories(&self, ws: WorkspaceId) -> StoreResult<Vec<Category>> {
        self.with(ws, |d| {
            let mut v: Vec<Category> = d.categories.values().cloned().collect();
            v.sort_by(|a, b| (a.position, &a.name, a.id).cmp(&(b.position, &b.name, b.id)));
            v
        })
    }
    async fn put_tag(&self, ws: WorkspaceId, tag: &Tag) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            d.tags.insert(tag.slug.clone(), tag.clone());
            Ok(())
        })
    }
    async fn list_tags(&self, ws: WorkspaceId) -> StoreResult<Vec<Tag>> {
        self.with(ws, |d| d.tags.values().cloned().collect())
    }
    async fn put_template(&self, ws: WorkspaceId, template: &Template) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            d.templates.insert(template.id, template.clone());
            Ok(())
        })
    }
    async fn get_template(&self, ws: WorkspaceId, id: TemplateId) -> StoreResult<Option<Template>> {
        self.with(ws, |d| d.templates.get(&id).cloned())
    }
    async fn list_templates(&self, ws: WorkspaceId) -> StoreResult<Vec<Template>> {
        self.with(ws, |d| {
            let mut v: Vec<Template> = d.templates.values().cloned().collect();
            v.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
            v
        })
    }
    async fn increment_template_usage(&self, ws: WorkspaceId, id: TemplateId) -> StoreResult<()> {
        self.with_mut(ws, |d| match d.templates.get_mut(&id) {
            Some(t) => {
                t.usage_count += 1;
                Ok(())
            }
            None => Err(StoreError::NotFound {
                entity: "template",
                id: id.to_string(),
            }),
        })
    }
    async fn save_sla_policies(&self, ws: WorkspaceId, policies: &[SlaPolicy]) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            d.policies = policies.into();
            Ok(())
        })
    }
    async fn list_sla_policies(&self, ws: WorkspaceId) -> StoreResult<Arc<[SlaPolicy]>> {
        self.with(ws, |d| d.policies.clone())
    }
}

#[async_trait]
impl TicketStore for MemoryStore {
    async fn create_ticket(
        &self,
        ws: WorkspaceId,
        mut create: TicketCreate,
    ) -> StoreResult<(Ticket, bool)> {
        self.with_mut(ws, |d| {
            if let Some(idem) = &create.idempotency
                && let Some(&(i, fingerprint)) = d.ticket_keys.get(idem.key.as_str())
            {
                if fingerprint != idem.fingerprint {
                    return Err(StoreError::IdempotencyMismatch {
                        key: idem.key.clone(),
                    });
                }
                return Ok((d.tickets[i as usize].ticket.clone(), false));
            }
            if let Some(m) = d.check_message_keys(&create.messages) {
                let t = d.tickets[d.by_id[&m.ticket_id] as usize].ticket.clone();
                return Ok((t, false));
            }
            let idx = d.tickets.len() as u32;
            create.assign_number(u64::from(idx) + 1);
            let ticket = create.ticket.clone();
            let number_key = ticket.number.to_ascii_lowercase().into_boxed_str();
            if d.by_number.contains_key(&number_key) {
                return Err(StoreError::AlreadyExists {
                    entity: "ticket",
                    key: ticket.number,
                });
            }
            d.by_id.insert(ticket.id, idx);
            d.by_number.insert(number_key, idx);
            if let Some(idem) = create.idempotency {
                d.ticket_keys
                    .insert(idem.key.into_boxed_str(), (idx, idem.fingerprint));
            }
            d.index_sla(idx, None, ticket.sla.next_check());
            let mut messages = create.messages;
            let opening_shared = messages
                .first_mut()
                .filter(|m| m.body == create.ticket.description)
                .map(|m| m.body = String::new())
                .is_some();
            d.tickets.push(Row {
                ticket: create.ticket,
                messages: Vec::new(),
                assignments: create.assignments,
                opening_shared,
            });
            d.add_messages(idx, messages);
            d.append_events(ws, create.events);
            Ok((ticket, true))
        })
    }

    async fn update_ticket(&self, ws: WorkspaceId, w: TicketWrite) -> StoreResult<WriteOutcome> {
        self.with_mut(ws, |d| {
            if let Some(m) = d.check_message_keys(&w.messages) {
                return Ok(WriteOutcome::DuplicateMessage(m));
            }
            let idx = *d
                .by_id
                .get(&w.ticket.id)
                .ok_or_else(|| StoreError::NotFound {
                    entity: "ticket",
                    id: w.ticket.id.to_string(),
                })?;
            let row = &mut d.tickets[idx as usize];
            if row.ticket.version != w.expected_version {
                return Err(StoreError::VersionConflict {
                    entity: "ticket",
                    id: w.ticket.id.to_string(),
                    expected: w.expected_version,
                });
            }
            let old_check = row.ticket.sla.next_check();
            let new_check = w.ticket.sla.next_check();
            row.set_ticket(w.ticket);
            row.assignments.reserve_exact(w.assignments.len());
            row.assignments.extend(w.assignments);
            d.index_sla(idx, old_check, new_check);
            d.add_messages(idx, w.messages);
            d.append_events(ws, w.events);
            Ok(WriteOutcome::Applied)
        })
    }

    async fn get_ticket(&self, ws: WorkspaceId, id: TicketId) -> StoreResult<Option<Ticket>> {
        self.with(ws, |d| d.row(id).map(|r| r.ticket.clone()))
    }

    async fn get_ticket_by_number(
        &self,
        ws: WorkspaceId,
        number: &str,
    ) -> StoreResult<Option<Ticket>> {
        self.with(ws, |d| {
            d.by_number
                .get(number.to_ascii_lowercase().as_str())
                .map(|&i| d.tickets[i as usize].ticket.clone())
        })
    }

    async fn list_messages(&self, ws: WorkspaceId, ticket: TicketId) -> StoreResult<Vec<Message>> {
        self.with(ws, |d| d.row(ticket).map(Row::thread).unwrap_or_default())
    }

    async fn list_messages_page(
        &self,
        ws: WorkspaceId,
        ticket: TicketId,
        after: Option<u64>,
        limit: usize,
        public_only: bool,
    ) -> StoreResult<Vec<(u64, Message)>> {
        // A message's position is its index in the thread, plus one.
        self.with(ws, |d| {
            let Some(row) = d.row(ticket) else {
                return Vec::new();
            };
            let from = usize::try_from(after.unwrap_or(0)).unwrap_or(usize::MAX);
            (from..row.messages.len())
                .filter(|&i| !public_only || row.messages[i].kind.is_public())
                .take(limit)
                .map(|i| (i as u64 + 1, row.message(i)))
                .collect()
        })
    }

    async fn list_assignments(
        &self,
        ws: WorkspaceId,
        ticket: TicketId,
    ) -> StoreResult<Vec<AssignmentRecord>> {
        self.with(ws, |d| {
            d.row(ticket)
                .map(|r| r.assignments.clone())
                .unwrap_or_default()
        })
    }

    async fn list_tickets(&self, ws: WorkspaceId, q: &TicketQuery) -> StoreResult<Page<Ticket>> {
        let after = q
            .validate()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        self.with(ws, |d| {
            let want = q.limit as usize + 1;
            let n = d.tickets.len();
            let seq_position = |t: &Ticket| Position::Seq(t.seq);
            match (q.order, after) {
                (TicketOrder::Newest, after) => {
                    // seq = index + 1; `after` is the last seq seen.
                    let end = match after {
                        Some(Position::Seq(a)) => (a as usize).saturating_sub(1).min(n),
                        _ => n,
                    };
                    let items = d
                        .tickets
                        .range(0, end)
                        .rev()
                        .filter(|r| q.matches(&r.ticket));
                    page_from(
                        items.take(want).map(|r| r.ticket.clone()).collect(),
                        q.limit,
                        seq_position,
                    )
                }
                (TicketOrder::Oldest, after) => {
                    let start = match after {
                        Some(Position::Seq(a)) => (a as usize).min(n),
                        _ => 0,
                    };
                    let items = d.tickets.range(start, n).filter(|r| q.matches(&r.ticket));
                    page_from(
                        items.take(want).map(|r| r.ticket.clone()).collect(),
                        q.limit,
                        seq_position,
                    )
                }
                (TicketOrder::Urgency, after) => {
                    let rank = |code: &str| {
                        d.priorities
                            .iter()
                            .find(|p| p.code == code)
                            .map_or(0, |p| p.rank)
                    };
                    let key = |t: &Ticket| Position::urgency_key(rank(&t.priority), t);
                    let after_key = match after {
                        Some(Position::Urgency { rank, due, seq }) => {
                            Some((std::cmp::Reverse(rank), due, seq))
                        }
                        _ => None,
                    };
                    let mut items: Vec<_> = d
                        .tickets
                        .iter()
                        .map(|r| &r.ticket)
                        .filter(|t| q.matches(t))
                        .map(|t| (key(t), t))
                        .filter(|(k, _)| after_key.is_none_or(|a| *k > a))
                        .collect();
                    // Only the page is ordered: select it, then sort it.
                    if items.len() > want {
                        items.select_nth_unstable_by_key(want - 1, |(k, _)| *k);
                        items.truncate(want);
                    }
                    items.sort_unstable_by_key(|(k, _)| *k);
                    let items = items.into_iter().map(|(_, t)| t.clone()).collect();
                    page_from(items, q.limit, |t| {
                        let (std::cmp::Reverse(rank), due, seq) = key(t);
                        Position::Urgency { rank, due, seq }
                    })
                }
            }
        })
    }

    async fn count_by_status(&self, ws: WorkspaceId) -> StoreResult<Vec<(Status, u64)>> {
        self.with(ws, |d| {
            let mut counts: BTreeMap<Status, u64> = BTreeMap::new();
            for r in d.tickets.iter() {
                *counts.entry(r.ticket.status).or_default() += 1;
            }
            counts.into_iter().collect()
        })
    }

    async fn sla_due(
        &self,
        ws: WorkspaceId,
        now: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<Ticket>> {
        self.with(ws, |d| {
            d.sla_index
                .iter()
                .take_while(|(at, _)| *at <= now)
                .take(limit)
                .map(|&(_, i)| d.tickets[i as usize].ticket.clone())
                .collect()
        })
    }
}

#[async_trait]
impl EventStore for MemoryStore {
    async fn events_after(
        &self,
        ws: WorkspaceId,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<Event>> {
        self.with(ws, |d| {
            let start = usize::try_from(after).unwrap_or(usize::MAX);
            d.events
                .range(start, start.saturating_add(limit))
                .cloned()
                .collect()
        })
    }

    async fn ack_events(&self, ws: WorkspaceId, consumer: &str, seq: u64) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            let pos = d.consumers.entry(consumer.to_owned()).or_default();
            *pos = (*pos).max(seq);
            Ok(())
        })
    }

    async fn consumer_position(&self, ws: WorkspaceId, consumer: &str) -> StoreResult<u64> {
        self.with(ws, |d| d.consumers.get(consumer).copied().unwrap_or(0))
    }
}
