//! The event log and its consumers' positions.

use super::*;

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
