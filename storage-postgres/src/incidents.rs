//! Incidents and access-recovery requests: documents with the columns their
//! reads filter on, written in a transaction that first locks the
//! workspace's counter row (as every ticket write does), takes the events'
//! seqs from it and so serializes with every other write of the workspace.

use crate::catalog::docs;
use crate::{PgStore, backend, commit, is_unique_violation, missing_workspace, to_i64};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{Postgres, Transaction};
use ticketry_core::access::{AccessRequest, AccessStatus};
use ticketry_core::event::NewEvent;
use ticketry_core::incident::{Incident, IncidentStatus};
use ticketry_core::store::{AccessStore, IncidentStore, StoreResult};
use ticketry_core::{AccessRequestId, CustomerId, IncidentId, StoreError, WorkspaceId};

type Tx = Transaction<'static, Postgres>;

impl PgStore {
    /// Locks the workspace's counter row and appends `events` with the next
    /// seqs (the lock is taken even without events).
    async fn lock_and_append(
        &self,
        tx: &mut Tx,
        ws: WorkspaceId,
        events: Vec<NewEvent>,
    ) -> StoreResult<()> {
        let n = i64::try_from(events.len()).unwrap_or(i64::MAX);
        let base: Option<i64> = sqlx::query_scalar(
            "UPDATE workspace_counters SET last_event = last_event + $2
             WHERE workspace_id = $1 RETURNING last_event - $2",
        )
        .bind(ws.as_uuid())
        .bind(n)
        .fetch_optional(&mut **tx)
        .await
        .map_err(backend)?;
        let base = base.ok_or_else(|| missing_workspace(ws))?.unsigned_abs();
        for (i, e) in events.into_iter().enumerate() {
            let event = e.into_event(ws, base + i as u64 + 1);
            sqlx::query(
                "INSERT INTO events (workspace_id, seq, ticket_id, type, at, doc)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(ws.as_uuid())
            .bind(to_i64(event.seq, "event seq")?)
            .bind(event.ticket_id.map(|t| t.as_uuid()))
            .bind(event.kind.name())
            .bind(event.at)
            .bind(Json(&event))
            .execute(&mut **tx)
            .await
            .map_err(backend)?;
        }
        Ok(())
    }
}

#[async_trait]
impl IncidentStore for PgStore {
    async fn save_incident(
        &self,
        ws: WorkspaceId,
        incident: &Incident,
        expected_version: Option<u64>,
        events: Vec<NewEvent>,
    ) -> StoreResult<()> {
        let mut tx = self.begin(ws).await?;
        // Open incidents are part of the catalog: bump its version (this
        // also locks the counter row first).
        self.bump_catalog(&mut tx, ws).await?;
        self.lock_and_append(&mut tx, ws, events).await?;
        let open = incident.status == IncidentStatus::Open;
        let version = to_i64(incident.version, "incident version")?;
        let written = match expected_version {
            None => sqlx::query(
                "INSERT INTO incidents (workspace_id, incident_id, open, declared_at, version, doc)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(ws.as_uuid())
            .bind(incident.id.as_uuid())
            .bind(open)
            .bind(incident.declared_at)
            .bind(version)
            .bind(Json(incident))
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                if is_unique_violation(&e, Some("incidents_pkey")) {
                    StoreError::AlreadyExists {
                        entity: "incident",
                        key: incident.id.to_string(),
                    }
                } else {
                    backend(e)
                }
            })?,
            Some(v) => sqlx::query(
                "UPDATE incidents SET open = $3, version = $4, doc = $5
                 WHERE workspace_id = $1 AND incident_id = $2 AND version = $6",
            )
            .bind(ws.as_uuid())
            .bind(incident.id.as_uuid())
            .bind(open)
            .bind(version)
            .bind(Json(incident))
            .bind(to_i64(v, "incident version")?)
            .execute(&mut *tx)
            .await
            .map_err(backend)?,
        };
        if written.rows_affected() == 0 {
            return Err(StoreError::VersionConflict {
                entity: "incident",
                id: incident.id.to_string(),
                expected: expected_version.unwrap_or(0),
            });
        }
        let r = commit(tx).await;
        self.inner.catalogs.forget(ws);
        r
    }

    async fn get_incident(&self, ws: WorkspaceId, id: IncidentId) -> StoreResult<Option<Incident>> {
        let rows = self
            .read(
                ws,
                "SELECT doc FROM incidents WHERE workspace_id = $1 AND incident_id = $2",
                &[&ws.as_uuid(), &id.as_uuid()],
            )
            .await?;
        Ok(docs(&rows)?.pop())
    }

    async fn list_incidents(
        &self,
        ws: WorkspaceId,
        open_only: bool,
        limit: usize,
    ) -> StoreResult<Vec<Incident>> {
        let rows = self
            .read(
                ws,
                "SELECT doc FROM incidents WHERE workspace_id = $1 AND (open OR NOT $2)
                 ORDER BY declared_at DESC, incident_id DESC LIMIT $3",
                &[
                    &ws.as_uuid(),
                    &open_only,
                    &i64::try_from(limit).unwrap_or(i64::MAX),
                ],
            )
            .await?;
        docs(&rows)
    }
}

#[async_trait]
impl AccessStore for PgStore {
    async fn insert_access_request(
        &self,
        ws: WorkspaceId,
        request: &AccessRequest,
        max_open: Option<u32>,
        events: Vec<NewEvent>,
    ) -> StoreResult<()> {
        let mut tx = self.begin(ws).await?;
        self.lock_and_append(&mut tx, ws, events).await?;
        // A statement of its own after the lock: it sees every request that
        // committed while this one waited.
        if let (Some(max), Some(customer)) = (max_open, &request.customer) {
            let open: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM access_requests
                 WHERE workspace_id = $1 AND customer_id = $2 AND open",
            )
            .bind(ws.as_uuid())
            .bind(customer.as_str())
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
            if open >= i64::from(max) {
                return Err(StoreError::LimitReached {
                    what: "open access requests",
                    key: customer.to_string(),
                    max,
                });
            }
        }
        sqlx::query(
            "INSERT INTO access_requests (workspace_id, request_id, customer_id, status, open,
                created_at, expires_at, version, doc)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(ws.as_uuid())
        .bind(request.id.as_uuid())
        .bind(request.customer.as_ref().map(|c| c.as_str()))
        .bind(request.status.as_str())
        .bind(request.status.is_open())
        .bind(request.created_at)
        .bind(request.expires_at)
        .bind(to_i64(request.version, "request version")?)
        .bind(Json(request))
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e, Some("access_requests_pkey")) {
                StoreError::AlreadyExists {
                    entity: "access_request",
                    key: request.id.to_string(),
                }
            } else {
                backend(e)
            }
        })?;
        commit(tx).await
    }

    async fn update_access_request(
        &self,
        ws: WorkspaceId,
        request: &AccessRequest,
        expected_version: u64,
        events: Vec<NewEvent>,
    ) -> StoreResult<()> {
        let mut tx = self.begin(ws).await?;
        self.lock_and_append(&mut tx, ws, events).await?;
        let written = sqlx::query(
            "UPDATE access_requests SET status = $3, open = $4, version = $5, doc = $6
             WHERE workspace_id = $1 AND request_id = $2 AND version = $7",
        )
        .bind(ws.as_uuid())
        .bind(request.id.as_uuid())
        .bind(request.status.as_str())
        .bind(request.status.is_open())
        .bind(to_i64(request.version, "request version")?)
        .bind(Json(request))
        .bind(to_i64(expected_version, "request version")?)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        if written.rows_affected() == 0 {
            return Err(StoreError::VersionConflict {
                entity: "access_request",
                id: request.id.to_string(),
                expected: expected_version,
            });
        }
        commit(tx).await
    }

    async fn get_access_request(
        &self,
        ws: WorkspaceId,
        id: AccessRequestId,
    ) -> StoreResult<Option<AccessRequest>> {
        let rows = self
            .read(
                ws,
                "SELECT doc FROM access_requests WHERE workspace_id = $1 AND request_id = $2",
                &[&ws.as_uuid(), &id.as_uuid()],
            )
            .await?;
        Ok(docs(&rows)?.pop())
    }

    async fn list_access_requests(
        &self,
        ws: WorkspaceId,
        status: Option<AccessStatus>,
        customer: Option<&CustomerId>,
        limit: usize,
    ) -> StoreResult<Vec<AccessRequest>> {
        let rows = self
            .read(
                ws,
                "SELECT doc FROM access_requests WHERE workspace_id = $1
                   AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR customer_id = $3)
                 ORDER BY created_at DESC, request_id DESC LIMIT $4",
                &[
                    &ws.as_uuid(),
                    &status.map(|s| s.as_str()),
                    &customer.map(|c| c.as_str()),
                    &i64::try_from(limit).unwrap_or(i64::MAX),
                ],
            )
            .await?;
        docs(&rows)
    }

    async fn access_expiring(
        &self,
        ws: WorkspaceId,
        now: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<AccessRequest>> {
        let rows = self
            .read(
                ws,
                "SELECT doc FROM access_requests WHERE workspace_id = $1 AND open
                   AND expires_at <= $2
                 ORDER BY expires_at LIMIT $3",
                &[
                    &ws.as_uuid(),
                    &now,
                    &i64::try_from(limit).unwrap_or(i64::MAX),
                ],
            )
            .await?;
        // The column holds microseconds; the document the exact instant.
        let mut due: Vec<AccessRequest> = docs(&rows)?;
        due.retain(|r| r.expires_at <= now);
        Ok(due)
    }
}
