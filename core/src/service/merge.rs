//! Merging tickets (seed 002): see [`crate::ticket::merge`].

use super::Helpdesk;
use super::tickets::RETRIES;
use crate::error::{Error, Result, StoreError};
use crate::ids::{AgentId, MessageId, TicketId, WorkspaceId};
use crate::store::WriteOutcome;
use crate::ticket::merge;
use crate::ticket::{Actor, Ticket};
use std::collections::HashSet;

/// Most merges followed from a ticket to the one it was merged into.
pub(super) const MAX_HOPS: usize = 8;

impl Helpdesk {
    /// Merges `source` into `target` (staff only): the source's thread is
    /// copied into the target's, in order, each copy naming the ticket it
    /// came from (`merged_from`); its tags and links are carried over; the
    /// source is closed and points to the target (`merged_into`);
    /// `ticket.merged` is recorded on both. Customer messages sent to the
    /// source afterwards land in the target. Safe to retry: nothing is copied
    /// twice. Merging a ticket into itself, into a closed or merged ticket,
    /// or a ticket merged elsewhere is an error. Returns the target.
    pub async fn merge_tickets(
        &self,
        ws: WorkspaceId,
        source: TicketId,
        target: TicketId,
        by: &AgentId,
    ) -> Result<Ticket> {
        if source == target {
            return Err(Error::invalid_input(
                "target",
                "a ticket cannot be merged into itself",
            ));
        }
        self.active_agent(ws, by, "by").await?;
        let actor = Actor::Agent(by.clone());
        let catalog = self.catalog(ws).await?;
        // First the claim: the source closes and points to the target (once;
        // a concurrent merge of it elsewhere then fails), so a customer
        // message sent meanwhile already lands in the target.
        let into = self.get_ticket(ws, target).await?;
        let held = self.store.list_messages(ws, source).await?.len();
        let held = u32::try_from(held).unwrap_or(u32::MAX);
        self.change_ticket(ws, source, None, |t, now| {
            merge::close_merged(t, &into, held, &actor, now)
        })
        .await?;
        // Then the copy of what the target does not hold yet.
        for _ in 0..RETRIES {
            let into = self.get_ticket(ws, target).await?;
            let from = self.get_ticket(ws, source).await?;
            let held: HashSet<String> = self
                .store
                .list_messages(ws, target)
                .await?
                .into_iter()
                .filter_map(|m| m.idempotency_key)
                .collect();
            let thread = self.store.list_messages(ws, source).await?;
            let resumed = thread.iter().any(|m| held.contains(&merge::copy_key(m)));
            let missing: Vec<_> = thread
                .into_iter()
                .filter(|m| !held.contains(&merge::copy_key(m)))
                .collect();
            if missing.is_empty() {
                return Ok(into);
            }
            let now = self.now()?;
            let mut write = merge::absorb(
                &into,
                &from,
                &missing,
                &actor,
                now,
                MessageId::generate,
                resumed,
            )?;
            write.active_agent = Some(by.clone());
            self.schedule(ws, &mut write.ticket, &catalog).await?;
            match self.store.update_ticket(ws, write).await {
                Ok(WriteOutcome::Applied) => return self.get_ticket(ws, target).await,
                // Raced with another merge of the same tickets, or a change.
                Ok(WriteOutcome::DuplicateMessage(_)) | Err(StoreError::VersionConflict { .. }) => {
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Conflict {
            message: format!("ticket {target} kept changing; gave up after {RETRIES} attempts"),
        })
    }

    /// The ticket `id` was merged into, following merges (itself if none).
    pub(crate) async fn merge_target(
        &self,
        ws: WorkspaceId,
        id: TicketId,
    ) -> Result<Option<TicketId>> {
        let mut at = id;
        for _ in 0..MAX_HOPS {
            match self.get_ticket(ws, at).await?.merged_into {
                Some(next) => at = next,
                None => return Ok((at != id).then_some(at)),
            }
        }
        Ok(Some(at))
    }
}
