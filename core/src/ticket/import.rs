//! Tickets brought over from another help desk, with their history.
//!
//! A host that adopts Ticketry has years of tickets in its own tables.
//! [`Helpdesk::import_tickets`](crate::Helpdesk::import_tickets) takes them as
//! [`ImportTicket`]s: the original number, timestamps, thread and final
//! status. [`replay`] then plays each history through the same rules a live
//! ticket follows ([`add_message`](super::rules::add_message), status moves,
//! the SLA engine), so an imported ticket's first response, waiting time,
//! reopenings and SLA clocks are what Ticketry would have recorded had it
//! been there. The replay's events are dropped: an import announces nothing
//! (no host notifier mails a customer about a ticket closed in 2019).

use super::rules::{MessageDraft, add_message, rate};
use super::{Attachment, Channel, Link, Message, MessageKind, Satisfaction, Status, Ticket};
use crate::calendar::BusinessCalendar;
use crate::error::{Error, Result};
use crate::ids::{AgentId, CategoryId, CustomerId, TeamId, TicketId};
use crate::sla::engine::{self, Change, Terms};
use crate::store::TicketWrite;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Most tickets one import call takes (a host imports in batches).
pub const MAX_IMPORT: usize = 10_000;

/// Most messages (after the opening one) of one imported ticket.
pub const MAX_IMPORT_MESSAGES: usize = 1_000;

/// The highest `seq` an import may keep (10^15: far above any help desk's
/// ids, exact in a JavaScript number, and leaving the counter room to grow
/// on every backend).
pub const MAX_IMPORT_SEQ: u64 = 1_000_000_000_000_000;

/// One ticket of another system, for
/// [`Helpdesk::import_tickets`](crate::Helpdesk::import_tickets).
///
/// ```
/// use ticketry_core::ticket::ImportTicket;
/// let t: ImportTicket = serde_json::from_value(serde_json::json!({
///     "seq": 42,
///     "customer": "u1",
///     "subject": "Refund",
///     "description": "Please refund order 8812.",
///     "created_at": "2024-03-01T09:00:00Z",
///     "status": "closed",
///     "messages": [{"kind": "reply", "agent": "ann", "body": "Done.",
///                   "created_at": "2024-03-01T10:00:00Z"}]
/// })).unwrap();
/// assert_eq!(t.seq, Some(42));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportTicket {
    /// Its number in the other system (django-helpdesk's id), kept as the
    /// ticket's `seq`: above the workspace's last number and unique.
    /// Omitted: numbered after the workspace's last number, in order.
    #[serde(default)]
    pub seq: Option<u64>,
    /// Its rendered number in the other system (`HD-42`), kept verbatim.
    /// Omitted: rendered from the workspace's format, `seq` and the year of
    /// `created_at`.
    #[serde(default)]
    pub number: Option<String>,
    /// Who asked (a customer of the workspace).
    pub customer: CustomerId,
    /// One-line summary.
    pub subject: String,
    /// The opening text (the first message, by the customer).
    pub description: String,
    /// The opening message's HTML.
    #[serde(default)]
    pub html: Option<String>,
    /// The opening message's attachments.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// Opened at.
    pub created_at: DateTime<Utc>,
    /// Where the status ended (default: where the thread leaves it, `new`
    /// or `open`).
    #[serde(default)]
    pub status: Option<Status>,
    /// When resolved (a `resolved` or `closed` ticket; default: its last
    /// activity).
    #[serde(default)]
    pub resolved_at: Option<DateTime<Utc>>,
    /// When closed (a `closed` ticket; default: its last activity).
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    /// A priority code of the workspace (default: the workspace's default).
    /// An inactive one is accepted: old tickets keep what they had.
    #[serde(default)]
    pub priority: Option<String>,
    /// A category of the workspace.
    #[serde(default)]
    pub category: Option<CategoryId>,
    /// Where it came from.
    #[serde(default)]
    pub channel: Channel,
    /// A team of the workspace.
    #[serde(default)]
    pub team: Option<TeamId>,
    /// An agent of the workspace (one who has left, inactive, is accepted).
    #[serde(default)]
    pub assignee: Option<AgentId>,
    /// Tag slugs.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Links to the host's records.
    #[serde(default)]
    pub links: Vec<Link>,
    /// The host's own fields.
    #[serde(default)]
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
    /// The address the customer wrote from.
    #[serde(default)]
    pub source_email: Option<String>,
    /// The phone number the customer called from.
    #[serde(default)]
    pub source_phone: Option<String>,
    /// The customer's rating.
    #[serde(default)]
    pub satisfaction: Option<Satisfaction>,
    /// The rest of the thread, oldest first.
    #[serde(default)]
    pub messages: Vec<ImportMessage>,
}

/// One message of an [`ImportTicket`]'s thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportMessage {
    /// `customer` (by the ticket's customer), `reply` or `note` (by `agent`),
    /// `system`.
    pub kind: MessageKind,
    /// The agent who wrote a reply or note.
    #[serde(default)]
    pub agent: Option<AgentId>,
    /// Plain text.
    pub body: String,
    /// HTML version.
    #[serde(default)]
    pub html: Option<String>,
    /// Attachment metadata.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// The e-mail `Message-ID`, when it came by mail.
    #[serde(default)]
    pub email_message_id: Option<String>,
    /// Written at (not before the ticket's `created_at`, not before the
    /// message before it).
    pub created_at: DateTime<Utc>,
}

/// Where an imported ticket landed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ImportedTicket {
    /// Its id in Ticketry.
    pub id: TicketId,
    /// Its position in the workspace's numbering.
    pub seq: u64,
    /// Its number.
    pub number: String,
}

/// A validated history: the opening message (at the ticket's `created_at`),
/// the later messages with their instants, and where the status ends.
pub(crate) struct History {
    pub opening: MessageDraft,
    pub messages: Vec<(MessageDraft, DateTime<Utc>)>,
    pub status: Option<Status>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub satisfaction: Option<Satisfaction>,
}

/// Plays `history` on `ticket` (fields set, status `new`, opened at its
/// `created_at`, no clocks yet) under the SLA `terms` on `cal`, as of `now`
/// (clocks whose warning or deadline passed before `now` are recorded as
/// warned or breached, so the next sweep does not announce them). Returns
/// the ticket and its thread; every event is dropped. Errors name the
/// field inside the record (`messages[2].created_at`).
pub(crate) fn replay(
    mut ticket: Ticket,
    history: History,
    terms: &Terms<'_>,
    cal: &BusinessCalendar,
    now: DateTime<Utc>,
) -> Result<(Ticket, Vec<Message>)> {
    let opened = ticket.created_at;
    let mut thread = vec![history.opening.into_message(&ticket, opened)];
    engine::on_create(&mut ticket, terms, cal);
    let mut last = opened;
    for (i, (draft, at)) in history.messages.into_iter().enumerate() {
        let field = |f: &str| format!("messages[{i}].{f}");
        if at < last || at > now {
            return Err(Error::invalid_input(
                field("created_at"),
                "is before the ticket's creation or the message before it, or in the future",
            ));
        }
        let w = add_message(&ticket, draft, at).map_err(|e| e.within(&format!("messages[{i}]")))?;
        ticket = settle(&ticket, w, terms, cal, &mut thread);
        last = at;
    }
    let target = history.status.unwrap_or(ticket.status);
    let stamp = |at: Option<DateTime<Utc>>, field: &str| -> Result<DateTime<Utc>> {
        match at {
            Some(at) if at < last || at > now => Err(Error::invalid_input(
                field,
                "is before the ticket's last message, or in the future",
            )),
            Some(at) => Ok(at),
            None => Ok(last),
        }
    };
    match target {
        Status::Resolved | Status::Closed => {
            let resolved = stamp(history.resolved_at, "resolved_at")?;
            if ticket.status.is_active() {
                ticket = moved(&ticket, Status::Resolved, resolved, terms, cal);
            }
            if target == Status::Closed {
                let closed = stamp(history.closed_at, "closed_at")?.max(resolved);
                if history.closed_at.is_some_and(|c| c < resolved) {
                    return Err(Error::invalid_input("closed_at", "is before resolved_at"));
                }
                ticket = moved(&ticket, Status::Closed, closed, terms, cal);
            } else if history.closed_at.is_some() {
                return Err(Error::invalid_input(
                    "closed_at",
                    "is only for a closed ticket",
                ));
            }
        }
        other => {
            for (at, field) in [
                (history.resolved_at, "resolved_at"),
                (history.closed_at, "closed_at"),
            ] {
                if at.is_some() {
                    return Err(Error::invalid_input(
                        field,
                        format!("is only for a resolved or closed ticket, not {other}"),
                    ));
                }
            }
            if other != ticket.status {
                ticket = moved(&ticket, other, last, terms, cal);
            }
        }
    }
    if ticket.status.is_active() {
        ticket.sla.settle(now);
    }
    if let Some(s) = history.satisfaction {
        let at = stamp(Some(s.rated_at), "satisfaction.rated_at")?.max(ticket.updated_at);
        let by = super::Actor::Customer(ticket.customer.clone());
        ticket = rate(&ticket, s.rating, s.comment, &by, at)
            .map_err(|e| e.within("satisfaction"))?
            .ticket;
    }
    ticket.version = 1;
    Ok((ticket, thread))
}

/// `ticket` moved to `to` at `at`, its clocks following.
fn moved(
    ticket: &Ticket,
    to: Status,
    at: DateTime<Utc>,
    terms: &Terms<'_>,
    cal: &BusinessCalendar,
) -> Ticket {
    let mut w = TicketWrite::begin(ticket, at);
    w.move_to(&super::Actor::System, to);
    settle(ticket, w, terms, cal, &mut Vec::new())
}

/// The state `w` leads to from `before`, its clocks moved; its messages go
/// to `thread`.
fn settle(
    before: &Ticket,
    mut w: TicketWrite,
    terms: &Terms<'_>,
    cal: &BusinessCalendar,
    thread: &mut Vec<Message>,
) -> Ticket {
    let kinds: Vec<MessageKind> = w.messages.iter().map(|m| m.kind).collect();
    let change = Change {
        before,
        new_messages: &kinds,
        now: w.ticket.updated_at,
        calendar_before: cal,
    };
    engine::on_change(&mut w.ticket, change, terms, cal);
    thread.append(&mut w.messages);
    w.ticket
}
