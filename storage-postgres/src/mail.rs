//! The mail log (`inbound_mail`) and the lookups that thread inbound mail
//! (migration 0015's `messages.email_message_id` and `customers.email`).

use crate::catalog::docs;
use crate::{PgStore, backend};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::types::Json;
use ticketry_core::StoreError;
use ticketry_core::mail::{InboundMail, InboundOutcome};
use ticketry_core::store::{MailStore, StoreResult};
use ticketry_core::{Customer, MessageId, TicketId, WorkspaceId};

#[async_trait]
impl MailStore for PgStore {
    async fn get_inbound(&self, ws: WorkspaceId, key: &str) -> StoreResult<Option<InboundMail>> {
        let rows = self
            .read(
                ws,
                "SELECT doc FROM inbound_mail WHERE workspace_id = $1 AND key = $2",
                &[&ws.as_uuid(), &key],
            )
            .await?;
        Ok(docs(&rows)?.pop())
    }

    async fn save_inbound(&self, ws: WorkspaceId, mail: &InboundMail) -> StoreResult<InboundMail> {
        // One message: the upsert (a final record stays, any other is
        // replaced by this evaluation) and the stored record, read in the
        // same statement (the row it wrote, else the one already there; one
        // a concurrent delivery committed meanwhile is read afterwards).
        // Sending it again after a lost connection stores nothing twice, so
        // the read path's retry is safe here.
        let rows = self
            .read(
                ws,
                "WITH saved AS (
                    INSERT INTO inbound_mail (workspace_id, key, sender, outcome, received_at, doc)
                    VALUES ($1, $2, $3, $4, $5, $6)
                    ON CONFLICT (workspace_id, key) DO UPDATE
                       SET sender = EXCLUDED.sender, outcome = EXCLUDED.outcome,
                           received_at = EXCLUDED.received_at, doc = EXCLUDED.doc
                       WHERE inbound_mail.outcome NOT IN ('created', 'appended', 'ignored')
                    RETURNING doc)
                 SELECT doc FROM saved
                 UNION ALL
                 SELECT doc FROM inbound_mail
                 WHERE workspace_id = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM saved)",
                &[
                    &ws.as_uuid(),
                    &mail.key.as_str(),
                    &mail.from.as_deref(),
                    &mail.outcome.as_str(),
                    &mail.received_at,
                    &Json(mail),
                ],
            )
            .await?;
        if let Some(saved) = docs(&rows)?.pop() {
            return Ok(saved);
        }
        // A concurrent delivery stored a final record after this
        // statement's snapshot was taken: read it with a fresh one.
        self.get_inbound(ws, &mail.key)
            .await?
            .ok_or_else(|| StoreError::Backend("the mail record was not stored".into()))
    }

    async fn count_inbound_from(
        &self,
        ws: WorkspaceId,
        from: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let rows = self
            .read(
                ws,
                "SELECT count(*) FROM inbound_mail
                 WHERE workspace_id = $1 AND sender = $2 AND received_at >= $3",
                &[&ws.as_uuid(), &from, &since],
            )
            .await?;
        let n: i64 = rows
            .first()
            .map_or(Ok(0), |r| r.try_get(0))
            .map_err(backend)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn list_inbound(
        &self,
        ws: WorkspaceId,
        outcome: Option<InboundOutcome>,
        limit: usize,
    ) -> StoreResult<Vec<InboundMail>> {
        let rows = self
            .read(
                ws,
                "SELECT doc FROM inbound_mail
                 WHERE workspace_id = $1 AND ($2::text IS NULL OR outcome = $2)
                 ORDER BY received_at DESC, key DESC LIMIT $3",
                &[
                    &ws.as_uuid(),
                    &outcome.map(|o| o.as_str()),
                    &i64::try_from(limit).unwrap_or(i64::MAX),
                ],
            )
            .await?;
        if rows.is_empty() {
            self.require_workspace(ws).await?;
        }
        docs(&rows)
    }

    async fn ticket_of_email(
        &self,
        ws: WorkspaceId,
        message_ids: &[String],
    ) -> StoreResult<Option<TicketId>> {
        let ids: Vec<&str> = message_ids.iter().map(String::as_str).collect();
        let rows = self
            .read(
                ws,
                "SELECT ticket_id FROM messages
                 WHERE workspace_id = $1
                   AND email_hash = ANY(ARRAY(SELECT md5(x) FROM unnest($2::text[]) AS x))
                   AND doc ->> 'email_message_id' = ANY($2)
                 ORDER BY ord DESC LIMIT 1",
                &[&ws.as_uuid(), &ids],
            )
            .await?;
        rows.first()
            .map(|r| r.try_get::<uuid::Uuid, _>(0).map(TicketId::from_uuid))
            .transpose()
            .map_err(backend)
    }

    async fn filed_mail(
        &self,
        ws: WorkspaceId,
        key: &str,
    ) -> StoreResult<Option<(TicketId, MessageId, bool)>> {
        let rows = self
            .read(
                ws,
                "(SELECT t.ticket_id, m.message_id, true FROM tickets t
                  CROSS JOIN LATERAL (
                      SELECT message_id FROM messages
                      WHERE workspace_id = $1 AND ticket_id = t.ticket_id
                      ORDER BY ord LIMIT 1) m
                  WHERE t.workspace_id = $1 AND t.idempotency_key = $2)
                 UNION ALL
                 (SELECT ticket_id, message_id, false FROM messages
                  WHERE workspace_id = $1 AND idempotency_key = $2)
                 LIMIT 1",
                &[&ws.as_uuid(), &key],
            )
            .await?;
        rows.first()
            .map(|r| {
                Ok((
                    TicketId::from_uuid(r.try_get(0)?),
                    MessageId::from_uuid(r.try_get(1)?),
                    r.try_get(2)?,
                ))
            })
            .transpose()
            .map_err(backend)
    }

    async fn customer_by_email(
        &self,
        ws: WorkspaceId,
        email: &str,
    ) -> StoreResult<Option<Customer>> {
        let rows = self
            .read(
                ws,
                "SELECT doc FROM customers
                 WHERE workspace_id = $1 AND email = lower($2 COLLATE \"C\")
                 ORDER BY customer_id COLLATE \"C\" LIMIT 1",
                &[&ws.as_uuid(), &email],
            )
            .await?;
        Ok(docs(&rows)?.pop())
    }
}
