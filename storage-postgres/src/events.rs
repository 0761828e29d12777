//! The event log and its consumers' positions.

use crate::catalog::docs;
use crate::statement::{Prepared, WriteError};
use crate::{PgStore, backend, to_i64, workspace_fk};
use async_trait::async_trait;
use sqlx::Row;
use ticketry_core::WorkspaceId;
use ticketry_core::event::Event;
use ticketry_core::store::{EventStore, StoreResult};

/// Moves a consumer's position forward (never back).
const ACK: Prepared = Prepared {
    name: "ack_events",
    types: "uuid, text, int8",
    sql: "INSERT INTO event_consumers (workspace_id, consumer, position) VALUES ($1, $2, $3)
          ON CONFLICT (workspace_id, consumer)
          DO UPDATE SET position = GREATEST(event_consumers.position, EXCLUDED.position)",
};

#[async_trait]
impl EventStore for PgStore {
    async fn events_after(
        &self,
        ws: WorkspaceId,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<Event>> {
        let rows = self
            .read(
                ws,
                "SELECT doc FROM events WHERE workspace_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                &[
                    &ws.as_uuid(),
                    &i64::try_from(after).unwrap_or(i64::MAX),
                    &i64::try_from(limit).unwrap_or(i64::MAX),
                ],
            )
            .await?;
        if rows.is_empty() {
            self.require_workspace(ws).await?;
        }
        docs(&rows)
    }

    async fn ack_events(&self, ws: WorkspaceId, consumer: &str, seq: u64) -> StoreResult<()> {
        self.write(
            ws,
            &ACK,
            &[&ws.as_uuid(), &consumer, &to_i64(seq, "event seq")?],
        )
        .await
        .map(drop)
        .map_err(|e| match e {
            WriteError::Refused(e) => workspace_fk(e, ws),
            WriteError::Store(e) => e,
        })
    }

    async fn consumer_position(&self, ws: WorkspaceId, consumer: &str) -> StoreResult<u64> {
        let rows = self
            .read(
                ws,
                "SELECT position FROM event_consumers WHERE workspace_id = $1 AND consumer = $2",
                &[&ws.as_uuid(), &consumer],
            )
            .await?;
        match rows.first() {
            Some(row) => Ok(row.try_get::<i64, _>(0).map_err(backend)?.unsigned_abs()),
            None => self.require_workspace(ws).await.map(|()| 0),
        }
    }
}
