//! Domain events: the per-workspace log hosts turn into notifications.
//!
//! Every change appends events in the same atomic write as the change. Each
//! event gets the next number of its workspace's gap-free sequence (`seq`,
//! starting at 1). A host reads with [`Helpdesk::events`](crate::Helpdesk::events)
//! after a cursor (the last `seq` it handled), and may store its position
//! with [`Helpdesk::ack_events`](crate::Helpdesk::ack_events). Because
//! sequence numbers are assigned in commit order and never skipped, a reader
//! that pages by cursor sees every event exactly once.

use crate::ids::{AgentId, CategoryId, MessageId, TeamId, TicketId, WorkspaceId};
use crate::sla::SlaMetric;
use crate::ticket::{Actor, AssignmentAction, Channel, Link, MessageKind, Status};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A recorded event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Event {
    /// Position in the workspace's log (the cursor), gap-free from 1.
    pub seq: u64,
    /// Workspace.
    pub workspace_id: WorkspaceId,
    /// The ticket concerned, if any.
    pub ticket_id: Option<TicketId>,
    /// Who caused it.
    pub actor: Actor,
    /// When it happened.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub at: DateTime<Utc>,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// An event before storage numbers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewEvent {
    /// The ticket concerned, if any.
    pub ticket_id: Option<TicketId>,
    /// Who caused it.
    pub actor: Actor,
    /// When it happened.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: EventKind,
}

impl NewEvent {
    /// Numbers the event (storage calls this inside its atomic write).
    pub fn into_event(self, workspace_id: WorkspaceId, seq: u64) -> Event {
        Event {
            seq,
            workspace_id,
            ticket_id: self.ticket_id,
            actor: self.actor,
            at: self.at,
            kind: self.kind,
        }
    }
}

/// What happened. Serialized with a `type` field holding [`EventKind::name`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type")]
#[non_exhaustive]
pub enum EventKind {
    /// `ticket.created` (the event's `actor` is the customer who asked)
    #[serde(rename = "ticket.created")]
    TicketCreated {
        /// Ticket number.
        number: String,
        /// Subject.
        subject: String,
        /// Priority code.
        priority: String,
        /// Channel.
        channel: Channel,
    },
    /// `message.added`
    #[serde(rename = "message.added")]
    MessageAdded {
        /// The message.
        message_id: MessageId,
        /// Its kind (hosts notify the customer on `reply`, staff on `customer`).
        message_kind: MessageKind,
    },
    /// `status.changed`
    #[serde(rename = "status.changed")]
    StatusChanged {
        /// Before.
        from: Status,
        /// After.
        to: Status,
    },
    /// `ticket.assigned` (also unassigned, reassigned, escalated: see `action`)
    #[serde(rename = "ticket.assigned")]
    Assigned {
        /// What happened.
        action: AssignmentAction,
        /// Previous assignee.
        from: Option<AgentId>,
        /// New assignee.
        to: Option<AgentId>,
        /// Team after the change.
        team: Option<TeamId>,
    },
    /// `priority.changed`
    #[serde(rename = "priority.changed")]
    PriorityChanged {
        /// Before.
        from: String,
        /// After.
        to: String,
    },
    /// `category.changed`
    #[serde(rename = "category.changed")]
    CategoryChanged {
        /// Before.
        from: Option<CategoryId>,
        /// After.
        to: Option<CategoryId>,
    },
    /// `ticket.tagged`
    #[serde(rename = "ticket.tagged")]
    Tagged {
        /// The tag slug.
        tag: String,
    },
    /// `ticket.untagged`
    #[serde(rename = "ticket.untagged")]
    Untagged {
        /// The tag slug.
        tag: String,
    },
    /// `ticket.linked`
    #[serde(rename = "ticket.linked")]
    Linked {
        /// The link.
        link: Link,
    },
    /// `ticket.updated` (subject, description or custom fields)
    #[serde(rename = "ticket.updated")]
    Updated {
        /// Names of the changed fields.
        fields: Vec<String>,
    },
    /// `ticket.rated`
    #[serde(rename = "ticket.rated")]
    Rated {
        /// 1..=5.
        rating: u8,
        /// Comment.
        comment: Option<String>,
    },
    /// `sla.warning`: a clock crossed its warning threshold.
    #[serde(rename = "sla.warning")]
    SlaWarning {
        /// Which clock.
        metric: SlaMetric,
        /// Its due instant.
        #[serde(serialize_with = "crate::time_serde::instant")]
        due_at: DateTime<Utc>,
    },
    /// `automation.applied`: a rule fired on the change this event belongs to.
    #[serde(rename = "automation.applied")]
    AutomationApplied {
        /// The rule's name.
        rule: String,
        /// The actions it took, in order (`set_priority`, `reply`, …); an
        /// action that could not apply (an inactive agent, a closed ticket)
        /// is listed in `skipped` instead.
        actions: Vec<String>,
        /// The actions that could not apply.
        skipped: Vec<String>,
    },
    /// `automation.event`: a rule's `emit` action, for the host
    /// (`notify:payments` → a Slack channel).
    #[serde(rename = "automation.event")]
    AutomationEvent {
        /// The name the rule emits.
        name: String,
        /// The rule's name.
        rule: String,
    },
    /// `ticket.rating_reminder`: a time rule asks the host to remind the
    /// customer to rate the ticket.
    #[serde(rename = "ticket.rating_reminder")]
    RatingReminder {
        /// The rule's name.
        rule: String,
        /// The how-manyth reminder this is (1, 2, …).
        count: u32,
    },
    /// `ticket.overdue_reminder`: a time rule asks the host to remind the
    /// assignee or team of an overdue ticket.
    #[serde(rename = "ticket.overdue_reminder")]
    OverdueReminder {
        /// The rule's name.
        rule: String,
        /// The how-manyth reminder this is (1, 2, …).
        count: u32,
    },
    /// `assignment.queued`: automatic assignment found nobody with room;
    /// the ticket waits, unassigned, until capacity frees.
    #[serde(rename = "assignment.queued")]
    AssignmentQueued {
        /// The team whose pool was full (`None`: the workspace's).
        team: Option<crate::ids::TeamId>,
        /// The strategy that was asked.
        strategy: crate::assignment::Strategy,
    },
    /// `incident.declared` (no ticket).
    #[serde(rename = "incident.declared")]
    IncidentDeclared {
        /// The incident.
        incident: crate::ids::IncidentId,
        /// Its title.
        title: String,
        /// How bad.
        severity: crate::incident::Severity,
    },
    /// `incident.updated`: a new entry of its timeline (no ticket).
    #[serde(rename = "incident.updated")]
    IncidentUpdated {
        /// The incident.
        incident: crate::ids::IncidentId,
        /// The message customers now see.
        message: String,
    },
    /// `incident.resolved` (no ticket).
    #[serde(rename = "incident.resolved")]
    IncidentResolved {
        /// The incident.
        incident: crate::ids::IncidentId,
        /// The resolution message.
        resolution: String,
    },
    /// `ticket.incident_linked`: the ticket is linked to an incident.
    #[serde(rename = "ticket.incident_linked")]
    IncidentLinked {
        /// The incident.
        incident: crate::ids::IncidentId,
    },
    /// `ticket.merged`: `source` was merged into `target` (on both tickets):
    /// its thread copied into the target, then closed.
    #[serde(rename = "ticket.merged")]
    Merged {
        /// The ticket merged (closed).
        source: crate::ids::TicketId,
        /// Its number.
        source_number: String,
        /// The ticket it was merged into.
        target: crate::ids::TicketId,
        /// Its number.
        target_number: String,
        /// Messages copied into the target.
        messages: u32,
    },
    /// `access.requested` (no ticket).
    #[serde(rename = "access.requested")]
    AccessRequested {
        /// The request.
        request: crate::ids::AccessRequestId,
        /// Its kind (`password_reset`…).
        kind: String,
        /// The customer, when known.
        customer: Option<crate::ids::CustomerId>,
    },
    /// `access.changed`: a request went to review, was rejected, cancelled
    /// or expired (no ticket).
    #[serde(rename = "access.changed")]
    AccessChanged {
        /// The request.
        request: crate::ids::AccessRequestId,
        /// Its kind.
        kind: String,
        /// Its new status.
        status: crate::access::AccessStatus,
    },
    /// `access.approved`: carry the request out (reset the password, unlock
    /// the account…); Ticketry does nothing more (no ticket).
    #[serde(rename = "access.approved")]
    AccessApproved {
        /// The request.
        request: crate::ids::AccessRequestId,
        /// Its kind.
        kind: String,
        /// The customer, when known.
        customer: Option<crate::ids::CustomerId>,
        /// The contact given, when any.
        contact: Option<String>,
    },
    /// `sla.breached`: a clock passed its due instant unmet.
    #[serde(rename = "sla.breached")]
    SlaBreached {
        /// Which clock.
        metric: SlaMetric,
        /// Its due instant.
        #[serde(serialize_with = "crate::time_serde::instant")]
        due_at: DateTime<Utc>,
        /// The true instant of the breach.
        #[serde(serialize_with = "crate::time_serde::instant")]
        breached_at: DateTime<Utc>,
    },
}

impl EventKind {
    /// The stable dotted name (`ticket.created`, …), as in JSON's `type`.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::TicketCreated { .. } => "ticket.created",
            EventKind::MessageAdded { .. } => "message.added",
            EventKind::StatusChanged { .. } => "status.changed",
            EventKind::Assigned { .. } => "ticket.assigned",
            EventKind::PriorityChanged { .. } => "priority.changed",
            EventKind::CategoryChanged { .. } => "category.changed",
            EventKind::Tagged { .. } => "ticket.tagged",
            EventKind::Untagged { .. } => "ticket.untagged",
            EventKind::Linked { .. } => "ticket.linked",
            EventKind::Updated { .. } => "ticket.updated",
            EventKind::Rated { .. } => "ticket.rated",
            EventKind::SlaWarning { .. } => "sla.warning",
            EventKind::SlaBreached { .. } => "sla.breached",
            EventKind::AutomationApplied { .. } => "automation.applied",
            EventKind::AutomationEvent { .. } => "automation.event",
            EventKind::RatingReminder { .. } => "ticket.rating_reminder",
            EventKind::OverdueReminder { .. } => "ticket.overdue_reminder",
            EventKind::AssignmentQueued { .. } => "assignment.queued",
            EventKind::IncidentDeclared { .. } => "incident.declared",
            EventKind::IncidentUpdated { .. } => "incident.updated",
            EventKind::IncidentResolved { .. } => "incident.resolved",
            EventKind::IncidentLinked { .. } => "ticket.incident_linked",
            EventKind::Merged { .. } => "ticket.merged",
            EventKind::AccessRequested { .. } => "access.requested",
            EventKind::AccessChanged { .. } => "access.changed",
            EventKind::AccessApproved { .. } => "access.approved",
        }
    }
}
