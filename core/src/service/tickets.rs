//! Ticket operations.

use super::Helpdesk;
use crate::error::{Error, Result, StoreError};
use crate::event::{EventKind, NewEvent};
use crate::ids::{AgentId, CategoryId, CustomerId, MessageId, TeamId, TicketId, WorkspaceId};
use crate::priority::Priority;
use crate::query::{Page, TicketQuery};
use crate::store::{Idempotency, TicketCreate, TicketWrite, WriteOutcome};
use crate::ticket::rules::{self, MessageDraft};
use crate::ticket::{
    Actor, AssignmentRecord, Attachment, Channel, Link, Message, MessageKind, Sender, Status,
    Thread, Ticket, View,
};
use crate::validate;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest subject, in characters.
pub const MAX_SUBJECT: usize = 255;
/// Longest message or description body, in characters.
pub const MAX_BODY: usize = 100_000;
/// How many times an operation re-reads the ticket after losing a race.
pub(crate) const RETRIES: usize = 16;

/// Lets other tasks run once (runtime-agnostic `yield_now`): the loser of
/// a write race steps back a little longer after each attempt.
struct YieldNow(bool);

impl std::future::Future for YieldNow {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            std::task::Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
}

/// Most tickets one bulk change touches.
pub const MAX_BULK: usize = 1_000;

/// Input for [`Helpdesk::open_ticket`].
#[derive(Debug, Clone, Default)]
pub struct OpenTicket {
    /// Who asks (an existing customer of the workspace).
    pub customer: Option<CustomerId>,
    /// One-line summary, 1–255 characters.
    pub subject: String,
    /// The opening text; also the first message of the thread.
    pub description: String,
    /// HTML version of the description.
    pub html: Option<String>,
    /// Priority code; defaults to the category's, then the workspace's default.
    pub priority: Option<String>,
    /// Category (active, same workspace); routes to its default team/assignee.
    pub category: Option<CategoryId>,
    /// Where it came from.
    pub channel: Channel,
    /// Team; defaults to the category's.
    pub team: Option<TeamId>,
    /// Assignee; defaults to the category's.
    pub assignee: Option<AgentId>,
    /// Tag slugs.
    pub tags: Vec<String>,
    /// Links to host records.
    pub links: Vec<Link>,
    /// The host's fields.
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
    /// Attachments of the opening message.
    pub attachments: Vec<Attachment>,
    /// E-mail `Message-ID` when it came by mail.
    pub email_message_id: Option<String>,
    /// Who wrote the opening message, when not the customer's registered identity.
    pub sender: Option<Sender>,
    /// The address the customer wrote from (kept on the ticket).
    pub source_email: Option<String>,
    /// The phone number the customer called from (kept on the ticket).
    pub source_phone: Option<String>,
    /// Retrying with the same key returns the first ticket instead of a duplicate.
    pub idempotency_key: Option<String>,
    /// The article suggestions ([`Suggestions::id`](crate::kb::Suggestions::id))
    /// the customer saw before opening it anyway: they count as not deflected.
    pub suggestions: Option<crate::ids::SuggestionId>,
}

impl OpenTicket {
    /// The minimal input: who, about what.
    pub fn new(
        customer: CustomerId,
        subject: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self {
            customer: Some(customer),
            subject: subject.into(),
            description: description.into(),
            ..Self::default()
        }
    }
}

/// A message body and its metadata, for replies, notes and customer messages.
#[derive(Debug, Clone, Default)]
pub struct MessageInput {
    /// Plain text, 1–100 000 characters.
    pub body: String,
    /// HTML version.
    pub html: Option<String>,
    /// Attachment metadata.
    pub attachments: Vec<Attachment>,
    /// E-mail `Message-ID`.
    pub email_message_id: Option<String>,
    /// Who actually wrote it, when not the author's registered identity.
    pub sender: Option<Sender>,
    /// Retrying with the same key returns the first message.
    pub idempotency_key: Option<String>,
    /// Agent replies only: the status to leave the ticket in (e.g. `pending`).
    pub status: Option<Status>,
}

impl MessageInput {
    /// A plain-text message.
    pub fn text(body: impl Into<String>) -> Self {
        Self {
            body: body.into(),
            ..Self::default()
        }
    }
}

impl From<&str> for MessageInput {
    fn from(body: &str) -> Self {
        Self::text(body)
    }
}

/// Input for [`Helpdesk::assign`].
#[derive(Debug, Clone, Default)]
pub struct Assign {
    /// The new assignee; `None` unassigns.
    pub agent: Option<AgentId>,
    /// The new team; `None` keeps the current team.
    pub team: Option<TeamId>,
    /// Why (kept in the history).
    pub reason: Option<String>,
    /// Record it as an escalation.
    pub escalate: bool,
}

impl Assign {
    /// Assign to `agent`.
    pub fn to(agent: AgentId) -> Self {
        Self {
            agent: Some(agent),
            ..Self::default()
        }
    }
}

/// Input for [`Helpdesk::update_ticket`]: several changes written as one,
/// all or nothing, with an optional optimistic-concurrency check. Fields left
/// `None` stay as they are; the status changes last (so a ticket can be
/// re-prioritised and resolved in one update).
#[derive(Debug, Clone, Default)]
pub struct TicketUpdate {
    /// New subject.
    pub subject: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New custom fields (replaces the object).
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
    /// New category (active).
    pub category: Option<CategoryId>,
    /// New priority code (active).
    pub priority: Option<String>,
    /// New assignee (an active agent).
    pub assignee: Option<AgentId>,
    /// Remove the assignee (`assignee` must then be `None`).
    pub unassign: bool,
    /// New team (active).
    pub team: Option<TeamId>,
    /// New status (a transition the workflow allows from the current one).
    pub status: Option<Status>,
    /// Tags to add (slugs; one already there changes nothing).
    pub add_tags: Vec<String>,
    /// Tags to remove (one absent changes nothing).
    pub remove_tags: Vec<String>,
    /// The new assignee or team is an escalation (recorded as such in the
    /// assignment history; needs `assignee` or `team`).
    pub escalate: bool,
    /// The version the caller read; a stale one is `conflict`.
    pub expected_version: Option<u64>,
}

/// One ticket a search found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SearchHit {
    /// The ticket.
    pub ticket: Ticket,
    /// Its subject or description around the first word found, the words
    /// found between `[` and `]` (`None` when only messages matched).
    pub snippet: Option<String>,
}

/// What [`Helpdesk::bulk_update`] did to one ticket: the ticket after the
/// change, or why it refused it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BulkOutcome {
    /// The ticket asked for.
    pub ticket: TicketId,
    /// The ticket after the change (`None` when refused).
    pub updated: Option<Ticket>,
    /// Why the ticket refused the change (`None` when changed).
    pub error: Option<BulkError>,
}

/// An error of one ticket in a bulk change: the error's stable code, its
/// message and, for `invalid_input`, the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BulkError {
    /// The stable code (`not_found`, `invalid_transition`, …).
    pub code: String,
    /// What went wrong.
    pub message: String,
    /// The field, for `invalid_input`.
    pub field: Option<String>,
}

impl BulkError {
    fn of(e: &Error) -> Self {
        Self {
            code: e.code().to_owned(),
            message: e.to_string(),
            field: match e {
                Error::InvalidInput { field, .. } => Some(field.clone()),
                _ => None,
            },
        }
    }
}

/// How one attempt of [`Helpdesk::change_ticket`] ended.
enum Attempt {
    /// The change was written.
    Applied(Committed),
    /// Nothing to write, or the message was written before (idempotent replay).
    Unchanged(Committed),
    /// The ticket moved since it was read (`VersionConflict`): nothing was written.
    Moved(StoreError),
    /// The catalog moved, or an automatic assignment's agent filled up: nothing was written.
    Stale,
    /// The write failed (`storage`, `outcome_unknown`, …): the caller's
    /// answer, whatever the ticket was computed from.
    Failed(Error),
}

/// What [`Helpdesk::change_ticket`] wrote.
pub(crate) struct Committed {
    /// The ticket after the change.
    pub ticket: Ticket,
    /// The message the change added (or the earlier one with its idempotency key).
    pub message: Option<Message>,
}

/// Ticket counts of a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TicketStats {
    /// All tickets.
    pub total: u64,
    /// Per status (every status present, zero if none).
    pub by_status: BTreeMap<Status, u64>,
}

fn text_opt(field: &str, v: Option<String>, max: usize) -> Result<Option<String>> {
    validate::optional_text(field, v.as_deref(), max)
}

fn attachments(list: Vec<Attachment>) -> Result<Vec<Attachment>> {
    if list.len() > 50 {
        return Err(Error::invalid_input(
            "attachments",
            "at most 50 attachments",
        ));
    }
    list.into_iter()
        .enumerate()
        .map(|(i, a)| {
            let field = |name: &str| format!("attachments[{i}].{name}");
            if a.storage_key.is_some() == a.url.is_some() {
                return Err(Error::invalid_input(
                    field("storage_key"),
                    "give exactly one of storage_key and url",
                ));
            }
            Ok(Attachment {
                filename: validate::text(&field("filename"), &a.filename, 255)?,
                size: a.size,
                mime_type: text_opt(&field("mime_type"), a.mime_type, 255)?,
                storage_key: text_opt(&field("storage_key"), a.storage_key, 1024)?,
                url: validate::url(&field("url"), a.url.as_deref())?,
            })
        })
        .collect()
}

/// A message's sender: at least a name or an address.
fn sender(s: Option<Sender>) -> Result<Option<Sender>> {
    let Some(s) = s else { return Ok(None) };
    let s = Sender {
        name: text_opt("sender.name", s.name, 200)?,
        email: validate::email("sender.email", s.email.as_deref())?,
    };
    if s.name.is_none() && s.email.is_none() {
        return Err(Error::invalid_input("sender", "give a name or an email"));
    }
    Ok(Some(s))
}

/// The fingerprint an idempotency key is bound to: a UUIDv5 of the request
/// as the caller sent it (who, what, where, and every routing choice;
/// object keys sorted), so a retry of the same call matches and a reused
/// key with another payload does not.
fn fingerprint(input: &OpenTicket) -> uuid::Uuid {
    let canonical = serde_json::json!([
        input.customer,
        input.subject,
        input.description,
        input.html,
        input.attachments,
        input.email_message_id,
        input.priority,
        input.category,
        input.channel,
        input.team,
        input.assignee,
        input.tags,
        input.links,
        input.custom_fields,
    ]);
    // Fields added later join the fingerprint only when given, so a retry of a
    // request fingerprinted by an earlier version still matches.
    let mut canonical = canonical;
    for (name, value) in [
        ("sender", serde_json::json!(input.sender)),
        ("source_email", serde_json::json!(input.source_email)),
        ("source_phone", serde_json::json!(input.source_phone)),
        ("suggestions", serde_json::json!(input.suggestions)),
    ] {
        if !value.is_null()
            && let Some(list) = canonical.as_array_mut()
        {
            list.push(serde_json::json!({ name: value }));
        }
    }
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, canonical.to_string().as_bytes())
}

/// Whether a stored message and a retried one are the same request (a
/// message never changes once written, so its fields are its fingerprint).
fn same_request(stored: &Message, tried: &Message) -> bool {
    stored.ticket_id == tried.ticket_id
        && stored.kind == tried.kind
        && stored.author == tried.author
        && stored.body == tried.body
        && stored.html == tried.html
        && stored.attachments == tried.attachments
        && stored.email_message_id == tried.email_message_id
        && stored.sender == tried.sender
}

fn idempotency_key(v: Option<String>) -> Result<Option<String>> {
    text_opt("idempotency_key", v, 255)
}

impl MessageInput {
    pub(super) fn into_draft(self, kind: MessageKind, author: Actor) -> Result<MessageDraft> {
        validate::body("body", &self.body, MAX_BODY)?;
        // U+E000 marks where the store puts a new ticket's number.
        for (field, text) in [("body", Some(&self.body)), ("html", self.html.as_ref())] {
            if text.is_some_and(|t| t.contains('\u{E000}')) {
                return Err(Error::invalid_input(
                    field,
                    "contains U+E000, a private-use character Ticketry reserves",
                ));
            }
        }
        if let Some(html) = self.html.as_deref().filter(|h| !h.trim().is_empty()) {
            validate::body("html", html, 4 * MAX_BODY)?;
        }
        Ok(MessageDraft {
            id: MessageId::generate(),
            kind,
            author,
            body: self.body,
            html: self.html.filter(|h| !h.trim().is_empty()),
            attachments: attachments(self.attachments)?,
            email_message_id: text_opt("email_message_id", self.email_message_id, 998)?,
            sender: sender(self.sender)?,
            idempotency_key: idempotency_key(self.idempotency_key)?,
            then_status: self.status,
        })
    }
}

impl Helpdesk {
    /// Opens a ticket: validates, routes by category, numbers it
    /// (`TKT-2026-00042`), starts its SLA clocks and records `ticket.created`.
    pub async fn open_ticket(&self, ws: WorkspaceId, input: OpenTicket) -> Result<Ticket> {
        let fingerprint = if input.idempotency_key.is_some() {
            fingerprint(&input)
        } else {
            uuid::Uuid::nil()
        };
        if let Some(id) = input.suggestions {
            let shown = self
                .store
                .get_suggestions(ws, id)
                .await?
                .ok_or_else(|| Error::not_found("suggestions", id))?;
            if Some(&shown.customer) != input.customer.as_ref() {
                return Err(Error::invalid_input(
                    "suggestions",
                    "these suggestions were shown to another customer",
                ));
            }
        }
        // A catalog found stale by the write is read again; an agent whose
        // room another write took is picked again.
        for _ in 0..RETRIES {
            if let Some(t) = self.try_open_ticket(ws, input.clone(), fingerprint).await? {
                return Ok(t);
            }
        }
        Err(StoreError::CatalogChanged.into())
    }

    /// One attempt of [`open_ticket`](Self::open_ticket); `None` when the
    /// workspace's catalog changed under it.
    async fn try_open_ticket(
        &self,
        ws: WorkspaceId,
        input: OpenTicket,
        fingerprint: uuid::Uuid,
    ) -> Result<Option<Ticket>> {
        let catalog = self.catalog(ws).await?;
        let workspace = &catalog.workspace;
        let customer_id = input
            .customer
            .ok_or_else(|| Error::invalid_input("customer", "is required"))?;
        let subject = validate::text("subject", &input.subject, MAX_SUBJECT)?;
        let draft = MessageInput {
            body: input.description,
            html: input.html,
            attachments: input.attachments,
            email_message_id: input.email_message_id,
            sender: input.sender,
            idempotency_key: None,
            status: None,
        }
        .into_draft(MessageKind::Customer, Actor::Customer(customer_id.clone()))?;
        let idempotency = idempotency_key(input.idempotency_key.clone())?
            .map(|key| Idempotency { key, fingerprint });
        // The customer's existence is checked by the write; its tier matters
        // only to policies with a tier condition.
        let tier = if catalog
            .sla_policies
            .iter()
            .any(|p| !p.conditions.customer_tiers.is_empty())
        {
            self.get_customer(ws, &customer_id).await?.tier
        } else {
            None
        };

        let category = match input.category {
            Some(id) => {
                let c = self.get_category(ws, id).await?;
                if !c.active {
                    return Err(Error::invalid_input("category", "the category is inactive"));
                }
                Some(self.category_routing(ws, &c).await?)
            }
            None => None,
        };
        let priorities = &catalog.priorities;
        // A priority the caller names must be usable; a category's default
        // that has since been deactivated falls back to the workspace's.
        let category_default = category
            .as_ref()
            .and_then(|c| c.default_priority.as_deref())
            .and_then(|code| Priority::usable(priorities, code).ok())
            .map(|p| p.code.clone());
        let priority = match input.priority.or(category_default) {
            Some(code) => Priority::usable(priorities, &code)?,
            None => Priority::default_of(priorities)?,
        };
        // A team the caller names must be active; a category's default team
        // that has since been deactivated routes nowhere.
        let team = match (input.team, category.as_ref().and_then(|c| c.default_team)) {
            (Some(team), _) => Some(self.active_team(ws, team, "team").await?.id),
            (None, Some(team)) => Some(self.get_team(ws, team).await?)
                .filter(|t| t.active)
                .map(|t| t.id),
            (None, None) => None,
        };
        let assignee = input
            .assignee
            .or(category.as_ref().and_then(|c| c.default_assignee.clone()));
        if let Some(a) = &assignee {
            self.active_agent(ws, a, "assignee").await?;
        }
        let tags = validate::tags("tags", &input.tags)?;
        let mut links = input.links;
        links.dedup();
        let links = crate::limits::at_most("links", links, crate::limits::LINKS, "links")?;
        let now = self.now()?;
        let description = draft.body.clone();
        let actor = draft.author.clone();
        let mut ticket = Ticket {
            id: TicketId::generate(),
            workspace_id: ws,
            seq: 0,
            number: String::new(),
            subject,
            description,
            status: Status::New,
            priority: priority.code.clone(),
            category: category.map(|c| c.id),
            channel: input.channel,
            source_email: validate::email("source_email", input.source_email.as_deref())?,
            source_phone: validate::phone("source_phone", input.source_phone.as_deref())?,
            customer: customer_id,
            assignee: None,
            team: None,
            tags,
            links,
            custom_fields: {
                validate::json_fields("custom_fields", &input.custom_fields)?;
                input.custom_fields
            },
            created_at: now,
            updated_at: now,
            first_response_at: None,
            resolved_at: None,
            closed_at: None,
            awaiting_reply_since: Some(now),
            last_customer_message_at: Some(now),
            last_agent_reply_at: None,
            timers: Default::default(),
            activity: Default::default(),
            merged_into: None,
            incident: None,
            satisfaction: None,
            sla: Default::default(),
            version: 1,
        };
        let message = draft.into_message(&ticket, now);
        let mut events = vec![NewEvent {
            ticket_id: Some(ticket.id),
            actor: actor.clone(),
            at: now,
            kind: EventKind::TicketCreated {
                number: String::new(),
                subject: ticket.subject.clone(),
                priority: ticket.priority.clone(),
                channel: ticket.channel,
            },
        }];
        let mut assignments = Vec::new();
        if assignee.is_some() || team.is_some() {
            let routed = rules::assign(
                &ticket,
                assignee.as_ref(),
                team,
                false,
                &Actor::System,
                Some("routing".into()),
                now,
            )?;
            ticket.assignee = routed.ticket.assignee;
            ticket.team = routed.ticket.team;
            assignments = routed.assignments;
            events.extend(routed.events);
        }
        // The rules fired by the creation, in the same write.
        let mut write = TicketWrite {
            expected_version: 0,
            ticket,
            messages: vec![message],
            assignments,
            events,
            catalog_version: None,
            active_agent: None,
            capacity: None,
            tags_before: None,
        };
        // Clocks start with the ticket as opened; what the rules then change
        // (a status that pauses or stops them, a priority) moves them as any
        // change would.
        self.sla_on_create(&mut write.ticket, tier.as_deref(), &catalog)?;
        let opened = write.ticket.clone();
        self.attach_incident(ws, &mut write, &catalog).await?;
        let fired = self.automate(ws, &mut write, &catalog, true).await?;
        self.route_new(ws, &mut write, &catalog).await?;
        if write.ticket != opened {
            let opening = std::mem::take(&mut write.messages);
            self.sla_on_change(ws, &opened, &mut write, &catalog)
                .await?;
            write.messages = opening;
        }
        self.automate_messages(ws, &mut write, &catalog, fired, false)
            .await?;
        self.schedule(ws, &mut write.ticket, &catalog).await?;
        let create = TicketCreate {
            local_year: workspace.settings.local_year(now),
            ticket: write.ticket,
            number_format: workspace.settings.number_format.clone(),
            messages: write.messages,
            assignments: write.assignments,
            events: write.events,
            idempotency,
            catalog_version: catalog.version,
            capacity: write.capacity,
            suggestions: input.suggestions,
        };
        match self.store.create_ticket(ws, create).await {
            Ok((ticket, _created)) => Ok(Some(ticket)),
            Err(StoreError::CatalogChanged | StoreError::AtCapacity { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// A ticket by id.
    pub async fn get_ticket(&self, ws: WorkspaceId, id: TicketId) -> Result<Ticket> {
        self.store
            .get_ticket(ws, id)
            .await?
            .ok_or_else(|| Error::not_found("ticket", id))
    }

    /// A ticket by its number (`TKT-2026-00042`).
    pub async fn get_ticket_by_number(&self, ws: WorkspaceId, number: &str) -> Result<Ticket> {
        let found = match number.contains('\0') {
            // No stored number holds NUL (PostgreSQL could not store it).
            true => None,
            false => self.store.get_ticket_by_number(ws, number).await?,
        };
        found.ok_or_else(|| Error::not_found("ticket", number))
    }

    /// The ticket with its whole thread as `view` sees it (customers never
    /// see notes). Long threads: page them with [`messages`](Self::messages).
    pub async fn thread(&self, ws: WorkspaceId, id: TicketId, view: View) -> Result<Thread> {
        let ticket = self.get_ticket(ws, id).await?;
        let mut messages = self.store.list_messages(ws, id).await?;
        if view == View::Customer {
            messages.retain(|m| m.kind.is_public());
        }
        Ok(Thread { ticket, messages })
    }

    /// One page of a ticket's thread as `view` sees it (customers never see
    /// notes), oldest first: at most `limit` (1..=500) messages; pass
    /// `next_cursor` as `after` for the next page. For long threads, where
    /// [`thread`](Self::thread) would return thousands of messages at once.
    pub async fn messages(
        &self,
        ws: WorkspaceId,
        id: TicketId,
        view: View,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<Message>> {
        if !(1..=500).contains(&limit) {
            return Err(Error::invalid_input("limit", "must be between 1 and 500"));
        }
        let after = after
            .map(|c| {
                c.strip_prefix('m')
                    .and_then(|id| id.parse::<MessageId>().ok())
                    .ok_or_else(|| Error::invalid_input("after", "not a cursor from messages()"))
            })
            .transpose()?;
        self.get_ticket(ws, id).await?;
        let mut rows = self
            .store
            .list_messages_page(ws, id, after, limit + 1, view == View::Customer)
            .await?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        // The cursor is the page's last message: a reader sees its id.
        let next_cursor = more
            .then(|| rows.last().map(|m| format!("m{}", m.id)))
            .flatten();
        Ok(Page {
            items: rows,
            next_cursor,
        })
    }

    /// One message by id as `view` sees it: an internal note is `not_found`
    /// in the customer view, as is a message of another workspace.
    pub async fn get_message(&self, ws: WorkspaceId, id: MessageId, view: View) -> Result<Message> {
        match self.store.get_message(ws, id).await? {
            Some(m) if view == View::Agent || m.kind.is_public() => Ok(m),
            _ => Err(Error::not_found("message", id)),
        }
    }

    /// The assignment history of a ticket, oldest first.
    pub async fn assignment_history(
        &self,
        ws: WorkspaceId,
        id: TicketId,
    ) -> Result<Vec<AssignmentRecord>> {
        self.get_ticket(ws, id).await?;
        Ok(self.store.list_assignments(ws, id).await?)
    }

    /// One page of tickets matching `query`; pass `next_cursor` as `after` for the next.
    pub async fn list_tickets(&self, ws: WorkspaceId, query: &TicketQuery) -> Result<Page<Ticket>> {
        let resumed;
        let query = match query.after.as_deref() {
            None => query,
            Some(cursor) => {
                let (id, at_seq) = crate::query::cursor_ticket(cursor)?;
                // Its errors show the caller's cursor, never the seq.
                let malformed = || {
                    let shown = crate::error::shown(cursor);
                    Error::invalid_input("after", format!("malformed cursor {shown:?}"))
                };
                let seq = self
                    .store
                    .get_ticket(ws, id)
                    .await?
                    .map(|t| t.seq)
                    .ok_or_else(|| {
                        Error::invalid_input(
                            "after",
                            "the cursor's ticket is not in this workspace",
                        )
                    })?;
                let internal = at_seq(seq);
                crate::query::decode_cursor(&internal).map_err(|_| malformed())?;
                resumed = TicketQuery {
                    after: Some(internal),
                    ..query.clone()
                };
                &resumed
            }
        };
        query.validate()?;
        query.text()?;
        let mut page = self.store.list_tickets(ws, query).await?;
        if let (Some(next), Some(last)) = (&page.next_cursor, page.items.last()) {
            page.next_cursor = Some(crate::query::public_cursor(next, last.id));
        }
        Ok(page)
    }

    /// Searches tickets: `query.search` (required) with every other filter,
    /// order and cursor of [`list_tickets`](Self::list_tickets); each hit
    /// with a snippet of its subject or description around the first word
    /// found (`[`…`]` around the words). A search that is exactly a ticket's
    /// number puts that ticket first.
    pub async fn search_tickets(
        &self,
        ws: WorkspaceId,
        query: &TicketQuery,
    ) -> Result<Page<SearchHit>> {
        let Some(text) = query.search.as_deref() else {
            return Err(Error::invalid_input("search", "is required"));
        };
        let parsed = query.text()?.flatten();
        let page = self.list_tickets(ws, query).await?;
        let mut items: Vec<SearchHit> = Vec::new();
        if query.after.is_none()
            && let Ok(t) = self.get_ticket_by_number(ws, text.trim()).await
            && (query.customer.is_none() || query.customer.as_ref() == Some(&t.customer))
        {
            items.push(SearchHit {
                snippet: None,
                ticket: t,
            });
        }
        for t in page.items {
            if items.iter().any(|h| h.ticket.id == t.id) {
                continue;
            }
            let snippet = parsed.as_ref().and_then(|q| {
                crate::search::snippet(&t.subject, q)
                    .or_else(|| crate::search::snippet(&t.description, q))
            });
            items.push(SearchHit { ticket: t, snippet });
        }
        Ok(Page {
            items,
            next_cursor: page.next_cursor,
        })
    }

    /// The tickets matching `query`'s filters as CSV (`columns`, default
    /// [`Column::DEFAULT`](crate::export::Column::DEFAULT); instants in the
    /// workspace's time zone; `bom` puts a UTF-8 byte-order mark first for
    /// Excel), in its order, every page (its `after` and `limit` are
    /// ignored); `invalid_input` past [`crate::export::MAX_ROWS`] tickets:
    /// stream larger exports with [`export_tickets_csv_page`](Self::export_tickets_csv_page).
    pub async fn export_tickets_csv(
        &self,
        ws: WorkspaceId,
        query: &TicketQuery,
        columns: Vec<crate::export::Column>,
        bom: bool,
    ) -> Result<String> {
        let mut q = TicketQuery {
            after: None,
            limit: 500,
            ..query.clone()
        };
        let mut out = String::new();
        let mut rows = 0;
        loop {
            let page = self
                .export_tickets_csv_page(ws, &q, columns.clone(), bom)
                .await?;
            out.push_str(&page.csv);
            rows += 1;
            if rows * 500 > crate::export::MAX_ROWS && page.next_cursor.is_some() {
                return Err(Error::invalid_input(
                    "query",
                    format!(
                        "more than {} tickets: narrow the filters, or export page by page",
                        crate::export::MAX_ROWS
                    ),
                ));
            }
            match page.next_cursor {
                Some(next) => q.after = Some(next),
                None => return Ok(out),
            }
        }
    }

    /// One page of a CSV export (`query.limit` tickets, the header and the
    /// optional byte-order mark first when `query.after` is `None`): a host
    /// streams an export of any size by passing each `next_cursor` back as
    /// `after`, holding one page at a time.
    pub async fn export_tickets_csv_page(
        &self,
        ws: WorkspaceId,
        query: &TicketQuery,
        columns: Vec<crate::export::Column>,
        bom: bool,
    ) -> Result<crate::export::CsvPage> {
        crate::export::Exporter::check(&columns)?;
        let tz = self.catalog(ws).await?.workspace.settings.tz();
        let exporter = crate::export::Exporter::new(columns, tz);
        let page = self.list_tickets(ws, query).await?;
        let mut out = Vec::new();
        if query.after.is_none() {
            if bom {
                out.extend_from_slice(crate::export::BOM.as_bytes());
            }
            exporter.header(&mut out)?;
        }
        for t in &page.items {
            exporter.row(&mut out, t)?;
        }
        Ok(crate::export::CsvPage {
            csv: String::from_utf8(out).map_err(|e| Error::Internal {
                message: format!("CSV is not UTF-8: {e}"),
            })?,
            next_cursor: page.next_cursor,
        })
    }

    /// The support dashboard as of `now` (default: the clock): see
    /// [`crate::report::Dashboard`].
    pub async fn dashboard(
        &self,
        ws: WorkspaceId,
        now: Option<DateTime<Utc>>,
    ) -> Result<crate::report::Dashboard> {
        let catalog = self.catalog(ws).await?;
        let now = match now {
            Some(t) => crate::limits::instant("now", t)?,
            None => self.now()?,
        };
        let day_start = catalog.workspace.settings.day_start(now);
        let counts = self
            .store
            .dashboard_counts(ws, day_start, now, now + chrono::TimeDelta::hours(1))
            .await?;
        Ok(counts.dashboard(now, day_start))
    }

    /// Counts of tickets per status.
    pub async fn ticket_stats(&self, ws: WorkspaceId) -> Result<TicketStats> {
        self.catalog(ws).await?;
        let mut by_status: BTreeMap<Status, u64> =
            Status::ALL.into_iter().map(|s| (s, 0)).collect();
        for (s, n) in self.store.count_by_status(ws).await? {
            by_status.insert(s, n);
        }
        Ok(TicketStats {
            total: by_status.values().sum(),
            by_status,
        })
    }

    /// Reads the ticket, computes the change with `f`, and writes it if the
    /// ticket did not move meanwhile; otherwise re-reads and recomputes (the
    /// rules run again on fresh state, so no write is ever lost or blind).
    /// With `expected_version`, a moved ticket is `conflict` instead.
    ///
    /// Without `expected_version`, the first attempt starts from the copy
    /// of the ticket the store keeps from its last write of it, when it has
    /// one ([`TicketStore::remembered_ticket`](crate::store::TicketStore::remembered_ticket)),
    /// saving the read. Only a write applied at that copy's version stands:
    /// anything else decided on it before writing (an error, nothing to
    /// change, an idempotent replay, a conflict) is decided again on a fresh
    /// read; a failed write (`storage`, `outcome_unknown`) is the answer.
    pub(crate) async fn change_ticket(
        &self,
        ws: WorkspaceId,
        id: TicketId,
        expected_version: Option<u64>,
        f: impl Fn(&Ticket, DateTime<Utc>) -> Result<TicketWrite> + Send + Sync,
    ) -> Result<Committed> {
        for attempt in 0..RETRIES {
            // Only the first attempt may start from the store's copy.
            let remembered = (attempt == 0 && expected_version.is_none())
                .then(|| self.store.remembered_ticket(ws, id))
                .flatten();
            let from_memory = remembered.is_some();
            let t = match remembered {
                Some(t) => t,
                None => self.get_ticket(ws, id).await?,
            };
            if let Some(v) = expected_version.filter(|v| *v != t.version) {
                return Err(Error::Conflict {
                    message: format!("ticket {id} is at version {}, not {v}", t.version),
                });
            }
            match self.write_change(ws, t, &f).await {
                Ok(Attempt::Applied(done)) => return Ok(done),
                // A write that may have happened is never tried again.
                Ok(Attempt::Failed(e)) => return Err(e),
                Ok(Attempt::Unchanged(done)) if !from_memory => return Ok(done),
                Err(e) if !from_memory => return Err(e),
                Ok(Attempt::Moved(e)) => {
                    if expected_version.is_some() {
                        return Err(e.into());
                    }
                    for _ in 0..attempt * attempt {
                        YieldNow(false).await;
                    }
                }
                // A stale catalog, or decided on a remembered copy: again,
                // on a fresh read.
                _ => {}
            }
        }
        Err(Error::Conflict {
            message: format!("ticket {id} kept changing; gave up after {RETRIES} attempts"),
        })
    }

    /// One attempt of [`change_ticket`](Self::change_ticket) from `t`.
    async fn write_change(
        &self,
        ws: WorkspaceId,
        t: Ticket,
        f: &(impl Fn(&Ticket, DateTime<Utc>) -> Result<TicketWrite> + Send + Sync),
    ) -> Result<Attempt> {
        let now = self.now()?;
        let mut write = f(&t, now)?;
        if write.is_noop() {
            return Ok(Attempt::Unchanged(Committed {
                ticket: t,
                message: None,
            }));
        }
        let catalog = self.catalog(ws).await?;
        let fired = self.automate(ws, &mut write, &catalog, false).await?;
        if write.ticket.team != t.team {
            // Moved to another team, unassigned: its strategy, if any.
            self.route_new(ws, &mut write, &catalog).await?;
        }
        self.sla_on_change(ws, &t, &mut write, &catalog).await?;
        self.automate_messages(ws, &mut write, &catalog, fired, true)
            .await?;
        self.schedule(ws, &mut write.ticket, &catalog).await?;
        let ticket = write.ticket.clone();
        let message = write.messages.first().cloned();
        match self.store.update_ticket(ws, write).await {
            Ok(WriteOutcome::Applied) => {
                if frees_room(&t, &ticket) {
                    // Best effort: a failed drain leaves the tickets
                    // waiting for the next change or run_automations.
                    let _ = self.drain_backlog(ws).await;
                }
                Ok(Attempt::Applied(Committed { ticket, message }))
            }
            Ok(WriteOutcome::DuplicateMessage(m)) => {
                if let Some(tried) = &message
                    && !same_request(&m, tried)
                {
                    return Err(StoreError::IdempotencyMismatch {
                        key: m.idempotency_key.clone().unwrap_or_default(),
                    }
                    .into());
                }
                Ok(Attempt::Unchanged(Committed {
                    ticket: t,
                    message: Some(*m),
                }))
            }
            Err(StoreError::CatalogChanged | StoreError::AtCapacity { .. }) => Ok(Attempt::Stale),
            Err(e @ StoreError::VersionConflict { .. }) => Ok(Attempt::Moved(e)),
            Err(e) => Ok(Attempt::Failed(e.into())),
        }
    }

    /// [`change_ticket`](Self::change_ticket) without a caller's version,
    /// returning the ticket after the change.
    /// `by` must exist in the workspace, and a customer may act only on
    /// their own ticket ([`rules::may_act`]).
    async fn apply(
        &self,
        ws: WorkspaceId,
        id: TicketId,
        by: &Actor,
        f: impl Fn(&Ticket, DateTime<Utc>) -> Result<TicketWrite> + Send + Sync,
    ) -> Result<Ticket> {
        self.known_actor(ws, by).await?;
        let checked = |t: &Ticket, now| {
            rules::may_act(t, by)?;
            f(t, now)
        };
        Ok(self.change_ticket(ws, id, None, checked).await?.ticket)
    }

    /// `not_found` unless `actor` is an agent or customer of the workspace (or the system).
    pub(crate) async fn known_actor(&self, ws: WorkspaceId, actor: &Actor) -> Result<()> {
        match actor {
            Actor::Agent(a) => self.get_agent(ws, a).await.map(drop),
            Actor::Customer(c) => self.get_customer(ws, c).await.map(drop),
            Actor::System => Ok(()),
        }
    }

    /// Adds `draft` to the thread; with `author`, only if that agent exists
    /// and is active when the write applies (checked by the write itself).
    async fn add_message(
        &self,
        ws: WorkspaceId,
        id: TicketId,
        draft: MessageDraft,
        author: Option<&AgentId>,
    ) -> Result<Message> {
        self.change_ticket(ws, id, None, |t, now| {
            let mut write = rules::add_message(t, draft.clone(), now)?;
            write.active_agent = author.cloned();
            Ok(write)
        })
        .await?
        .message
        .ok_or_else(|| Error::Storage {
            message: "the message was not written".into(),
        })
    }

    /// Adds a message from the ticket's customer. Reopens pending or resolved
    /// tickets; `invalid_transition` on closed or cancelled ones.
    pub async fn customer_message(
        &self,
        ws: WorkspaceId,
        id: TicketId,
        customer: &CustomerId,
        input: MessageInput,
    ) -> Result<Message> {
        let draft = input.into_draft(MessageKind::Customer, Actor::Customer(customer.clone()))?;
        self.get_customer(ws, customer).await?;
        match self.add_message(ws, id, draft.clone(), None).await {
            // A message to a ticket merged since lands in the one it was merged into.
            Err(e @ Error::InvalidTransition { .. }) => match self.merge_target(ws, id).await? {
                Some(target) => self.add_message(ws, target, draft, None).await,
                None => Err(e),
            },
            other => other,
        }
    }

    /// Adds a public agent reply (meets first/next response). `input.status`
    /// leaves the ticket in that status (e.g. `pending`); otherwise a `new`
    /// ticket becomes `open`.
    pub async fn reply(
        &self,
        ws: WorkspaceId,
        id: TicketId,
        agent: &AgentId,
        input: MessageInput,
    ) -> Result<Message> {
        let draft = input.into_draft(MessageKind::Reply, Actor::Agent(agent.clone()))?;
        self.add_message(ws, id, draft, Some(agent)).await
    }

    /// Adds an internal note: never shown to the customer, never an SLA response.
    pub async fn add_note(
        &self,
        ws: WorkspaceId,
        id: TicketId,
        agent: &AgentId,
        input: MessageInput,
    ) -> Result<Message> {
        if input.status.is_some() {
            return Err(Error::invalid_input(
                "status",
                "only agent replies can set a status",
            ));
        }
        self.get_agent(ws, agent).await?;
        let draft = input.into_draft(MessageKind::Note, Actor::Agent(agent.clone()))?;
        self.add_message(ws, id, draft, None).await
    }

    /// A public message written by the system (a status notice, an
    /// automated answer): the customer sees it, it answers nothing (no SLA
    /// response) and changes no status.
    pub async fn system_message(
        &self,
        ws: WorkspaceId,
        id: TicketId,
        input: MessageInput,
    ) -> Result<Message> {
        if input.status.is_some() {
            return Err(Error::invalid_input(
                "status",
                "only agent replies can set a status",
            ));
        }
        let draft = input.into_draft(MessageKind::System, Actor::System)?;
        self.add_message(ws, id, draft, None).await
    }

    /// Assigns, reassigns, unassigns or escalates (see [`Assign`]).
    pub async fn assign(
        &self,
        ws: WorkspaceId,
        id: TicketId,
        change: Assign,
        by: Actor,
    ) -> Result<Ticket> {
        if let Some(a) = &change.agent {
            self.active_agent(ws, a, "agent").await?;
        }
        if let Some(team) = change.team {
            self.active_team(ws, team, "team").await?;
        }
        let reason = validate::optional_paragraph("reason", change.reason.as_deref(), 2000)?;
        self.apply(ws, id, &by, |t, now| {
            rules::assign(
                t,
                change.agent.as_ref(),
                change.team,
                change.escalate,
                &by,
                reason.clone(),
                now,
            )
        })
        .await
    }

    /// Removes the assignee.
    pub async fn unassign(&self, ws: WorkspaceId, id: TicketId, by: Actor) -> Result<Ticket> {
        self.assign(ws, id, Assign::default(), by).await
    }

    /// Moves the ticket along the workflow; `invalid_transition` if not allowed.
    pub async fn set_status(
        &self,
        ws: WorkspaceId,
        id: TicketId,
        status: Status,
        by: Actor,
    ) -> Result<Ticket> {
        self.apply(ws, id, &by, |t, now| rules::set_status(t, status, &by, now))
            .await
    }

    /// Resolves the ticket.
    pub async fn resolve(&self, ws: WorkspaceId, id: TicketId, by: Actor) -> Result<Ticket> {
        self.set_status(ws, id, Status::Resolved, by).await
    }

    /// Closes the ticket (from any active status or resolved).
    pub async fn close(&self, ws: WorkspaceId, id: TicketId, by: Actor) -> Result<Ticket> {
        self.set_status(ws, id, Status::Closed, by).await
    }

    /// Reopens a resolved ticket, or a closed one within the workspace's reopen window.
    pub async fn reopen(&self, ws: WorkspaceId, id: TicketId, by: Actor) -> Result<Ticket> {
        let window = self.catalog(ws).await?.workspace.settings.reopen_window;
        self.apply(ws, id, &by, |t, now| rules::reopen(t, &by, window, now))
            .await
    }

    /// Changes the priority to another code of the workspace.
    pub async fn set_priority(
        &self,
        ws: WorkspaceId,
        id: TicketId,
        code: &str,
        by: Actor,
    ) -> Result<Ticket> {
        Priority::usable(&self.catalog(ws).await?.priorities, code)?;
        self.apply(ws, id, &by, |t, now| {
            rules::set_priority(t, code.to_owned(), &by, now)
        })
        .await
    }

    /// Changes (or clears) the category.
    pub async fn set_category(
        &self,
        ws: WorkspaceId,
        id: TicketId,
        category: Option<CategoryId>,
        by: Actor,
    ) -> Result<Ticket> {
        if let Some(c) = category {
            let c = self.get_category(ws, c).await?;
            if !c.active {
                return Err(Error::invalid_input("category", "the category is inactive"));
            }
        }
        self.apply(ws, id, &by, |t, now| {
            rules::set_category(t, category, &by, now)
        })
        .await
    }

    /// Adds a tag slug.
    pub async fn add_tag(
        &self,
        ws: WorkspaceId,
        id: TicketId,
        tag: &str,
        by: Actor,
    ) -> Result<Ticket> {
        let slug = validate::key("tag", tag)?;
        self.apply(ws, id, &by, |t, now| {
            rules::tag(t, slug.clone(), true, &by, now)
        })
        .await
    }

    /// Removes a tag slug.
    pub async fn remove_tag(
        &self,
        ws: WorkspaceId,
        id: TicketId,
        tag: &str,
        by: Actor,
    ) -> Result<Ticket> {
        let slug = validate::key("tag", tag)?;
        self.apply(ws, id, &by, |t, now| {
            rules::tag(t, slug.clone(), false, &by, now)
        })
        .await
    }

    /// Links a host record (`order:8812`).
    pub async fn link(
        &self,
        ws: WorkspaceId,
        id: TicketId,
        link: Link,
        by: Actor,
    ) -> Result<Ticket> {
        let link = Link::new(&link.kind, &link.id)?;
        self.apply(ws, id, &by, |t, now| rules::link(t, link.clone(), &by, now))
            .await
    }

    /// Records the customer's rating, 1–5, of a resolved or closed ticket.
    pub async fn rate(
        &self,
        ws: WorkspaceId,
        id: TicketId,
        rating: u8,
        comment: Option<String>,
        by: Actor,
    ) -> Result<Ticket> {
        let comment = validate::optional_paragraph("comment", comment.as_deref(), 5000)?;
        self.apply(ws, id, &by, |t, now| {
            rules::rate(t, rating, comment.clone(), &by, now)
        })
        .await
    }

    /// [`bulk_update`](Self::bulk_update) of every ticket matching `query`'s
    /// filters (its `after` and `limit` are ignored), read before any is
    /// changed; `invalid_input` when more than [`MAX_BULK`] match.
    pub async fn bulk_update_matching(
        &self,
        ws: WorkspaceId,
        query: &TicketQuery,
        update: TicketUpdate,
        by: Actor,
    ) -> Result<Vec<BulkOutcome>> {
        let mut q = TicketQuery {
            after: None,
            limit: 500,
            ..query.clone()
        };
        let mut ids = Vec::new();
        loop {
            let page = self.list_tickets(ws, &q).await?;
            ids.extend(page.items.iter().map(|t| t.id));
            if ids.len() > MAX_BULK {
                return Err(Error::invalid_input(
                    "query",
                    format!("more than {MAX_BULK} tickets match: narrow the filters"),
                ));
            }
            match page.next_cursor {
                Some(c) => q.after = Some(c),
                None => break,
            }
        }
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.bulk_update(ws, ids, update, by).await
    }

    /// Changes several fields of a ticket in one atomic write (see
    /// [`TicketUpdate`]): every value is checked first, and a refusal of any
    /// change (an inactive priority, a transition the workflow forbids)
    /// writes nothing. With `expected_version`, a ticket changed since the
    /// caller read it is `conflict`.
    pub async fn update_ticket(
        &self,
        ws: WorkspaceId,
        id: TicketId,
        update: TicketUpdate,
        by: Actor,
    ) -> Result<Ticket> {
        let expected = update.expected_version;
        let checked = self.check_update(ws, update, &by).await?;
        self.apply_update(ws, id, &checked, expected, &by).await
    }

    /// The same change to many tickets (an agent's bulk action: assign,
    /// close, re-prioritise). The change is checked once, before anything is
    /// written (a bad value fails the call); then each ticket changes in its
    /// own atomic write, and a ticket that refuses it (not found, a
    /// transition its status forbids) is reported without stopping the
    /// others; a retry changes only what the first run did not. At most
    /// [`MAX_BULK`] tickets, each once; no `expected_version`.
    pub async fn bulk_update(
        &self,
        ws: WorkspaceId,
        tickets: Vec<TicketId>,
        update: TicketUpdate,
        by: Actor,
    ) -> Result<Vec<BulkOutcome>> {
        if tickets.is_empty() || tickets.len() > MAX_BULK {
            return Err(Error::invalid_input(
                "tickets",
                format!("1 to {MAX_BULK} tickets"),
            ));
        }
        if let Some((i, _)) = tickets
            .iter()
            .enumerate()
            .find(|&(i, t)| tickets[..i].contains(t))
        {
            return Err(Error::invalid_input(
                format!("tickets[{i}]"),
                "listed twice",
            ));
        }
        if update.expected_version.is_some() {
            return Err(Error::invalid_input(
                "expected_version",
                "a bulk change has no single version",
            ));
        }
        let checked = self.check_update(ws, update, &by).await?;
        let mut out = Vec::with_capacity(tickets.len());
        for id in tickets {
            let outcome = match self.apply_update(ws, id, &checked, None, &by).await {
                Ok(t) => BulkOutcome {
                    ticket: id,
                    updated: Some(t),
                    error: None,
                },
                Err(e) => BulkOutcome {
                    ticket: id,
                    updated: None,
                    error: Some(BulkError::of(&e)),
                },
            };
            out.push(outcome);
        }
        Ok(out)
    }

    /// Checks every value of `update` (and that `by` exists) once.
    async fn check_update(
        &self,
        ws: WorkspaceId,
        mut update: TicketUpdate,
        by: &Actor,
    ) -> Result<TicketUpdate> {
        update.subject = update
            .subject
            .as_deref()
            .map(|s| validate::text("subject", s, MAX_SUBJECT))
            .transpose()?;
        update.description = update
            .description
            .as_deref()
            .map(|s| validate::paragraph("description", s, MAX_BODY))
            .transpose()?;
        if let Some(fields) = &update.custom_fields {
            validate::json_fields("custom_fields", fields)?;
        }
        for (field, tags) in [
            ("add_tags", &mut update.add_tags),
            ("remove_tags", &mut update.remove_tags),
        ] {
            for (i, tag) in tags.iter_mut().enumerate() {
                *tag = validate::key(&format!("{field}[{i}]"), tag)?;
            }
            tags.sort();
            tags.dedup();
        }
        if let Some(tag) = update
            .add_tags
            .iter()
            .find(|t| update.remove_tags.contains(t))
        {
            return Err(Error::invalid_input(
                "remove_tags",
                format!("{tag:?} is also in add_tags"),
            ));
        }
        if update.escalate && update.assignee.is_none() && update.team.is_none() {
            return Err(Error::invalid_input(
                "escalate",
                "escalate to someone: give an assignee or a team",
            ));
        }
        if update.unassign && update.assignee.is_some() {
            return Err(Error::invalid_input(
                "unassign",
                "give an assignee or unassign, not both",
            ));
        }
        if let Some(code) = &update.priority {
            Priority::usable(&self.catalog(ws).await?.priorities, code)?;
        }
        if let Some(c) = update.category
            && !self.get_category(ws, c).await?.active
        {
            return Err(Error::invalid_input("category", "the category is inactive"));
        }
        if let Some(a) = &update.assignee {
            self.active_agent(ws, a, "assignee").await?;
        }
        if let Some(team) = update.team {
            self.active_team(ws, team, "team").await?;
        }
        self.known_actor(ws, by).await?;
        Ok(update)
    }

    /// Writes a checked update to one ticket: one atomic write, status last.
    async fn apply_update(
        &self,
        ws: WorkspaceId,
        id: TicketId,
        u: &TicketUpdate,
        expected_version: Option<u64>,
        by: &Actor,
    ) -> Result<Ticket> {
        let t = self
            .change_ticket(ws, id, expected_version, |t, now| {
                rules::may_act(t, by)?;
                let mut w = rules::update_fields(
                    t,
                    u.subject.clone(),
                    u.description.clone(),
                    u.custom_fields.clone(),
                    by,
                    now,
                )?;
                if let Some(c) = u.category.filter(|&c| Some(c) != t.category) {
                    w = w.and_then(|t, now| rules::set_category(t, Some(c), by, now))?;
                }
                // Values a ticket already has change nothing (also on a closed one).
                if let Some(code) = u.priority.as_ref().filter(|&c| *c != t.priority) {
                    w = w.and_then(|t, now| rules::set_priority(t, code.clone(), by, now))?;
                }
                let to = if u.unassign {
                    None
                } else {
                    u.assignee.clone().or_else(|| t.assignee.clone())
                };
                if to != t.assignee || u.team.is_some_and(|team| Some(team) != t.team) {
                    w = w.and_then(|t, now| {
                        rules::assign(t, to.as_ref(), u.team, u.escalate, by, None, now)
                    })?;
                }
                for (tags, add) in [(&u.add_tags, true), (&u.remove_tags, false)] {
                    for tag in tags {
                        w = w.and_then(|t, now| rules::tag(t, tag.clone(), add, by, now))?;
                    }
                }
                if let Some(status) = u.status {
                    w = w.and_then(|t, now| rules::set_status(t, status, by, now))?;
                }
                Ok(w)
            })
            .await?
            .ticket;
        Ok(t)
    }
}

/// Whether the change from `before` to `after` gives an agent room: their
/// ticket left the active statuses or went to someone else.
fn frees_room(before: &Ticket, after: &Ticket) -> bool {
    before.assignee.is_some()
        && before.status.is_active()
        && (!after.status.is_active() || after.assignee != before.assignee)
}
