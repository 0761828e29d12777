//! Tickets this process wrote lately, offered to the next change of them.
//!
//! A change (a reply, an assignment, a status) is computed from the ticket
//! as it is stored, and written only if the stored version is still the one
//! it was computed from. So the service need not read a ticket that this
//! store has just written: it starts from the copy kept here
//! ([`TicketStore::remembered_ticket`](ticketry_core::store::TicketStore::remembered_ticket)),
//! saving a round trip per change. Reads (`get_ticket`, lists) always go to
//! the database.
//!
//! If another process (or a concurrent task) moved the ticket meanwhile, the
//! write finds another version and writes nothing, and the service reads the
//! ticket and tries again. Such a failed write costs more than a read, so
//! the ticket is then marked *shared* (as it is when a read finds it at a
//! newer version than the copy): its copy is not offered until a read finds
//! the ticket still at the version this store last wrote (no one else wrote
//! it since). A ticket that two processes change by turns thus costs a read
//! and a write per change, as without copies.
//!
//! Copies are kept within a budget of bytes (the size of the write that
//! stored each); past it, arbitrary entries make room.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use ticketry_core::{Ticket, TicketId, WorkspaceId};

/// How many bytes of written tickets a store keeps (their writes' sizes).
const BUDGET: usize = 8 << 20;

/// A write bigger than this is not kept (a ticket with large custom fields).
const LARGEST: usize = 64 << 10;

#[derive(Default)]
pub(crate) struct Recent {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    tickets: HashMap<(WorkspaceId, TicketId), Entry>,
    bytes: usize,
}

struct Entry {
    /// What this store's last write of the ticket stored.
    ticket: Ticket,
    size: usize,
    /// Whether another writer moved the ticket lately (see the module docs).
    shared: bool,
}

impl State {
    fn remove(&mut self, key: &(WorkspaceId, TicketId)) -> Option<Entry> {
        let entry = self.tickets.remove(key)?;
        self.bytes -= entry.size;
        Some(entry)
    }

    fn insert(&mut self, key: (WorkspaceId, TicketId), entry: Entry) {
        while self.bytes + entry.size > BUDGET {
            let Some(victim) = self.tickets.keys().next().copied() else {
                break;
            };
            self.remove(&victim);
        }
        self.bytes += entry.size;
        self.tickets.insert(key, entry);
    }
}

impl Recent {
    fn state(&self) -> MutexGuard<'_, State> {
        crate::lock(&self.state)
    }

    /// The copy of the ticket, if kept and not shared.
    pub(crate) fn get(&self, ws: WorkspaceId, id: TicketId) -> Option<Ticket> {
        let state = self.state();
        let entry = state.tickets.get(&(ws, id))?;
        (!entry.shared).then(|| entry.ticket.clone())
    }

    /// Keeps `ticket` as just written by a write of `size` bytes, unless a
    /// newer version of it is kept already (writes may finish out of order).
    pub(crate) fn keep(&self, ws: WorkspaceId, ticket: Ticket, size: usize) {
        let key = (ws, ticket.id);
        let mut state = self.state();
        if state
            .tickets
            .get(&key)
            .is_some_and(|e| e.ticket.version >= ticket.version)
        {
            return;
        }
        let shared = state.remove(&key).is_some_and(|e| e.shared);
        if size <= LARGEST {
            let entry = Entry {
                ticket,
                size,
                shared,
            };
            state.insert(key, entry);
        }
    }

    /// A write from `version` found the ticket moved: the ticket is shared.
    pub(crate) fn moved(&self, ws: WorkspaceId, id: TicketId, version: u64) {
        if let Some(entry) = self.state().tickets.get_mut(&(ws, id))
            && entry.ticket.version <= version
        {
            entry.shared = true;
        }
    }

    /// `set_timers_due` set the ticket's `timers.due` at `version` (a hint
    /// written without a version step): the copy at that version follows.
    /// (Another process's hint leaves the copy behind; harmless, since every
    /// change computes `timers.due` afresh.)
    pub(crate) fn timers_due(
        &self,
        ws: WorkspaceId,
        id: TicketId,
        version: u64,
        due: Option<chrono::DateTime<chrono::Utc>>,
    ) {
        if let Some(entry) = self.state().tickets.get_mut(&(ws, id))
            && entry.ticket.version == version
        {
            entry.ticket.timers.due = due;
        }
    }

    /// A read found `ticket`: still at the version of this store's last
    /// write of it, no one else wrote it since; at a newer one, someone did.
    pub(crate) fn seen(&self, ws: WorkspaceId, ticket: &Ticket) {
        if let Some(entry) = self.state().tickets.get_mut(&(ws, ticket.id))
            && entry.ticket.version <= ticket.version
        {
            entry.shared = entry.ticket.version < ticket.version;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Ticket 7 of `ws` at `version`, from a stored document.
    fn ticket(ws: WorkspaceId, version: u64) -> Ticket {
        let at = "2026-01-01T09:00:00Z";
        serde_json::from_value(serde_json::json!({
            "id": uuid::Uuid::from_u128(7), "workspace_id": ws, "seq": 1,
            "number": "TKT-2026-00001", "subject": "s", "description": "d",
            "status": "new", "priority": "medium", "category": null, "channel": "web",
            "source_email": null, "source_phone": null, "customer": "carol",
            "assignee": null, "team": null, "tags": [], "links": [], "custom_fields": {},
            "created_at": at, "updated_at": at, "first_response_at": null,
            "resolved_at": null, "closed_at": null, "awaiting_reply_since": at,
            "satisfaction": null, "sla": {"policy": null, "clocks": []},
            "version": version,
        }))
        .unwrap()
    }

    fn workspace(n: u128) -> WorkspaceId {
        WorkspaceId::from_uuid(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn keeps_the_newest_version() {
        let ws = workspace(1);
        let recent = Recent::default();
        recent.keep(ws, ticket(ws, 3), 100);
        recent.keep(ws, ticket(ws, 2), 100);
        let id = ticket(ws, 0).id;
        assert_eq!(recent.get(ws, id).map(|t| t.version), Some(3));
        assert_eq!(recent.get(workspace(2), id), None);
        recent.keep(ws, ticket(ws, 4), 200);
        assert_eq!(recent.state().bytes, 200);
        // A timers hint at the copy's version reaches the copy; others not.
        let due = "2026-01-02T09:00:00Z".parse().ok();
        recent.timers_due(ws, id, 3, None);
        recent.timers_due(ws, id, 4, due);
        assert_eq!(recent.get(ws, id).map(|t| t.timers.due), Some(due));
        recent.timers_due(ws, id, 3, None);
        assert_eq!(recent.get(ws, id).map(|t| t.timers.due), Some(due));
    }

    #[test]
    fn a_shared_ticket_is_offered_again_once_a_read_confirms_the_copy() {
        let ws = workspace(1);
        let recent = Recent::default();
        let id = ticket(ws, 0).id;
        recent.keep(ws, ticket(ws, 4), 100);
        // A write from an older copy than the kept one says nothing about it.
        recent.moved(ws, id, 3);
        assert!(recent.get(ws, id).is_some());
        // Another process wrote version 5.
        recent.moved(ws, id, 4);
        assert_eq!(recent.get(ws, id), None);
        recent.seen(ws, &ticket(ws, 5));
        assert_eq!(recent.get(ws, id), None, "the copy is not confirmed");
        recent.keep(ws, ticket(ws, 6), 100);
        assert_eq!(recent.get(ws, id), None, "still shared");
        recent.seen(ws, &ticket(ws, 6));
        assert_eq!(recent.get(ws, id).map(|t| t.version), Some(6));
        recent.seen(ws, &ticket(ws, 5));
        assert_eq!(recent.get(ws, id).map(|t| t.version), Some(6));
        // A read of a newer version than the copy: shared, without a conflict.
        recent.seen(ws, &ticket(ws, 7));
        assert_eq!(recent.get(ws, id), None);
    }

    #[test]
    fn stays_within_its_budget() {
        let recent = Recent::default();
        for n in 0..(BUDGET / LARGEST + 10) {
            let ws = workspace(n as u128 + 1);
            recent.keep(ws, ticket(ws, 1), LARGEST);
        }
        let state = recent.state();
        assert!(state.bytes <= BUDGET);
        assert_eq!(state.tickets.len(), BUDGET / LARGEST);
        drop(state);
        let ws = workspace(999_999);
        recent.keep(ws, ticket(ws, 1), LARGEST + 1);
        assert_eq!(recent.get(ws, ticket(ws, 0).id), None);
    }
}
