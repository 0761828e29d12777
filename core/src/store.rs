//! Storage traits: one small async trait per aggregate.
//!
//! All traits are object-safe (`Arc<dyn Store>`), so a host or a binding can
//! choose a backend at run time. Every method takes the workspace first and
//! must never return or touch another workspace's rows. A write that must be
//! atomic takes the whole change as one value ([`TicketCreate`],
//! [`TicketWrite`]); there are no transaction handles in the core.
//!
//! Backends: `ticketry-memory` (embedded default) and `ticketry-postgres`.
//! Both run the conformance suite in [`crate::testing`] (feature `testing`).

use crate::access::{AccessRequest, AccessStatus};
use crate::category::Category;
use crate::error::StoreError;
use crate::event::{Event, NewEvent};
use crate::ids::ArticleId;
use crate::ids::SuggestionId;
use crate::ids::{
    AccessRequestId, AgentId, CategoryId, CustomerId, IncidentId, MessageId, TeamId, TemplateId,
    TicketId, WorkspaceId,
};
use crate::incident::Incident;
use crate::kb::{Article, ArticleStats, DeflectionCounts, KbCategory, SuggestionSet};
use crate::mail::{InboundMail, InboundOutcome};
use crate::people::{Agent, Customer};
use crate::priority::Priority;
use crate::query::{Page, TicketQuery};
use crate::sla::SlaPolicy;
use crate::tag::Tag;
use crate::team::Team;
use crate::template::Template;
use crate::ticket::{AssignmentRecord, Message, Status, Ticket};
use crate::workspace::{NumberFormat, Workspace};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// What every ticket write reads about its workspace, taken together: the
/// settings, the priorities and the SLA policies.
///
/// A backend may serve it from a cache. It then sets `version`, a counter
/// the backend bumps with every change of these three, and a ticket write
/// carrying that version ([`TicketCreate::catalog_version`],
/// [`TicketWrite::catalog_version`]) fails with
/// [`StoreError::CatalogChanged`] when the stored counter moved since: the
/// service then reads the catalog again and recomputes the change. A backend
/// that reads fresh data every time leaves `version` at `None`.
#[derive(Debug, Clone)]
pub struct WorkspaceCatalog {
    /// The workspace and its settings.
    pub workspace: Workspace,
    /// The priority set, least urgent first.
    pub priorities: Arc<[Priority]>,
    /// The ordered SLA policies.
    pub sla_policies: Arc<[SlaPolicy]>,
    /// The ordered automation rules.
    pub rules: Arc<[crate::automation::Rule]>,
    /// The open incidents (new tickets in their categories are linked).
    pub incidents: Arc<[crate::incident::Incident]>,
    /// The backend's catalog version these values were read at, if it caches them.
    pub version: Option<u64>,
}

/// Workspaces.
#[async_trait]
pub trait WorkspaceStore: Send + Sync {
    /// Inserts; `AlreadyExists` if the slug is taken.
    async fn insert_workspace(&self, ws: &Workspace) -> StoreResult<()>;
    /// Replaces name and settings.
    async fn update_workspace(&self, ws: &Workspace) -> StoreResult<()>;
    /// By id.
    async fn get_workspace(&self, id: WorkspaceId) -> StoreResult<Option<Workspace>>;
    /// By slug.
    async fn get_workspace_by_slug(&self, slug: &str) -> StoreResult<Option<Workspace>>;
    /// The workspace's [`WorkspaceCatalog`] (`None` when there is no such
    /// workspace); possibly cached, see there.
    async fn catalog(&self, id: WorkspaceId) -> StoreResult<Option<Arc<WorkspaceCatalog>>>;
    /// Whether the backend answers (one cheap round trip; the health check).
    async fn ping(&self) -> StoreResult<()>;
}

/// Agents, customers and teams.
#[async_trait]
pub trait DirectoryStore: Send + Sync {
    /// Inserts or replaces by id.
    async fn put_agent(&self, ws: WorkspaceId, agent: &Agent) -> StoreResult<()>;
    /// By id.
    async fn get_agent(&self, ws: WorkspaceId, id: &AgentId) -> StoreResult<Option<Agent>>;
    /// All agents, by id.
    async fn list_agents(&self, ws: WorkspaceId) -> StoreResult<Vec<Agent>>;
    /// Inserts or replaces by id.
    async fn put_customer(&self, ws: WorkspaceId, customer: &Customer) -> StoreResult<()>;
    /// By id.
    async fn get_customer(&self, ws: WorkspaceId, id: &CustomerId)
    -> StoreResult<Option<Customer>>;
    /// All customers, by id.
    async fn list_customers(&self, ws: WorkspaceId) -> StoreResult<Vec<Customer>>;
    /// Inserts or replaces by id.
    async fn put_team(&self, ws: WorkspaceId, team: &Team) -> StoreResult<()>;
    /// By id.
    async fn get_team(&self, ws: WorkspaceId, id: TeamId) -> StoreResult<Option<Team>>;
    /// All teams, by name.
    async fn list_teams(&self, ws: WorkspaceId) -> StoreResult<Vec<Team>>;
}

/// Priorities, categories, tags, templates and SLA policies.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Replaces the workspace's whole priority set atomically.
    async fn save_priorities(&self, ws: WorkspaceId, priorities: &[Priority]) -> StoreResult<()>;
    /// The priority set, least urgent first (shared: read on every ticket change).
    async fn list_priorities(&self, ws: WorkspaceId) -> StoreResult<Arc<[Priority]>>;
    /// Inserts or replaces by id.
    async fn put_category(&self, ws: WorkspaceId, category: &Category) -> StoreResult<()>;
    /// By id.
    async fn get_category(&self, ws: WorkspaceId, id: CategoryId) -> StoreResult<Option<Category>>;
    /// All categories, by position then name.
    async fn list_categories(&self, ws: WorkspaceId) -> StoreResult<Vec<Category>>;
    /// Inserts or replaces by slug.
    async fn put_tag(&self, ws: WorkspaceId, tag: &Tag) -> StoreResult<()>;
    /// All tags, by slug.
    async fn list_tags(&self, ws: WorkspaceId) -> StoreResult<Vec<Tag>>;
    /// Inserts or replaces by id.
    async fn put_template(&self, ws: WorkspaceId, template: &Template) -> StoreResult<()>;
    /// By id.
    async fn get_template(&self, ws: WorkspaceId, id: TemplateId) -> StoreResult<Option<Template>>;
    /// All templates, by name.
    async fn list_templates(&self, ws: WorkspaceId) -> StoreResult<Vec<Template>>;
    /// Adds one to a template's usage count atomically.
    async fn increment_template_usage(&self, ws: WorkspaceId, id: TemplateId) -> StoreResult<()>;
    /// Replaces the workspace's ordered SLA policy list atomically.
    async fn save_sla_policies(&self, ws: WorkspaceId, policies: &[SlaPolicy]) -> StoreResult<()>;
    /// The ordered SLA policy list (shared: read on every ticket change).
    async fn list_sla_policies(&self, ws: WorkspaceId) -> StoreResult<Arc<[SlaPolicy]>>;
    /// Replaces the workspace's ordered automation rules atomically (they
    /// are part of the [`WorkspaceCatalog`]).
    async fn save_rules(
        &self,
        ws: WorkspaceId,
        rules: &[crate::automation::Rule],
    ) -> StoreResult<()>;
}

/// A new ticket and everything written with it, atomically.
#[derive(Debug, Clone)]
pub struct TicketCreate {
    /// The ticket; `seq` and `number` are set by [`TicketCreate::assign_number`].
    pub ticket: Ticket,
    /// The workspace's number format.
    pub number_format: NumberFormat,
    /// Messages (the opening message).
    pub messages: Vec<Message>,
    /// Assignment history entries (routing on creation).
    pub assignments: Vec<AssignmentRecord>,
    /// Events, numbered by the store.
    pub events: Vec<NewEvent>,
    /// The year of `ticket.created_at` in the workspace's time zone (the
    /// number's `{year}`).
    pub local_year: i32,
    /// The caller's idempotency key, bound to its request.
    pub idempotency: Option<Idempotency>,
    /// The [`WorkspaceCatalog::version`] the change was computed from.
    pub catalog_version: Option<u64>,
    /// An automatic assignment's limit, checked by the write itself.
    pub capacity: Option<CapacityGuard>,
    /// Suggestions shown before the ticket was opened: the write records the
    /// ticket on them (unless they already name one).
    pub suggestions: Option<crate::ids::SuggestionId>,
}

/// An automatic assignment's condition: the write applies only if `agent`
/// has fewer than `max` open tickets (active statuses) other than this one
/// when it applies; [`StoreError::AtCapacity`] otherwise. Backends check it
/// under the same lock that serializes the workspace's ticket writes, so
/// concurrent assignments never push an agent past their limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapacityGuard {
    /// The agent assigned.
    pub agent: AgentId,
    /// Their limit.
    pub max: u32,
}

/// An agent's current load, for automatic assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentLoad {
    /// The agent.
    pub agent: AgentId,
    /// Open tickets (active statuses) assigned to them.
    pub open: u32,
    /// The last time a ticket was assigned to them (any assignment record
    /// naming them as the new assignee).
    pub last_assigned: Option<DateTime<Utc>>,
}

/// An idempotency key and the fingerprint of the request it was sent with.
///
/// A second create with the same key in the workspace returns the first
/// ticket and writes nothing when the fingerprints are equal, and fails with
/// [`StoreError::IdempotencyMismatch`] when they differ (a key reused for
/// another customer or another text). A stored key without a fingerprint
/// (written by an older version) matches any request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency {
    /// The host's key (1–255 characters).
    pub key: String,
    /// A stable hash of the request as sent (UUIDv5 of its canonical JSON).
    pub fingerprint: uuid::Uuid,
}

/// Stands for the ticket's number in the messages of a [`TicketCreate`]
/// (an automatic reply rendered before the store numbers the ticket): the
/// store replaces it with the number in the same write.
pub const NUMBER_MARK: &str = "\u{E000}ticket.number\u{E000}";

impl TicketCreate {
    /// The idempotency key, if any.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.idempotency.as_ref().map(|i| i.key.as_str())
    }

    /// Gives the ticket its place `seq` in the workspace's counter and renders
    /// its number. Backends call this inside the atomic write, after taking
    /// the next value of the per-workspace counter.
    pub fn assign_number(&mut self, seq: u64) {
        let number = self
            .number_format
            .render(seq, self.local_year, self.ticket.workspace_id);
        for e in &mut self.events {
            if let crate::event::EventKind::TicketCreated { number: n, .. } = &mut e.kind {
                n.clone_from(&number);
            }
        }
        for m in &mut self.messages {
            if m.body.contains(NUMBER_MARK) {
                m.body = m.body.replace(NUMBER_MARK, &number);
            }
            if let Some(html) = m.html.as_mut().filter(|h| h.contains(NUMBER_MARK)) {
                *html = html.replace(NUMBER_MARK, &number);
            }
        }
        self.ticket.seq = seq;
        self.ticket.number = number;
    }
}

/// Tickets of another system, validated and replayed, for
/// [`TicketStore::import_tickets`].
#[derive(Debug, Clone)]
pub struct TicketImport {
    /// The workspace's number format (for numbers not given).
    pub number_format: NumberFormat,
    /// The tickets, in the caller's order.
    pub tickets: Vec<ImportRow>,
}

/// One imported ticket with its thread.
#[derive(Debug, Clone)]
pub struct ImportRow {
    /// The ticket; `seq` 0 asks for the next number, an empty `number` for
    /// one rendered from the format.
    pub ticket: Ticket,
    /// The year of `ticket.created_at` in the workspace's time zone.
    pub local_year: i32,
    /// Its messages, oldest first.
    pub messages: Vec<Message>,
    /// Its assignment history.
    pub assignments: Vec<AssignmentRecord>,
}

impl TicketImport {
    /// Where each ticket landed, in order (once numbered).
    pub fn landed(&self) -> Vec<crate::ticket::ImportedTicket> {
        self.tickets
            .iter()
            .map(|r| crate::ticket::ImportedTicket {
                id: r.ticket.id,
                seq: r.ticket.seq,
                number: r.ticket.number.clone(),
            })
            .collect()
    }

    /// Numbers the tickets after `last`, the workspace's last ticket seq:
    /// a given `seq` must be above it (`AlreadyExists` otherwise: numbers up
    /// to the last one count as taken), the others follow the highest, in
    /// order; a number not given is rendered. Numbers and seqs must be
    /// unique within the import (numbers ASCII-case-insensitively). Returns
    /// the new last seq. Both backends call this under the lock that
    /// serializes the workspace's ticket writes, then check the numbers
    /// against the stored ones.
    pub fn assign_numbers(&mut self, last: u64) -> StoreResult<u64> {
        let taken = |key: String| StoreError::AlreadyExists {
            entity: "ticket",
            key,
        };
        let mut seqs = std::collections::HashSet::new();
        let mut top = last;
        for row in &self.tickets {
            let seq = row.ticket.seq;
            if seq != 0 {
                if seq <= last || !seqs.insert(seq) {
                    return Err(taken(seq.to_string()));
                }
                top = top.max(seq);
            }
        }
        let mut numbers = std::collections::HashSet::new();
        for row in &mut self.tickets {
            let t = &mut row.ticket;
            if t.seq == 0 {
                top += 1;
                t.seq = top;
            }
            if t.number.is_empty() {
                t.number = self
                    .number_format
                    .render(t.seq, row.local_year, t.workspace_id);
            }
            if !numbers.insert(t.number.to_ascii_lowercase()) {
                return Err(taken(t.number.clone()));
            }
        }
        Ok(top)
    }
}

/// A change to an existing ticket, written atomically if and only if the
/// stored version still equals `expected_version`.
#[derive(Debug, Clone)]
pub struct TicketWrite {
    /// The new state (its `version` is `expected_version + 1`).
    pub ticket: Ticket,
    /// The version the change was computed from.
    pub expected_version: u64,
    /// New messages.
    pub messages: Vec<Message>,
    /// New assignment history entries.
    pub assignments: Vec<AssignmentRecord>,
    /// Events, numbered by the store.
    pub events: Vec<NewEvent>,
    /// The [`WorkspaceCatalog::version`] the change was computed from.
    pub catalog_version: Option<u64>,
    /// An agent who must exist and be active for the write to apply (the
    /// author of a reply, checked by the write itself):
    /// `NotFound` (entity `agent`) or [`StoreError::InactiveAgent`] otherwise.
    pub active_agent: Option<AgentId>,
    /// An automatic assignment's limit, checked by the write itself.
    pub capacity: Option<CapacityGuard>,
    /// The ticket's tags before the change (the rules' changes always say),
    /// so a store may leave its tag index alone when `ticket.tags` are the
    /// same. `None` (a write made by hand): the tags may have changed.
    pub tags_before: Option<Vec<String>>,
}

/// What a [`TicketWrite`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOutcome {
    /// Written.
    Applied,
    /// A message of the write carries an idempotency key already used in the
    /// workspace: nothing was written; here is the earlier message.
    DuplicateMessage(Box<Message>),
}

/// Tickets, their threads and assignment history.
#[async_trait]
pub trait TicketStore: Send + Sync {
    /// Allocates the next number of the workspace and writes everything in
    /// `create` atomically. Returns the stored ticket and `true`, or, when the
    /// idempotency key was already used, the earlier ticket and `false`.
    /// `NotFound` (entity `customer`), writing nothing, when the ticket's
    /// customer is not one of the workspace (checked inside the write: the
    /// service reads the customer only when an SLA policy needs its tier).
    async fn create_ticket(
        &self,
        ws: WorkspaceId,
        create: TicketCreate,
    ) -> StoreResult<(Ticket, bool)>;
    /// Writes imported tickets, their messages and assignment history
    /// atomically, numbered by [`TicketImport::assign_numbers`] (which
    /// moves the workspace's counter to the highest seq), with no event.
    /// `AlreadyExists` (entity `ticket`) when a seq or number is taken,
    /// `NotFound` (entity `customer`) when a ticket's customer is not one of
    /// the workspace; then nothing is written. Returns where each landed, in
    /// order.
    async fn import_tickets(
        &self,
        ws: WorkspaceId,
        import: TicketImport,
    ) -> StoreResult<Vec<crate::ticket::ImportedTicket>>;
    /// Writes the change atomically; `VersionConflict` if the version moved.
    async fn update_ticket(&self, ws: WorkspaceId, write: TicketWrite)
    -> StoreResult<WriteOutcome>;
    /// By id.
    async fn get_ticket(&self, ws: WorkspaceId, id: TicketId) -> StoreResult<Option<Ticket>>;
    /// The ticket as this store last wrote it, if it keeps such copies and
    /// offers this one (default: none). The service computes a change from
    /// it instead of reading the ticket; the write's version check validates
    /// it (a copy another process made stale fails the write with
    /// `VersionConflict`, and the service reads the ticket and tries again).
    /// A copy must be exactly what the ticket held at the copy's version.
    fn remembered_ticket(&self, _ws: WorkspaceId, _id: TicketId) -> Option<Ticket> {
        None
    }
    /// By number (`TKT-2026-00042`), compared ASCII-case-insensitively
    /// (`tkt-2026-00042` finds it too).
    async fn get_ticket_by_number(
        &self,
        ws: WorkspaceId,
        number: &str,
    ) -> StoreResult<Option<Ticket>>;
    /// The thread, oldest first (all kinds).
    async fn list_messages(&self, ws: WorkspaceId, ticket: TicketId) -> StoreResult<Vec<Message>>;
    /// One message by id.
    async fn get_message(&self, ws: WorkspaceId, id: MessageId) -> StoreResult<Option<Message>>;
    /// One page of the thread, oldest first: at most `limit` messages after
    /// the message `after` of this ticket (from the start when `None`; none
    /// when `after` is not a message of this ticket). With `public_only`,
    /// internal notes are skipped. Pages are keyed by a message of the
    /// thread itself, so a cursor tells nothing a reader of the page does
    /// not see (a position from a counter shared by all workspaces told how
    /// much the others wrote; one counting notes, how many notes there were).
    async fn list_messages_page(
        &self,
        ws: WorkspaceId,
        ticket: TicketId,
        after: Option<MessageId>,
        limit: usize,
        public_only: bool,
    ) -> StoreResult<Vec<Message>>;
    /// Assignment history, oldest first.
    async fn list_assignments(
        &self,
        ws: WorkspaceId,
        ticket: TicketId,
    ) -> StoreResult<Vec<AssignmentRecord>>;
    /// One page of tickets matching the query.
    async fn list_tickets(&self, ws: WorkspaceId, query: &TicketQuery)
    -> StoreResult<Page<Ticket>>;
    /// Ticket counts per status (statuses with no ticket omitted).
    async fn count_by_status(&self, ws: WorkspaceId) -> StoreResult<Vec<(Status, u64)>>;
    /// The sums behind a [`crate::report::Dashboard`]: "today" is from
    /// `since`; due instants compare with `now` and `soon` to the second.
    async fn dashboard_counts(
        &self,
        ws: WorkspaceId,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
        soon: DateTime<Utc>,
    ) -> StoreResult<crate::report::DashboardCounts>;
    /// What [`crate::metrics::compute`] needs for `[since, until)`: the facts
    /// of every ticket created before `until` that is active or changed at
    /// or after `since`, by seq.
    async fn report_tickets(
        &self,
        ws: WorkspaceId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<crate::metrics::TicketFacts>>;
    /// Active tickets with an SLA check (warning or breach) due at or before
    /// `now`, most overdue first, at most `limit`.
    async fn sla_due(
        &self,
        ws: WorkspaceId,
        now: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<Ticket>>;
    /// Tickets whose [`TimerState::due`](crate::automation::timer::TimerState::due)
    /// is at or before `now`, earliest first, at most `limit`.
    async fn timers_due(
        &self,
        ws: WorkspaceId,
        now: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<Ticket>>;
    /// Sets the tickets' `timers.due` (a scheduling hint, not an edit: no
    /// version step), each only if the ticket is still at the version given.
    async fn set_timers_due(
        &self,
        ws: WorkspaceId,
        due: &[(TicketId, u64, Option<DateTime<Utc>>)],
    ) -> StoreResult<()>;
    /// The load of each of `agents` (in that order).
    async fn agent_loads(&self, ws: WorkspaceId, agents: &[AgentId])
    -> StoreResult<Vec<AgentLoad>>;
}

/// The event log and its consumers' positions.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Events with `seq > after`, in order, at most `limit`.
    async fn events_after(
        &self,
        ws: WorkspaceId,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<Event>>;
    /// Records that `consumer` handled everything up to `seq` (never moves back).
    async fn ack_events(&self, ws: WorkspaceId, consumer: &str, seq: u64) -> StoreResult<()>;
    /// The last acknowledged `seq` of `consumer` (0 if none).
    async fn consumer_position(&self, ws: WorkspaceId, consumer: &str) -> StoreResult<u64>;
}

/// Incidents (their open ones are part of the [`WorkspaceCatalog`]).
#[async_trait]
pub trait IncidentStore: Send + Sync {
    /// Inserts the incident (`expected_version` `None`; `AlreadyExists` if
    /// the id is taken) or replaces it if its stored version is still
    /// `expected_version` (`VersionConflict` otherwise), with `events`,
    /// atomically; the workspace's catalog version moves.
    async fn save_incident(
        &self,
        ws: WorkspaceId,
        incident: &Incident,
        expected_version: Option<u64>,
        events: Vec<NewEvent>,
    ) -> StoreResult<()>;
    /// By id.
    async fn get_incident(&self, ws: WorkspaceId, id: IncidentId) -> StoreResult<Option<Incident>>;
    /// Newest first (only the open ones with `open_only`), at most `limit`.
    async fn list_incidents(
        &self,
        ws: WorkspaceId,
        open_only: bool,
        limit: usize,
    ) -> StoreResult<Vec<Incident>>;
}

/// Access-recovery requests.
#[async_trait]
pub trait AccessStore: Send + Sync {
    /// Inserts the request with `events`, atomically, unless its customer
    /// already has `max_open` open requests ([`StoreError::LimitReached`];
    /// checked under the lock that serializes the workspace's writes).
    async fn insert_access_request(
        &self,
        ws: WorkspaceId,
        request: &AccessRequest,
        max_open: Option<u32>,
        events: Vec<NewEvent>,
    ) -> StoreResult<()>;
    /// Replaces the request if its stored version is still
    /// `expected_version` (`VersionConflict` otherwise), with `events`.
    async fn update_access_request(
        &self,
        ws: WorkspaceId,
        request: &AccessRequest,
        expected_version: u64,
        events: Vec<NewEvent>,
    ) -> StoreResult<()>;
    /// By id.
    async fn get_access_request(
        &self,
        ws: WorkspaceId,
        id: AccessRequestId,
    ) -> StoreResult<Option<AccessRequest>>;
    /// Newest first, filtered, at most `limit`.
    async fn list_access_requests(
        &self,
        ws: WorkspaceId,
        status: Option<AccessStatus>,
        customer: Option<&CustomerId>,
        limit: usize,
    ) -> StoreResult<Vec<AccessRequest>>;
    /// Open requests whose `expires_at` is at or before `now`, soonest
    /// first, at most `limit`.
    async fn access_expiring(
        &self,
        ws: WorkspaceId,
        now: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<AccessRequest>>;
}

/// The knowledge base.
#[async_trait]
pub trait KbStore: Send + Sync {
    /// Inserts or replaces a category by id (`AlreadyExists` when another
    /// category of its language has its slug).
    async fn put_kb_category(&self, ws: WorkspaceId, category: &KbCategory) -> StoreResult<()>;
    /// All categories, by language, position, then name.
    async fn list_kb_categories(&self, ws: WorkspaceId) -> StoreResult<Vec<KbCategory>>;
    /// Inserts the article (`expected_version` `None`) or replaces it if its
    /// stored version is still `expected_version` (`VersionConflict`), with
    /// its search terms; `AlreadyExists` when another article of its
    /// language has its slug.
    async fn save_article(
        &self,
        ws: WorkspaceId,
        article: &Article,
        terms: &[String],
        expected_version: Option<u64>,
    ) -> StoreResult<()>;
    /// By id.
    async fn get_article(&self, ws: WorkspaceId, id: ArticleId) -> StoreResult<Option<Article>>;
    /// The articles with their search terms, by language then slug: every
    /// one, or with `any_of` only those having at least one of those terms.
    async fn list_articles(
        &self,
        ws: WorkspaceId,
        any_of: Option<&[String]>,
    ) -> StoreResult<Vec<(Article, Vec<String>)>>;
    /// Sets `voter`'s vote on the article (`None` withdraws it): one vote per
    /// voter and article.
    async fn vote_article(
        &self,
        ws: WorkspaceId,
        article: ArticleId,
        voter: &str,
        helpful: Option<bool>,
    ) -> StoreResult<()>;
    /// Records one view (an insert: no row is updated, so views of a popular
    /// article never wait on each other).
    async fn record_article_view(&self, ws: WorkspaceId, article: ArticleId) -> StoreResult<()>;
    /// The views and votes of `articles`, in that order.
    async fn article_stats(
        &self,
        ws: WorkspaceId,
        articles: &[ArticleId],
    ) -> StoreResult<Vec<ArticleStats>>;
    /// Records suggestions shown (an insert).
    async fn record_suggestions(&self, ws: WorkspaceId, shown: &SuggestionSet) -> StoreResult<()>;
    /// Suggestions by id.
    async fn get_suggestions(
        &self,
        ws: WorkspaceId,
        id: SuggestionId,
    ) -> StoreResult<Option<SuggestionSet>>;
    /// Per article, how often the suggestions shown in `[since, until)`
    /// held it and how many of those were followed by a ticket, by article id;
    /// and the totals over the sets.
    async fn deflection_counts(
        &self,
        ws: WorkspaceId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<DeflectionCounts>;
}

/// Daily statistics, stored once per workspace and local day.
#[async_trait]
pub trait StatsStore: Send + Sync {
    /// Stores the day's figures unless that day is already stored; returns
    /// what is stored (the first one written).
    async fn save_daily_stats(
        &self,
        ws: WorkspaceId,
        stats: &crate::metrics::DailyStats,
    ) -> StoreResult<crate::metrics::DailyStats>;
    /// The stored days in `[from, to]`, by day.
    async fn list_daily_stats(
        &self,
        ws: WorkspaceId,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StoreResult<Vec<crate::metrics::DailyStats>>;
}

/// Inbound mail: the workspace's mail log and the lookups that thread a
/// message ([`crate::mail`]).
#[async_trait]
pub trait MailStore: Send + Sync {
    /// The record with `key`, if any.
    async fn get_inbound(&self, ws: WorkspaceId, key: &str) -> StoreResult<Option<InboundMail>>;
    /// Saves `mail`: inserts it, or replaces a record with its key whose
    /// outcome is not final ([`InboundOutcome::is_final`]). A final record
    /// already there is returned unchanged instead (the first delivery won).
    async fn save_inbound(&self, ws: WorkspaceId, mail: &InboundMail) -> StoreResult<InboundMail>;
    /// The ticket and message a message with idempotency key `key` became,
    /// and whether it opened the ticket: a ticket with that key (and its
    /// opening message) or a message with it. `None` if neither exists.
    async fn filed_mail(
        &self,
        ws: WorkspaceId,
        key: &str,
    ) -> StoreResult<Option<(TicketId, MessageId, bool)>>;
    /// How many records from `from` were received at or after `since`.
    async fn count_inbound_from(
        &self,
        ws: WorkspaceId,
        from: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<u64>;
    /// The newest records first (only `outcome`'s, if given), at most `limit`.
    async fn list_inbound(
        &self,
        ws: WorkspaceId,
        outcome: Option<InboundOutcome>,
        limit: usize,
    ) -> StoreResult<Vec<InboundMail>>;
    /// The ticket of the newest stored message whose `email_message_id` is
    /// one of `message_ids`.
    async fn ticket_of_email(
        &self,
        ws: WorkspaceId,
        message_ids: &[String],
    ) -> StoreResult<Option<TicketId>>;
    /// The customer whose e-mail address is `email` (ASCII letters compared
    /// in lower case); the first by id (byte order) when several share it.
    async fn customer_by_email(
        &self,
        ws: WorkspaceId,
        email: &str,
    ) -> StoreResult<Option<Customer>>;
}

/// A complete backend.
pub trait Store:
    WorkspaceStore
    + DirectoryStore
    + CatalogStore
    + TicketStore
    + EventStore
    + IncidentStore
    + AccessStore
    + KbStore
    + StatsStore
    + MailStore
{
}

impl<T> Store for T where
    T: WorkspaceStore
        + DirectoryStore
        + CatalogStore
        + TicketStore
        + EventStore
        + IncidentStore
        + AccessStore
        + KbStore
        + StatsStore
        + MailStore
{
}

impl std::fmt::Debug for dyn Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}
