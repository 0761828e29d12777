//! Incidents and the service status (see [`crate::incident`]).

use super::Helpdesk;
use crate::error::{Error, Result};
use crate::event::{EventKind, NewEvent};
use crate::ids::{IncidentId, TicketId, WorkspaceId};
use crate::incident::{
    Incident, IncidentFigures, IncidentLink, IncidentStatus, IncidentUpdate, NewIncident,
    ServiceStatus, Severity,
};
use crate::query::{TicketOrder, TicketQuery};
use crate::store::{TicketWrite, WorkspaceCatalog};
use crate::ticket::rules::{self, MessageDraft};
use crate::ticket::{Actor, MessageKind, Status, Ticket};
use crate::{StoreError, validate};

/// Longest incident message or update, in characters.
const MAX_MESSAGE: usize = 2000;
/// Most incidents `list_incidents` returns.
const MAX_LISTED: usize = 200;

impl Helpdesk {
    /// Declares an incident: it is open at once, the service status follows,
    /// and new tickets in its categories are linked to it.
    pub async fn declare_incident(
        &self,
        ws: WorkspaceId,
        input: NewIncident,
        by: Actor,
    ) -> Result<Incident> {
        self.catalog(ws).await?;
        staff(&by)?;
        self.known_actor(ws, &by).await?;
        let title = validate::text("title", &input.title, 200)?;
        let message = match input.message {
            Some(m) => validate::paragraph("message", &m, MAX_MESSAGE)?,
            None => title.clone(),
        };
        let mut categories = input.categories;
        categories.dedup();
        for c in &categories {
            self.get_category(ws, *c).await?;
        }
        let now = self.now()?;
        let incident = Incident {
            id: IncidentId::generate(),
            title: title.clone(),
            message: message.clone(),
            severity: input.severity.unwrap_or(Severity::Major),
            categories,
            pause_sla: input.pause_sla.unwrap_or(true),
            status: IncidentStatus::Open,
            updates: vec![IncidentUpdate {
                at: now,
                message,
                by: by.clone(),
            }],
            declared_by: by.clone(),
            declared_at: now,
            resolved_at: None,
            resolution: None,
            version: 1,
        };
        let event = incident_event(
            &by,
            now,
            EventKind::IncidentDeclared {
                incident: incident.id,
                title,
                severity: incident.severity,
            },
        );
        self.store
            .save_incident(ws, &incident, None, vec![event])
            .await?;
        Ok(incident)
    }

    /// An incident by id.
    pub async fn get_incident(&self, ws: WorkspaceId, id: IncidentId) -> Result<Incident> {
        self.store
            .get_incident(ws, id)
            .await?
            .ok_or_else(|| Error::not_found("incident", id))
    }

    /// Incidents, newest first (only the open ones with `open_only`), at most 200.
    pub async fn list_incidents(&self, ws: WorkspaceId, open_only: bool) -> Result<Vec<Incident>> {
        self.catalog(ws).await?;
        Ok(self.store.list_incidents(ws, open_only, MAX_LISTED).await?)
    }

    /// The service status every user is shown: operational, degraded or
    /// major outage, with the banner.
    pub async fn service_status(&self, ws: WorkspaceId) -> Result<ServiceStatus> {
        Ok(ServiceStatus::of(self.list_incidents(ws, true).await?))
    }

    /// Adds an entry to an open incident's timeline (its message becomes
    /// the banner).
    pub async fn post_incident_update(
        &self,
        ws: WorkspaceId,
        id: IncidentId,
        message: String,
        by: Actor,
    ) -> Result<Incident> {
        staff(&by)?;
        self.known_actor(ws, &by).await?;
        let message = validate::paragraph("message", &message, MAX_MESSAGE)?;
        self.change_incident(ws, id, |i, now| {
            let mut next = i.clone();
            next.updates.push(IncidentUpdate {
                at: now,
                message: message.clone(),
                by: by.clone(),
            });
            let event = EventKind::IncidentUpdated {
                incident: id,
                message: message.clone(),
            };
            Ok((next, incident_event(&by, now, event)))
        })
        .await
    }

    /// Resolves an open incident: each linked ticket gets `resolution` as a
    /// public system reply (once, even when this call is retried), its SLA
    /// clocks resume, and with `resolve_tickets` active ones are resolved;
    /// then the incident is resolved. `invalid_transition` if it already is.
    pub async fn resolve_incident(
        &self,
        ws: WorkspaceId,
        id: IncidentId,
        resolution: String,
        resolve_tickets: bool,
        by: Actor,
    ) -> Result<Incident> {
        staff(&by)?;
        self.known_actor(ws, &by).await?;
        let resolution = validate::body("resolution", &resolution, MAX_MESSAGE)?.to_owned();
        let incident = self.get_incident(ws, id).await?;
        if incident.status == IncidentStatus::Resolved {
            return Err(resolved(&incident));
        }
        self.release_tickets(ws, id, &resolution, resolve_tickets)
            .await?;
        let done = self
            .change_incident(ws, id, |i, now| {
                let mut next = i.clone();
                next.status = IncidentStatus::Resolved;
                next.resolved_at = Some(now);
                next.resolution = Some(resolution.clone());
                next.updates.push(IncidentUpdate {
                    at: now,
                    message: resolution.clone(),
                    by: by.clone(),
                });
                let event = EventKind::IncidentResolved {
                    incident: id,
                    resolution: resolution.clone(),
                };
                Ok((next, incident_event(&by, now, event)))
            })
            .await?;
        // A ticket linked while this ran (its write computed before the
        // catalog moved) is released too.
        self.release_tickets(ws, id, &resolution, resolve_tickets)
            .await?;
        Ok(done)
    }

    /// Links a ticket to an open incident by hand (its SLA clocks pause if
    /// the incident says so).
    pub async fn link_incident(
        &self,
        ws: WorkspaceId,
        ticket: TicketId,
        incident: IncidentId,
        by: Actor,
    ) -> Result<Ticket> {
        staff(&by)?;
        let i = self.get_incident(ws, incident).await?;
        if i.status == IncidentStatus::Resolved {
            return Err(resolved(&i));
        }
        self.known_actor(ws, &by).await?;
        let link = IncidentLink {
            id: i.id,
            open: true,
            pauses_sla: i.pause_sla,
        };
        let committed = self
            .change_ticket(ws, ticket, None, |t, now| {
                let mut w = TicketWrite::begin(t, now);
                if t.incident.map(|l| l.id) != Some(incident) {
                    w.ticket.incident = Some(link);
                    w.emit(&by, EventKind::IncidentLinked { incident });
                }
                Ok(w)
            })
            .await?;
        // Resolved meanwhile (after its release passes): release this one too.
        let now = self.get_incident(ws, incident).await?;
        if let Some(resolution) = now
            .resolution
            .filter(|_| now.status == IncidentStatus::Resolved)
        {
            self.release_tickets(ws, incident, &resolution, false)
                .await?;
            return self.get_ticket(ws, ticket).await;
        }
        Ok(committed.ticket)
    }

    /// An incident with its duration (to now while open) and linked tickets.
    pub async fn incident_figures(
        &self,
        ws: WorkspaceId,
        id: IncidentId,
    ) -> Result<IncidentFigures> {
        let incident = self.get_incident(ws, id).await?;
        let end = incident.resolved_at.map_or_else(|| self.now(), Ok)?;
        let (mut linked, mut active) = (0, 0);
        self.each_linked(ws, id, |t| {
            linked += 1;
            active += u64::from(t.status.is_active());
        })
        .await?;
        Ok(IncidentFigures {
            duration: end - incident.declared_at,
            incident,
            linked_tickets: linked,
            active_tickets: active,
        })
    }

    /// Links a ticket being opened to the open incident whose categories
    /// cover its category (the most severe, then the newest).
    pub(crate) async fn attach_incident(
        &self,
        ws: WorkspaceId,
        w: &mut TicketWrite,
        catalog: &WorkspaceCatalog,
    ) -> Result<()> {
        if catalog.incidents.iter().all(|i| i.categories.is_empty()) || w.ticket.category.is_none()
        {
            return Ok(());
        }
        let lineage = self.lineage(ws, w.ticket.category).await?;
        let found = catalog
            .incidents
            .iter()
            .filter(|i| i.categories.iter().any(|c| lineage.contains(c)))
            .max_by_key(|i| (i.severity, i.declared_at));
        if let Some(i) = found {
            w.ticket.incident = Some(IncidentLink {
                id: i.id,
                open: true,
                pauses_sla: i.pause_sla,
            });
            w.emit(&Actor::System, EventKind::IncidentLinked { incident: i.id });
        }
        Ok(())
    }

    /// Ends the link of every ticket still open-linked to `id`: the
    /// resolution as a system reply (its idempotency key names the incident
    /// and the ticket, so a retried resolve adds it once), resumed clocks,
    /// and optionally the ticket resolved.
    async fn release_tickets(
        &self,
        ws: WorkspaceId,
        id: IncidentId,
        resolution: &str,
        resolve_tickets: bool,
    ) -> Result<()> {
        let mut ids = Vec::new();
        self.each_linked(ws, id, |t| {
            if t.incident.is_some_and(|l| l.open) {
                ids.push(t.id);
            }
        })
        .await?;
        for ticket in ids {
            let key = format!("incident:{id}:{ticket}");
            self.change_ticket(ws, ticket, None, |t, now| {
                let mut w = TicketWrite::begin(t, now);
                let Some(link) = t.incident.filter(|l| l.id == id && l.open) else {
                    return Ok(w);
                };
                if !t.status.is_terminal() {
                    let draft = MessageDraft {
                        id: crate::ids::MessageId::generate(),
                        kind: MessageKind::System,
                        author: Actor::System,
                        body: resolution.to_owned(),
                        html: None,
                        attachments: Vec::new(),
                        email_message_id: None,
                        sender: None,
                        idempotency_key: Some(key.clone()),
                        then_status: None,
                    };
                    w = rules::add_message(t, draft, now)?;
                }
                w.ticket.incident = Some(IncidentLink {
                    open: false,
                    ..link
                });
                // Also a closed ticket's link ends (an event makes it a write).
                w.emit(
                    &Actor::System,
                    EventKind::Updated {
                        fields: vec!["incident".into()],
                    },
                );
                if resolve_tickets && w.ticket.status.is_active() {
                    let resolved =
                        rules::set_status(&w.ticket, Status::Resolved, &Actor::System, now);
                    if let Ok(next) = resolved {
                        w.fold(next);
                    }
                }
                Ok(w)
            })
            .await?;
        }
        Ok(())
    }

    /// Calls `f` on every ticket linked to `id` (a page at a time).
    async fn each_linked(
        &self,
        ws: WorkspaceId,
        id: IncidentId,
        mut f: impl FnMut(&Ticket),
    ) -> Result<()> {
        let mut query = TicketQuery {
            incident: Some(id),
            order: TicketOrder::Oldest,
            limit: 500,
            ..TicketQuery::default()
        };
        loop {
            let page = self.store.list_tickets(ws, &query).await?;
            page.items.iter().for_each(&mut f);
            match page.next_cursor {
                Some(c) => query.after = Some(c),
                None => return Ok(()),
            }
        }
    }

    /// Reads the incident, computes its next state with `f` (refused once
    /// resolved) and saves it if nobody changed it meanwhile (else again).
    async fn change_incident(
        &self,
        ws: WorkspaceId,
        id: IncidentId,
        f: impl Fn(&Incident, chrono::DateTime<chrono::Utc>) -> Result<(Incident, NewEvent)>,
    ) -> Result<Incident> {
        for _ in 0..super::tickets::RETRIES {
            let current = self.get_incident(ws, id).await?;
            if current.status == IncidentStatus::Resolved {
                return Err(resolved(&current));
            }
            let (mut next, event) = f(&current, self.now()?)?;
            next.version = current.version + 1;
            match self
                .store
                .save_incident(ws, &next, Some(current.version), vec![event])
                .await
            {
                Ok(()) => return Ok(next),
                Err(StoreError::VersionConflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Conflict {
            message: format!("incident {id} kept changing"),
        })
    }
}

/// Incidents are declared, updated, resolved and linked by staff (or the
/// host as the system), never by a customer.
fn staff(by: &Actor) -> Result<()> {
    match by {
        Actor::Customer(_) => Err(Error::invalid_input(
            "by",
            "only support staff manage incidents",
        )),
        _ => Ok(()),
    }
}

fn resolved(i: &Incident) -> Error {
    Error::InvalidState {
        entity: "incident",
        state: "resolved",
        message: format!("incident {} is already resolved", i.id),
    }
}

/// An event about an incident (no ticket).
fn incident_event(by: &Actor, at: chrono::DateTime<chrono::Utc>, kind: EventKind) -> NewEvent {
    NewEvent {
        ticket_id: None,
        actor: by.clone(),
        at,
        kind,
    }
}
