//! The ticket's rules as pure functions: current state + command + time →
//! the complete change to persist (new state, messages, history, events), or
//! a typed error. Nothing here reads storage or the clock.

use super::{
    Actor, AssignmentAction, AssignmentRecord, Link, Message, MessageKind, Satisfaction, Status,
    Ticket,
};
use crate::error::{Error, Result};
use crate::event::{EventKind, NewEvent};
use crate::ids::{AgentId, CategoryId, TeamId};
use crate::store::TicketWrite;
use chrono::{DateTime, TimeDelta, Utc};

impl TicketWrite {
    /// Starts a change of `t` at `now`: the next version, nothing else yet.
    pub(crate) fn begin(t: &Ticket, now: DateTime<Utc>) -> Self {
        let mut ticket = t.clone();
        ticket.version = t.version + 1;
        ticket.updated_at = now;
        TicketWrite {
            ticket,
            expected_version: t.version,
            messages: Vec::new(),
            assignments: Vec::new(),
            events: Vec::new(),
            catalog_version: None,
            active_agent: None,
            capacity: None,
            tags_before: Some(t.tags.clone()),
        }
    }

    /// Appends an event about this ticket.
    pub(crate) fn emit(&mut self, actor: &Actor, kind: EventKind) {
        self.events.push(NewEvent {
            ticket_id: Some(self.ticket.id),
            actor: actor.clone(),
            at: self.ticket.updated_at,
            kind,
        });
    }

    /// Applies `rule` to the state this change leads to and folds its result
    /// in: one write, one version step, the events of both in order.
    pub(crate) fn and_then(
        mut self,
        rule: impl FnOnce(&Ticket, DateTime<Utc>) -> Result<TicketWrite>,
    ) -> Result<Self> {
        let next = rule(&self.ticket, self.ticket.updated_at)?;
        self.fold(next);
        Ok(self)
    }

    /// Folds `next`, a change computed from this one's resulting ticket, into
    /// this one (one version step).
    pub(crate) fn fold(&mut self, mut next: TicketWrite) {
        next.ticket.version = self.ticket.version;
        self.ticket = next.ticket;
        if next.capacity.is_some() {
            self.capacity = next.capacity;
        }
        self.messages.append(&mut next.messages);
        self.assignments.append(&mut next.assignments);
        self.events.append(&mut next.events);
    }

    /// Whether the change changes nothing (no event means no change).
    pub fn is_noop(&self) -> bool {
        self.events.is_empty()
    }

    /// Moves the ticket to `to`, stamping resolved/closed times.
    pub(crate) fn move_to(&mut self, actor: &Actor, to: Status) {
        let from = self.ticket.status;
        if from == to {
            return;
        }
        let now = self.ticket.updated_at;
        self.ticket.status = to;
        self.ticket.activity.moved(from, to, now);
        if !from.is_active() && to.is_active() {
            // Reopened: it is no longer resolved nor closed.
            self.ticket.resolved_at = None;
            self.ticket.closed_at = None;
        }
        match to {
            Status::Resolved => self.ticket.resolved_at = Some(now),
            Status::Closed => {
                self.ticket.closed_at = Some(now);
                if from.is_active() {
                    self.ticket.resolved_at.get_or_insert(now);
                }
            }
            _ => {}
        }
        self.emit(actor, EventKind::StatusChanged { from, to });
    }
}

/// A new message for a ticket (already validated text).
#[derive(Debug, Clone)]
pub(crate) struct MessageDraft {
    /// The message's id, chosen by the caller (rules generate no ids).
    pub id: crate::ids::MessageId,
    pub kind: MessageKind,
    pub author: Actor,
    pub body: String,
    pub html: Option<String>,
    pub attachments: Vec<super::Attachment>,
    pub email_message_id: Option<String>,
    pub sender: Option<super::Sender>,
    pub idempotency_key: Option<String>,
    /// For agent replies: the status to leave the ticket in.
    pub then_status: Option<Status>,
}

impl MessageDraft {
    pub(crate) fn into_message(self, t: &Ticket, now: DateTime<Utc>) -> Message {
        Message {
            id: self.id,
            ticket_id: t.id,
            kind: self.kind,
            author: self.author,
            body: self.body,
            html: self.html,
            attachments: self.attachments,
            email_message_id: self.email_message_id,
            sender: self.sender,
            idempotency_key: self.idempotency_key,
            created_at: now,
            merged_from: None,
        }
    }
}

/// Adds a message. Customer messages reopen pending and resolved tickets and
/// start waiting for a reply; public agent replies answer it (and a reply to
/// a `new` ticket opens it); notes change nothing but the thread.
pub(crate) fn add_message(
    t: &Ticket,
    draft: MessageDraft,
    now: DateTime<Utc>,
) -> Result<TicketWrite> {
    if t.status.is_terminal() {
        return Err(Error::invalid_transition(
            t.status,
            format!(
                "cannot add a message to a {} ticket; reopen it first",
                t.status
            ),
        ));
    }
    if draft.kind == MessageKind::Customer && draft.author != Actor::Customer(t.customer.clone()) {
        return Err(Error::invalid_input(
            "customer",
            "only the ticket's customer can write as the customer",
        ));
    }
    if let Some(to) = draft.then_status {
        if draft.kind != MessageKind::Reply {
            return Err(Error::invalid_input(
                "status",
                "only agent replies can set a status",
            ));
        }
        // Staying where it is is fine (a reply to a pending ticket that
        // stays pending); `new` is never a place to go back to.
        if to != t.status || to == Status::New {
            t.status.check_transition(to)?;
        }
    }
    let mut w = TicketWrite::begin(t, now);
    let actor = draft.author.clone();
    let then_status = draft.then_status;
    let message = draft.into_message(t, now);
    w.emit(
        &actor,
        EventKind::MessageAdded {
            message_id: message.id,
            message_kind: message.kind,
        },
    );
    match message.kind {
        MessageKind::Customer => {
            w.ticket.awaiting_reply_since.get_or_insert(now);
            w.ticket.last_customer_message_at = Some(now);
            if matches!(t.status, Status::Pending | Status::Resolved) {
                w.move_to(&actor, Status::Open);
            }
        }
        MessageKind::Reply => {
            w.ticket.first_response_at.get_or_insert(now);
            w.ticket.last_agent_reply_at = Some(now);
            w.ticket.awaiting_reply_since = None;
            let to = then_status.unwrap_or(if t.status == Status::New {
                Status::Open
            } else {
                t.status
            });
            w.move_to(&actor, to);
        }
        MessageKind::Note | MessageKind::System => {}
    }
    w.messages.push(message);
    Ok(w)
}

/// Changes the status along the workflow.
pub(crate) fn set_status(
    t: &Ticket,
    to: Status,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<TicketWrite> {
    if t.status == to {
        return Ok(TicketWrite::begin(t, now));
    }
    t.status.check_transition(to)?;
    let mut w = TicketWrite::begin(t, now);
    w.move_to(actor, to);
    Ok(w)
}

/// Reopens a resolved ticket, or a closed one within `window` of closing.
pub(crate) fn reopen(
    t: &Ticket,
    actor: &Actor,
    window: Option<TimeDelta>,
    now: DateTime<Utc>,
) -> Result<TicketWrite> {
    match t.status {
        Status::Resolved => {}
        Status::Closed => {
            let closed = t.closed_at.unwrap_or(t.updated_at);
            let within = window.is_some_and(|w| now - closed <= w);
            if !within {
                return Err(Error::invalid_transition(
                    t.status,
                    "the reopen window of this closed ticket has passed",
                ));
            }
        }
        s => {
            return Err(Error::invalid_transition(
                s,
                format!("only resolved or closed tickets can be reopened, not {s}"),
            ));
        }
    }
    if let Some(into) = t.merged_into {
        return Err(Error::invalid_transition(
            t.status,
            format!("the ticket was merged into {into}: reply there"),
        ));
    }
    let mut w = TicketWrite::begin(t, now);
    w.move_to(actor, Status::Open);
    Ok(w)
}

/// Sets, changes or removes the assignee (and optionally the team).
/// The new agent is already checked to be active.
pub(crate) fn assign(
    t: &Ticket,
    to: Option<&AgentId>,
    team: Option<TeamId>,
    escalate: bool,
    by: &Actor,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<TicketWrite> {
    if t.status.is_terminal() {
        return Err(Error::invalid_transition(
            t.status,
            format!("cannot assign a {} ticket", t.status),
        ));
    }
    let new_assignee = to.cloned();
    let new_team = team.or(t.team);
    let mut w = TicketWrite::begin(t, now);
    if new_assignee == t.assignee && new_team == t.team && !escalate {
        return Ok(w);
    }
    let action = match (&t.assignee, &new_assignee) {
        _ if escalate => AssignmentAction::Escalated,
        (None, Some(_)) => AssignmentAction::Assigned,
        (Some(_), None) => AssignmentAction::Unassigned,
        _ => AssignmentAction::Reassigned,
    };
    w.ticket.assignee = new_assignee.clone();
    w.ticket.team = new_team;
    w.assignments.push(AssignmentRecord {
        ticket_id: t.id,
        action,
        from: t.assignee.clone(),
        to: new_assignee.clone(),
        team: new_team,
        by: by.clone(),
        reason,
        at: now,
    });
    w.emit(
        by,
        EventKind::Assigned {
            action,
            from: t.assignee.clone(),
            to: new_assignee,
            team: new_team,
        },
    );
    Ok(w)
}

fn check_open(t: &Ticket, what: &str) -> Result<()> {
    if t.status.is_terminal() {
        return Err(Error::invalid_transition(
            t.status,
            format!("cannot change the {what} of a {} ticket", t.status),
        ));
    }
    Ok(())
}

/// Changes the priority (the code is already validated against the workspace).
pub(crate) fn set_priority(
    t: &Ticket,
    code: String,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<TicketWrite> {
    check_open(t, "priority")?;
    let mut w = TicketWrite::begin(t, now);
    if code != t.priority {
        w.ticket.priority.clone_from(&code);
        w.emit(
            actor,
            EventKind::PriorityChanged {
                from: t.priority.clone(),
                to: code,
            },
        );
    }
    Ok(w)
}

/// Changes the category (already validated).
pub(crate) fn set_category(
    t: &Ticket,
    to: Option<CategoryId>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<TicketWrite> {
    check_open(t, "category")?;
    let mut w = TicketWrite::begin(t, now);
    if to != t.category {
        w.ticket.category = to;
        w.emit(
            actor,
            EventKind::CategoryChanged {
                from: t.category,
                to,
            },
        );
    }
    Ok(w)
}

/// Adds (`add`) or removes a tag slug (already validated).
pub(crate) fn tag(
    t: &Ticket,
    slug: String,
    add: bool,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<TicketWrite> {
    let mut w = TicketWrite::begin(t, now);
    match (w.ticket.tags.binary_search(&slug), add) {
        (Err(at), true) => {
            if w.ticket.tags.len() >= crate::limits::TAGS {
                return Err(Error::invalid_input(
                    "tag",
                    format!("a ticket carries at most {} tags", crate::limits::TAGS),
                ));
            }
            w.ticket.tags.insert(at, slug.clone());
            w.emit(actor, EventKind::Tagged { tag: slug });
        }
        (Ok(at), false) => {
            w.ticket.tags.remove(at);
            w.emit(actor, EventKind::Untagged { tag: slug });
        }
        _ => {}
    }
    Ok(w)
}

/// Links a host record.
pub(crate) fn link(
    t: &Ticket,
    link: Link,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<TicketWrite> {
    let mut w = TicketWrite::begin(t, now);
    if !t.links.contains(&link) {
        if t.links.len() >= crate::limits::LINKS {
            return Err(Error::invalid_input(
                "link",
                format!("a ticket carries at most {} links", crate::limits::LINKS),
            ));
        }
        w.ticket.links.push(link.clone());
        w.emit(actor, EventKind::Linked { link });
    }
    Ok(w)
}

/// A customer may act only on their own ticket; agents and the system on any
/// ticket of the workspace (the service checks they exist).
pub(crate) fn may_act(t: &Ticket, actor: &Actor) -> Result<()> {
    match actor {
        Actor::Customer(c) if *c != t.customer => Err(Error::invalid_input(
            "by",
            "a customer can only act on their own ticket",
        )),
        _ => Ok(()),
    }
}

/// Records the customer's rating (resolved or closed tickets only). Only the
/// ticket's customer (or the system, importing) rates, once: a second rating
/// is `already_exists`.
pub(crate) fn rate(
    t: &Ticket,
    rating: u8,
    comment: Option<String>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<TicketWrite> {
    if !(1..=5).contains(&rating) {
        return Err(Error::invalid_input(
            "rating",
            format!("must be 1 to 5, got {rating}"),
        ));
    }
    if !matches!(t.status, Status::Resolved | Status::Closed) {
        return Err(Error::invalid_transition(
            t.status,
            "only resolved or closed tickets can be rated",
        ));
    }
    if matches!(actor, Actor::Agent(_)) {
        return Err(Error::invalid_input(
            "by",
            "only the ticket's customer rates it",
        ));
    }
    if t.satisfaction.is_some() {
        return Err(Error::AlreadyExists {
            entity: "rating",
            key: t.number.clone(),
        });
    }
    let mut w = TicketWrite::begin(t, now);
    w.ticket.satisfaction = Some(Satisfaction {
        rating,
        comment: comment.clone(),
        rated_at: now,
    });
    w.emit(actor, EventKind::Rated { rating, comment });
    Ok(w)
}

/// Edits subject, description and custom fields (already validated).
pub(crate) fn update_fields(
    t: &Ticket,
    subject: Option<String>,
    description: Option<String>,
    custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<TicketWrite> {
    let mut w = TicketWrite::begin(t, now);
    let mut fields = Vec::new();
    if let Some(s) = subject.filter(|s| *s != t.subject) {
        w.ticket.subject = s;
        fields.push("subject".to_owned());
    }
    if let Some(d) = description.filter(|d| *d != t.description) {
        w.ticket.description = d;
        fields.push("description".to_owned());
    }
    if let Some(c) = custom_fields.filter(|c| *c != t.custom_fields) {
        w.ticket.custom_fields = c;
        fields.push("custom_fields".to_owned());
    }
    if !fields.is_empty() {
        w.emit(actor, EventKind::Updated { fields });
    }
    Ok(w)
}

/// The rules on values alone: no store, no clock.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ids::{CustomerId, MessageId, TicketId, WorkspaceId};
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, 0, 0).unwrap()
    }

    fn ticket(status: Status) -> Ticket {
        Ticket {
            id: TicketId::generate(),
            workspace_id: WorkspaceId::generate(),
            seq: 1,
            number: "TKT-2026-00001".into(),
            subject: "s".into(),
            description: "d".into(),
            status,
            priority: "medium".into(),
            category: None,
            channel: Default::default(),
            source_email: None,
            source_phone: None,
            customer: CustomerId::new("carol").unwrap(),
            assignee: None,
            team: None,
            tags: vec![],
            links: vec![],
            custom_fields: Default::default(),
            created_at: at(8),
            updated_at: at(8),
            first_response_at: None,
            resolved_at: None,
            closed_at: None,
            awaiting_reply_since: Some(at(8)),
            last_customer_message_at: Some(at(8)),
            last_agent_reply_at: None,
            timers: Default::default(),
            activity: Default::default(),
            merged_into: None,
            incident: None,
            satisfaction: None,
            sla: Default::default(),
            version: 3,
        }
    }

    fn draft(kind: MessageKind, author: Actor) -> MessageDraft {
        MessageDraft {
            id: MessageId::generate(),
            kind,
            author,
            body: "hello".into(),
            html: None,
            attachments: vec![],
            email_message_id: None,
            sender: None,
            idempotency_key: None,
            then_status: None,
        }
    }

    fn carol() -> Actor {
        Actor::Customer(CustomerId::new("carol").unwrap())
    }

    fn ann() -> Actor {
        Actor::Agent(AgentId::new("ann").unwrap())
    }

    #[test]
    fn a_reply_opens_a_new_ticket_and_answers_the_customer() {
        let t = ticket(Status::New);
        let d = draft(MessageKind::Reply, ann());
        let id = d.id;
        let w = add_message(&t, d, at(9)).unwrap();
        assert_eq!(
            (w.ticket.status, w.ticket.version, w.expected_version),
            (Status::Open, 4, 3)
        );
        assert_eq!(w.ticket.first_response_at, Some(at(9)));
        assert_eq!(w.ticket.awaiting_reply_since, None);
        assert_eq!(w.messages[0].id, id, "the rule keeps the caller's id");
        assert!(w.events.iter().any(|e| e.kind.name() == "message.added"));
    }

    #[test]
    fn a_note_changes_only_the_thread() {
        let t = ticket(Status::Open);
        let w = add_message(&t, draft(MessageKind::Note, ann()), at(9)).unwrap();
        assert_eq!(
            (w.ticket.status, w.ticket.first_response_at),
            (Status::Open, None)
        );
        assert_eq!(w.ticket.awaiting_reply_since, Some(at(8)));
    }

    #[test]
    fn customer_messages_reopen_and_only_the_owner_writes() {
        let w = add_message(
            &ticket(Status::Pending),
            draft(MessageKind::Customer, carol()),
            at(9),
        )
        .unwrap();
        assert_eq!(w.ticket.status, Status::Open);
        let dave = Actor::Customer(CustomerId::new("dave").unwrap());
        let e = add_message(
            &ticket(Status::Open),
            draft(MessageKind::Customer, dave),
            at(9),
        );
        assert_eq!(e.unwrap_err().code(), "invalid_input");
        let e = add_message(
            &ticket(Status::Closed),
            draft(MessageKind::Customer, carol()),
            at(9),
        );
        assert_eq!(e.unwrap_err().code(), "invalid_transition");
    }

    #[test]
    fn who_may_act() {
        let t = ticket(Status::Open);
        assert!(may_act(&t, &carol()).is_ok());
        assert!(may_act(&t, &ann()).is_ok());
        assert!(may_act(&t, &Actor::System).is_ok());
        let dave = Actor::Customer(CustomerId::new("dave").unwrap());
        assert_eq!(may_act(&t, &dave).unwrap_err().code(), "invalid_input");
    }

    #[test]
    fn ratings_are_the_customers_once_on_finished_tickets() {
        assert_eq!(
            rate(&ticket(Status::Open), 5, None, &carol(), at(9))
                .unwrap_err()
                .code(),
            "invalid_transition"
        );
        let t = ticket(Status::Resolved);
        for bad in [0, 6] {
            assert_eq!(
                rate(&t, bad, None, &carol(), at(9)).unwrap_err().code(),
                "invalid_input"
            );
        }
        assert_eq!(
            rate(&t, 5, None, &ann(), at(9)).unwrap_err().code(),
            "invalid_input"
        );
        let rated = rate(&t, 4, Some("ok".into()), &carol(), at(9))
            .unwrap()
            .ticket;
        assert_eq!(rated.satisfaction.as_ref().map(|s| s.rating), Some(4));
        assert_eq!(
            rate(&rated, 5, None, &carol(), at(10)).unwrap_err().code(),
            "already_exists"
        );
    }
}
