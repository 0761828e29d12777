//! The JavaScript shapes of the core's values: camelCase plain objects,
//! `Date` for instants, milliseconds for durations, string-literal unions for
//! enums (declared in `header.d.ts`). Conversion only: every rule lives in
//! the core.

use crate::convert::{
    self, CoreResult, Date, duration, id, ids, integer, ms, name, num, opt_duration, opt_id,
    opt_ms, parse_name,
};
use chrono::{DateTime, Utc};
use napi::bindgen_prelude::{Either, Null};
use napi_derive::napi;
use serde_json::{Map, Value};
use ticketry_core as tc;
use ticketry_core::calendar as cal;
use ticketry_core::sla as tsla;

// ----- shared small values ---------------------------------------------------

/// Who did something: an agent or customer (by the host's user id), or the system.
#[napi(discriminant = "type", discriminant_case = "lowercase")]
#[derive(Debug, Clone)]
pub enum Actor {
    /// A support agent.
    Agent {
        /// The host's user id.
        id: String,
    },
    /// An end user.
    Customer {
        /// The host's user id.
        id: String,
    },
    /// Ticketry or the host's automation.
    System,
}

impl From<tc::Actor> for Actor {
    fn from(a: tc::Actor) -> Self {
        match a {
            tc::Actor::Agent(id) => Actor::Agent { id: id.into() },
            tc::Actor::Customer(id) => Actor::Customer { id: id.into() },
            tc::Actor::System => Actor::System,
        }
    }
}

impl Actor {
    pub fn into_core(self) -> CoreResult<tc::Actor> {
        Ok(match self {
            Actor::Agent { id: a } => tc::Actor::Agent(id(&a)?),
            Actor::Customer { id: c } => tc::Actor::Customer(id(&c)?),
            Actor::System => tc::Actor::System,
        })
    }
}

/// The actor of a change; the system when omitted.
pub fn actor(by: Option<Actor>) -> CoreResult<tc::Actor> {
    by.map_or(Ok(tc::Actor::System), Actor::into_core)
}

/// A link to a record of the host application (`order:8812`).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Link {
    /// Record kind (`order`, `ride`).
    pub kind: String,
    /// The host's id of the record.
    pub id: String,
}

impl From<tc::Link> for Link {
    fn from(l: tc::Link) -> Self {
        Link {
            kind: l.kind,
            id: l.id,
        }
    }
}

impl Link {
    pub fn into_core(self) -> CoreResult<tc::Link> {
        tc::Link::new(&self.kind, &self.id)
    }
}

/// Metadata of a file the host stores (Ticketry never holds the bytes).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Attachment {
    /// Original file name.
    pub filename: String,
    /// Size in bytes.
    pub size: f64,
    /// MIME type.
    pub mime_type: String,
    /// The host's storage key.
    pub storage_key: String,
}

impl From<tc::Attachment> for Attachment {
    fn from(a: tc::Attachment) -> Self {
        Attachment {
            filename: a.filename,
            size: num(a.size),
            mime_type: a.mime_type,
            storage_key: a.storage_key,
        }
    }
}

impl Attachment {
    fn into_core(self) -> CoreResult<tc::Attachment> {
        Ok(tc::Attachment {
            filename: self.filename,
            size: convert::counter("attachments.size", self.size)?,
            mime_type: self.mime_type,
            storage_key: self.storage_key,
        })
    }
}

fn attachments(list: Option<Vec<Attachment>>) -> CoreResult<Vec<tc::Attachment>> {
    list.unwrap_or_default()
        .into_iter()
        .map(Attachment::into_core)
        .collect()
}

fn strings<T: ToString>(v: Vec<T>) -> Vec<String> {
    v.into_iter().map(|x| x.to_string()).collect()
}

fn opt_string<T: ToString>(v: Option<T>) -> Option<String> {
    v.map(|x| x.to_string())
}

// ----- workspaces --------------------------------------------------------------

/// Per-workspace settings.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct WorkspaceSettings {
    /// Ticket-number format, e.g. `TKT-{year}-{seq:05}`.
    pub number_format: String,
    /// Default IANA time zone.
    pub timezone: String,
    /// Default locale.
    pub locale: String,
    /// How long after closing a ticket may still be reopened, in
    /// milliseconds; `null`: closed tickets can never be reopened.
    pub reopen_window_ms: Option<f64>,
}

impl From<tc::WorkspaceSettings> for WorkspaceSettings {
    fn from(s: tc::WorkspaceSettings) -> Self {
        WorkspaceSettings {
            number_format: s.number_format.0,
            timezone: s.timezone,
            locale: s.locale,
            reopen_window_ms: opt_ms(s.reopen_window),
        }
    }
}

/// Settings to set; omitted fields keep their default (on creation) or
/// current value (on update).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct WorkspaceSettingsInput {
    /// Ticket-number format; placeholders `{year}`, `{seq}`, `{seq:0N}`.
    pub number_format: Option<String>,
    /// IANA time zone.
    pub timezone: Option<String>,
    /// Locale.
    pub locale: Option<String>,
    /// Reopen window in milliseconds; `null` forbids reopening closed tickets.
    pub reopen_window_ms: Option<Either<f64, Null>>,
}

impl WorkspaceSettingsInput {
    /// The settings given, as a patch (omitted ones keep their value).
    pub fn into_patch(self) -> CoreResult<tc::SettingsPatch> {
        Ok(tc::SettingsPatch {
            number_format: self.number_format.map(tc::NumberFormat),
            timezone: self.timezone,
            locale: self.locale,
            reopen_window: match self.reopen_window_ms {
                Some(Either::A(w)) => Some(Some(duration("settings.reopen_window", w)?)),
                Some(Either::B(Null)) => Some(None),
                None => None,
            },
        })
    }
}

/// A workspace (tenant) as stored.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct WorkspaceInfo {
    /// Id (UUID).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Unique URL-safe key.
    pub slug: String,
    /// Settings.
    pub settings: WorkspaceSettings,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl From<tc::Workspace> for WorkspaceInfo {
    fn from(w: tc::Workspace) -> Self {
        WorkspaceInfo {
            id: w.id.to_string(),
            name: w.name,
            slug: w.slug,
            settings: w.settings.into(),
            created_at: w.created_at,
        }
    }
}

/// Input of `Helpdesk.createWorkspace`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct NewWorkspace {
    /// Display name.
    pub name: String,
    /// Unique key: 1–64 of `a-z 0-9 _ - . :`.
    pub slug: String,
    /// Settings (defaults for omitted fields).
    pub settings: Option<WorkspaceSettingsInput>,
    /// Priorities to install: `low_to_urgent` (default), `p0_to_p3`, or `none`.
    #[napi(ts_type = "PriorityPreset | 'none'")]
    pub priority_preset: Option<String>,
}

impl NewWorkspace {
    pub fn into_core(self) -> CoreResult<tc::NewWorkspace> {
        let mut w = tc::NewWorkspace::new(self.name, self.slug);
        if let Some(s) = self.settings {
            w.settings = s.into_patch()?.apply(w.settings);
        }
        match self.priority_preset.as_deref() {
            None => {}
            Some("none") => w.priority_preset = None,
            Some(p) => w.priority_preset = Some(parse_name("priority_preset", p)?),
        }
        Ok(w)
    }
}

/// Input of `Workspace.update`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct WorkspaceUpdate {
    /// New display name.
    pub name: Option<String>,
    /// Settings to change (others keep their value).
    pub settings: Option<WorkspaceSettingsInput>,
}

// ----- catalog -----------------------------------------------------------------

/// A ticket priority of a workspace.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct Priority {
    /// Key used on tickets (`high`, `p1`).
    pub code: String,
    /// Display name.
    pub name: String,
    /// Larger is more urgent.
    pub rank: i32,
    /// `#rrggbb` badge color.
    pub color: Option<String>,
    /// First-response target in milliseconds (24/7 unless a policy says otherwise).
    pub first_response_ms: Option<f64>,
    /// Resolution target in milliseconds.
    pub resolution_ms: Option<f64>,
    /// The priority new tickets get by default.
    pub is_default: bool,
}

impl From<tc::Priority> for Priority {
    fn from(p: tc::Priority) -> Self {
        Priority {
            code: p.code,
            name: p.name,
            rank: p.rank,
            color: p.color,
            first_response_ms: opt_ms(p.first_response),
            resolution_ms: opt_ms(p.resolution),
            is_default: p.is_default,
        }
    }
}

/// A priority to create or replace.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct PriorityInput {
    /// Key used on tickets.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Larger is more urgent.
    pub rank: f64,
    /// `#rrggbb`.
    pub color: Option<String>,
    /// First-response target in milliseconds.
    pub first_response_ms: Option<f64>,
    /// Resolution target in milliseconds.
    pub resolution_ms: Option<f64>,
    /// Default priority of the workspace (default `false`).
    pub is_default: Option<bool>,
}

impl PriorityInput {
    pub fn into_core(self) -> CoreResult<tc::Priority> {
        Ok(tc::Priority {
            code: self.code,
            name: self.name,
            rank: integer("rank", self.rank)?,
            color: self.color,
            first_response: opt_duration("first_response", self.first_response_ms)?,
            resolution: opt_duration("resolution", self.resolution_ms)?,
            is_default: self.is_default.unwrap_or(false),
        })
    }
}

/// A ticket category; nested via `parent`.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct Category {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Longer text for customers.
    pub description: Option<String>,
    /// Icon name or URL.
    pub icon: Option<String>,
    /// Parent category id.
    pub parent: Option<String>,
    /// Priority code new tickets in it get.
    pub default_priority: Option<String>,
    /// Team new tickets in it are routed to.
    pub default_team: Option<String>,
    /// Agent new tickets in it are assigned to.
    pub default_assignee: Option<String>,
    /// Sort order among siblings.
    pub position: i32,
    /// Inactive categories are refused on new tickets.
    pub active: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl From<tc::Category> for Category {
    fn from(c: tc::Category) -> Self {
        Category {
            id: c.id.to_string(),
            name: c.name,
            description: c.description,
            icon: c.icon,
            parent: opt_string(c.parent),
            default_priority: c.default_priority,
            default_team: opt_string(c.default_team),
            default_assignee: opt_string(c.default_assignee),
            position: c.position,
            active: c.active,
            created_at: c.created_at,
        }
    }
}

/// Input for creating or replacing a category.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct CategoryInput {
    /// Display name.
    pub name: String,
    /// Longer text.
    pub description: Option<String>,
    /// Icon.
    pub icon: Option<String>,
    /// Parent category id.
    pub parent: Option<String>,
    /// Default priority code.
    pub default_priority: Option<String>,
    /// Default team id.
    pub default_team: Option<String>,
    /// Default assignee (agent id).
    pub default_assignee: Option<String>,
    /// Sort order (default 0).
    pub position: Option<f64>,
    /// Default `true`.
    pub active: Option<bool>,
}

impl CategoryInput {
    pub fn into_core(self) -> CoreResult<tc::CategoryInput> {
        Ok(tc::CategoryInput {
            name: self.name,
            description: self.description,
            icon: self.icon,
            parent: opt_id(self.parent)?,
            default_priority: self.default_priority,
            default_team: opt_id(self.default_team)?,
            default_assignee: opt_id(self.default_assignee)?,
            position: self
                .position
                .map(|p| integer("position", p))
                .transpose()?
                .unwrap_or(0),
            active: self.active,
        })
    }
}

/// A tag's display metadata.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct Tag {
    /// Key used on tickets.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// `#rrggbb`.
    pub color: Option<String>,
}

impl From<tc::Tag> for Tag {
    fn from(t: tc::Tag) -> Self {
        Tag {
            slug: t.slug,
            name: t.name,
            color: t.color,
        }
    }
}

/// A tag to register or rename.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct TagInput {
    /// Key used on tickets: 1–64 of `a-z 0-9 _ - . :`.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// `#rrggbb`.
    pub color: Option<String>,
}

impl TagInput {
    pub fn into_core(self) -> tc::Tag {
        tc::Tag {
            slug: self.slug,
            name: self.name,
            color: self.color,
        }
    }
}

/// A canned reply (Jinja2 body).
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct Template {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Jinja2 body.
    pub body: String,
    /// Language code.
    pub language: Option<String>,
    /// Only offered for this category (and its children).
    pub category: Option<String>,
    /// How many times it was rendered.
    pub usage_count: f64,
    /// Inactive templates cannot be rendered.
    pub active: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl From<tc::Template> for Template {
    fn from(t: tc::Template) -> Self {
        Template {
            id: t.id.to_string(),
            name: t.name,
            body: t.body,
            language: t.language,
            category: opt_string(t.category),
            usage_count: num(t.usage_count),
            active: t.active,
            created_at: t.created_at,
        }
    }
}

/// Input for creating or replacing a template.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct TemplateInput {
    /// Display name.
    pub name: String,
    /// Jinja2 body; one that does not parse is `invalid_input`.
    pub body: String,
    /// Language code.
    pub language: Option<String>,
    /// Category filter (id).
    pub category: Option<String>,
    /// Default `true`.
    pub active: Option<bool>,
}

impl TemplateInput {
    pub fn into_core(self) -> CoreResult<tc::TemplateInput> {
        Ok(tc::TemplateInput {
            name: self.name,
            body: self.body,
            language: self.language,
            category: opt_id(self.category)?,
            active: self.active,
        })
    }
}

// ----- directory ---------------------------------------------------------------

/// A support staff member (by the host's user id).
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct Agent {
    /// The host's user id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Inactive agents cannot be assigned.
    pub active: bool,
    /// Available agents receive automatic assignments.
    pub available: bool,
    /// Maximum open tickets; `null` is unlimited.
    pub capacity: Option<u32>,
    /// When Ticketry first saw this agent.
    pub created_at: DateTime<Utc>,
}

impl From<tc::Agent> for Agent {
    fn from(a: tc::Agent) -> Self {
        Agent {
            id: a.id.into(),
            name: a.name,
            email: a.email,
            active: a.active,
            available: a.available,
            capacity: a.capacity,
            created_at: a.created_at,
        }
    }
}

/// Creates or updates an agent by id.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct AgentInput {
    /// The host's user id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Default `true`.
    pub active: Option<bool>,
    /// Default `true`.
    pub available: Option<bool>,
    /// Maximum open tickets (unlimited when omitted).
    pub capacity: Option<f64>,
}

impl AgentInput {
    pub fn into_core(self) -> CoreResult<tc::AgentInput> {
        let mut a = tc::AgentInput::new(id(&self.id)?, self.name);
        a.email = self.email;
        a.active = self.active.unwrap_or(true);
        a.available = self.available.unwrap_or(true);
        a.capacity = self.capacity.map(|c| integer("capacity", c)).transpose()?;
        Ok(a)
    }
}

/// An end user (by the host's user id).
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct Customer {
    /// The host's user id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Service tier (`gold`), usable in SLA policy conditions.
    pub tier: Option<String>,
    /// Preferred locale.
    pub locale: Option<String>,
    /// When Ticketry first saw this customer.
    pub created_at: DateTime<Utc>,
}

impl From<tc::Customer> for Customer {
    fn from(c: tc::Customer) -> Self {
        Customer {
            id: c.id.into(),
            name: c.name,
            email: c.email,
            tier: c.tier,
            locale: c.locale,
            created_at: c.created_at,
        }
    }
}

/// Creates or updates a customer by id.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct CustomerInput {
    /// The host's user id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Service tier.
    pub tier: Option<String>,
    /// Preferred locale.
    pub locale: Option<String>,
}

impl CustomerInput {
    pub fn into_core(self) -> CoreResult<tc::CustomerInput> {
        let mut c = tc::CustomerInput::new(id(&self.id)?, self.name);
        c.email = self.email;
        c.tier = self.tier;
        c.locale = self.locale;
        Ok(c)
    }
}

/// A group of agents tickets can be routed to.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct Team {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What the team handles.
    pub description: Option<String>,
    /// The lead (a member).
    pub lead: Option<String>,
    /// Member agent ids.
    pub members: Vec<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl From<tc::Team> for Team {
    fn from(t: tc::Team) -> Self {
        Team {
            id: t.id.to_string(),
            name: t.name,
            description: t.description,
            lead: opt_string(t.lead),
            members: strings(t.members),
            created_at: t.created_at,
        }
    }
}

/// Input for creating or replacing a team.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct TeamInput {
    /// Display name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Lead agent id (added to members if missing).
    pub lead: Option<String>,
    /// Member agent ids.
    pub members: Option<Vec<String>>,
}

impl TeamInput {
    pub fn into_core(self) -> CoreResult<tc::TeamInput> {
        Ok(tc::TeamInput {
            name: self.name,
            description: self.description,
            lead: opt_id(self.lead)?,
            members: ids(self.members)?,
        })
    }
}

// ----- tickets -----------------------------------------------------------------

/// A customer's rating.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct Satisfaction {
    /// 1 (bad) to 5 (great).
    pub rating: u32,
    /// Free text.
    pub comment: Option<String>,
    /// When rated.
    pub rated_at: DateTime<Utc>,
}

/// A span during which an SLA clock was paused.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct Pause {
    /// Paused at.
    pub from: DateTime<Utc>,
    /// Resumed at (`null` while paused).
    pub to: Option<DateTime<Utc>>,
}

impl From<tsla::Pause> for Pause {
    fn from(p: tsla::Pause) -> Self {
        Pause {
            from: p.from,
            to: p.to,
        }
    }
}

/// One SLA clock of a ticket.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct SlaClock {
    /// What it measures.
    #[napi(ts_type = "SlaMetric")]
    pub metric: String,
    /// Its state.
    #[napi(ts_type = "ClockStatus")]
    pub status: String,
    /// The business-time target, in milliseconds.
    pub target_ms: f64,
    /// When the clock started.
    pub started_at: DateTime<Utc>,
    /// Business time consumed before `runningSince`, in milliseconds.
    pub consumed_ms: f64,
    /// Start of the current running span.
    pub running_since: Option<DateTime<Utc>>,
    /// The due instant.
    pub due_at: Option<DateTime<Utc>>,
    /// When the warning falls due.
    pub warn_at: Option<DateTime<Utc>>,
    /// Whether the warning was emitted.
    pub warned: bool,
    /// The true instant of the breach.
    pub breached_at: Option<DateTime<Utc>>,
    /// When the clock stopped for good.
    pub stopped_at: Option<DateTime<Utc>>,
    /// Pauses, oldest first.
    pub pauses: Vec<Pause>,
}

impl From<tsla::SlaClock> for SlaClock {
    fn from(c: tsla::SlaClock) -> Self {
        SlaClock {
            metric: c.metric.as_str().to_owned(),
            status: name(&c.status),
            target_ms: ms(c.target),
            started_at: c.started_at,
            consumed_ms: ms(c.consumed),
            running_since: c.running_since,
            due_at: c.due_at,
            warn_at: c.warn_at,
            warned: c.warned,
            breached_at: c.breached_at,
            stopped_at: c.stopped_at,
            pauses: c.pauses.into_iter().map(Pause::from).collect(),
        }
    }
}

/// All SLA clocks of a ticket.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct SlaState {
    /// The policy that applies (`null`: the priority's own targets, 24/7).
    pub policy: Option<String>,
    /// The earliest due instant over running clocks.
    pub due_at: Option<DateTime<Utc>>,
    /// The clocks, one per metric at most.
    pub clocks: Vec<SlaClock>,
}

/// A support request.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct Ticket {
    /// Id.
    pub id: String,
    /// Owning workspace.
    pub workspace_id: String,
    /// Position in the workspace's counter (1, 2, …).
    pub seq: f64,
    /// Human number (`TKT-2026-00042`).
    pub number: String,
    /// One-line summary.
    pub subject: String,
    /// The opening text.
    pub description: String,
    /// Workflow status.
    #[napi(ts_type = "TicketStatus")]
    pub status: String,
    /// Priority code.
    pub priority: String,
    /// Category id.
    pub category: Option<String>,
    /// Where it came from.
    #[napi(ts_type = "Channel")]
    pub channel: String,
    /// Who asked (customer id).
    pub customer: String,
    /// Who works on it (agent id).
    pub assignee: Option<String>,
    /// Owning team id.
    pub team: Option<String>,
    /// Tag slugs, sorted.
    pub tags: Vec<String>,
    /// Links to host records.
    pub links: Vec<Link>,
    /// The host's own fields.
    #[napi(ts_type = "Record<string, unknown>")]
    pub custom_fields: Map<String, Value>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// First public agent reply.
    pub first_response_at: Option<DateTime<Utc>>,
    /// Last resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Last closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// The oldest customer message not yet answered.
    pub awaiting_reply_since: Option<DateTime<Utc>>,
    /// The customer's rating.
    pub satisfaction: Option<Satisfaction>,
    /// SLA clocks.
    pub sla: SlaState,
    /// Optimistic-concurrency version (+1 per change).
    pub version: f64,
}

impl From<tc::Ticket> for Ticket {
    fn from(t: tc::Ticket) -> Self {
        let due_at = t.sla.due_at();
        Ticket {
            id: t.id.to_string(),
            workspace_id: t.workspace_id.to_string(),
            seq: num(t.seq),
            number: t.number,
            subject: t.subject,
            description: t.description,
            status: t.status.as_str().to_owned(),
            priority: t.priority,
            category: opt_string(t.category),
            channel: t.channel.as_str().to_owned(),
            customer: t.customer.into(),
            assignee: opt_string(t.assignee),
            team: opt_string(t.team),
            tags: t.tags,
            links: t.links.into_iter().map(Link::from).collect(),
            custom_fields: t.custom_fields,
            created_at: t.created_at,
            updated_at: t.updated_at,
            first_response_at: t.first_response_at,
            resolved_at: t.resolved_at,
            closed_at: t.closed_at,
            awaiting_reply_since: t.awaiting_reply_since,
            satisfaction: t.satisfaction.map(|s| Satisfaction {
                rating: u32::from(s.rating),
                comment: s.comment,
                rated_at: s.rated_at,
            }),
            sla: SlaState {
                policy: opt_string(t.sla.policy),
                due_at,
                clocks: t.sla.clocks.into_iter().map(SlaClock::from).collect(),
            },
            version: num(t.version),
        }
    }
}

/// One entry of a thread.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct Message {
    /// Id.
    pub id: String,
    /// The ticket.
    pub ticket_id: String,
    /// Kind (`note`s are internal).
    #[napi(ts_type = "MessageKind")]
    pub kind: String,
    /// Author.
    pub author: Actor,
    /// Plain-text body.
    pub body: String,
    /// HTML body (sanitize before display).
    pub html: Option<String>,
    /// Attachment metadata.
    pub attachments: Vec<Attachment>,
    /// The e-mail `Message-ID`.
    pub email_message_id: Option<String>,
    /// The caller's idempotency key.
    pub idempotency_key: Option<String>,
    /// When written.
    pub created_at: DateTime<Utc>,
}

impl From<tc::Message> for Message {
    fn from(m: tc::Message) -> Self {
        Message {
            id: m.id.to_string(),
            ticket_id: m.ticket_id.to_string(),
            kind: m.kind.as_str().to_owned(),
            author: m.author.into(),
            body: m.body,
            html: m.html,
            attachments: m.attachments.into_iter().map(Attachment::from).collect(),
            email_message_id: m.email_message_id,
            idempotency_key: m.idempotency_key,
            created_at: m.created_at,
        }
    }
}

/// A ticket with its messages as one reader sees them.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct Thread {
    /// The ticket.
    pub ticket: Ticket,
    /// Messages, oldest first (no notes in the customer view).
    pub messages: Vec<Message>,
}

impl From<tc::Thread> for Thread {
    fn from(t: tc::Thread) -> Self {
        Thread {
            ticket: t.ticket.into(),
            messages: t.messages.into_iter().map(Message::from).collect(),
        }
    }
}

/// One entry of a ticket's assignment history.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct AssignmentRecord {
    /// The ticket.
    pub ticket_id: String,
    /// What happened.
    #[napi(ts_type = "AssignmentAction")]
    pub action: String,
    /// Previous assignee.
    pub from: Option<String>,
    /// New assignee.
    pub to: Option<String>,
    /// Team after the change.
    pub team: Option<String>,
    /// Who did it.
    pub by: Actor,
    /// Why.
    pub reason: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

impl From<tc::AssignmentRecord> for AssignmentRecord {
    fn from(a: tc::AssignmentRecord) -> Self {
        AssignmentRecord {
            ticket_id: a.ticket_id.to_string(),
            action: name(&a.action),
            from: opt_string(a.from),
            to: opt_string(a.to),
            team: opt_string(a.team),
            by: a.by.into(),
            reason: a.reason,
            at: a.at,
        }
    }
}

/// One page of tickets.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct TicketPage {
    /// The tickets.
    pub items: Vec<Ticket>,
    /// Pass as `after` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Ticket counts of a workspace.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct TicketStats {
    /// All tickets.
    pub total: f64,
    /// Per status (every status present).
    #[napi(ts_type = "Record<TicketStatus, number>")]
    pub by_status: Map<String, Value>,
}

impl From<tc::TicketStats> for TicketStats {
    fn from(s: tc::TicketStats) -> Self {
        TicketStats {
            total: num(s.total),
            by_status: s
                .by_status
                .into_iter()
                .map(|(k, v)| (k.as_str().to_owned(), Value::from(v)))
                .collect(),
        }
    }
}

/// Input of `Workspace.openTicket`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct OpenTicketInput {
    /// Who asks (an existing customer id).
    pub customer: String,
    /// One-line summary, 1–255 characters.
    pub subject: String,
    /// The opening text (also the first message).
    pub description: String,
    /// HTML version of the description.
    pub html: Option<String>,
    /// Priority code (default: the category's, then the workspace's).
    pub priority: Option<String>,
    /// Category id.
    pub category: Option<String>,
    /// Where it came from (default `web`).
    #[napi(ts_type = "Channel")]
    pub channel: Option<String>,
    /// Team id (default: the category's).
    pub team: Option<String>,
    /// Assignee agent id (default: the category's).
    pub assignee: Option<String>,
    /// Tag slugs.
    pub tags: Option<Vec<String>>,
    /// Links to host records.
    pub links: Option<Vec<Link>>,
    /// The host's own fields.
    #[napi(ts_type = "Record<string, unknown>")]
    pub custom_fields: Option<Map<String, Value>>,
    /// Attachments of the opening message.
    pub attachments: Option<Vec<Attachment>>,
    /// E-mail `Message-ID`.
    pub email_message_id: Option<String>,
    /// Retrying with the same key returns the first ticket.
    pub idempotency_key: Option<String>,
}

impl OpenTicketInput {
    pub fn into_core(self) -> CoreResult<tc::OpenTicket> {
        Ok(tc::OpenTicket {
            customer: Some(id(&self.customer)?),
            subject: self.subject,
            description: self.description,
            html: self.html,
            priority: self.priority,
            category: opt_id(self.category)?,
            channel: self
                .channel
                .as_deref()
                .map(str::parse)
                .transpose()?
                .unwrap_or_default(),
            team: opt_id(self.team)?,
            assignee: opt_id(self.assignee)?,
            tags: self.tags.unwrap_or_default(),
            links: self
                .links
                .unwrap_or_default()
                .into_iter()
                .map(Link::into_core)
                .collect::<CoreResult<_>>()?,
            custom_fields: self.custom_fields.unwrap_or_default(),
            attachments: attachments(self.attachments)?,
            email_message_id: self.email_message_id,
            idempotency_key: self.idempotency_key,
        })
    }
}

/// A message body and its metadata (replies, notes, customer messages).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct MessageInput {
    /// Plain text, 1–100 000 characters.
    pub body: String,
    /// HTML version.
    pub html: Option<String>,
    /// Attachment metadata.
    pub attachments: Option<Vec<Attachment>>,
    /// E-mail `Message-ID`.
    pub email_message_id: Option<String>,
    /// Retrying with the same key returns the first message.
    pub idempotency_key: Option<String>,
    /// Agent replies only: the status to leave the ticket in (e.g. `pending`).
    #[napi(ts_type = "TicketStatus")]
    pub status: Option<String>,
}

/// A message: its text, or the full input.
pub fn message(m: Either<String, MessageInput>) -> CoreResult<tc::MessageInput> {
    match m {
        Either::A(body) => Ok(tc::MessageInput::text(body)),
        Either::B(m) => Ok(tc::MessageInput {
            body: m.body,
            html: m.html,
            attachments: attachments(m.attachments)?,
            email_message_id: m.email_message_id,
            idempotency_key: m.idempotency_key,
            status: m.status.as_deref().map(convert::status).transpose()?,
        }),
    }
}

/// Input of `Workspace.assign`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct AssignInput {
    /// The new assignee; omitted or `null` unassigns.
    pub agent: Option<String>,
    /// The new team; omitted keeps the current team.
    pub team: Option<String>,
    /// Why (kept in the history).
    pub reason: Option<String>,
    /// Record it as an escalation.
    pub escalate: Option<bool>,
    /// Who does it (default: the system).
    pub by: Option<Actor>,
}

/// The actor of a change.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct ByOptions {
    /// Who does it (default: the system).
    pub by: Option<Actor>,
}

/// Options of `Workspace.rate`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct RateOptions {
    /// Free text.
    pub comment: Option<String>,
    /// Who rates (default: the system; usually the customer).
    pub by: Option<Actor>,
}

/// Input of `Workspace.updateTicket`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct TicketUpdate {
    /// New subject.
    pub subject: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New custom fields (replaces the object).
    #[napi(ts_type = "Record<string, unknown>")]
    pub custom_fields: Option<Map<String, Value>>,
    /// The version the caller read; a stale one is `conflict`.
    pub expected_version: Option<f64>,
    /// Who edits (default: the system).
    pub by: Option<Actor>,
}

impl TicketUpdate {
    pub fn into_core(self) -> CoreResult<(tc::TicketUpdate, tc::Actor)> {
        Ok((
            tc::TicketUpdate {
                subject: self.subject,
                description: self.description,
                custom_fields: self.custom_fields,
                expected_version: self
                    .expected_version
                    .map(|v| convert::counter("expected_version", v))
                    .transpose()?,
            },
            actor(self.by)?,
        ))
    }
}

/// Filters and paging of `Workspace.listTickets` (combined with AND).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct TicketQuery {
    /// Any of these statuses (empty or omitted: any).
    #[napi(ts_type = "TicketStatus[]")]
    pub statuses: Option<Vec<String>>,
    /// Priority code.
    pub priority: Option<String>,
    /// Assigned to this agent.
    pub assignee: Option<String>,
    /// Only tickets without an assignee.
    pub unassigned: Option<bool>,
    /// Owned by this team.
    pub team: Option<String>,
    /// In this category.
    pub category: Option<String>,
    /// Carrying this tag.
    pub tag: Option<String>,
    /// Asked by this customer.
    pub customer: Option<String>,
    /// Order (default `newest`).
    #[napi(ts_type = "TicketOrder")]
    pub order: Option<String>,
    /// The `nextCursor` of the previous page.
    pub after: Option<String>,
    /// Page size, 1..=500 (default 50).
    pub limit: Option<f64>,
}

impl TicketQuery {
    pub fn into_core(self) -> CoreResult<tc::TicketQuery> {
        let d = tc::TicketQuery::default();
        Ok(tc::TicketQuery {
            statuses: self
                .statuses
                .unwrap_or_default()
                .iter()
                .map(|s| convert::status(s))
                .collect::<CoreResult<_>>()?,
            priority: self.priority,
            assignee: opt_id(self.assignee)?,
            unassigned: self.unassigned.unwrap_or(false),
            team: opt_id(self.team)?,
            category: opt_id(self.category)?,
            tag: self.tag,
            customer: opt_id(self.customer)?,
            order: self
                .order
                .as_deref()
                .map(|o| parse_name("order", o))
                .transpose()?
                .unwrap_or(d.order),
            after: self.after,
            limit: match self.limit {
                Some(n) => integer("limit", n)?,
                None => d.limit,
            },
        })
    }
}

/// Options of `Workspace.thread`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct ThreadOptions {
    /// `agent` (everything, the default) or `customer` (no internal notes).
    #[napi(ts_type = "View")]
    pub view: Option<String>,
}

/// Options of `Workspace.messages`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct MessagesOptions {
    /// `agent` (everything, the default) or `customer` (no internal notes).
    #[napi(ts_type = "View")]
    pub view: Option<String>,
    /// The previous page's `nextCursor`.
    pub after: Option<String>,
    /// At most this many, 1..=500 (default 50).
    pub limit: Option<f64>,
}

/// One page of a thread.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct MessagePage {
    /// The messages, oldest first.
    pub items: Vec<Message>,
    /// Pass as `after` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Options of `Workspace.listTemplates`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct TemplateFilter {
    /// Only templates offered for this category (or its ancestors).
    pub category: Option<String>,
}

/// Options of `Workspace.renderTemplate`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// The agent who will send it (default: the assignee).
    pub agent: Option<String>,
}

// ----- events ------------------------------------------------------------------

/// Options of `Workspace.events`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct EventsOptions {
    /// Return events with `seq > after` (default 0: from the start).
    pub after: Option<f64>,
    /// At most this many, 1..=1000 (default 100).
    pub limit: Option<f64>,
}

/// An event of the workspace log as one flat record: the common fields plus
/// those of its `type`. Methods are typed with the precise `Event` union
/// (declared in the header), whose members all fit this shape.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone, Default)]
pub struct EventRecord {
    pub seq: f64,
    pub workspace_id: String,
    pub ticket_id: Option<String>,
    pub actor: Option<Actor>,
    pub at: Option<DateTime<Utc>>,
    pub r#type: String,
    pub number: Option<String>,
    pub subject: Option<String>,
    pub priority: Option<String>,
    pub channel: Option<String>,
    pub message_id: Option<String>,
    pub message_kind: Option<String>,
    pub from: Option<Either<String, Null>>,
    pub to: Option<Either<String, Null>>,
    pub action: Option<String>,
    pub team: Option<Either<String, Null>>,
    pub tag: Option<String>,
    pub link: Option<Link>,
    pub fields: Option<Vec<String>>,
    pub rating: Option<u32>,
    pub comment: Option<Either<String, Null>>,
    pub metric: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub breached_at: Option<DateTime<Utc>>,
}

fn nullable(s: Option<String>) -> Option<Either<String, Null>> {
    Some(s.map_or(Either::B(Null), Either::A))
}

impl From<tc::Event> for EventRecord {
    fn from(e: tc::Event) -> Self {
        use tc::EventKind as K;
        let mut out = EventRecord {
            seq: num(e.seq),
            workspace_id: e.workspace_id.to_string(),
            ticket_id: opt_string(e.ticket_id),
            actor: Some(e.actor.into()),
            at: Some(e.at),
            r#type: e.kind.name().to_owned(),
            ..EventRecord::default()
        };
        match e.kind {
            K::TicketCreated {
                number,
                subject,
                priority,
                channel,
            } => {
                out.number = Some(number);
                out.subject = Some(subject);
                out.priority = Some(priority);
                out.channel = Some(channel.as_str().to_owned());
            }
            K::MessageAdded {
                message_id,
                message_kind,
            } => {
                out.message_id = Some(message_id.to_string());
                out.message_kind = Some(message_kind.as_str().to_owned());
            }
            K::StatusChanged { from, to } => {
                out.from = nullable(Some(from.as_str().to_owned()));
                out.to = nullable(Some(to.as_str().to_owned()));
            }
            K::Assigned {
                action,
                from,
                to,
                team,
            } => {
                out.action = Some(name(&action));
                out.from = nullable(opt_string(from));
                out.to = nullable(opt_string(to));
                out.team = nullable(opt_string(team));
            }
            K::PriorityChanged { from, to } => {
                out.from = nullable(Some(from));
                out.to = nullable(Some(to));
            }
            K::CategoryChanged { from, to } => {
                out.from = nullable(opt_string(from));
                out.to = nullable(opt_string(to));
            }
            K::Tagged { tag } | K::Untagged { tag } => out.tag = Some(tag),
            K::Linked { link } => out.link = Some(link.into()),
            K::Updated { fields } => out.fields = Some(fields),
            K::Rated { rating, comment } => {
                out.rating = Some(u32::from(rating));
                out.comment = nullable(comment);
            }
            K::SlaWarning { metric, due_at } => {
                out.metric = Some(metric.as_str().to_owned());
                out.due_at = Some(due_at);
            }
            K::SlaBreached {
                metric,
                due_at,
                breached_at,
            } => {
                out.metric = Some(metric.as_str().to_owned());
                out.due_at = Some(due_at);
                out.breached_at = Some(breached_at);
            }
            // The core may add kinds: they still carry `type` and the common fields.
            _ => {}
        }
        out
    }
}

// ----- calendars ---------------------------------------------------------------

/// Opening hours per weekday, `[["09:00","12:00"], ["13:00","17:00"]]`; a
/// missing day is closed.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct WeeklyHours {
    pub mon: Option<Vec<(String, String)>>,
    pub tue: Option<Vec<(String, String)>>,
    pub wed: Option<Vec<(String, String)>>,
    pub thu: Option<Vec<(String, String)>>,
    pub fri: Option<Vec<(String, String)>>,
    pub sat: Option<Vec<(String, String)>>,
    pub sun: Option<Vec<(String, String)>>,
}

fn day_in(d: Option<Vec<(String, String)>>) -> Option<cal::DayHours> {
    d.map(|v| v.into_iter().map(|(a, b)| [a, b]).collect())
}

fn day_out(d: Option<cal::DayHours>) -> Option<Vec<(String, String)>> {
    d.map(|v| v.into_iter().map(|[a, b]| (a, b)).collect())
}

/// One interval on one local date.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct DateWindow {
    /// Local date, `YYYY-MM-DD`.
    pub date: String,
    /// Local start, `HH:MM[:SS]`.
    pub from: String,
    /// Local end (exclusive), `HH:MM[:SS]` or `24:00`.
    pub to: String,
}

/// A business calendar as data (the camelCase form of the core's JSON shape).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct CalendarConfig {
    /// IANA time zone.
    pub timezone: String,
    /// Weekly opening hours in local time.
    pub weekly: WeeklyHours,
    /// Closed local dates, `YYYY-MM-DD`.
    pub holidays: Option<Vec<String>>,
    /// Closed every year on `MM-DD`.
    pub recurring_holidays: Option<Vec<String>>,
    /// Closed during `[from, to)` on a date.
    pub partial_holidays: Option<Vec<DateWindow>>,
    /// Additionally open during `[from, to)` on a date.
    pub extra_windows: Option<Vec<DateWindow>>,
    /// What a due instant landing exactly on a closing time becomes.
    #[napi(ts_type = "BoundaryMode")]
    pub boundary: Option<String>,
}

fn windows_in(w: Option<Vec<DateWindow>>) -> Vec<cal::DateWindow> {
    w.unwrap_or_default()
        .into_iter()
        .map(|w| cal::DateWindow {
            date: w.date,
            from: w.from,
            to: w.to,
        })
        .collect()
}

fn windows_out(w: Vec<cal::DateWindow>) -> Option<Vec<DateWindow>> {
    (!w.is_empty()).then(|| {
        w.into_iter()
            .map(|w| DateWindow {
                date: w.date,
                from: w.from,
                to: w.to,
            })
            .collect()
    })
}

impl CalendarConfig {
    pub fn into_core(self) -> CoreResult<cal::CalendarConfig> {
        let w = self.weekly;
        Ok(cal::CalendarConfig {
            timezone: self.timezone,
            weekly: cal::WeeklyHours {
                mon: day_in(w.mon),
                tue: day_in(w.tue),
                wed: day_in(w.wed),
                thu: day_in(w.thu),
                fri: day_in(w.fri),
                sat: day_in(w.sat),
                sun: day_in(w.sun),
            },
            holidays: self.holidays.unwrap_or_default(),
            recurring_holidays: self.recurring_holidays.unwrap_or_default(),
            partial_holidays: windows_in(self.partial_holidays),
            extra_windows: windows_in(self.extra_windows),
            boundary: self
                .boundary
                .as_deref()
                .map(|b| parse_name("boundary", b))
                .transpose()?,
        })
    }
}

impl From<cal::CalendarConfig> for CalendarConfig {
    fn from(c: cal::CalendarConfig) -> Self {
        let w = c.weekly;
        CalendarConfig {
            timezone: c.timezone,
            weekly: WeeklyHours {
                mon: day_out(w.mon),
                tue: day_out(w.tue),
                wed: day_out(w.wed),
                thu: day_out(w.thu),
                fri: day_out(w.fri),
                sat: day_out(w.sat),
                sun: day_out(w.sun),
            },
            holidays: (!c.holidays.is_empty()).then_some(c.holidays),
            recurring_holidays: (!c.recurring_holidays.is_empty()).then_some(c.recurring_holidays),
            partial_holidays: windows_out(c.partial_holidays),
            extra_windows: windows_out(c.extra_windows),
            boundary: c.boundary.map(|b| name(&b)),
        }
    }
}

/// One stretch of business time `[start, end)`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Segment {
    /// First business instant.
    pub start: DateTime<Utc>,
    /// End (exclusive).
    pub end: DateTime<Utc>,
}

impl From<cal::Segment> for Segment {
    fn from(s: cal::Segment) -> Self {
        Segment {
            start: s.start,
            end: s.end,
        }
    }
}

// ----- SLA ---------------------------------------------------------------------

/// Conditions of an SLA policy: each non-empty list must contain the ticket's value.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct PolicyConditions {
    /// Priority codes.
    pub priorities: Option<Vec<String>>,
    /// Category ids.
    pub categories: Option<Vec<String>>,
    /// Channels.
    #[napi(ts_type = "Channel[]")]
    pub channels: Option<Vec<String>>,
    /// Tag slugs (any of the ticket's tags).
    pub tags: Option<Vec<String>>,
    /// Customer tiers.
    pub customer_tiers: Option<Vec<String>>,
}

/// Business-time targets of one priority under a policy, in milliseconds.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct PolicyTarget {
    /// Priority code.
    pub priority: String,
    /// Creation → first public agent reply.
    pub first_response_ms: Option<f64>,
    /// Oldest unanswered customer message → next public agent reply.
    pub next_response_ms: Option<f64>,
    /// Creation → resolved.
    pub resolution_ms: Option<f64>,
}

/// When `sla.warning` fires: at `percent` (1..=99) of the target, or
/// `beforeMs` of business time before the due instant. Default: 80 %.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct WarningThreshold {
    /// Percentage of the target consumed.
    pub percent: Option<f64>,
    /// Business time before the due instant, in milliseconds.
    pub before_ms: Option<f64>,
}

/// An SLA policy. The first active one whose conditions all match applies.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct SlaPolicy {
    /// Id (generated when omitted).
    pub id: Option<String>,
    /// Display name.
    pub name: String,
    /// When it applies (omitted: always).
    pub conditions: Option<PolicyConditions>,
    /// The business calendar its clocks count on (omitted: 24/7).
    pub calendar: Option<CalendarConfig>,
    /// Targets per priority code.
    pub targets: Vec<PolicyTarget>,
    /// When to warn (default 80 %).
    pub warning: Option<WarningThreshold>,
    /// Statuses that pause the clocks (default `pending`, `on_hold`).
    #[napi(ts_type = "TicketStatus[]")]
    pub pause_on: Option<Vec<String>>,
    /// Inactive policies are skipped (default `true`).
    pub active: Option<bool>,
}

impl SlaPolicy {
    pub fn into_core(self, i: usize) -> CoreResult<tsla::SlaPolicy> {
        let at = |f: &str| format!("policies[{i}].{f}");
        let c = self.conditions.unwrap_or_default();
        let warning = match self.warning {
            None => tsla::WarningThreshold::default(),
            Some(WarningThreshold {
                percent: Some(p),
                before_ms: None,
            }) => tsla::WarningThreshold::Percent(integer(&at("warning.percent"), p)?),
            Some(WarningThreshold {
                percent: None,
                before_ms: Some(b),
            }) => tsla::WarningThreshold::Before(duration(&at("warning"), b)?),
            Some(_) => {
                return Err(tc::Error::invalid_input(
                    at("warning"),
                    "give exactly one of percent and beforeMs",
                ));
            }
        };
        Ok(tsla::SlaPolicy {
            id: match self.id {
                Some(s) => id(&s)?,
                None => tc::PolicyId::generate(),
            },
            name: self.name,
            conditions: tsla::PolicyConditions {
                priorities: c.priorities.unwrap_or_default(),
                categories: ids(c.categories)?,
                channels: c
                    .channels
                    .unwrap_or_default()
                    .iter()
                    .map(|s| s.parse())
                    .collect::<CoreResult<_>>()?,
                tags: c.tags.unwrap_or_default(),
                customer_tiers: c.customer_tiers.unwrap_or_default(),
            },
            calendar: self.calendar.map(CalendarConfig::into_core).transpose()?,
            targets: self
                .targets
                .into_iter()
                .enumerate()
                .map(|(j, t)| {
                    let f = |n: &str| at(&format!("targets[{j}].{n}"));
                    Ok(tsla::PolicyTarget {
                        priority: t.priority,
                        first_response: opt_duration(&f("first_response"), t.first_response_ms)?,
                        next_response: opt_duration(&f("next_response"), t.next_response_ms)?,
                        resolution: opt_duration(&f("resolution"), t.resolution_ms)?,
                    })
                })
                .collect::<CoreResult<_>>()?,
            warning,
            pause_on: match self.pause_on {
                Some(list) => list
                    .iter()
                    .map(|s| convert::status(s))
                    .collect::<CoreResult<_>>()?,
                None => vec![tc::Status::Pending, tc::Status::OnHold],
            },
            active: self.active.unwrap_or(true),
        })
    }
}

impl From<tsla::SlaPolicy> for SlaPolicy {
    fn from(p: tsla::SlaPolicy) -> Self {
        let c = p.conditions;
        SlaPolicy {
            id: Some(p.id.to_string()),
            name: p.name,
            conditions: Some(PolicyConditions {
                priorities: Some(c.priorities),
                categories: Some(strings(c.categories)),
                channels: Some(
                    c.channels
                        .into_iter()
                        .map(|ch| ch.as_str().to_owned())
                        .collect(),
                ),
                tags: Some(c.tags),
                customer_tiers: Some(c.customer_tiers),
            }),
            calendar: p.calendar.map(CalendarConfig::from),
            targets: p
                .targets
                .into_iter()
                .map(|t| PolicyTarget {
                    priority: t.priority,
                    first_response_ms: opt_ms(t.first_response),
                    next_response_ms: opt_ms(t.next_response),
                    resolution_ms: opt_ms(t.resolution),
                })
                .collect(),
            warning: Some(match p.warning {
                tsla::WarningThreshold::Percent(n) => WarningThreshold {
                    percent: Some(f64::from(n)),
                    before_ms: None,
                },
                tsla::WarningThreshold::Before(d) => WarningThreshold {
                    percent: None,
                    before_ms: Some(ms(d)),
                },
            }),
            pause_on: Some(
                p.pause_on
                    .into_iter()
                    .map(|s| s.as_str().to_owned())
                    .collect(),
            ),
            active: Some(p.active),
        }
    }
}

/// One warning or breach a sweep recorded.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct SlaAlert {
    /// The ticket.
    pub ticket_id: String,
    /// Its number.
    pub number: String,
    /// Which clock.
    #[napi(ts_type = "SlaMetric")]
    pub metric: String,
    /// `warning` or `breached`.
    #[napi(ts_type = "AlertKind")]
    pub kind: String,
    /// The clock's due instant.
    pub due_at: DateTime<Utc>,
}

/// What a sweep recorded.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct SweepReport {
    /// Alerts recorded by this sweep (none twice across sweeps).
    pub alerts: Vec<SlaAlert>,
    /// Tickets examined.
    pub examined: u32,
}

impl From<tc::SweepReport> for SweepReport {
    fn from(r: tc::SweepReport) -> Self {
        SweepReport {
            alerts: r
                .alerts
                .into_iter()
                .map(|a| SlaAlert {
                    ticket_id: a.ticket_id.to_string(),
                    number: a.number,
                    metric: a.metric.as_str().to_owned(),
                    kind: name(&a.kind),
                    due_at: a.due_at,
                })
                .collect(),
            examined: u32::try_from(r.examined).unwrap_or(u32::MAX),
        }
    }
}

/// Options of `Workspace.slaSweep`.
#[napi(object, object_to_js = false)]
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// Record what fell due by this instant (default: the desk's clock).
    pub now: Option<Date>,
}

/// Why an SLA clock's due instant is what it is.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct SlaExplanation {
    /// Which clock.
    #[napi(ts_type = "SlaMetric")]
    pub metric: String,
    /// Its state.
    #[napi(ts_type = "ClockStatus")]
    pub status: String,
    /// The policy id.
    pub policy: Option<String>,
    /// The policy's name.
    pub policy_name: Option<String>,
    /// The calendar's time zone.
    pub timezone: String,
    /// The target, in milliseconds.
    pub target_ms: f64,
    /// When the clock started.
    pub started_at: DateTime<Utc>,
    /// Business time consumed, in milliseconds.
    pub consumed_ms: f64,
    /// Business time left, in milliseconds.
    pub remaining_ms: f64,
    /// The due instant.
    pub due_at: Option<DateTime<Utc>>,
    /// When it was breached.
    pub breached_at: Option<DateTime<Utc>>,
    /// When it stopped.
    pub stopped_at: Option<DateTime<Utc>>,
    /// Its pauses.
    pub pauses: Vec<Pause>,
    /// The segments the remaining time is counted over.
    pub segments: Vec<Segment>,
    /// Holidays skipped (`YYYY-MM-DD`).
    pub holidays_skipped: Vec<String>,
    /// The same, as sentences.
    pub lines: Vec<String>,
}

impl From<tsla::SlaExplanation> for SlaExplanation {
    fn from(e: tsla::SlaExplanation) -> Self {
        SlaExplanation {
            metric: e.metric.as_str().to_owned(),
            status: name(&e.status),
            policy: opt_string(e.policy),
            policy_name: e.policy_name,
            timezone: e.timezone,
            target_ms: ms(e.target),
            started_at: e.started_at,
            consumed_ms: ms(e.consumed),
            remaining_ms: ms(e.remaining),
            due_at: e.due_at,
            breached_at: e.breached_at,
            stopped_at: e.stopped_at,
            pauses: e.pauses.into_iter().map(Pause::from).collect(),
            segments: e.segments.into_iter().map(Segment::from).collect(),
            holidays_skipped: strings(e.holidays_skipped),
            lines: e.lines,
        }
    }
}
