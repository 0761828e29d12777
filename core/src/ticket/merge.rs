//! Merging one ticket into another, as two pure rules: the target absorbs
//! the source's thread, tags and links; the source is closed, pointing to
//! the target. The service writes the target first, then the source: each
//! write is atomic, and a retry after a failure between them copies nothing
//! twice (each copy is keyed by the message it copies).

use super::{Actor, Message, Status, Ticket};
use crate::error::{Error, Result};
use crate::event::EventKind;
use crate::store::TicketWrite;
use chrono::{DateTime, Utc};

/// The idempotency key of the copy of `m` in the target.
pub(crate) fn copy_key(m: &Message) -> String {
    format!("merge:{}", m.id)
}

/// Checks that `source` may be merged into `target` (or already is).
pub(crate) fn check(source: &Ticket, target: &Ticket) -> Result<()> {
    if source.id == target.id {
        return Err(Error::invalid_input(
            "target",
            "a ticket cannot be merged into itself",
        ));
    }
    if let Some(into) = source.merged_into.filter(|&into| into != target.id) {
        return Err(Error::invalid_transition(
            source.status,
            format!("the ticket was already merged into {into}"),
        ));
    }
    if source.customer != target.customer {
        return Err(Error::invalid_input(
            "target",
            format!(
                "ticket {} belongs to another customer: their threads stay apart",
                target.number
            ),
        ));
    }
    if source.status == Status::Cancelled {
        return Err(Error::invalid_transition(
            source.status,
            "a cancelled ticket cannot be merged",
        ));
    }
    if target.merged_into.is_some()
        || !matches!(target.status, s if s.is_active() || s == Status::Resolved)
    {
        return Err(Error::invalid_input(
            "target",
            format!(
                "ticket {} is {}: merge into an open ticket",
                target.number, target.status
            ),
        ));
    }
    Ok(())
}

/// The target's side: `thread` (the source's messages, in order) copied
/// with their authors, kinds and times, each naming its origin; the
/// source's tags and links added; `ticket.merged` (unless `resumed`: an
/// earlier attempt recorded it, and this one copies what it missed).
pub(crate) fn absorb(
    target: &Ticket,
    source: &Ticket,
    thread: &[Message],
    by: &Actor,
    now: DateTime<Utc>,
    new_id: impl Fn() -> crate::ids::MessageId,
    resumed: bool,
) -> Result<TicketWrite> {
    check(source, target)?;
    let mut w = TicketWrite::begin(target, now);
    for tag in &source.tags {
        if !w.ticket.tags.contains(tag) {
            w.ticket.tags.push(tag.clone());
        }
    }
    w.ticket.tags.sort();
    for link in &source.links {
        if !w.ticket.links.contains(link) {
            w.ticket.links.push(link.clone());
        }
    }
    w.messages = thread
        .iter()
        .map(|m| Message {
            id: new_id(),
            ticket_id: target.id,
            idempotency_key: Some(copy_key(m)),
            merged_from: Some(m.merged_from.unwrap_or(source.id)),
            ..m.clone()
        })
        .collect();
    let messages = u32::try_from(w.messages.len()).unwrap_or(u32::MAX);
    if resumed {
        return Ok(w);
    }
    w.emit(by, merged(source, target, messages));
    Ok(w)
}

/// The source's side: closed (unless it already is), `merged_into` the
/// target, `ticket.merged` (with the `messages` it holds, to be copied).
pub(crate) fn close_merged(
    source: &Ticket,
    target: &Ticket,
    messages: u32,
    by: &Actor,
    now: DateTime<Utc>,
) -> Result<TicketWrite> {
    check(source, target)?;
    let mut w = TicketWrite::begin(source, now);
    if source.merged_into == Some(target.id) {
        return Ok(w);
    }
    w.ticket.merged_into = Some(target.id);
    if source.status != Status::Closed {
        // Closed as a duplicate, not resolved: it counts in no resolution figure.
        let resolved = source.resolved_at;
        w.move_to(by, Status::Closed);
        w.ticket.resolved_at = resolved.filter(|_| source.status == Status::Resolved);
    }
    w.emit(by, merged(source, target, messages));
    Ok(w)
}

/// `ticket.merged`.
fn merged(source: &Ticket, target: &Ticket, messages: u32) -> EventKind {
    EventKind::Merged {
        source: source.id,
        source_number: source.number.clone(),
        target: target.id,
        target_number: target.number.clone(),
        messages,
    }
}
