//! The operation table: every operation of the bindings, defined once.
//!
//! Each entry names the operation, its scope (`desk`: the help desk as a
//! whole; `ws`: one workspace), how many leading arguments the Python and
//! the Node client take positionally, its arguments (a serde struct: unknown
//! keys are refused, `Option` fields may be omitted) and the core call. The
//! [`ops!`] macro turns the table into one argument struct per operation
//! (`ops::reply::Args`), the dispatch [`call`], and the [`OPS`] catalog from
//! which the clients of both languages are generated.

use crate::value::{Host, Value, decode, encode};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::future::Future;
use std::pin::Pin;
use ticketry_core::calendar::CalendarConfig;
use ticketry_core::sla::{PolicyConditions, PolicyTarget, WarningThreshold};
use ticketry_core::workspace::SettingsPatch;
use ticketry_core::*;

/// A prepared call: runs the core operation and encodes its result.
pub type Call = Pin<Box<dyn Future<Output = Result<Value, Error>> + Send>>;

/// One operation, as a binding dispatches it (the generators read the
/// fuller `catalog()`, feature `schema`).
#[derive(Debug, Clone, Copy)]
pub struct Op {
    /// snake_case name (Node spells it camelCase).
    pub name: &'static str,
    /// `desk` or `ws`.
    pub scope: &'static str,
    /// Leading arguments Node takes positionally (the rest form one options object).
    pub js: usize,
    /// The arguments' names, in order.
    pub args: &'static [&'static str],
}

fn metrics_query(
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    interval: Option<ticketry_core::metrics::Interval>,
    group_by: Option<ticketry_core::metrics::Dimension>,
) -> ticketry_core::metrics::MetricsQuery {
    ticketry_core::metrics::MetricsQuery {
        since,
        until,
        interval,
        group_by,
    }
}

fn need(ws: Option<WorkspaceId>) -> Result<WorkspaceId, Error> {
    ws.ok_or_else(|| Error::Internal {
        message: "a workspace operation was called without a workspace".into(),
    })
}

macro_rules! ops {
    ($(
        $(#[doc = $doc:literal])*
        $scope:ident $name:ident [$py:literal, $js:literal]
        ( $( $(#[$fa:meta])* $f:ident : $t:ty ),* $(,)? ) -> $out:ty
        = |$d:ident, $ws:ident, $a:ident| $body:expr;
    )*) => {
        $(
            #[doc = concat!("Arguments of `", stringify!($name), "`.")]
            pub mod $name {
                #[allow(unused_imports)]
                use super::*;
                /// The operation's arguments.
                #[derive(Debug, Deserialize)]
                #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
                #[serde(deny_unknown_fields)]
                pub struct Args {
                    $( $(#[$fa])* #[allow(missing_docs)] pub $f: $t, )*
                }
            }
        )*

        /// Every operation, in table order.
        pub const OPS: &[Op] = &[$(
            Op {
                name: stringify!($name),
                scope: stringify!($scope),
                js: $js,
                args: &[$( stringify!($f) ),*],
            },
        )*];

        /// The catalog the client generators read: every operation with the
        /// JSON Schema of each argument and of its result; the shared types
        /// are left in `generator`'s definitions.
        #[cfg(feature = "schema")]
        pub fn catalog(generator: &mut schemars::SchemaGenerator) -> Vec<serde_json::Value> {
            let mut out = Vec::new();
            $(
                out.push(serde_json::json!({
                    "name": stringify!($name),
                    "scope": stringify!($scope),
                    "doc": concat!($($doc, "\n"),*).trim(),
                    "py": $py,
                    "js": $js,
                    "args": [$( {
                        "name": stringify!($f),
                        "rust": stringify!($t),
                        "schema": generator.subschema_for::<$t>(),
                    } ),*],
                    "result": generator.subschema_for::<$out>(),
                }));
            )*
            out
        }

        /// Decodes `args` for operation `op` (with the caller's spelling for
        /// errors) and prepares the call; nothing runs until it is awaited.
        /// `ws` is the workspace of a `ws` operation.
        pub fn call(
            desk: &Helpdesk,
            ws: Option<WorkspaceId>,
            op: &str,
            args: Value,
            host: Host,
        ) -> Result<Call, Error> {
            match op {
                $(
                    stringify!($name) => {
                        let $a: $name::Args = decode(args, host)?;
                        let $d = desk.clone();
                        let $ws = scope!($scope, ws);
                        Ok(Box::pin(async move {
                            let out: $out = $body.await.map_err(|e| host.rename(e))?;
                            encode(&out)
                        }))
                    }
                )*
                _ => Err(Error::invalid_input("operation", format!("unknown operation {:?}", ticketry_core::error::shown(op)))),
            }
        }
    };
}

macro_rules! scope {
    (ws, $ws:expr) => {
        need($ws)?
    };
    (desk, $ws:expr) => {
        ()
    };
}

fn by(a: Option<Actor>) -> Actor {
    a.unwrap_or(Actor::System)
}

/// A new workspace's priorities: a preset, or `none`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PresetChoice {
    /// `low`, `medium`, `high`, `urgent`.
    LowToUrgent,
    /// `p3` … `p0`.
    P0ToP3,
    /// `low` … `critical`.
    LowToCritical,
    /// No priorities.
    None,
}

/// An SLA policy as callers write it: the id is optional (a new one is
/// generated), and so are conditions, calendar, warning and pausing statuses.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PolicyInput {
    id: Option<PolicyId>,
    name: String,
    description: Option<String>,
    #[serde(default)]
    conditions: PolicyConditions,
    calendar: Option<CalendarConfig>,
    targets: Vec<PolicyTarget>,
    warning: Option<WarningThreshold>,
    pause_on: Option<Vec<Status>>,
    active: Option<bool>,
    escalate_to: Option<TeamId>,
}

impl PolicyInput {
    fn into_core(self) -> SlaPolicy {
        let mut p = SlaPolicy::new(self.id.unwrap_or_else(PolicyId::generate), self.name);
        p.description = self.description;
        p.escalate_to = self.escalate_to;
        p.conditions = self.conditions;
        p.calendar = self.calendar;
        p.targets = self.targets;
        if let Some(w) = self.warning {
            p.warning = w;
        }
        if let Some(s) = self.pause_on {
            p.pause_on = s;
        }
        if let Some(a) = self.active {
            p.active = a;
        }
        p
    }
}

fn message(
    body: String,
    html: Option<String>,
    attachments: Option<Vec<Attachment>>,
    email_message_id: Option<String>,
    sender: Option<Sender>,
    idempotency_key: Option<String>,
    status: Option<Status>,
) -> MessageInput {
    MessageInput {
        body,
        html,
        attachments: attachments.unwrap_or_default(),
        email_message_id,
        sender,
        idempotency_key,
        status,
    }
}

async fn now(d: &Helpdesk, at: Option<DateTime<Utc>>) -> Result<DateTime<Utc>, Error> {
    match at {
        Some(t) => ticketry_core::limits::instant("now", t),
        None => d.now(),
    }
}

ops! {
    // ----- workspaces ---------------------------------------------------------

    /// Creates a workspace (tenant) with its settings and a priority preset
    /// (default `low_to_urgent`; `none` installs none).
    desk create_workspace [2, 0] (
        name: String, slug: String, settings: Option<SettingsPatch>,
        priority_preset: Option<PresetChoice>,
    ) -> Workspace = |d, _ws, a| {
        let mut w = NewWorkspace::new(a.name, a.slug);
        if let Some(s) = a.settings { w.settings = s.apply(w.settings); }
        w.priority_preset = match a.priority_preset {
            None | Some(PresetChoice::LowToUrgent) => Some(PriorityPreset::LowToUrgent),
            Some(PresetChoice::P0ToP3) => Some(PriorityPreset::P0ToP3),
            Some(PresetChoice::LowToCritical) => Some(PriorityPreset::LowToCritical),
            Some(PresetChoice::None) => None,
        };
        async move { d.create_workspace(w).await }
    };
    /// A workspace's record by id; `not_found` if it does not exist.
    desk get_workspace [1, 1] (workspace: WorkspaceId) -> Workspace
        = |d, _ws, a| async move { d.get_workspace(a.workspace).await };
    /// A workspace's record by slug.
    desk get_workspace_by_slug [1, 1] (slug: String) -> Workspace
        = |d, _ws, a| async move { d.get_workspace_by_slug(&a.slug).await };
    /// Checks that the store answers (one round trip): for a health endpoint.
    desk health [0, 0] () -> ticketry_core::Health
        = |d, _ws, _a| async move { d.health().await };
    /// Renames a workspace and/or changes settings (omitted ones are kept).
    desk update_workspace [1, 1] (workspace: WorkspaceId, name: Option<String>, settings: Option<SettingsPatch>) -> Workspace
        = |d, _ws, a| async move { d.update_workspace(a.workspace, a.name, a.settings).await };
    /// This workspace's record.
    ws info [0, 0] () -> Workspace
        = |d, ws, _a| async move { d.get_workspace(ws).await };
    /// Renames this workspace and/or changes settings (omitted ones are kept).
    ws update [0, 0] (name: Option<String>, settings: Option<SettingsPatch>) -> Workspace
        = |d, ws, a| async move { d.update_workspace(ws, a.name, a.settings).await };

    // ----- events -------------------------------------------------------------

    /// Events with `seq > after`, oldest first, at most `limit` (default 100).
    ws events [2, 0] (after: Option<u64>, limit: Option<u32>) -> Vec<crate::event::Shaped>
        = |d, ws, a| async move {
            let events = d.events(ws, a.after.unwrap_or(0), a.limit.unwrap_or(100) as usize).await?;
            events.iter().map(|e| crate::event::shape(e).map(crate::event::Shaped)).collect::<Result<Vec<_>, Error>>()
        };
    /// Records that `consumer` handled every event up to `seq`.
    ws ack_events [2, 2] (consumer: String, seq: u64) -> ()
        = |d, ws, a| async move { d.ack_events(ws, &a.consumer, a.seq).await };
    /// The last `seq` `consumer` acknowledged (0 if none).
    ws consumer_position [1, 1] (consumer: String) -> u64
        = |d, ws, a| async move { d.consumer_position(ws, &a.consumer).await };

    // ----- priorities, categories, tags, templates ------------------------------

    /// Replaces the priorities (codes unique, at most one default).
    ws set_priorities [1, 1] (priorities: Vec<Priority>) -> Vec<Priority>
        = |d, ws, a| async move { d.set_priorities(ws, a.priorities).await };
    /// Creates or replaces one priority by code; a default one unmarks the others.
    ws put_priority [1, 1] (priority: Priority) -> Vec<Priority>
        = |d, ws, a| async move { d.put_priority(ws, a.priority).await };
    /// Replaces the priorities with a preset.
    ws install_priority_preset [1, 1] (preset: PriorityPreset) -> Vec<Priority>
        = |d, ws, a| async move { d.install_priority_preset(ws, a.preset).await };
    /// The priorities, least urgent first.
    ws list_priorities [0, 0] () -> Vec<Priority>
        = |d, ws, _a| async move { d.list_priorities(ws).await };
    /// Creates a category.
    ws create_category [1, 1] (input: CategoryInput) -> Category
        = |d, ws, a| async move { d.create_category(ws, a.input).await };
    /// Replaces a category's fields.
    ws update_category [2, 2] (category: CategoryId, input: CategoryInput) -> Category
        = |d, ws, a| async move { d.update_category(ws, a.category, a.input).await };
    /// A category.
    ws get_category [1, 1] (category: CategoryId) -> Category
        = |d, ws, a| async move { d.get_category(ws, a.category).await };
    /// Every category.
    ws list_categories [0, 0] () -> Vec<Category>
        = |d, ws, _a| async move { d.list_categories(ws).await };
    /// Creates or renames a tag by slug.
    ws put_tag [1, 1] (input: Tag) -> Tag
        = |d, ws, a| async move { d.put_tag(ws, a.input).await };
    /// Every tag.
    ws list_tags [0, 0] () -> Vec<Tag>
        = |d, ws, _a| async move { d.list_tags(ws).await };
    /// Creates a response template (a body in the safe Jinja2 subset).
    ws create_template [1, 1] (input: TemplateInput) -> Template
        = |d, ws, a| async move { d.create_template(ws, a.input).await };
    /// Replaces a template's fields.
    ws update_template [2, 2] (template: TemplateId, input: TemplateInput) -> Template
        = |d, ws, a| async move { d.update_template(ws, a.template, a.input).await };
    /// A category by its code (`payment`).
    ws get_category_by_code [1, 1] (code: String) -> Category
        = |d, ws, a| async move { d.get_category_by_code(ws, &a.code).await };
    /// A template.
    ws get_template [1, 1] (template: TemplateId) -> Template
        = |d, ws, a| async move { d.get_template(ws, a.template).await };
    /// Templates, optionally only those for a category (and those for none).
    ws list_templates [1, 0] (category: Option<CategoryId>) -> Vec<Template>
        = |d, ws, a| async move { d.list_templates(ws, a.category).await };
    /// Renders a template for a ticket (and the replying agent).
    ws render_template [2, 2] (template: TemplateId, ticket: TicketId, agent: Option<AgentId>) -> String
        = |d, ws, a| async move { d.render_template(ws, a.template, a.ticket, a.agent.as_ref()).await };

    // ----- people and teams ---------------------------------------------------

    /// Creates or updates an agent by the host's user id.
    ws put_agent [1, 1] (input: AgentInput) -> Agent
        = |d, ws, a| async move { d.put_agent(ws, a.input).await };
    /// An agent.
    ws get_agent [1, 1] (agent: AgentId) -> Agent
        = |d, ws, a| async move { d.get_agent(ws, &a.agent).await };
    /// Every agent.
    ws list_agents [0, 0] () -> Vec<Agent>
        = |d, ws, _a| async move { d.list_agents(ws).await };
    /// Creates or updates a customer by the host's user id.
    ws put_customer [1, 1] (input: CustomerInput) -> Customer
        = |d, ws, a| async move { d.put_customer(ws, a.input).await };
    /// A customer.
    ws get_customer [1, 1] (customer: CustomerId) -> Customer
        = |d, ws, a| async move { d.get_customer(ws, &a.customer).await };
    /// Every customer.
    ws list_customers [0, 0] () -> Vec<Customer>
        = |d, ws, _a| async move { d.list_customers(ws).await };
    /// Creates a team.
    ws create_team [1, 1] (input: TeamInput) -> Team
        = |d, ws, a| async move { d.create_team(ws, a.input).await };
    /// Replaces a team's fields.
    ws update_team [2, 2] (team: TeamId, input: TeamInput) -> Team
        = |d, ws, a| async move { d.update_team(ws, a.team, a.input).await };
    /// A team.
    ws get_team [1, 1] (team: TeamId) -> Team
        = |d, ws, a| async move { d.get_team(ws, a.team).await };
    /// Every team.
    ws list_teams [0, 0] () -> Vec<Team>
        = |d, ws, _a| async move { d.list_teams(ws).await };

    // ----- tickets ------------------------------------------------------------

    /// Opens a ticket for a customer; the description is the first message.
    ws open_ticket [3, 0] (
        customer: CustomerId, subject: String, description: String,
        html: Option<String>, priority: Option<String>, category: Option<CategoryId>,
        channel: Option<Channel>, team: Option<TeamId>, assignee: Option<AgentId>,
        tags: Option<Vec<String>>, links: Option<Vec<Link>>,
        custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
        attachments: Option<Vec<Attachment>>, email_message_id: Option<String>,
        sender: Option<Sender>, source_email: Option<String>, source_phone: Option<String>,
        idempotency_key: Option<String>, suggestions: Option<ticketry_core::SuggestionId>,
    ) -> Ticket = |d, ws, a| {
        let input = OpenTicket {
            customer: Some(a.customer),
            subject: a.subject,
            description: a.description,
            html: a.html,
            priority: a.priority,
            category: a.category,
            channel: a.channel.unwrap_or_default(),
            team: a.team,
            assignee: a.assignee,
            tags: a.tags.unwrap_or_default(),
            links: a.links.unwrap_or_default(),
            custom_fields: a.custom_fields.unwrap_or_default(),
            attachments: a.attachments.unwrap_or_default(),
            email_message_id: a.email_message_id,
            sender: a.sender,
            source_email: a.source_email,
            source_phone: a.source_phone,
            idempotency_key: a.idempotency_key,
            suggestions: a.suggestions,
        };
        async move { d.open_ticket(ws, input).await }
    };
    /// Merges `source` into `target` (by an agent): the source's thread is
    /// copied into the target's (each copy naming its origin), its tags and
    /// links carried over; the source is closed and points to the target.
    /// Customer messages to the source land in the target. Safe to retry.
    ws merge_tickets [3, 3] (source: TicketId, target: TicketId, by: AgentId) -> Ticket
        = |d, ws, a| async move { d.merge_tickets(ws, a.source, a.target, &a.by).await };
    /// A ticket by id.
    ws get_ticket [1, 1] (ticket: TicketId) -> Ticket
        = |d, ws, a| async move { d.get_ticket(ws, a.ticket).await };
    /// A ticket by its number (`TKT-2026-00042`, any letter case).
    ws get_ticket_by_number [1, 1] (number: String) -> Ticket
        = |d, ws, a| async move { d.get_ticket_by_number(ws, &a.number).await };
    /// One message by id (the customer view hides internal notes: `not_found`).
    ws get_message [1, 1] (message: MessageId, view: Option<View>) -> Message
        = |d, ws, a| async move { d.get_message(ws, a.message, a.view.unwrap_or_default()).await };
    /// The ticket and its whole thread as `view` sees it (default `agent`).
    ws thread [2, 1] (ticket: TicketId, view: Option<View>) -> Thread
        = |d, ws, a| async move { d.thread(ws, a.ticket, a.view.unwrap_or_default()).await };
    /// One page of a ticket's messages, oldest first (`limit` default 50).
    ws messages [2, 1] (ticket: TicketId, view: Option<View>, after: Option<String>, limit: Option<u32>) -> Page<Message>
        = |d, ws, a| async move {
            d.messages(ws, a.ticket, a.view.unwrap_or_default(), a.after.as_deref(), a.limit.unwrap_or(50) as usize).await
        };
    /// Who the ticket was assigned to, oldest first.
    ws assignment_history [1, 1] (ticket: TicketId) -> Vec<AssignmentRecord>
        = |d, ws, a| async move { d.assignment_history(ws, a.ticket).await };
    /// One page of tickets matching the filters.
    ws list_tickets [0, 0] (
        statuses: Option<Vec<Status>>, priority: Option<String>, assignee: Option<AgentId>,
        unassigned: Option<bool>, team: Option<TeamId>, category: Option<CategoryId>,
        tag: Option<String>, customer: Option<CustomerId>,
        priorities: Option<Vec<String>>, created_since: Option<DateTime<Utc>>,
        created_before: Option<DateTime<Utc>>, updated_since: Option<DateTime<Utc>>,
        updated_before: Option<DateTime<Utc>>, resolved_since: Option<DateTime<Utc>>,
        resolved_before: Option<DateTime<Utc>>, due_before: Option<DateTime<Utc>>,
        breached: Option<bool>, link: Option<Link>, rated: Option<bool>,
        incident: Option<ticketry_core::IncidentId>, search: Option<String>,
        search_notes: Option<bool>,
        order: Option<TicketOrder>, after: Option<String>, limit: Option<u32>,
    ) -> Page<Ticket> = |d, ws, a| {
        let mut q = TicketQuery {
            statuses: a.statuses.unwrap_or_default(),
            priority: a.priority,
            assignee: a.assignee,
            unassigned: a.unassigned.unwrap_or(false),
            team: a.team,
            category: a.category,
            tag: a.tag,
            customer: a.customer,
            priorities: a.priorities.unwrap_or_default(),
            created_since: a.created_since,
            created_before: a.created_before,
            updated_since: a.updated_since,
            updated_before: a.updated_before,
            resolved_since: a.resolved_since,
            resolved_before: a.resolved_before,
            due_before: a.due_before,
            breached: a.breached.unwrap_or(false),
            link: a.link,
            rated: a.rated,
            incident: a.incident,
            search: a.search,
            search_notes: a.search_notes.unwrap_or(false),
            after: a.after,
            ..TicketQuery::default()
        };
        if let Some(o) = a.order { q.order = o; }
        if let Some(l) = a.limit { q.limit = l; }
        async move { d.list_tickets(ws, &q).await }
    };
    /// Searches tickets: words, `"phrases"`, `or`, `-exclude`, `prefix*` in
    /// subjects, descriptions and public messages (notes too with
    /// `search_notes`), and customers' ids, names, e-mails, with `query`'s
    /// other filters; `order` (`relevance`: best first), `after`, `limit`;
    /// hits with snippets.
    ws search_tickets [1, 1] (
        search: String, search_notes: Option<bool>, order: Option<TicketOrder>,
        after: Option<String>, limit: Option<u32>, query: Option<TicketQuery>,
    ) -> Page<ticketry_core::SearchHit>
        = |d, ws, a| {
            let base = a.query.unwrap_or_default();
            let q = TicketQuery {
                search: Some(a.search),
                search_notes: a.search_notes.unwrap_or(base.search_notes),
                order: a.order.unwrap_or(base.order),
                after: a.after.or(base.after.clone()),
                limit: a.limit.unwrap_or(base.limit),
                ..base
            };
            async move { d.search_tickets(ws, &q).await }
        };
    /// The tickets matching `query`'s filters (those of `list_tickets`) as CSV,
    /// every page, at most 100 000 tickets.
    ws export_tickets_csv [0, 0] (
        query: Option<TicketQuery>, columns: Option<Vec<ticketry_core::export::Column>>, bom: Option<bool>,
    ) -> String = |d, ws, a| async move {
        d.export_tickets_csv(ws, &a.query.unwrap_or_default(), a.columns.unwrap_or_default(), a.bom.unwrap_or(false)).await
    };
    /// One page of a CSV export (`query`'s `limit` tickets; the header, and
    /// the byte-order mark with `bom`, on the first page): pass `next_cursor`
    /// back as `query.after` to stream an export of any size.
    ws export_tickets_csv_page [0, 0] (
        query: Option<TicketQuery>, columns: Option<Vec<ticketry_core::export::Column>>, bom: Option<bool>,
    ) -> ticketry_core::export::CsvPage = |d, ws, a| async move {
        d.export_tickets_csv_page(ws, &a.query.unwrap_or_default(), a.columns.unwrap_or_default(), a.bom.unwrap_or(false)).await
    };
    /// Support metrics over `[since, until)`: volumes, first-response and
    /// resolution times (mean, median, p90; calendar and business time),
    /// waiting on the customer, CSAT, reopen rate, SLA compliance; grouped by
    /// `interval` (`day`, `week`, `month` of the workspace's zone) and/or
    /// `group_by` (`agent`, `team`, `category`, `priority`, `channel`).
    ws metrics [2, 2] (
        since: DateTime<Utc>, until: DateTime<Utc>,
        interval: Option<ticketry_core::metrics::Interval>,
        group_by: Option<ticketry_core::metrics::Dimension>,
    ) -> ticketry_core::metrics::Metrics = |d, ws, a| {
        let q = metrics_query(a.since, a.until, a.interval, a.group_by);
        async move { d.metrics(ws, &q).await }
    };
    /// `metrics` as CSV: a header, the totals, then one line per group.
    ws export_metrics_csv [2, 2] (
        since: DateTime<Utc>, until: DateTime<Utc>,
        interval: Option<ticketry_core::metrics::Interval>,
        group_by: Option<ticketry_core::metrics::Dimension>,
    ) -> String = |d, ws, a| {
        let q = metrics_query(a.since, a.until, a.interval, a.group_by);
        async move { d.export_metrics_csv(ws, &q).await }
    };
    /// Computes and stores one local day's figures (`YYYY-MM-DD`, default
    /// yesterday) once; a day already stored is returned as stored.
    ws record_daily_stats [0, 0] (day: Option<chrono::NaiveDate>) -> ticketry_core::metrics::DailyStats
        = |d, ws, a| async move { d.record_daily_stats(ws, a.day).await };
    /// The stored daily statistics from `from` to `to` (`YYYY-MM-DD`, both included).
    ws daily_stats [2, 2] (from: chrono::NaiveDate, to: chrono::NaiveDate) -> Vec<ticketry_core::metrics::DailyStats>
        = |d, ws, a| async move { d.daily_stats(ws, a.from, a.to).await };
    /// The support dashboard as of `now` (default: the clock).
    ws dashboard [0, 0] (now: Option<DateTime<Utc>>) -> ticketry_core::report::Dashboard
        = |d, ws, a| async move { d.dashboard(ws, a.now).await };
    /// Ticket counts per status.
    ws ticket_stats [0, 0] () -> TicketStats
        = |d, ws, _a| async move { d.ticket_stats(ws).await };
    /// A message from the ticket's customer.
    ws customer_message [3, 3] (
        ticket: TicketId, customer: CustomerId, body: String, html: Option<String>,
        attachments: Option<Vec<Attachment>>, email_message_id: Option<String>,
        sender: Option<Sender>, idempotency_key: Option<String>,
    ) -> Message = |d, ws, a| {
        let m = message(a.body, a.html, a.attachments, a.email_message_id, a.sender, a.idempotency_key, None);
        async move { d.customer_message(ws, a.ticket, &a.customer, m).await }
    };
    /// A public reply by an agent (optionally leaving the ticket in `status`).
    ws reply [3, 3] (
        ticket: TicketId, agent: AgentId, body: String, html: Option<String>,
        attachments: Option<Vec<Attachment>>, email_message_id: Option<String>,
        sender: Option<Sender>, idempotency_key: Option<String>, status: Option<Status>,
    ) -> Message = |d, ws, a| {
        let m = message(a.body, a.html, a.attachments, a.email_message_id, a.sender, a.idempotency_key, a.status);
        async move { d.reply(ws, a.ticket, &a.agent, m).await }
    };
    /// An internal note (never in the customer's view, never an SLA response).
    ws add_note [3, 3] (
        ticket: TicketId, agent: AgentId, body: String, html: Option<String>,
        attachments: Option<Vec<Attachment>>, email_message_id: Option<String>,
        sender: Option<Sender>, idempotency_key: Option<String>,
    ) -> Message = |d, ws, a| {
        let m = message(a.body, a.html, a.attachments, a.email_message_id, a.sender, a.idempotency_key, None);
        async move { d.add_note(ws, a.ticket, &a.agent, m).await }
    };
    /// A public message by the system (a notice): seen by the customer, no SLA response.
    ws system_message [2, 2] (
        ticket: TicketId, body: String, html: Option<String>,
        attachments: Option<Vec<Attachment>>, sender: Option<Sender>,
        idempotency_key: Option<String>,
    ) -> Message = |d, ws, a| {
        let m = message(a.body, a.html, a.attachments, None, a.sender, a.idempotency_key, None);
        async move { d.system_message(ws, a.ticket, m).await }
    };
    /// Assigns to an agent (null unassigns) and/or a team.
    ws assign [2, 1] (
        ticket: TicketId, agent: Option<AgentId>, team: Option<TeamId>,
        reason: Option<String>, escalate: Option<bool>, by: Option<Actor>,
    ) -> Ticket = |d, ws, a| {
        let change = Assign { agent: a.agent, team: a.team, reason: a.reason, escalate: a.escalate.unwrap_or(false) };
        async move { d.assign(ws, a.ticket, change, by(a.by)).await }
    };
    /// Removes the assignee.
    ws unassign [1, 1] (ticket: TicketId, by: Option<Actor>) -> Ticket
        = |d, ws, a| async move { d.unassign(ws, a.ticket, by(a.by)).await };
    /// Moves the ticket to `status` (the workflow decides what is allowed).
    ws set_status [2, 2] (ticket: TicketId, status: Status, by: Option<Actor>) -> Ticket
        = |d, ws, a| async move { d.set_status(ws, a.ticket, a.status, by(a.by)).await };
    /// Resolves the ticket.
    ws resolve [1, 1] (ticket: TicketId, by: Option<Actor>) -> Ticket
        = |d, ws, a| async move { d.resolve(ws, a.ticket, by(a.by)).await };
    /// Closes the ticket.
    ws close [1, 1] (ticket: TicketId, by: Option<Actor>) -> Ticket
        = |d, ws, a| async move { d.close(ws, a.ticket, by(a.by)).await };
    /// Reopens a resolved or closed ticket (within the reopen window).
    ws reopen [1, 1] (ticket: TicketId, by: Option<Actor>) -> Ticket
        = |d, ws, a| async move { d.reopen(ws, a.ticket, by(a.by)).await };
    /// Changes the priority (SLA targets follow).
    ws set_priority [2, 2] (ticket: TicketId, priority: String, by: Option<Actor>) -> Ticket
        = |d, ws, a| async move { d.set_priority(ws, a.ticket, &a.priority, by(a.by)).await };
    /// Changes the category (null removes it).
    ws set_category [2, 2] (ticket: TicketId, category: Option<CategoryId>, by: Option<Actor>) -> Ticket
        = |d, ws, a| async move { d.set_category(ws, a.ticket, a.category, by(a.by)).await };
    /// Adds a tag (created on first use).
    ws add_tag [2, 2] (ticket: TicketId, tag: String, by: Option<Actor>) -> Ticket
        = |d, ws, a| async move { d.add_tag(ws, a.ticket, &a.tag, by(a.by)).await };
    /// Removes a tag.
    ws remove_tag [2, 2] (ticket: TicketId, tag: String, by: Option<Actor>) -> Ticket
        = |d, ws, a| async move { d.remove_tag(ws, a.ticket, &a.tag, by(a.by)).await };
    /// Links the ticket to a host record (`{kind: "order", id: "8812"}`).
    ws link [2, 2] (ticket: TicketId, link: Link, by: Option<Actor>) -> Ticket
        = |d, ws, a| async move { d.link(ws, a.ticket, a.link, by(a.by)).await };
    /// The customer's rating (1–5), once, on a resolved or closed ticket.
    ws rate [3, 2] (ticket: TicketId, rating: u8, comment: Option<String>, by: Option<Actor>) -> Ticket
        = |d, ws, a| async move { d.rate(ws, a.ticket, a.rating, a.comment, by(a.by)).await };
    /// Changes several fields in one atomic write, all or nothing (the
    /// status last); `expected_version` turns a concurrent change into `conflict`.
    ws update_ticket [1, 1] (
        ticket: TicketId, subject: Option<String>, description: Option<String>,
        custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
        category: Option<CategoryId>, priority: Option<String>, assignee: Option<AgentId>,
        unassign: Option<bool>, team: Option<TeamId>, status: Option<Status>,
        add_tags: Option<Vec<String>>, remove_tags: Option<Vec<String>>, escalate: Option<bool>,
        expected_version: Option<u64>, by: Option<Actor>,
    ) -> Ticket = |d, ws, a| {
        let u = TicketUpdate {
            subject: a.subject, description: a.description, custom_fields: a.custom_fields,
            category: a.category, priority: a.priority, assignee: a.assignee,
            unassign: a.unassign.unwrap_or(false), team: a.team, status: a.status,
            add_tags: a.add_tags.unwrap_or_default(), remove_tags: a.remove_tags.unwrap_or_default(),
            escalate: a.escalate.unwrap_or(false), expected_version: a.expected_version,
        };
        async move { d.update_ticket(ws, a.ticket, u, by(a.by)).await }
    };

    /// The same change to many tickets (`tickets`, or every ticket matching
    /// `query`; at most 1 000), each in its own atomic write (checked once
    /// first; a ticket that refuses it is reported, the others change; a
    /// retry changes only what is left).
    ws bulk_update [1, 1] (
        tickets: Option<Vec<TicketId>>, query: Option<TicketQuery>,
        subject: Option<String>, description: Option<String>,
        custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
        category: Option<CategoryId>, priority: Option<String>, assignee: Option<AgentId>,
        unassign: Option<bool>, team: Option<TeamId>, status: Option<Status>,
        add_tags: Option<Vec<String>>, remove_tags: Option<Vec<String>>, escalate: Option<bool>,
        by: Option<Actor>,
    ) -> Vec<BulkOutcome> = |d, ws, a| {
        let u = TicketUpdate {
            subject: a.subject, description: a.description, custom_fields: a.custom_fields,
            category: a.category, priority: a.priority, assignee: a.assignee,
            unassign: a.unassign.unwrap_or(false), team: a.team, status: a.status,
            add_tags: a.add_tags.unwrap_or_default(), remove_tags: a.remove_tags.unwrap_or_default(),
            escalate: a.escalate.unwrap_or(false), expected_version: None,
        };
        async move {
            match (a.tickets, a.query) {
                (Some(tickets), None) => d.bulk_update(ws, tickets, u, by(a.by)).await,
                (None, Some(q)) => d.bulk_update_matching(ws, &q, u, by(a.by)).await,
                _ => Err(Error::invalid_input("tickets", "give tickets or a query, not both")),
            }
        }
    };

    /// Imports up to 10,000 tickets of another help desk with their history
    /// (original numbers, timestamps, thread, final status, rating), replayed
    /// through the ticket's rules and SLA clocks, atomically and without
    /// events; returns where each landed. See the README's Importing tickets.
    ws import_tickets [1, 1] (tickets: Vec<ImportTicket>) -> Vec<ImportedTicket>
        = |d, ws, a| async move { d.import_tickets(ws, a.tickets).await };

    // ----- e-mail -----------------------------------------------------------------

    /// Files one raw RFC 5322 message (bytes): a new ticket, a message on the
    /// ticket it answers, or a record of why neither (machine mail, a loop,
    /// an unknown sender, over the sender's hourly rate). A second delivery
    /// changes nothing (`duplicate`). Returns the record, the ticket and the
    /// message, and the attachments' bytes with the storage key each must be
    /// kept under. `mailbox` is the address it arrived at; `category`,
    /// `priority`, `team` and `tags` file a new ticket. An agent's mail on a
    /// ticket is an internal note unless `settings.mail.agent_replies` is on.
    /// See the README's E-mail.
    ws ingest_email [1, 1] (
        raw: ticketry_core::mail::Bytes,
        mailbox: Option<String>,
        category: Option<CategoryId>,
        priority: Option<String>,
        team: Option<TeamId>,
        tags: Option<Vec<String>>,
        storage_prefix: Option<String>,
    ) -> ticketry_core::mail::IngestResult
        = |d, ws, a| async move {
            let options = ticketry_core::mail::IngestOptions {
                mailbox: a.mailbox,
                category: a.category,
                priority: a.priority,
                team: a.team,
                tags: a.tags.unwrap_or_default(),
                storage_prefix: a.storage_prefix,
            };
            d.ingest_email(ws, &a.raw.0, options).await
        };
    /// The mail log, newest first: every message ingested with what became
    /// of it (only `outcome`'s, if given), at most `limit` (default 100).
    ws inbound_mail [0, 0] (outcome: Option<ticketry_core::mail::InboundOutcome>, limit: Option<u32>) -> Vec<ticketry_core::mail::InboundMail>
        = |d, ws, a| async move { d.inbound_mail(ws, a.outcome, a.limit.unwrap_or(100) as usize).await };
    /// The e-mails to send for the events after `consumer`'s cursor (default
    /// consumer `mail`), at most `limit` events (default 100): subject, text,
    /// HTML and threading headers per recipient. Send them, then call
    /// `ack_notifications` with the batch's `cursor`; until then the same
    /// batch comes again with the same Message-IDs.
    ws notifications [0, 0] (consumer: Option<String>, limit: Option<u32>) -> ticketry_core::mail::NotificationBatch
        = |d, ws, a| async move {
            let consumer = a.consumer.unwrap_or_else(|| "mail".into());
            d.notifications(ws, &consumer, a.limit.unwrap_or(100) as usize).await
        };
    /// Records that every notification up to `cursor` (a batch's `cursor`)
    /// was sent.
    ws ack_notifications [1, 1] (cursor: u64, consumer: Option<String>) -> ()
        = |d, ws, a| async move {
            let consumer = a.consumer.unwrap_or_else(|| "mail".into());
            d.ack_notifications(ws, &consumer, a.cursor).await
        };

    // ----- automation -----------------------------------------------------------

    /// Replaces the automation rules (an ordered list; see the README's Automation).
    ws set_rules [1, 1] (rules: Vec<ticketry_core::automation::Rule>) -> Vec<ticketry_core::automation::Rule>
        = |d, ws, a| async move { d.set_rules(ws, a.rules).await };
    /// The automation rules, in order.
    ws list_rules [0, 0] () -> Vec<ticketry_core::automation::Rule>
        = |d, ws, _a| async move { d.list_rules(ws).await };
    /// Installs a ready-made rule (`auto_close`, `escalate_open`,
    /// `rating_reminder`, `overdue_reminder`, `auto_reply`) at the end of the
    /// rules, replacing a rule of the same name; returns the rules.
    ws add_preset [1, 1] (preset: ticketry_core::automation::Preset) -> Vec<ticketry_core::automation::Rule>
        = |d, ws, a| async move { d.add_preset(ws, a.preset).await };
    /// Runs everything due by `now` (default: the clock): the SLA sweep, the
    /// time rules and the assignment backlog; safe from several workers at once.
    ws run_automations [1, 0] (now: Option<DateTime<Utc>>) -> ticketry_core::AutomationReport
        = |d, ws, a| async move { d.run_automations(ws, now(&d, a.now).await?).await };
    /// Assigns waiting tickets while their team's (or the workspace's) agents
    /// have room; returns the tickets it assigned.
    ws drain_backlog [0, 0] () -> Vec<Ticket>
        = |d, ws, _a| async move { d.drain_backlog(ws).await };

    // ----- incidents, status, access recovery ------------------------------------

    /// Declares an incident: the status follows, new tickets in its
    /// categories are linked and their SLA clocks pause (see the README's Incidents).
    ws declare_incident [1, 1] (input: ticketry_core::incident::NewIncident, by: Option<Actor>) -> ticketry_core::incident::Incident
        = |d, ws, a| async move { d.declare_incident(ws, a.input, by(a.by)).await };
    /// An incident by id.
    ws get_incident [1, 1] (incident: ticketry_core::IncidentId) -> ticketry_core::incident::Incident
        = |d, ws, a| async move { d.get_incident(ws, a.incident).await };
    /// Incidents, newest first (only open ones with `open_only`), at most 200.
    ws list_incidents [0, 0] (open_only: Option<bool>) -> Vec<ticketry_core::incident::Incident>
        = |d, ws, a| async move { d.list_incidents(ws, a.open_only.unwrap_or(false)).await };
    /// The status every user is shown: operational, degraded or major
    /// outage, the banner and the open incidents.
    ws service_status [0, 0] () -> ticketry_core::incident::ServiceStatus
        = |d, ws, _a| async move { d.service_status(ws).await };
    /// Adds an entry to an open incident's timeline (the new banner).
    ws post_incident_update [2, 2] (incident: ticketry_core::IncidentId, message: String, by: Option<Actor>) -> ticketry_core::incident::Incident
        = |d, ws, a| async move { d.post_incident_update(ws, a.incident, a.message, by(a.by)).await };
    /// Resolves an incident: one reply to each linked ticket (resolving them
    /// with `resolve_tickets`), their clocks resume.
    ws resolve_incident [2, 2] (incident: ticketry_core::IncidentId, resolution: String, resolve_tickets: Option<bool>, by: Option<Actor>) -> ticketry_core::incident::Incident
        = |d, ws, a| async move {
            d.resolve_incident(ws, a.incident, a.resolution, a.resolve_tickets.unwrap_or(false), by(a.by)).await
        };
    /// Links a ticket to an open incident by hand.
    ws link_incident [2, 2] (ticket: TicketId, incident: ticketry_core::IncidentId, by: Option<Actor>) -> Ticket
        = |d, ws, a| async move { d.link_incident(ws, a.ticket, a.incident, by(a.by)).await };
    /// An incident's duration and linked tickets.
    ws incident_figures [1, 1] (incident: ticketry_core::IncidentId) -> ticketry_core::incident::IncidentFigures
        = |d, ws, a| async move { d.incident_figures(ws, a.incident).await };
    /// Records an access-recovery request (pending; see the README's Access recovery).
    ws request_access [1, 1] (input: ticketry_core::AccessRequestInput, by: Option<Actor>) -> ticketry_core::access::AccessRequest
        = |d, ws, a| async move { d.request_access(ws, a.input, by(a.by)).await };
    /// An access request by id.
    ws get_access_request [1, 1] (request: ticketry_core::AccessRequestId) -> ticketry_core::access::AccessRequest
        = |d, ws, a| async move { d.get_access_request(ws, a.request).await };
    /// Access requests, newest first, by status and customer, at most 500.
    ws list_access_requests [0, 0] (status: Option<ticketry_core::access::AccessStatus>, customer: Option<CustomerId>) -> Vec<ticketry_core::access::AccessRequest>
        = |d, ws, a| async move { d.list_access_requests(ws, a.status, a.customer).await };
    /// Moves an access request to `in_review`, `approved`, `rejected` (with
    /// a reason in `note`) or `cancelled`.
    ws decide_access [2, 2] (request: ticketry_core::AccessRequestId, status: ticketry_core::access::AccessStatus, note: Option<String>, by: Option<Actor>) -> ticketry_core::access::AccessRequest
        = |d, ws, a| async move { d.decide_access(ws, a.request, a.status, a.note, by(a.by)).await };

    // ----- knowledge base --------------------------------------------------------

    /// Creates a knowledge-base category (an FAQ category with `faq`).
    ws create_kb_category [1, 1] (input: ticketry_core::kb::KbCategoryInput) -> ticketry_core::kb::KbCategory
        = |d, ws, a| async move { d.create_kb_category(ws, a.input).await };
    /// Replaces a knowledge-base category's fields.
    ws update_kb_category [2, 2] (category: ticketry_core::KbCategoryId, input: ticketry_core::kb::KbCategoryInput) -> ticketry_core::kb::KbCategory
        = |d, ws, a| async move { d.update_kb_category(ws, a.category, a.input).await };
    /// Knowledge-base categories (of `language`, when given).
    ws list_kb_categories [0, 0] (language: Option<String>) -> Vec<ticketry_core::kb::KbCategory>
        = |d, ws, a| async move { d.list_kb_categories(ws, a.language).await };
    /// Creates an article (Markdown rendered to sanitised HTML; a draft
    /// unless `status` says otherwise).
    ws create_article [1, 1] (input: ticketry_core::kb::ArticleInput) -> ticketry_core::kb::Article
        = |d, ws, a| async move { d.create_article(ws, a.input).await };
    /// Replaces an article's fields (`expected_version`: only if unchanged).
    ws update_article [2, 2] (article: ticketry_core::ArticleId, input: ticketry_core::kb::ArticleInput, expected_version: Option<u64>) -> ticketry_core::kb::Article
        = |d, ws, a| async move { d.update_article(ws, a.article, a.input, a.expected_version).await };
    /// An article by id, whatever its status.
    ws get_article [1, 1] (article: ticketry_core::ArticleId) -> ticketry_core::kb::Article
        = |d, ws, a| async move { d.get_article(ws, a.article).await };
    /// What a reader sees at `slug` in `language` (or `fallback`); counts a view.
    ws read_article [2, 2] (slug: String, language: String, fallback: Option<String>) -> ticketry_core::kb::Article
        = |d, ws, a| async move { d.read_article(ws, &a.slug, &a.language, a.fallback.as_deref()).await };
    /// Articles by category, language, status, visibility, FAQ.
    ws list_articles [0, 0] (filter: Option<ticketry_core::ArticleFilter>) -> Vec<ticketry_core::kb::Article>
        = |d, ws, a| async move { d.list_articles(ws, a.filter.unwrap_or_default()).await };
    /// Searches visible articles (the ticket search's syntax) in `language`,
    /// with `fallback` for untranslated ones.
    ws search_articles [2, 2] (text: String, language: String, fallback: Option<String>) -> Vec<ticketry_core::kb::ArticleHit>
        = |d, ws, a| async move { d.search_articles(ws, &a.text, &a.language, a.fallback.as_deref()).await };
    /// Articles that may answer `text` (a ticket's subject), best first.
    /// With `shown_to` (a customer), what was shown is recorded: pass the
    /// result's `id` as `suggestions` to their `open_ticket` if they open one anyway.
    ws suggest_articles [2, 2] (text: String, language: String, fallback: Option<String>, limit: Option<u32>, shown_to: Option<CustomerId>) -> ticketry_core::kb::Suggestions
        = |d, ws, a| async move {
            d.suggest_articles(ws, &a.text, &a.language, a.fallback.as_deref(), a.limit.map(|l| l as usize), a.shown_to.as_ref()).await
        };
    /// Suggestions recorded with `shown_to`, and the ticket opened after them.
    ws get_suggestions [1, 1] (suggestions: ticketry_core::SuggestionId) -> ticketry_core::kb::SuggestionSet
        = |d, ws, a| async move { d.get_suggestions(ws, a.suggestions).await };
    /// How suggestions shown in `[since, until)` deflected tickets, overall and per article.
    ws deflection_report [2, 2] (since: DateTime<Utc>, until: DateTime<Utc>) -> ticketry_core::kb::DeflectionReport
        = |d, ws, a| async move { d.deflection_report(ws, a.since, a.until).await };
    /// Sets a voter's helpful (`true`) / not helpful (`false`) vote; `null` withdraws it.
    ws vote_article [3, 2] (article: ticketry_core::ArticleId, voter: String, helpful: Option<bool>) -> ticketry_core::kb::ArticleStats
        = |d, ws, a| async move { d.vote_article(ws, a.article, &a.voter, a.helpful).await };
    /// An article's views and votes.
    ws article_stats [1, 1] (article: ticketry_core::ArticleId) -> ticketry_core::kb::ArticleStats
        = |d, ws, a| async move { d.article_stats(ws, a.article).await };

    // ----- SLA ----------------------------------------------------------------

    /// Replaces the SLA policies (first matching active one applies).
    ws set_sla_policies [1, 1] (policies: Vec<PolicyInput>) -> Vec<SlaPolicy> = |d, ws, a| {
        let p = a.policies.into_iter().map(PolicyInput::into_core).collect();
        async move { d.set_sla_policies(ws, p).await }
    };
    /// The SLA policies, in order.
    ws list_sla_policies [0, 0] () -> Vec<SlaPolicy>
        = |d, ws, _a| async move { d.list_sla_policies(ws).await };
    /// Emits every warning and breach due by `now` (default: the clock).
    ws sla_sweep [1, 0] (now: Option<DateTime<Utc>>) -> SweepReport
        = |d, ws, a| async move { d.sla_sweep(ws, now(&d, a.now).await?).await };
    /// How a ticket's SLA clock for `metric` stands, and why.
    ws explain_sla [2, 2] (ticket: TicketId, metric: SlaMetric) -> sla::SlaExplanation
        = |d, ws, a| async move { d.explain_sla(ws, a.ticket, a.metric).await };
}
