//! E-mail in and out: ingesting raw messages and rendering notifications
//! (see [`crate::mail`]).

use super::Helpdesk;
use super::tickets::MAX_BODY;
use crate::error::{Error, Result};
use crate::event::EventKind;
use crate::ids::{CustomerId, TicketId, WorkspaceId};
use crate::mail::{
    self, Bytes, InboundMail, InboundOutcome, IngestOptions, IngestResult, MailPart, MailSettings,
    Noise, Notification, NotificationBatch, NotificationKind, NotifyContext, Parsed, Recipient,
};
use crate::people::{Customer, CustomerInput};
use crate::sla::SlaMetric;
use crate::ticket::{Attachment, Channel, Message, Sender, Ticket};
use crate::validate;
use crate::{MessageInput, OpenTicket};
use serde_json::json;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

/// The namespace of inbound messages' identities (UUID v5).
const MAIL_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x7c1d_2f4e_9a55_4e0b_8d3f_51a2_e6c0_b417);

/// Most notifications one batch renders: the batch stops at the event that
/// reaches it, and `more` says the rest is waiting.
const MAX_NOTIFICATIONS: usize = 500;

/// The reason of a record written for a message found already filed (by a
/// delivery that failed before recording it, or one still under way).
const FILED_EARLIER: &str = "filed_earlier";

/// Longest subject a ticket keeps (longer ones end in `…`).
const SUBJECT_CHARS: usize = super::tickets::MAX_SUBJECT;

impl Helpdesk {
    /// Files one raw RFC 5322 message: a new ticket, a message on the ticket
    /// it answers, or a record of why neither (see [`crate::mail`]). A second
    /// delivery of the same message changes nothing and says so
    /// (`duplicate`). Errors only for what the caller passed: `raw` empty,
    /// over [`MAX_MAIL_BYTES`](mail::MAX_MAIL_BYTES) or not a message, and
    /// bad options.
    pub async fn ingest_email(
        &self,
        ws: WorkspaceId,
        raw: &[u8],
        options: IngestOptions,
    ) -> Result<IngestResult> {
        if raw.is_empty() || raw.len() > mail::MAX_MAIL_BYTES {
            return Err(Error::invalid_input(
                "raw",
                format!(
                    "must be 1 to {} bytes (got {})",
                    mail::MAX_MAIL_BYTES,
                    raw.len()
                ),
            ));
        }
        let now = self.now()?;
        let catalog = self.catalog(ws).await?;
        let settings = &catalog.workspace.settings.mail;
        let options = self.check_ingest_options(ws, options, &catalog).await?;
        if mail::nested_messages(raw) > mail::MAX_MAIL_NESTING {
            return Err(Error::invalid_input(
                "raw",
                format!(
                    "nests more than {} messages in one another",
                    mail::MAX_MAIL_NESTING
                ),
            ));
        }
        let parsed = mail::parse(raw)
            .ok_or_else(|| Error::invalid_input("raw", "is not an RFC 5322 message"))?;

        let identity = identity(
            ws,
            options.mailbox.as_deref(),
            parsed.message_id.as_deref(),
            raw,
        );
        let key = format!("mail:{}", identity.simple());
        let prefix = options.storage_prefix.as_deref().unwrap_or("mail/");
        let mut parts = parsed.parts.clone();
        let body = fit_body(&parsed, &mut parts);
        for (i, p) in parts.iter_mut().enumerate() {
            // The content's hash in the key: a redelivery with other bytes
            // under the same Message-ID names other keys, never the filed ones.
            let hash = uuid::Uuid::new_v5(&MAIL_NAMESPACE, &p.content.0)
                .simple()
                .to_string();
            p.storage_key = format!(
                "{prefix}{}/{}-{}-{}",
                identity.simple(),
                i + 1,
                &hash[..8],
                p.filename
            );
        }
        let mut record = InboundMail {
            key: key.clone(),
            message_id: parsed.message_id.clone(),
            mailbox: options.mailbox.clone(),
            from: parsed.from.as_ref().map(|(a, _)| a.clone()),
            subject: one_line(&parsed.subject, SUBJECT_CHARS),
            outcome: InboundOutcome::Quarantined,
            reason: None,
            ticket_id: None,
            message: None,
            size: raw.len() as u64,
            text: parsed.text.chars().take(MAX_BODY).collect(),
            received_at: now,
        };
        if let Some(prev) = self.store.get_inbound(ws, &key).await?
            && prev.outcome.is_final()
        {
            return self.ingested(ws, prev, true, parts).await;
        }
        // Filed by a delivery that failed before recording it (the ticket
        // may have been closed or merged since): recorded now, a duplicate.
        if let Some((ticket, message, opened)) = self.store.filed_mail(ws, &key).await? {
            record.outcome = if opened {
                InboundOutcome::Created
            } else {
                InboundOutcome::Appended
            };
            record.ticket_id = Some(ticket);
            record.message = Some(message);
            record.reason = Some(FILED_EARLIER.into());
            let saved = self.store.save_inbound(ws, &record).await?;
            return self.ingested(ws, saved, true, parts).await;
        }

        let thread = self.thread_of(ws, &parsed, settings).await?;
        let from = parsed.from.clone();
        let filed = match (&from, self.noise(&parsed, settings)) {
            (_, Some(noise)) => {
                record.outcome = InboundOutcome::Ignored;
                record.reason = Some(noise.as_str().into());
                record.ticket_id = thread.as_ref().map(|t| t.id);
                None
            }
            (None, None) => {
                record.reason = Some("no_sender".into());
                None
            }
            (Some(_), None) if parts.len() > mail::MAX_MAIL_PARTS => {
                record.reason = Some("too_many_parts".into());
                None
            }
            (Some((address, name)), None) => {
                let agent = self.store.list_agents(ws).await?.into_iter().find(|a| {
                    a.active
                        && a.email
                            .as_deref()
                            .is_some_and(|e| e.trim().eq_ignore_ascii_case(address))
                });
                let since = now - chrono::TimeDelta::hours(1);
                if agent.is_none()
                    && self.store.count_inbound_from(ws, address, since).await?
                        >= u64::from(settings.max_per_sender_per_hour)
                {
                    record.outcome = InboundOutcome::RateLimited;
                    record.reason = Some(format!(
                        "more than {} messages an hour",
                        settings.max_per_sender_per_hour
                    ));
                    None
                } else {
                    let input = MessageInput {
                        body,
                        html: parsed
                            .html
                            .clone()
                            .filter(|h| h.chars().count() <= 4 * MAX_BODY),
                        attachments: parts
                            .iter()
                            .map(|p| {
                                Attachment::stored(
                                    &p.filename,
                                    p.size,
                                    &p.mime_type,
                                    &p.storage_key,
                                )
                            })
                            .collect(),
                        email_message_id: parsed.message_id.clone(),
                        sender: None,
                        idempotency_key: Some(key.clone()),
                        status: None,
                    };
                    let filing = self
                        .file_mail(
                            ws,
                            thread,
                            agent,
                            address,
                            name.as_deref(),
                            input,
                            &record.subject,
                            &options,
                            settings,
                        )
                        .await;
                    match filing {
                        Ok(Ok((outcome, ticket, message))) => {
                            record.outcome = outcome;
                            record.ticket_id = Some(ticket.id);
                            record.message = Some(message.id);
                            Some((ticket, message))
                        }
                        Ok(Err(why)) => {
                            record.reason = Some(why.into());
                            None
                        }
                        // What the message carries does not fit a ticket:
                        // held back with the reason, for a person to look at.
                        Err(Error::InvalidInput { field, message }) => {
                            record.reason = Some(format!("invalid_input: {field}: {message}"));
                            None
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        };
        let saved = self.store.save_inbound(ws, &record).await?;
        // Another delivery recorded it first: a duplicate, unless that record
        // is of this delivery's own filing (recognised by a concurrent one).
        let ours = filed.is_some()
            && saved.reason.as_deref() == Some(FILED_EARLIER)
            && (saved.ticket_id, saved.message) == (record.ticket_id, record.message);
        if saved != record && !ours {
            return self.ingested(ws, saved, true, parts).await;
        }
        match filed {
            Some((ticket, message)) => Ok(IngestResult {
                record: saved,
                duplicate: false,
                ticket: Some(ticket),
                message: Some(message),
                parts,
            }),
            None => self.ingested(ws, saved, false, parts).await,
        }
    }

    /// The workspace's mail log, newest first (only `outcome`'s, if given),
    /// at most `limit` (1..=1000): what was ignored, quarantined or filed.
    pub async fn inbound_mail(
        &self,
        ws: WorkspaceId,
        outcome: Option<InboundOutcome>,
        limit: usize,
    ) -> Result<Vec<InboundMail>> {
        if !(1..=1000).contains(&limit) {
            return Err(Error::invalid_input("limit", "must be between 1 and 1000"));
        }
        self.catalog(ws).await?;
        Ok(self.store.list_inbound(ws, outcome, limit).await?)
    }

    /// The notifications for the events after `consumer`'s cursor, at most
    /// `limit` events (1..=1000) at a time: send them, then acknowledge the
    /// batch's `cursor` with [`ack_notifications`](Self::ack_notifications).
    /// Until then the same batch comes again, with the same Message-IDs.
    pub async fn notifications(
        &self,
        ws: WorkspaceId,
        consumer: &str,
        limit: usize,
    ) -> Result<NotificationBatch> {
        validate::key("consumer", consumer)?;
        if !(1..=1000).contains(&limit) {
            return Err(Error::invalid_input("limit", "must be between 1 and 1000"));
        }
        let catalog = self.catalog(ws).await?;
        let workspace = &catalog.workspace;
        let after = self.store.consumer_position(ws, consumer).await?;
        let mut events = self.store.events_after(ws, after, limit + 1).await?;
        let mut more = events.len() > limit;
        events.truncate(limit);
        let mut cursor = events.last().map_or(after, |e| e.seq);
        let mut plans = Vec::new();
        if events.iter().any(concerns_mail) {
            let agents = self.store.list_agents(ws).await?;
            let teams = self.store.list_teams(ws).await?;
            let mut tickets: HashMap<TicketId, Option<Ticket>> = HashMap::new();
            let mut customers: HashMap<CustomerId, Option<Customer>> = HashMap::new();
            for event in events.iter().filter(|e| concerns_mail(e)) {
                // A batch ends after the event that brings it to
                // MAX_NOTIFICATIONS (each may carry a 100,000-character body).
                if plans.len() >= MAX_NOTIFICATIONS {
                    cursor = event.seq - 1;
                    more = true;
                    break;
                }
                let Some(tid) = event.ticket_id else { continue };
                if let Entry::Vacant(e) = tickets.entry(tid) {
                    e.insert(self.store.get_ticket(ws, tid).await?);
                }
                let Some(Some(ticket)) = tickets.get(&tid) else {
                    continue;
                };
                if let Entry::Vacant(e) = customers.entry(ticket.customer.clone()) {
                    e.insert(self.store.get_customer(ws, &ticket.customer).await?);
                }
                let customer = customers.get(&ticket.customer).and_then(Option::as_ref);
                let message = match &event.kind {
                    EventKind::MessageAdded { message_id, .. } => {
                        self.store.get_message(ws, *message_id).await?
                    }
                    _ => None,
                };
                let cx = NotifyContext {
                    ticket,
                    customer,
                    agents: &agents,
                    teams: &teams,
                    message_kind: message.as_ref().map(|m| m.kind),
                };
                for (n, (kind, to)) in mail::notifications_for(event, &cx).into_iter().enumerate() {
                    let render = Render {
                        workspace,
                        event,
                        ticket,
                        customer,
                        agents: &agents,
                        message: message.as_ref(),
                    };
                    plans.push(plan(render, kind, to, n + 1));
                }
            }
        }
        let notifications = render_plans(plans, &workspace.name, &workspace.settings.mail).await?;
        Ok(NotificationBatch {
            notifications,
            cursor,
            more,
        })
    }

    /// Records that `consumer` sent every notification up to `cursor` (a
    /// batch's [`NotificationBatch::cursor`]).
    pub async fn ack_notifications(
        &self,
        ws: WorkspaceId,
        consumer: &str,
        cursor: u64,
    ) -> Result<()> {
        self.ack_events(ws, consumer, cursor).await
    }

    /// The ticket a message answers: by its references (stored messages'
    /// Message-IDs and this workspace's notifications'), then by a ticket
    /// number in its subject; merges followed.
    async fn thread_of(
        &self,
        ws: WorkspaceId,
        parsed: &Parsed,
        settings: &MailSettings,
    ) -> Result<Option<Ticket>> {
        let refs = &parsed.references[..parsed.references.len().min(50)];
        let mut ticket = None;
        let own: Vec<TicketId> = refs
            .iter()
            .filter_map(|r| own_ticket(r, settings.domain()))
            .collect();
        for &id in &own {
            if let Some(t) = self.store.get_ticket(ws, id).await? {
                ticket = Some(t);
                break;
            }
        }
        if ticket.is_none()
            && !refs.is_empty()
            && let Some(id) = self.store.ticket_of_email(ws, refs).await?
        {
            ticket = self.store.get_ticket(ws, id).await?;
        }
        // An answer to a notification of another workspace (or of a ticket
        // gone) is not matched by the number in its subject: that number
        // names another workspace's ticket.
        if ticket.is_none() && own.is_empty() {
            for n in mail::subject_numbers(&parsed.subject) {
                if let Some(t) = self.store.get_ticket_by_number(ws, n).await? {
                    ticket = Some(t);
                    break;
                }
            }
        }
        // The ticket it was merged into, following merges.
        for _ in 0..super::merge::MAX_HOPS {
            match ticket.as_ref().and_then(|t| t.merged_into) {
                Some(next) => ticket = self.store.get_ticket(ws, next).await?,
                None => break,
            }
        }
        Ok(ticket)
    }

    /// Machine mail, or the workspace's own mail coming back.
    fn noise(&self, parsed: &Parsed, settings: &MailSettings) -> Option<Noise> {
        let own_address = matches!((&parsed.from, &settings.address),
            (Some((from, _)), Some(ours)) if from.eq_ignore_ascii_case(ours.trim()));
        let own_id = parsed
            .message_id
            .as_deref()
            .is_some_and(|id| own_ticket(id, settings.domain()).is_some());
        if own_address || own_id {
            return Some(Noise::Loop);
        }
        parsed.noise
    }

    /// Adds the message to `thread` (as the answering agent's reply, the
    /// customer's message, or a third party's on the customer's ticket), or
    /// opens a ticket (also when `thread` no longer takes messages). `None`:
    /// the sender is unknown and customers are not created from mail.
    #[allow(clippy::too_many_arguments)]
    async fn file_mail(
        &self,
        ws: WorkspaceId,
        thread: Option<Ticket>,
        agent: Option<crate::people::Agent>,
        address: &str,
        name: Option<&str>,
        input: MessageInput,
        subject: &str,
        options: &IngestOptions,
        settings: &MailSettings,
    ) -> Result<std::result::Result<(InboundOutcome, Ticket, Message), &'static str>> {
        let name = name.map(|n| one_line(n, 200)).filter(|n| !n.is_empty());
        if let Some(t) = thread {
            let added = match &agent {
                // `From` is not proof of who wrote: unless the workspace
                // trusts its agents' addresses, their mail is a note.
                Some(a) if settings.agent_replies => {
                    self.reply(ws, t.id, &a.id, input.clone()).await
                }
                Some(a) => self.add_note(ws, t.id, &a.id, input.clone()).await,
                None => {
                    let known = self.store.customer_by_email(ws, address).await?;
                    let mut input = input.clone();
                    if known.as_ref().map(|c| &c.id) != Some(&t.customer) {
                        input.sender = Some(Sender {
                            name: name.clone(),
                            email: Some(address.to_owned()),
                        });
                    }
                    self.customer_message(ws, t.id, &t.customer, input).await
                }
            };
            match added {
                Ok(m) => {
                    let ticket = self.get_ticket(ws, m.ticket_id).await?;
                    return Ok(Ok((InboundOutcome::Appended, ticket, m)));
                }
                // An agent does not open tickets as a customer.
                Err(Error::InvalidTransition { .. }) if agent.is_some() => {
                    return Ok(Err("agent_on_closed_ticket"));
                }
                // Closed or cancelled: the mail opens a new ticket.
                Err(Error::InvalidTransition { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let customer = match self.store.customer_by_email(ws, address).await? {
            Some(c) => c,
            None if settings.create_customers => {
                let id = CustomerId::new(format!("mail:{address}"))?;
                // One the host has since given another address stays as it is.
                match self.store.get_customer(ws, &id).await? {
                    Some(c) => c,
                    None => {
                        let mut input = CustomerInput::new(
                            id,
                            name.clone().unwrap_or_else(|| address.to_owned()),
                        );
                        input.email = Some(address.to_owned());
                        self.put_customer(ws, input).await?
                    }
                }
            }
            None => return Ok(Err("unknown_sender")),
        };
        let ticket = self
            .open_ticket(
                ws,
                OpenTicket {
                    customer: Some(customer.id),
                    subject: if subject.is_empty() {
                        "(no subject)".into()
                    } else {
                        subject.to_owned()
                    },
                    description: input.body,
                    html: input.html,
                    priority: options.priority.clone(),
                    category: options.category,
                    channel: Channel::Email,
                    team: options.team,
                    tags: options.tags.clone(),
                    attachments: input.attachments,
                    email_message_id: input.email_message_id,
                    source_email: Some(address.to_owned()),
                    idempotency_key: input.idempotency_key,
                    ..OpenTicket::default()
                },
            )
            .await?;
        let first = self
            .store
            .list_messages_page(ws, ticket.id, None, 1, false)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| Error::Internal {
                message: format!("ticket {} has no opening message", ticket.id),
            })?;
        Ok(Ok((InboundOutcome::Created, ticket, first)))
    }

    /// The result for a record: its ticket and message read back.
    async fn ingested(
        &self,
        ws: WorkspaceId,
        record: InboundMail,
        duplicate: bool,
        parts: Vec<MailPart>,
    ) -> Result<IngestResult> {
        let ticket = match (record.outcome.is_final(), record.ticket_id) {
            (true, Some(id)) if record.message.is_some() => self.store.get_ticket(ws, id).await?,
            _ => None,
        };
        let message = match record.message {
            Some(id) => self.store.get_message(ws, id).await?,
            None => None,
        };
        // Only the parts the message records: nothing to store for mail
        // that was not filed, nor for other bytes under a filed identity.
        let kept = |p: &MailPart| {
            message.as_ref().is_some_and(|m| {
                m.attachments
                    .iter()
                    .any(|a| a.storage_key.as_deref() == Some(p.storage_key.as_str()))
            })
        };
        let parts = parts.into_iter().filter(kept).collect();
        Ok(IngestResult {
            record,
            duplicate,
            ticket,
            message,
            parts,
        })
    }

    async fn check_ingest_options(
        &self,
        ws: WorkspaceId,
        mut o: IngestOptions,
        catalog: &crate::store::WorkspaceCatalog,
    ) -> Result<IngestOptions> {
        o.mailbox =
            validate::email("mailbox", o.mailbox.as_deref())?.map(|m| m.to_ascii_lowercase());
        if let Some(p) = &o.storage_prefix {
            validate::text("storage_prefix", p, 200)?;
        }
        o.tags = validate::tags("tags", &o.tags)?;
        if let Some(p) = &o.priority
            && !catalog.priorities.iter().any(|x| &x.code == p && x.active)
        {
            return Err(Error::invalid_input(
                "priority",
                format!("{:?} is not an active priority", crate::error::shown(p)),
            ));
        }
        if let Some(c) = o.category
            && !self.get_category(ws, c).await?.active
        {
            return Err(Error::invalid_input(
                "category",
                format!("category {c} is inactive"),
            ));
        }
        if let Some(t) = o.team {
            self.active_team(ws, t, "team").await?;
        }
        Ok(o)
    }
}

/// What rendering one notification reads.
struct Render<'a> {
    workspace: &'a crate::workspace::Workspace,
    event: &'a crate::event::Event,
    ticket: &'a Ticket,
    customer: Option<&'a Customer>,
    agents: &'a [crate::people::Agent],
    message: Option<&'a Message>,
}

/// A notification before its templates are rendered.
struct Plan {
    kind: NotificationKind,
    to: Recipient,
    n: usize,
    event_seq: u64,
    ticket_id: TicketId,
    number: String,
    subject: String,
    context: serde_json::Value,
    /// The workspace's own template, if it has one for this kind and language.
    template: Option<mail::MailTemplate>,
}

/// Who is told what, in which language, with which template and context.
fn plan(r: Render<'_>, kind: NotificationKind, mut to: Recipient, n: usize) -> Plan {
    let settings = &r.workspace.settings;
    let mail = &settings.mail;
    let t = r.ticket;
    let customer = to.customer.as_ref().and(r.customer);
    let language = customer
        .and_then(|c| c.locale.as_deref())
        .unwrap_or(&settings.locale)
        .split(['-', '_'])
        .next()
        .unwrap_or("en")
        .to_ascii_lowercase();
    let template = mail
        .templates
        .get(&format!("{}:{language}", kind.as_str()))
        .or_else(|| mail.templates.get(kind.as_str()))
        .cloned();
    to.language = language;
    let zone = customer
        .and_then(|c| c.timezone.clone())
        .unwrap_or_else(|| settings.timezone.clone());
    let (status, metric, due) = match &r.event.kind {
        EventKind::StatusChanged { to, .. } => (Some(to.as_str()), None, None),
        EventKind::SlaWarning { metric, due_at }
        | EventKind::SlaBreached { metric, due_at, .. } => {
            (None, Some(metric.as_str()), Some(*due_at))
        }
        EventKind::TicketCreated { .. } => (
            None,
            None,
            t.sla.clock(SlaMetric::FirstResponse).and_then(|c| c.due_at),
        ),
        _ => (None, None, None),
    };
    let author = r.message.and_then(|m| match &m.author {
        crate::ticket::Actor::Agent(a) => r.agents.iter().find(|x| &x.id == a),
        _ => None,
    });
    let ticket_url = mail.ticket_url.as_ref().map(|u| {
        u.replace("{number}", &t.number)
            .replace("{id}", &t.id.to_string())
    });
    let context = json!({
        "ticket": t,
        "customer": r.customer,
        "recipient": {"name": to.name, "email": to.email},
        "workspace": {"name": r.workspace.name, "slug": r.workspace.slug, "timezone": settings.timezone},
        "message": r.message.map(|m| json!({"body": m.body, "kind": m.kind.as_str()})),
        "author": author.map(|a| json!({"name": a.name})),
        "status": status,
        "metric": metric,
        "due": due.map(|d| d.to_rfc3339()),
        "zone": zone,
        "ticket_url": ticket_url,
    });
    Plan {
        kind,
        to,
        n,
        event_seq: r.event.seq,
        ticket_id: t.id,
        number: t.number.clone(),
        subject: t.subject.clone(),
        context,
        template,
    }
}

/// Renders the plans' subjects and bodies on one render thread (a
/// workspace template that fails falls back to the built-in one) and
/// completes them.
async fn render_plans(
    plans: Vec<Plan>,
    workspace_name: &str,
    mail: &MailSettings,
) -> Result<Vec<Notification>> {
    let builtin = |p: &Plan| mail::default_template(p.kind, &p.to.language);
    let jobs = |templates: Vec<(mail::MailTemplate, &serde_json::Value)>| {
        templates
            .into_iter()
            .flat_map(|(t, cx)| [(t.subject, cx.clone()), (t.body, cx.clone())])
            .collect::<Vec<_>>()
    };
    let first = jobs(
        plans
            .iter()
            .map(|p| (p.template.clone().unwrap_or_else(|| builtin(p)), &p.context))
            .collect(),
    );
    let mut rendered: Vec<Option<(String, String)>> =
        pairs(crate::template::render_all(first).await?);
    let failed: Vec<usize> = (0..plans.len())
        .filter(|&i| rendered[i].is_none())
        .collect();
    if !failed.is_empty() {
        let again = jobs(
            failed
                .iter()
                .map(|&i| (builtin(&plans[i]), &plans[i].context))
                .collect(),
        );
        let again = pairs(crate::template::render_all(again).await?);
        for (i, r) in failed.into_iter().zip(again) {
            rendered[i] = r;
        }
    }
    Ok(plans
        .into_iter()
        .zip(rendered)
        .map(|(p, r)| {
            let (subject, text) = r.unwrap_or_else(|| (p.subject.clone(), p.subject.clone()));
            finish(p, subject, text, workspace_name, mail)
        })
        .collect())
}

/// Subject and body results, two by two: `None` where either failed.
fn pairs(results: Vec<Result<String>>) -> Vec<Option<(String, String)>> {
    let mut it = results.into_iter();
    let mut out = Vec::new();
    while let (Some(s), Some(b)) = (it.next(), it.next()) {
        out.push(s.ok().zip(b.ok()));
    }
    out
}

/// The notification with its subject line, HTML and threading headers.
fn finish(
    p: Plan,
    subject: String,
    text: String,
    workspace_name: &str,
    mail: &MailSettings,
) -> Notification {
    let mut subject = one_line(&subject, 900);
    if !subject.contains(&p.number) {
        subject = format!("[{}] {subject}", p.number);
    }
    let domain = mail.domain();
    let ticket = p.ticket_id.as_uuid().simple();
    let message_id = format!("<ticketry.{ticket}.{}.{}@{domain}>", p.event_seq, p.n);
    let root = format!("<ticketry.{ticket}@{domain}>");
    let mut headers = BTreeMap::new();
    headers.insert("Message-ID".to_owned(), message_id.clone());
    headers.insert("In-Reply-To".to_owned(), root.clone());
    headers.insert("References".to_owned(), root);
    if let Some(a) = &mail.address {
        headers.insert("Reply-To".to_owned(), a.clone());
    }
    if p.kind != NotificationKind::CustomerReply {
        headers.insert("Auto-Submitted".to_owned(), "auto-generated".to_owned());
    }
    headers.insert("X-Ticketry-Ticket".to_owned(), p.number.clone());
    let from = mail.address.as_ref().map(|a| {
        let name = mail.from_name.as_deref().unwrap_or(workspace_name);
        format!("\"{}\" <{a}>", name.replace(['"', '\\'], ""))
    });
    Notification {
        id: format!("{}.{}", p.event_seq, p.n),
        event_seq: p.event_seq,
        kind: p.kind,
        ticket_id: p.ticket_id,
        ticket_number: p.number,
        to: p.to,
        from,
        subject,
        html: crate::kb::render(&text),
        text,
        message_id,
        headers,
    }
}

/// A message's identity: the workspace, the mailbox, and the Message-ID (or
/// the bytes when it has none).
fn identity(
    ws: WorkspaceId,
    mailbox: Option<&str>,
    message_id: Option<&str>,
    raw: &[u8],
) -> uuid::Uuid {
    let mut seed = format!("{ws}\n{}\n", mailbox.unwrap_or("")).into_bytes();
    match message_id {
        Some(id) => seed.extend_from_slice(id.as_bytes()),
        None => {
            seed.push(0);
            seed.extend_from_slice(raw);
        }
    }
    uuid::Uuid::new_v5(&MAIL_NAMESPACE, &seed)
}

/// The idempotency key a message files with (for the conformance suite).
#[cfg(feature = "testing")]
pub(crate) fn mail_key(
    ws: WorkspaceId,
    mailbox: Option<&str>,
    message_id: Option<&str>,
    raw: &[u8],
) -> String {
    format!("mail:{}", identity(ws, mailbox, message_id, raw).simple())
}

/// Whether an event can give a notification (the others need no reads).
fn concerns_mail(e: &crate::event::Event) -> bool {
    matches!(
        e.kind,
        EventKind::TicketCreated { .. }
            | EventKind::MessageAdded { .. }
            | EventKind::StatusChanged { .. }
            | EventKind::Assigned { .. }
            | EventKind::SlaWarning { .. }
            | EventKind::SlaBreached { .. }
    )
}

/// The ticket a Message-ID of this workspace's notifications names
/// (`ticketry.<ticket>[.<seq>.<n>]@<domain>`).
fn own_ticket(message_id: &str, domain: &str) -> Option<TicketId> {
    let (local, host) = message_id.trim_matches(['<', '>']).rsplit_once('@')?;
    if !host.eq_ignore_ascii_case(domain) {
        return None;
    }
    let rest = local.strip_prefix("ticketry.")?;
    let id = rest.split('.').next()?;
    uuid::Uuid::try_parse(id).ok().map(TicketId::from_uuid)
}

/// `s` on one line (control characters become spaces), at most `max`
/// characters (a longer one ends in `…`).
fn one_line(s: &str, max: usize) -> String {
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if s.chars().count() <= max {
        return s;
    }
    let mut cut: String = s.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

/// The message's body: the visible text, `(no text)` when there is none; a
/// text over [`MAX_BODY`] is cut with a note, and its whole text (like an
/// HTML part too large to keep) becomes a part.
fn fit_body(parsed: &Parsed, parts: &mut Vec<MailPart>) -> String {
    let mut as_part = |name: &str, mime: &str, text: &str| {
        parts.push(MailPart {
            filename: name.into(),
            mime_type: mime.into(),
            size: text.len() as u64,
            content_id: None,
            inline: false,
            storage_key: String::new(),
            content: Bytes(text.as_bytes().to_vec()),
        });
    };
    if let Some(h) = &parsed.html
        && h.chars().count() > 4 * MAX_BODY
    {
        as_part("message.html", "text/html", h);
    }
    let visible = parsed.visible.trim();
    if visible.is_empty() {
        return "(no text)".into();
    }
    if visible.chars().count() <= MAX_BODY {
        return visible.to_owned();
    }
    as_part("message.txt", "text/plain", &parsed.text);
    let mut body: String = visible.chars().take(MAX_BODY - 200).collect();
    body.push_str(
        "\n\n[…] The message is longer than this; its whole text is the attached message.txt.",
    );
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_message_ids_name_their_ticket() {
        let t = TicketId::from_uuid(uuid::Uuid::from_u128(7));
        let id = format!("<ticketry.{}.12.1@acme.example>", t.as_uuid().simple());
        assert_eq!(own_ticket(&id, "acme.example"), Some(t));
        assert_eq!(own_ticket(&id, "other.example"), None);
        assert_eq!(own_ticket("<CAxyz@mail.gmail.com>", "acme.example"), None);
    }

    #[test]
    fn long_subjects_end_in_an_ellipsis() {
        assert_eq!(one_line("a\tb\r\n c", 10), "a b c");
        assert_eq!(one_line(&"x".repeat(300), 255).chars().count(), 255);
    }
}
