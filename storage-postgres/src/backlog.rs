//! Search terms the core must still compute for rows written before the
//! columns that hold them existed: `search_backlog` (filled by migration 11
//! with the customers written before it and the tickets written before
//! migration 8), worked through by [`PgStore::migrate`].

use crate::writes::Search;
use crate::{PgStore, backend};
use sqlx::{PgConnection, Row};
use ticketry_core::store::{DirectoryStore, StoreResult, TicketStore};
use ticketry_core::{CustomerId, StoreError, TicketId, WorkspaceId};
use uuid::Uuid;

/// Rows taken per round.
const BATCH: i64 = 500;

impl PgStore {
    /// Indexes every row of the backlog and empties it; returns how many.
    /// `conn` is the migration's (owner's) connection, on the schema: the
    /// backlog is not the app role's. Each row is read and rewritten through
    /// the store's workspace-scoped statements.
    pub(crate) async fn drain_search_backlog(&self, conn: &mut PgConnection) -> StoreResult<u64> {
        let mut done = 0;
        loop {
            let rows = sqlx::query(
                "SELECT workspace_id, kind, key FROM search_backlog
                 ORDER BY workspace_id, kind, key LIMIT $1",
            )
            .bind(BATCH)
            .fetch_all(&mut *conn)
            .await
            .map_err(backend)?;
            if rows.is_empty() {
                return Ok(done);
            }
            let (mut wss, mut kinds, mut keys) = (Vec::new(), Vec::new(), Vec::new());
            for r in &rows {
                let ws: Uuid = r.try_get(0).map_err(backend)?;
                let kind: String = r.try_get(1).map_err(backend)?;
                let key: String = r.try_get(2).map_err(backend)?;
                match self.reindex(WorkspaceId::from_uuid(ws), &kind, &key).await {
                    // Its workspace was deleted since.
                    Ok(()) | Err(StoreError::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
                wss.push(ws);
                kinds.push(kind);
                keys.push(key);
            }
            sqlx::query(
                "DELETE FROM search_backlog b USING unnest($1::uuid[], $2::text[], $3::text[])
                     AS u(ws, kind, key)
                 WHERE b.workspace_id = u.ws AND b.kind = u.kind AND b.key = u.key",
            )
            .bind(&wss)
            .bind(&kinds)
            .bind(&keys)
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
            done += rows.len() as u64;
        }
    }

    /// Recomputes one row's search terms (a row deleted since is skipped).
    async fn reindex(&self, ws: WorkspaceId, kind: &str, key: &str) -> StoreResult<()> {
        let bad = || StoreError::Backend(format!("search backlog: bad {kind} key {key:?}"));
        match kind {
            "customer" => {
                let id = CustomerId::new(key).map_err(|_| bad())?;
                if let Some(c) = self.get_customer(ws, &id).await? {
                    self.put_customer(ws, &c).await?;
                }
                Ok(())
            }
            "ticket" => {
                let id = TicketId::from_uuid(key.parse().map_err(|_| bad())?);
                let Some(t) = self.get_ticket(ws, id).await? else {
                    return Ok(());
                };
                let messages = self.list_messages(ws, id).await?;
                let s = Search::of(Some(&t), &messages, true);
                let mut tx = self.begin(ws).await?;
                sqlx::query(
                    "UPDATE tickets SET search_head = $3::tsvector, search_public = $4::tsvector,
                         search_notes = $5::tsvector
                     WHERE workspace_id = $1 AND ticket_id = $2",
                )
                .bind(ws.as_uuid())
                .bind(id.as_uuid())
                .bind(s.head.unwrap_or_default())
                .bind(s.public)
                .bind(s.notes)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                sqlx::query(
                    "INSERT INTO ticket_terms (workspace_id, ticket_id, terms)
                     SELECT $1, $2, scoped_terms($1, search_head || search_public)
                     FROM tickets WHERE workspace_id = $1 AND ticket_id = $2
                     ON CONFLICT (workspace_id, ticket_id) DO UPDATE SET terms = EXCLUDED.terms",
                )
                .bind(ws.as_uuid())
                .bind(id.as_uuid())
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                crate::commit(tx).await
            }
            _ => Err(bad()),
        }
    }
}
