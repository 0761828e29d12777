//! Notifications: who is told what about each event, and the built-in
//! templates. Rendering and reading the log are the service's
//! ([`Helpdesk::notifications`](crate::Helpdesk::notifications)).

use crate::event::{Event, EventKind};
use crate::ids::{AgentId, CustomerId, TicketId};
use crate::people::{Agent, Customer};
use crate::team::Team;
use crate::ticket::{Actor, AssignmentAction, MessageKind, Status, Ticket};
use serde::Serialize;
use std::collections::BTreeMap;

/// What a notification tells its recipient.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum NotificationKind {
    /// To the customer: their ticket was opened (with the reply promise in
    /// their time zone).
    #[serde(rename = "customer.created")]
    CustomerCreated,
    /// To the customer: an agent answered.
    #[serde(rename = "customer.reply")]
    CustomerReply,
    /// To the customer: the ticket was closed or cancelled.
    #[serde(rename = "customer.status")]
    CustomerStatus,
    /// To the customer: resolved, with the rating request.
    #[serde(rename = "customer.resolved")]
    CustomerResolved,
    /// To agents: a new ticket (the assignee, else the team, else every agent).
    #[serde(rename = "agent.created")]
    AgentCreated,
    /// To agents: the customer wrote.
    #[serde(rename = "agent.customer_reply")]
    AgentCustomerReply,
    /// To the new assignee.
    #[serde(rename = "agent.assigned")]
    AgentAssigned,
    /// To the new assignee and the team's lead: an escalation.
    #[serde(rename = "agent.escalated")]
    AgentEscalated,
    /// To agents: an SLA target is near.
    #[serde(rename = "agent.sla_warning")]
    AgentSlaWarning,
    /// To agents: an SLA target was missed.
    #[serde(rename = "agent.sla_breached")]
    AgentSlaBreached,
}

impl NotificationKind {
    /// Every kind.
    pub const ALL: [NotificationKind; 10] = [
        NotificationKind::CustomerCreated,
        NotificationKind::CustomerReply,
        NotificationKind::CustomerStatus,
        NotificationKind::CustomerResolved,
        NotificationKind::AgentCreated,
        NotificationKind::AgentCustomerReply,
        NotificationKind::AgentAssigned,
        NotificationKind::AgentEscalated,
        NotificationKind::AgentSlaWarning,
        NotificationKind::AgentSlaBreached,
    ];

    /// The stable name (`customer.reply`).
    pub const fn as_str(self) -> &'static str {
        match self {
            NotificationKind::CustomerCreated => "customer.created",
            NotificationKind::CustomerReply => "customer.reply",
            NotificationKind::CustomerStatus => "customer.status",
            NotificationKind::CustomerResolved => "customer.resolved",
            NotificationKind::AgentCreated => "agent.created",
            NotificationKind::AgentCustomerReply => "agent.customer_reply",
            NotificationKind::AgentAssigned => "agent.assigned",
            NotificationKind::AgentEscalated => "agent.escalated",
            NotificationKind::AgentSlaWarning => "agent.sla_warning",
            NotificationKind::AgentSlaBreached => "agent.sla_breached",
        }
    }

    /// Whether it goes to the customer.
    pub const fn to_customer(self) -> bool {
        matches!(
            self,
            NotificationKind::CustomerCreated
                | NotificationKind::CustomerReply
                | NotificationKind::CustomerStatus
                | NotificationKind::CustomerResolved
        )
    }
}

impl std::str::FromStr for NotificationKind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or(())
    }
}

/// Who receives a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Recipient {
    /// Address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// The agent, when it goes to one.
    pub agent: Option<AgentId>,
    /// The customer, when it goes to them.
    pub customer: Option<CustomerId>,
    /// The language of the template used (`en`, `ru`).
    pub language: String,
}

/// One e-mail to send.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Notification {
    /// Stable id: `<event seq>.<n>`.
    pub id: String,
    /// The event it tells of.
    pub event_seq: u64,
    /// What it tells.
    pub kind: NotificationKind,
    /// The ticket.
    pub ticket_id: TicketId,
    /// The ticket's number.
    pub ticket_number: String,
    /// The recipient.
    pub to: Recipient,
    /// `From` (`Acme Support <support@acme.example>`), when the workspace has
    /// a mail address.
    pub from: Option<String>,
    /// Subject, with the ticket number in brackets.
    pub subject: String,
    /// Plain-text part.
    pub text: String,
    /// HTML part.
    pub html: String,
    /// `Message-ID` (with angle brackets): stable across resends.
    pub message_id: String,
    /// The headers to send as given: `Message-ID`, `In-Reply-To`,
    /// `References`, `Reply-To`, `Auto-Submitted` (all but agents' replies),
    /// `X-Ticketry-Ticket`.
    pub headers: BTreeMap<String, String>,
}

/// A page of notifications and the cursor to acknowledge once they are sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NotificationBatch {
    /// What to send, in event order.
    pub notifications: Vec<Notification>,
    /// The last event this batch covers (acknowledge it after sending).
    pub cursor: u64,
    /// Whether more events wait after `cursor`.
    pub more: bool,
}

/// What deciding the recipients of one event needs.
#[derive(Debug)]
pub(crate) struct NotifyContext<'a> {
    pub ticket: &'a Ticket,
    pub customer: Option<&'a Customer>,
    pub agents: &'a [Agent],
    pub teams: &'a [Team],
    /// The kind of the message a `message.added` event adds.
    pub message_kind: Option<MessageKind>,
}

/// Who is told what about `event`: a pure rule. The actor of the event is
/// never told of it; recipients without an address are skipped.
pub(crate) fn notifications_for(
    event: &Event,
    cx: &NotifyContext<'_>,
) -> Vec<(NotificationKind, Recipient)> {
    use NotificationKind as K;
    let t = cx.ticket;
    let mut out: Vec<(NotificationKind, Recipient)> = Vec::new();
    let customer = |k: K, out: &mut Vec<_>| {
        let email = cx
            .customer
            .and_then(|c| c.email.clone())
            .or_else(|| t.source_email.clone());
        if let Some(email) = email {
            out.push((
                k,
                Recipient {
                    email,
                    name: cx.customer.map(|c| c.name.clone()).unwrap_or_default(),
                    agent: None,
                    customer: Some(t.customer.clone()),
                    language: String::new(),
                },
            ));
        }
    };
    let agent = |id: &AgentId| cx.agents.iter().find(|a| &a.id == id && a.active);
    let to_agent = |k: K, a: &Agent, out: &mut Vec<(K, Recipient)>| {
        let is_actor = matches!(&event.actor, Actor::Agent(x) if x == &a.id);
        if let (Some(email), false) = (&a.email, is_actor)
            && !out.iter().any(|(_, r)| r.agent.as_ref() == Some(&a.id))
        {
            out.push((
                k,
                Recipient {
                    email: email.clone(),
                    name: a.name.clone(),
                    agent: Some(a.id.clone()),
                    customer: None,
                    language: String::new(),
                },
            ));
        }
    };
    // The assignee, else the team's members, else every active agent.
    let staff = |k: K, out: &mut Vec<(K, Recipient)>| {
        if let Some(a) = t.assignee.as_ref().and_then(agent) {
            return to_agent(k, a, out);
        }
        let team = t.team.and_then(|id| cx.teams.iter().find(|x| x.id == id));
        match team {
            Some(team) => team
                .members
                .iter()
                .filter_map(agent)
                .for_each(|a| to_agent(k, a, out)),
            None => cx
                .agents
                .iter()
                .filter(|a| a.active)
                .for_each(|a| to_agent(k, a, out)),
        }
    };
    match &event.kind {
        EventKind::TicketCreated { .. } => {
            customer(K::CustomerCreated, &mut out);
            staff(K::AgentCreated, &mut out);
        }
        EventKind::MessageAdded { message_kind, .. } => {
            match cx.message_kind.unwrap_or(*message_kind) {
                MessageKind::Reply => customer(K::CustomerReply, &mut out),
                MessageKind::Customer => staff(K::AgentCustomerReply, &mut out),
                _ => {}
            }
        }
        // A customer who closes or resolves their own ticket is not told.
        EventKind::StatusChanged { .. } if matches!(&event.actor, Actor::Customer(c) if c == &t.customer) =>
            {}
        EventKind::StatusChanged { to, .. } => match to {
            Status::Resolved => customer(K::CustomerResolved, &mut out),
            // (Waiting on the customer comes with a reply, which told them.)
            Status::Closed | Status::Cancelled => customer(K::CustomerStatus, &mut out),
            _ => {}
        },
        EventKind::Assigned {
            action, to, team, ..
        } => {
            let k = if *action == AssignmentAction::Escalated {
                K::AgentEscalated
            } else {
                K::AgentAssigned
            };
            if let Some(a) = to.as_ref().and_then(agent) {
                to_agent(k, a, &mut out);
            }
            if k == K::AgentEscalated
                && let Some(lead) = team
                    .and_then(|id| cx.teams.iter().find(|x| x.id == id))
                    .and_then(|x| x.lead.as_ref())
                    .and_then(agent)
            {
                to_agent(k, lead, &mut out);
            }
        }
        EventKind::SlaWarning { .. } => staff(K::AgentSlaWarning, &mut out),
        EventKind::SlaBreached { .. } => staff(K::AgentSlaBreached, &mut out),
        _ => {}
    }
    out
}

/// The built-in template of `kind` in `language` (`en` or `ru`; anything
/// else gets English).
///
/// ```
/// use ticketry_core::mail::{default_template, NotificationKind};
/// let t = default_template(NotificationKind::CustomerReply, "ru");
/// assert!(t.subject.contains("ticket.subject"));
/// ```
pub fn default_template(kind: NotificationKind, language: &str) -> super::MailTemplate {
    use NotificationKind as K;
    let ru = language == "ru";
    let (subject, body): (&str, &str) = match (kind, ru) {
        (K::CustomerCreated, false) => (
            "We received your request: {{ ticket.subject }}",
            "Hello {{ customer.name or 'there' }},\n\nwe received your request **{{ ticket.number }}** \
             and will answer{% if due %} by {{ due | datetime(zone) }}{% else %} soon{% endif %}.\n\n\
             To add anything, simply reply to this e-mail.{% if ticket_url %}\n\n[Your request]({{ ticket_url }}){% endif %}\n",
        ),
        (K::CustomerCreated, true) => (
            "Мы получили ваше обращение: {{ ticket.subject }}",
            "Здравствуйте{% if customer.name %}, {{ customer.name }}{% endif %}!\n\nМы получили ваше обращение \
             **{{ ticket.number }}** и ответим{% if due %} до {{ due | datetime(zone) }}{% else %} в ближайшее время{% endif %}.\n\n\
             Чтобы что-то добавить, просто ответьте на это письмо.{% if ticket_url %}\n\n[Ваше обращение]({{ ticket_url }}){% endif %}\n",
        ),
        (K::CustomerReply, false) => (
            "Re: {{ ticket.subject }}",
            "{{ message.body }}\n\n— {{ author.name or workspace.name }}, {{ workspace.name }}\
             {% if ticket_url %}\n\n[Your request]({{ ticket_url }}){% endif %}\n",
        ),
        (K::CustomerReply, true) => (
            "Re: {{ ticket.subject }}",
            "{{ message.body }}\n\n— {{ author.name or workspace.name }}, {{ workspace.name }}\
             {% if ticket_url %}\n\n[Ваше обращение]({{ ticket_url }}){% endif %}\n",
        ),
        (K::CustomerStatus, false) => (
            "Your request {{ ticket.number }} is {{ status }}",
            "Hello {{ customer.name or 'there' }},\n\nyour request **{{ ticket.subject }}** is now {{ status }}. \
             To ask anything more, simply reply to this e-mail.\n",
        ),
        (K::CustomerStatus, true) => (
            "Обращение {{ ticket.number }} {% if status == 'closed' %}закрыто{% else %}отменено{% endif %}",
            "Здравствуйте{% if customer.name %}, {{ customer.name }}{% endif %}!\n\nОбращение \
             **{{ ticket.subject }}** {% if status == 'closed' %}закрыто{% else %}отменено{% endif %}. \
             Если остались вопросы, просто ответьте на это письмо.\n",
        ),
        (K::CustomerResolved, false) => (
            "Resolved: {{ ticket.subject }}",
            "Hello {{ customer.name or 'there' }},\n\nwe consider your request **{{ ticket.number }}** resolved. \
             If it is not, simply reply to this e-mail and we will reopen it.\n\n\
             How did we do? {% if ticket_url %}[Rate our answer]({{ ticket_url }}){% else %}Reply with a mark from 1 to 5.{% endif %}\n",
        ),
        (K::CustomerResolved, true) => (
            "Решено: {{ ticket.subject }}",
            "Здравствуйте{% if customer.name %}, {{ customer.name }}{% endif %}!\n\nМы считаем обращение \
             **{{ ticket.number }}** решённым. Если это не так, просто ответьте на это письмо, и мы откроем его снова.\n\n\
             Оцените, пожалуйста, наш ответ{% if ticket_url %}: [оценить]({{ ticket_url }}){% else %} оценкой от 1 до 5 в ответном письме{% endif %}.\n",
        ),
        (K::AgentCreated, _) => (
            "New ticket: {{ ticket.subject }}",
            "{{ customer.name or customer.email }} opened **{{ ticket.number }}** ({{ ticket.priority }}).\n\n\
             {{ ticket.description }}{% if ticket_url %}\n\n[Open]({{ ticket_url }}){% endif %}\n",
        ),
        (K::AgentCustomerReply, _) => (
            "Customer reply: {{ ticket.subject }}",
            "{{ customer.name or customer.email }} wrote on **{{ ticket.number }}**:\n\n\
             {{ message.body }}{% if ticket_url %}\n\n[Open]({{ ticket_url }}){% endif %}\n",
        ),
        (K::AgentAssigned, _) => (
            "Assigned to you: {{ ticket.subject }}",
            "**{{ ticket.number }}** ({{ ticket.priority }}) is now yours.{% if ticket_url %}\n\n[Open]({{ ticket_url }}){% endif %}\n",
        ),
        (K::AgentEscalated, _) => (
            "Escalated: {{ ticket.subject }}",
            "**{{ ticket.number }}** ({{ ticket.priority }}) was escalated.{% if ticket_url %}\n\n[Open]({{ ticket_url }}){% endif %}\n",
        ),
        (K::AgentSlaWarning, _) => (
            "SLA warning: {{ ticket.subject }}",
            "The {{ metric }} target of **{{ ticket.number }}** is due at {{ due | datetime(zone) }}.\
             {% if ticket_url %}\n\n[Open]({{ ticket_url }}){% endif %}\n",
        ),
        (K::AgentSlaBreached, _) => (
            "SLA breached: {{ ticket.subject }}",
            "The {{ metric }} target of **{{ ticket.number }}** was missed (due {{ due | datetime(zone) }}).\
             {% if ticket_url %}\n\n[Open]({{ ticket_url }}){% endif %}\n",
        ),
    };
    super::MailTemplate {
        subject: subject.into(),
        body: body.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_template_is_in_the_safe_subset() {
        for k in NotificationKind::ALL {
            for lang in ["en", "ru"] {
                let t = default_template(k, lang);
                assert!(crate::template::check_syntax(&t.subject).is_ok(), "{k:?}");
                assert!(crate::template::check_syntax(&t.body).is_ok(), "{k:?}");
            }
        }
    }

    #[test]
    fn kinds_round_trip_their_names() {
        for k in NotificationKind::ALL {
            assert_eq!(k.as_str().parse(), Ok(k));
            assert_eq!(
                serde_json::to_value(k).ok(),
                Some(serde_json::json!(k.as_str()))
            );
        }
    }
}
