//! The event log and its consumers' positions.

use crate::{PgStore, backend, commit, to_i64, workspace_fk};
use async_trait::async_trait;
use sqlx::types::Json;
use ticketry_core::WorkspaceId;
use ticketry_core::event::Event;
use ticketry_core::store::{EventStore, StoreResult};

#[async_trait]
impl EventStore for PgStore {
    async fn events_after(
        &self,
        ws: WorkspaceId,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<Event>> {
        let mut tx = self.begin(ws).await?;
        let docs: Vec<Json<Event>> = sqlx::query_scalar(
            "SELECT doc FROM events WHERE workspace_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(ws.as_uuid())
        .bind(i64::try_from(after).unwrap_or(i64::MAX))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        if docs.is_empty() {
            Self::ensure_workspace(&mut tx, ws).await?;
        }
        Ok(docs.into_iter().map(|Json(e)| e).collect())
    }

    async fn ack_events(&self, ws: WorkspaceId, consumer: &str, seq: u64) -> StoreResult<()> {
        let mut tx = self.begin(ws).await?;
        sqlx::query(
            "INSERT INTO event_consumers (workspace_id, consumer, position) VALUES ($1, $2, $3)
             ON CONFLICT (workspace_id, consumer)
             DO UPDATE SET position = GREATEST(event_consumers.position, EXCLUDED.position)",
        )
        .bind(ws.as_uuid())
        .bind(consumer)
        .bind(to_i64(seq, "event seq")?)
        .execute(&mut *tx)
        .await
        .map_err(|e| workspace_fk(e, ws))?;
        commit(tx).await
    }

    async fn consumer_position(&self, ws: WorkspaceId, consumer: &str) -> StoreResult<u64> {
        let mut tx = self.begin(ws).await?;
        let pos: Option<i64> = sqlx::query_scalar(
            "SELECT position FROM event_consumers WHERE workspace_id = $1 AND consumer = $2",
        )
        .bind(ws.as_uuid())
        .bind(consumer)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        match pos {
            Some(p) => Ok(p.unsigned_abs()),
            None => Self::ensure_workspace(&mut tx, ws).await.map(|()| 0),
        }
    }
}
