//! Core values as `ticketry.models` objects (frozen dataclasses and
//! str-valued enums). Lists inside objects become tuples, so results stay
//! immutable; top-level lists (`list_*`) are plain lists.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use ticketry_core::calendar::Segment;
use ticketry_core::sla::{
    Pause, PolicyConditions, PolicyTarget, SlaClock, SlaExplanation, SlaState, WarningThreshold,
};
use ticketry_core::{
    Actor, Agent, AssignmentAction, AssignmentRecord, Attachment, Category, Customer, Event,
    EventKind, Link, Message, MessageKind, Page, Priority, SlaAlert, SlaPolicy, Status,
    SweepReport, Tag, Team, Template, Thread, Ticket, TicketStats, Workspace, WorkspaceSettings,
};

use crate::convert::{json_to_py, model, py_dt, py_dt_opt, py_enum};

/// A value the binding hands to Python.
pub trait ToPy: Send + 'static {
    /// The Python object.
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>>;
}

impl ToPy for () {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(py.None().into_bound(py))
    }
}

impl ToPy for u64 {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.into_pyobject(py)?.into_any())
    }
}

impl ToPy for String {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.into_pyobject(py)?.into_any())
    }
}

impl<T: ToPy> ToPy for Vec<T> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let items = self
            .iter()
            .map(|v| v.to_py(py))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(py, items)?.into_any())
    }
}

impl<T: ToPy> ToPy for Option<T> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Some(v) => v.to_py(py),
            None => Ok(py.None().into_bound(py)),
        }
    }
}

/// A tuple of converted items (for fields of frozen objects).
pub fn tuple<'py, T>(
    py: Python<'py>,
    items: &[T],
    f: impl Fn(Python<'py>, &T) -> PyResult<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyTuple>> {
    let items = items
        .iter()
        .map(|v| f(py, v))
        .collect::<PyResult<Vec<_>>>()?;
    PyTuple::new(py, items)
}

fn strs<'py>(py: Python<'py>, items: &[impl ToString]) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(py, items.iter().map(ToString::to_string))
}

fn id_opt(v: Option<impl ToString>) -> Option<String> {
    v.map(|v| v.to_string())
}

pub fn status(py: Python<'_>, s: Status) -> PyResult<Bound<'_, PyAny>> {
    py_enum!(py, "Status", s.as_str())
}

fn action(py: Python<'_>, a: AssignmentAction) -> PyResult<Bound<'_, PyAny>> {
    let v = match a {
        AssignmentAction::Assigned => "assigned",
        AssignmentAction::Reassigned => "reassigned",
        AssignmentAction::Unassigned => "unassigned",
        AssignmentAction::Escalated => "escalated",
    };
    py_enum!(py, "AssignmentAction", v)
}

fn message_kind(py: Python<'_>, k: MessageKind) -> PyResult<Bound<'_, PyAny>> {
    py_enum!(py, "MessageKind", k.as_str())
}

pub fn actor<'py>(py: Python<'py>, a: &Actor) -> PyResult<Bound<'py, PyAny>> {
    let (kind, id) = match a {
        Actor::Customer(c) => ("customer", Some(c.to_string())),
        Actor::Agent(a) => ("agent", Some(a.to_string())),
        Actor::System => ("system", None),
    };
    model!(py, "Actor" { type: py_enum!(py, "ActorType", kind)?, id: id })
}

pub fn settings<'py>(py: Python<'py>, s: &WorkspaceSettings) -> PyResult<Bound<'py, PyAny>> {
    model!(py, "WorkspaceSettings" {
        number_format: s.number_format.0.as_str(),
        timezone: s.timezone.as_str(),
        locale: s.locale.as_str(),
        reopen_window: s.reopen_window,
    })
}

impl ToPy for Workspace {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        model!(py, "Workspace" {
            id: self.id.to_string(),
            name: self.name.as_str(),
            slug: self.slug.as_str(),
            settings: settings(py, &self.settings)?,
            created_at: py_dt(py, self.created_at)?,
        })
    }
}

impl ToPy for Priority {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        model!(py, "Priority" {
            code: self.code.as_str(),
            name: self.name.as_str(),
            rank: self.rank,
            color: self.color.as_deref(),
            first_response: self.first_response,
            resolution: self.resolution,
            is_default: self.is_default,
        })
    }
}

impl ToPy for Category {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        model!(py, "Category" {
            id: self.id.to_string(),
            name: self.name.as_str(),
            description: self.description.as_deref(),
            icon: self.icon.as_deref(),
            parent: id_opt(self.parent),
            default_priority: self.default_priority.as_deref(),
            default_team: id_opt(self.default_team),
            default_assignee: id_opt(self.default_assignee.as_ref()),
            position: self.position,
            active: self.active,
            created_at: py_dt(py, self.created_at)?,
        })
    }
}

impl ToPy for Team {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        model!(py, "Team" {
            id: self.id.to_string(),
            name: self.name.as_str(),
            description: self.description.as_deref(),
            lead: id_opt(self.lead.as_ref()),
            members: strs(py, &self.members)?,
            created_at: py_dt(py, self.created_at)?,
        })
    }
}

impl ToPy for Agent {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        model!(py, "Agent" {
            id: self.id.as_str(),
            name: self.name.as_str(),
            email: self.email.as_deref(),
            active: self.active,
            available: self.available,
            capacity: self.capacity,
            created_at: py_dt(py, self.created_at)?,
        })
    }
}

impl ToPy for Customer {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        model!(py, "Customer" {
            id: self.id.as_str(),
            name: self.name.as_str(),
            email: self.email.as_deref(),
            tier: self.tier.as_deref(),
            locale: self.locale.as_deref(),
            created_at: py_dt(py, self.created_at)?,
        })
    }
}

impl ToPy for Tag {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        model!(py, "Tag" {
            slug: self.slug.as_str(),
            name: self.name.as_str(),
            color: self.color.as_deref(),
        })
    }
}

impl ToPy for Template {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        model!(py, "Template" {
            id: self.id.to_string(),
            name: self.name.as_str(),
            body: self.body.as_str(),
            language: self.language.as_deref(),
            category: id_opt(self.category),
            usage_count: self.usage_count,
            active: self.active,
            created_at: py_dt(py, self.created_at)?,
        })
    }
}

pub fn link<'py>(py: Python<'py>, l: &Link) -> PyResult<Bound<'py, PyAny>> {
    model!(py, "Link" { kind: l.kind.as_str(), id: l.id.as_str() })
}

fn attachment<'py>(py: Python<'py>, a: &Attachment) -> PyResult<Bound<'py, PyAny>> {
    model!(py, "Attachment" {
        filename: a.filename.as_str(),
        size: a.size,
        mime_type: a.mime_type.as_str(),
        storage_key: a.storage_key.as_str(),
    })
}

fn pause<'py>(py: Python<'py>, p: &Pause) -> PyResult<Bound<'py, PyAny>> {
    model!(py, "Pause" {
        paused_at: py_dt(py, p.from)?,
        resumed_at: py_dt_opt(py, p.to)?,
    })
}

fn clock<'py>(py: Python<'py>, c: &SlaClock) -> PyResult<Bound<'py, PyAny>> {
    let status = match c.status {
        ticketry_core::sla::ClockStatus::Running => "running",
        ticketry_core::sla::ClockStatus::Paused => "paused",
        ticketry_core::sla::ClockStatus::Met => "met",
        ticketry_core::sla::ClockStatus::Breached => "breached",
    };
    model!(py, "SlaClock" {
        metric: py_enum!(py, "SlaMetric", c.metric.as_str())?,
        status: py_enum!(py, "ClockStatus", status)?,
        target: c.target,
        started_at: py_dt(py, c.started_at)?,
        consumed: c.consumed,
        running_since: py_dt_opt(py, c.running_since)?,
        due_at: py_dt_opt(py, c.due_at)?,
        warn_at: py_dt_opt(py, c.warn_at)?,
        warned: c.warned,
        breached_at: py_dt_opt(py, c.breached_at)?,
        stopped_at: py_dt_opt(py, c.stopped_at)?,
        pauses: tuple(py, &c.pauses, pause)?,
    })
}

fn sla_state<'py>(py: Python<'py>, s: &SlaState) -> PyResult<Bound<'py, PyAny>> {
    model!(py, "SlaState" {
        policy: id_opt(s.policy),
        clocks: tuple(py, &s.clocks, clock)?,
    })
}

impl ToPy for Ticket {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let satisfaction = match &self.satisfaction {
            Some(s) => model!(py, "Satisfaction" {
                rating: s.rating,
                comment: s.comment.as_deref(),
                rated_at: py_dt(py, s.rated_at)?,
            })?,
            None => py.None().into_bound(py),
        };
        model!(py, "Ticket" {
            id: self.id.to_string(),
            workspace_id: self.workspace_id.to_string(),
            seq: self.seq,
            number: self.number.as_str(),
            subject: self.subject.as_str(),
            description: self.description.as_str(),
            status: status(py, self.status)?,
            priority: self.priority.as_str(),
            category: id_opt(self.category),
            channel: py_enum!(py, "Channel", self.channel.as_str())?,
            customer: self.customer.as_str(),
            assignee: id_opt(self.assignee.as_ref()),
            team: id_opt(self.team),
            tags: strs(py, &self.tags)?,
            links: tuple(py, &self.links, link)?,
            custom_fields: json_to_py(py, &self.custom_fields)?,
            created_at: py_dt(py, self.created_at)?,
            updated_at: py_dt(py, self.updated_at)?,
            first_response_at: py_dt_opt(py, self.first_response_at)?,
            resolved_at: py_dt_opt(py, self.resolved_at)?,
            closed_at: py_dt_opt(py, self.closed_at)?,
            awaiting_reply_since: py_dt_opt(py, self.awaiting_reply_since)?,
            satisfaction: satisfaction,
            sla: sla_state(py, &self.sla)?,
            version: self.version,
        })
    }
}

impl ToPy for Message {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        model!(py, "Message" {
            id: self.id.to_string(),
            ticket_id: self.ticket_id.to_string(),
            kind: message_kind(py, self.kind)?,
            author: actor(py, &self.author)?,
            body: self.body.as_str(),
            html: self.html.as_deref(),
            attachments: tuple(py, &self.attachments, attachment)?,
            email_message_id: self.email_message_id.as_deref(),
            idempotency_key: self.idempotency_key.as_deref(),
            created_at: py_dt(py, self.created_at)?,
        })
    }
}

impl ToPy for Thread {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        model!(py, "Thread" {
            ticket: self.ticket.to_py(py)?,
            messages: tuple(py, &self.messages, |py, m| m.to_py(py))?,
        })
    }
}

impl ToPy for AssignmentRecord {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        model!(py, "AssignmentRecord" {
            ticket_id: self.ticket_id.to_string(),
            action: action(py, self.action)?,
            from_agent: id_opt(self.from.as_ref()),
            to_agent: id_opt(self.to.as_ref()),
            team: id_opt(self.team),
            by: actor(py, &self.by)?,
            reason: self.reason.as_deref(),
            at: py_dt(py, self.at)?,
        })
    }
}

impl<T: ToPy> ToPy for Page<T> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        model!(py, "Page" {
            items: tuple(py, &self.items, |py, t| t.to_py(py))?,
            next_cursor: self.next_cursor.as_deref(),
        })
    }
}

impl ToPy for TicketStats {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let by_status = PyDict::new(py);
        for (s, n) in &self.by_status {
            by_status.set_item(status(py, *s)?, n)?;
        }
        model!(py, "TicketStats" { total: self.total, by_status: by_status })
    }
}

/// The event's own fields, typed like everywhere else.
fn event_data<'py>(py: Python<'py>, kind: &EventKind) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    match kind {
        EventKind::TicketCreated {
            number,
            subject,
            priority,
            channel,
            ..
        } => {
            d.set_item("number", number)?;
            d.set_item("subject", subject)?;
            d.set_item("priority", priority)?;
            d.set_item("channel", py_enum!(py, "Channel", channel.as_str())?)?;
        }
        EventKind::MessageAdded {
            message_id,
            message_kind: k,
        } => {
            d.set_item("message_id", message_id.to_string())?;
            d.set_item("message_kind", message_kind(py, *k)?)?;
        }
        EventKind::StatusChanged { from, to } => {
            d.set_item("from", status(py, *from)?)?;
            d.set_item("to", status(py, *to)?)?;
        }
        EventKind::Assigned {
            action: a,
            from,
            to,
            team,
        } => {
            d.set_item("action", action(py, *a)?)?;
            d.set_item("from", id_opt(from.as_ref()))?;
            d.set_item("to", id_opt(to.as_ref()))?;
            d.set_item("team", id_opt(*team))?;
        }
        EventKind::PriorityChanged { from, to } => {
            d.set_item("from", from)?;
            d.set_item("to", to)?;
        }
        EventKind::CategoryChanged { from, to } => {
            d.set_item("from", id_opt(*from))?;
            d.set_item("to", id_opt(*to))?;
        }
        EventKind::Tagged { tag } | EventKind::Untagged { tag } => {
            d.set_item("tag", tag)?;
        }
        EventKind::Linked { link: l } => {
            d.set_item("link", link(py, l)?)?;
        }
        EventKind::Updated { fields } => {
            d.set_item("fields", strs(py, fields)?)?;
        }
        EventKind::Rated { rating, comment } => {
            d.set_item("rating", rating)?;
            d.set_item("comment", comment.as_deref())?;
        }
        EventKind::SlaWarning { metric, due_at } => {
            d.set_item("metric", py_enum!(py, "SlaMetric", metric.as_str())?)?;
            d.set_item("due_at", py_dt(py, *due_at)?)?;
        }
        EventKind::SlaBreached {
            metric,
            due_at,
            breached_at,
        } => {
            d.set_item("metric", py_enum!(py, "SlaMetric", metric.as_str())?)?;
            d.set_item("due_at", py_dt(py, *due_at)?)?;
            d.set_item("breached_at", py_dt(py, *breached_at)?)?;
        }
        other => {
            // A kind added to the core later: its JSON fields, untyped.
            let all = json_to_py(py, other)?;
            if let Ok(map) = all.cast::<PyDict>() {
                for (k, v) in map.iter() {
                    if k.extract::<String>().ok().as_deref() != Some("type") {
                        d.set_item(k, v)?;
                    }
                }
            }
        }
    }
    Ok(d)
}

impl ToPy for Event {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        model!(py, "Event" {
            seq: self.seq,
            workspace_id: self.workspace_id.to_string(),
            ticket_id: id_opt(self.ticket_id),
            actor: actor(py, &self.actor)?,
            at: py_dt(py, self.at)?,
            type: self.kind.name(),
            data: event_data(py, &self.kind)?,
        })
    }
}

fn conditions<'py>(py: Python<'py>, c: &PolicyConditions) -> PyResult<Bound<'py, PyAny>> {
    model!(py, "PolicyConditions" {
        priorities: strs(py, &c.priorities)?,
        categories: strs(py, &c.categories)?,
        channels: tuple(py, &c.channels, |py, ch| py_enum!(py, "Channel", ch.as_str()))?,
        tags: strs(py, &c.tags)?,
        customer_tiers: strs(py, &c.customer_tiers)?,
    })
}

fn target<'py>(py: Python<'py>, t: &PolicyTarget) -> PyResult<Bound<'py, PyAny>> {
    model!(py, "PolicyTarget" {
        priority: t.priority.as_str(),
        first_response: t.first_response,
        next_response: t.next_response,
        resolution: t.resolution,
    })
}

impl ToPy for SlaPolicy {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let warning = match self.warning {
            WarningThreshold::Percent(p) => p.into_pyobject(py)?.into_any(),
            WarningThreshold::Before(d) => d.into_pyobject(py)?.into_any(),
        };
        let calendar = match &self.calendar {
            Some(c) => json_to_py(py, c)?,
            None => py.None().into_bound(py),
        };
        model!(py, "SlaPolicy" {
            id: self.id.to_string(),
            name: self.name.as_str(),
            targets: tuple(py, &self.targets, target)?,
            conditions: conditions(py, &self.conditions)?,
            calendar: calendar,
            warning: warning,
            pause_on: tuple(py, &self.pause_on, |py, s| status(py, *s))?,
            active: self.active,
        })
    }
}

fn alert<'py>(py: Python<'py>, a: &SlaAlert) -> PyResult<Bound<'py, PyAny>> {
    let kind = match a.kind {
        ticketry_core::AlertKind::Warning => "warning",
        ticketry_core::AlertKind::Breached => "breached",
    };
    model!(py, "SlaAlert" {
        ticket_id: a.ticket_id.to_string(),
        number: a.number.as_str(),
        metric: py_enum!(py, "SlaMetric", a.metric.as_str())?,
        kind: py_enum!(py, "AlertKind", kind)?,
        due_at: py_dt(py, a.due_at)?,
    })
}

impl ToPy for SweepReport {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        model!(py, "SweepReport" {
            alerts: tuple(py, &self.alerts, alert)?,
            examined: self.examined,
        })
    }
}

pub fn segment<'py>(py: Python<'py>, s: &Segment) -> PyResult<Bound<'py, PyAny>> {
    model!(py, "Segment" { start: py_dt(py, s.start)?, end: py_dt(py, s.end)? })
}

impl ToPy for SlaExplanation {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let status = match self.status {
            ticketry_core::sla::ClockStatus::Running => "running",
            ticketry_core::sla::ClockStatus::Paused => "paused",
            ticketry_core::sla::ClockStatus::Met => "met",
            ticketry_core::sla::ClockStatus::Breached => "breached",
        };
        model!(py, "SlaExplanation" {
            metric: py_enum!(py, "SlaMetric", self.metric.as_str())?,
            status: py_enum!(py, "ClockStatus", status)?,
            policy: id_opt(self.policy),
            policy_name: self.policy_name.as_deref(),
            timezone: self.timezone.as_str(),
            target: self.target,
            started_at: py_dt(py, self.started_at)?,
            consumed: self.consumed,
            remaining: self.remaining,
            due_at: py_dt_opt(py, self.due_at)?,
            breached_at: py_dt_opt(py, self.breached_at)?,
            stopped_at: py_dt_opt(py, self.stopped_at)?,
            pauses: tuple(py, &self.pauses, pause)?,
            segments: tuple(py, &self.segments, segment)?,
            holidays_skipped: PyTuple::new(py, &self.holidays_skipped)?,
            lines: PyTuple::new(py, &self.lines)?,
        })
    }
}
