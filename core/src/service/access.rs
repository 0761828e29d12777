//! Access-recovery requests (see [`crate::access`]).

use super::Helpdesk;
use crate::access::{AccessAudit, AccessRequest, AccessStatus, DEFAULT_EXPIRY, Verification};
use crate::error::{Error, Result};
use crate::event::{EventKind, NewEvent};
use crate::ids::{AccessRequestId, CustomerId, TicketId, WorkspaceId};
use crate::ticket::Actor;
use crate::{StoreError, validate};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;

/// Most requests `list_access_requests` returns.
const MAX_LISTED: usize = 500;
/// Longest and shortest time a request may stay open.
const MAX_EXPIRY: TimeDelta = TimeDelta::days(90);
const MIN_EXPIRY: TimeDelta = TimeDelta::minutes(5);

/// Input for [`Helpdesk::request_access`].
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AccessRequestInput {
    /// `password_reset`, `two_factor_reset`, `account_unlock`,
    /// `email_change`, or the host's own (a key).
    pub kind: String,
    /// The customer (an existing one), when known.
    pub customer: Option<CustomerId>,
    /// An address or phone number to reach the requester (required without
    /// a customer).
    pub contact: Option<String>,
    /// How their identity was checked.
    pub verification: Option<Verification>,
    /// What they wrote.
    pub note: Option<String>,
    /// A ticket about it.
    pub ticket: Option<TicketId>,
    /// How long it stays open (default 72 hours; 5 minutes to 90 days).
    #[serde(default, with = "crate::duration_serde::opt_secs")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::duration_serde::Seconds>")
    )]
    pub expires_in: Option<TimeDelta>,
}

impl Helpdesk {
    /// Records an access-recovery request (pending). A customer may have at
    /// most the workspace's `max_open_access_requests` open at once
    /// (`conflict` beyond, also under concurrency).
    pub async fn request_access(
        &self,
        ws: WorkspaceId,
        input: AccessRequestInput,
        by: Actor,
    ) -> Result<AccessRequest> {
        let catalog = self.catalog(ws).await?;
        self.known_actor(ws, &by).await?;
        let kind = validate::key("kind", &input.kind)?;
        if let Some(c) = &input.customer {
            self.get_customer(ws, c).await?;
        }
        if let Actor::Customer(c) = &by
            && input.customer.as_ref() != Some(c)
        {
            return Err(Error::invalid_input(
                "customer",
                "a customer can only ask for their own access",
            ));
        }
        let contact = match &input.contact {
            Some(c) => Some(validate::text("contact", c, 254)?),
            None if input.customer.is_none() => {
                return Err(Error::invalid_input(
                    "contact",
                    "is required when the customer is not known",
                ));
            }
            None => None,
        };
        let verification = match input.verification {
            Some(v) => Some(Verification {
                method: validate::key("verification.method", &v.method)?,
                checked: checked(&v.checked)?,
            }),
            None => None,
        };
        let note = validate::optional_paragraph("note", input.note.as_deref(), 2000)?;
        if let Some(t) = input.ticket {
            let ticket = self.get_ticket(ws, t).await?;
            // A customer names only their own tickets (another's is not found).
            if let Actor::Customer(c) = &by
                && &ticket.customer != c
            {
                return Err(Error::not_found("ticket", t));
            }
        }
        let expires_in = input.expires_in.unwrap_or(DEFAULT_EXPIRY);
        if !(MIN_EXPIRY..=MAX_EXPIRY).contains(&expires_in) {
            return Err(Error::invalid_input(
                "expires_in",
                "must be between 5 minutes and 90 days",
            ));
        }
        let now = self.now()?;
        let request = AccessRequest {
            id: AccessRequestId::generate(),
            kind: kind.clone(),
            customer: input.customer.clone(),
            contact,
            verification,
            note: note.clone(),
            ticket: input.ticket,
            status: AccessStatus::Pending,
            created_at: now,
            expires_at: now + expires_in,
            decided_by: None,
            decided_at: None,
            reason: None,
            history: vec![AccessAudit {
                at: now,
                by: by.clone(),
                from: None,
                to: AccessStatus::Pending,
                note,
            }],
            version: 1,
        };
        let event = access_event(
            &by,
            now,
            EventKind::AccessRequested {
                request: request.id,
                kind,
                customer: input.customer,
            },
        );
        let max = catalog.workspace.settings.max_open_access_requests;
        match self
            .store
            .insert_access_request(
                ws,
                &request,
                request.customer.as_ref().map(|_| max),
                vec![event],
            )
            .await
        {
            Ok(()) => Ok(request),
            Err(e @ StoreError::LimitReached { .. }) => Err(Error::Conflict {
                message: format!("{e}; decide or cancel one first"),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// An access request by id.
    pub async fn get_access_request(
        &self,
        ws: WorkspaceId,
        id: AccessRequestId,
    ) -> Result<AccessRequest> {
        self.store
            .get_access_request(ws, id)
            .await?
            .ok_or_else(|| Error::not_found("access_request", id))
    }

    /// Access requests, newest first, by status and customer, at most 500.
    pub async fn list_access_requests(
        &self,
        ws: WorkspaceId,
        status: Option<AccessStatus>,
        customer: Option<CustomerId>,
    ) -> Result<Vec<AccessRequest>> {
        self.catalog(ws).await?;
        Ok(self
            .store
            .list_access_requests(ws, status, customer.as_ref(), MAX_LISTED)
            .await?)
    }

    /// Moves a request along its workflow: `in_review`, `approved`
    /// (the host carries it out on `access.approved`), `rejected` (a reason
    /// is required) or `cancelled`. Approving, rejecting and reviewing are for
    /// agents; a customer may cancel their own request.
    /// `invalid_transition` when the workflow forbids it (decided, expired).
    pub async fn decide_access(
        &self,
        ws: WorkspaceId,
        id: AccessRequestId,
        to: AccessStatus,
        note: Option<String>,
        by: Actor,
    ) -> Result<AccessRequest> {
        self.known_actor(ws, &by).await?;
        let note = validate::optional_paragraph("note", note.as_deref(), 2000)?;
        match (&by, to) {
            (_, AccessStatus::Pending | AccessStatus::Expired) => {
                return Err(Error::invalid_input(
                    "status",
                    "a request can be moved to in_review, approved, rejected or cancelled",
                ));
            }
            (Actor::Agent(_), _) | (Actor::System, _) => {}
            (Actor::Customer(_), AccessStatus::Cancelled) => {}
            (Actor::Customer(_), _) => {
                return Err(Error::invalid_input(
                    "by",
                    "only staff review, approve or reject access requests",
                ));
            }
        }
        if to == AccessStatus::Rejected && note.is_none() {
            return Err(Error::invalid_input("note", "a rejection needs a reason"));
        }
        self.change_access(ws, id, |r, now| {
            if let Actor::Customer(c) = &by
                && r.customer.as_ref() != Some(c)
            {
                return Err(Error::not_found("access_request", id));
            }
            r.moved(to, &by, note.clone(), now)
        })
        .await
    }

    /// Expires every open request past its `expires_at` by `now` (once each,
    /// also when run concurrently); returns them.
    pub async fn expire_access_requests(
        &self,
        ws: WorkspaceId,
        now: DateTime<Utc>,
    ) -> Result<Vec<AccessRequest>> {
        let mut out = Vec::new();
        loop {
            let due = self.store.access_expiring(ws, now, 500).await?;
            let fresh: Vec<_> = due
                .into_iter()
                .filter(|r| !out.iter().any(|o: &AccessRequest| o.id == r.id))
                .collect();
            if fresh.is_empty() {
                return Ok(out);
            }
            for r in fresh {
                let expired = self
                    .change_access_at(ws, r.id, now, |r, now| {
                        r.moved(AccessStatus::Expired, &Actor::System, None, now)
                    })
                    .await;
                match expired {
                    Ok(r) => out.push(r),
                    // Decided or expired by someone else meanwhile.
                    Err(Error::InvalidState { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }

    async fn change_access(
        &self,
        ws: WorkspaceId,
        id: AccessRequestId,
        f: impl Fn(&AccessRequest, DateTime<Utc>) -> Result<AccessRequest>,
    ) -> Result<AccessRequest> {
        let now = self.now()?;
        self.change_access_at(ws, id, now, f).await
    }

    /// Reads the request, computes its next state with `f` at `now` and
    /// saves it with its event if nobody changed it meanwhile (else again).
    async fn change_access_at(
        &self,
        ws: WorkspaceId,
        id: AccessRequestId,
        now: DateTime<Utc>,
        f: impl Fn(&AccessRequest, DateTime<Utc>) -> Result<AccessRequest>,
    ) -> Result<AccessRequest> {
        for _ in 0..super::tickets::RETRIES {
            let current = self.get_access_request(ws, id).await?;
            let next = f(&current, now)?;
            let by = next.history.last().map_or(Actor::System, |h| h.by.clone());
            let kind = match next.status {
                AccessStatus::Approved => EventKind::AccessApproved {
                    request: id,
                    kind: next.kind.clone(),
                    customer: next.customer.clone(),
                    contact: next.contact.clone(),
                },
                status => EventKind::AccessChanged {
                    request: id,
                    kind: next.kind.clone(),
                    status,
                },
            };
            let event = access_event(&by, now, kind);
            match self
                .store
                .update_access_request(ws, &next, current.version, vec![event])
                .await
            {
                Ok(()) => return Ok(next),
                Err(StoreError::VersionConflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Conflict {
            message: format!("access request {id} kept changing"),
        })
    }
}

/// The checked items: each a short line, at most 20.
fn checked(items: &[String]) -> Result<Vec<String>> {
    if items.len() > 20 {
        return Err(Error::invalid_input(
            "verification.checked",
            "at most 20 items",
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, c)| validate::text(&format!("verification.checked[{i}]"), c, 200))
        .collect()
}

/// An event about an access request (no ticket).
fn access_event(by: &Actor, at: DateTime<Utc>, kind: EventKind) -> NewEvent {
    NewEvent {
        ticket_id: None,
        actor: by.clone(),
        at,
        kind,
    }
}
