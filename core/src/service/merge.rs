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
const MAX_HOPS: usize = 8;

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
        let mut copied = None;
        for _ in 0..RETRIES {
            let into = self.get_ticket(ws, target).await?;
            let from = self.get_ticket(ws, source).await?;
            merge::check(&from, &into)?;
            if from.merged_into == Some(target) {
                copied = Some(0);
                break;
            }
            // What an earlier, interrupted (or concurrent) merge copied already.
            let done: HashSet<String> = self
                .store
                .list_messages(ws, target)
                .await?
                .into_iter()
                .filter(|m| m.merged_from == Some(source))
                .filter_map(|m| m.idempotency_key)
                .collect();
            let thread: Vec<_> = self
                .store
                .list_messages(ws, source)
                .await?
                .into_iter()
                .filter(|m| !done.contains(&merge::copy_key(m)))
                .collect();
            let resumed = !done.is_empty();
            if resumed && thread.is_empty() {
                copied = Some(u32::try_from(done.len()).unwrap_or(u32::MAX));
                break;
            }
            let now = self.now()?;
            let mut write = merge::absorb(
                &into,
                &from,
                &thread,
                &actor,
                now,
                MessageId::generate,
                resumed,
            )?;
            write.active_agent = Some(by.clone());
            self.schedule(ws, &mut write.ticket, &catalog).await?;
            let n = u32::try_from(write.messages.len() + done.len()).unwrap_or(u32::MAX);
            match self.store.update_ticket(ws, write).await {
                Ok(WriteOutcome::Applied) => {
                    copied = Some(n);
                    break;
                }
                // Raced with another merge of the same tickets, or a change.
                Ok(WriteOutcome::DuplicateMessage(_)) | Err(StoreError::VersionConflict { .. }) => {
                }
                Err(e) => return Err(e.into()),
            }
        }
        let Some(copied) = copied else {
            return Err(Error::Conflict {
                message: format!("ticket {target} kept changing; gave up after {RETRIES} attempts"),
            });
        };
        let into = self.get_ticket(ws, target).await?;
        self.change_ticket(ws, source, None, |t, now| {
            merge::close_merged(t, &into, copied, &actor, now)
        })
        .await?;
        self.get_ticket(ws, target).await
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
