//! Incidents and access-recovery requests.

use super::*;
use ticketry_core::access::{AccessRequest, AccessStatus};
use ticketry_core::event::NewEvent;
use ticketry_core::incident::{Incident, IncidentStatus};
use ticketry_core::store::{AccessStore, IncidentStore};
use ticketry_core::{AccessRequestId, IncidentId};

fn conflict(entity: &'static str, id: impl ToString, expected: u64) -> StoreError {
    StoreError::VersionConflict {
        entity,
        id: id.to_string(),
        expected,
    }
}

#[async_trait]
impl IncidentStore for MemoryStore {
    async fn save_incident(
        &self,
        ws: WorkspaceId,
        incident: &Incident,
        expected_version: Option<u64>,
        events: Vec<NewEvent>,
    ) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            let at = d.incidents.iter().position(|i| i.id == incident.id);
            match (at, expected_version) {
                (Some(_), None) => {
                    return Err(StoreError::AlreadyExists {
                        entity: "incident",
                        key: incident.id.to_string(),
                    });
                }
                (None, Some(v)) => return Err(conflict("incident", incident.id, v)),
                (Some(i), Some(v)) if d.incidents[i].version != v => {
                    return Err(conflict("incident", incident.id, v));
                }
                (Some(i), Some(_)) => d.incidents[i] = incident.clone(),
                (None, None) => d.incidents.push(incident.clone()),
            }
            d.open_incidents = d
                .incidents
                .iter()
                .filter(|i| i.status == IncidentStatus::Open)
                .cloned()
                .collect();
            d.append_events(ws, events);
            Ok(())
        })
    }

    async fn get_incident(&self, ws: WorkspaceId, id: IncidentId) -> StoreResult<Option<Incident>> {
        self.with(ws, |d| d.incidents.iter().find(|i| i.id == id).cloned())
    }

    async fn list_incidents(
        &self,
        ws: WorkspaceId,
        open_only: bool,
        limit: usize,
    ) -> StoreResult<Vec<Incident>> {
        self.with(ws, |d| {
            d.incidents
                .iter()
                .rev()
                .filter(|i| !open_only || i.status == IncidentStatus::Open)
                .take(limit)
                .cloned()
                .collect()
        })
    }
}

#[async_trait]
impl AccessStore for MemoryStore {
    async fn insert_access_request(
        &self,
        ws: WorkspaceId,
        request: &AccessRequest,
        max_open: Option<u32>,
        events: Vec<NewEvent>,
    ) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            if d.access.iter().any(|r| r.id == request.id) {
                return Err(StoreError::AlreadyExists {
                    entity: "access_request",
                    key: request.id.to_string(),
                });
            }
            if let (Some(max), Some(customer)) = (max_open, &request.customer) {
                let open = d
                    .access
                    .iter()
                    .filter(|r| r.customer.as_ref() == Some(customer) && r.status.is_open())
                    .count();
                if open >= max as usize {
                    return Err(StoreError::LimitReached {
                        what: "open access requests",
                        key: customer.to_string(),
                        max,
                    });
                }
            }
            d.access.push(request.clone());
            d.append_events(ws, events);
            Ok(())
        })
    }

    async fn update_access_request(
        &self,
        ws: WorkspaceId,
        request: &AccessRequest,
        expected_version: u64,
        events: Vec<NewEvent>,
    ) -> StoreResult<()> {
        self.with_mut(ws, |d| {
            match d.access.iter_mut().find(|r| r.id == request.id) {
                Some(r) if r.version == expected_version => *r = request.clone(),
                _ => return Err(conflict("access_request", request.id, expected_version)),
            }
            d.append_events(ws, events);
            Ok(())
        })
    }

    async fn get_access_request(
        &self,
        ws: WorkspaceId,
        id: AccessRequestId,
    ) -> StoreResult<Option<AccessRequest>> {
        self.with(ws, |d| d.access.iter().find(|r| r.id == id).cloned())
    }

    async fn list_access_requests(
        &self,
        ws: WorkspaceId,
        status: Option<AccessStatus>,
        customer: Option<&CustomerId>,
        limit: usize,
    ) -> StoreResult<Vec<AccessRequest>> {
        self.with(ws, |d| {
            d.access
                .iter()
                .rev()
                .filter(|r| status.is_none_or(|s| r.status == s))
                .filter(|r| customer.is_none_or(|c| r.customer.as_ref() == Some(c)))
                .take(limit)
                .cloned()
                .collect()
        })
    }

    async fn access_expiring(
        &self,
        ws: WorkspaceId,
        now: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<AccessRequest>> {
        self.with(ws, |d| {
            let mut due: Vec<AccessRequest> = d
                .access
                .iter()
                .filter(|r| r.status.is_open() && r.expires_at <= now)
                .cloned()
                .collect();
            due.sort_by_key(|r| r.expires_at);
            due.truncate(limit);
            due
        })
    }
}
