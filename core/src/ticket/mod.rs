//! Tickets: the aggregate hosts work with, its workflow and its thread.

mod assignment;
mod import;
pub(crate) mod merge;
mod message;
pub(crate) mod rules;
mod status;

pub use assignment::{AssignmentAction, AssignmentRecord};
pub(crate) use import::{History, replay};
pub use import::{
    ImportMessage, ImportTicket, ImportedTicket, MAX_IMPORT, MAX_IMPORT_MESSAGES, MAX_IMPORT_SEQ,
};
pub use message::{Actor, Attachment, Message, MessageKind, Sender};
pub use status::Status;

use crate::ids::{AgentId, CategoryId, CustomerId, TeamId, TicketId, WorkspaceId};
use crate::sla::SlaState;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A support request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Ticket {
    /// Id.
    pub id: TicketId,
    /// Owning workspace.
    pub workspace_id: WorkspaceId,
    /// Position in the workspace's counter (1, 2, …), gap-free.
    pub seq: u64,
    /// Human number rendered from the workspace's format (`TKT-2026-00042`).
    pub number: String,
    /// One-line summary.
    pub subject: String,
    /// The opening text (also the first message of the thread).
    pub description: String,
    /// Workflow status.
    pub status: Status,
    /// Priority code of the workspace.
    pub priority: String,
    /// Category.
    pub category: Option<CategoryId>,
    /// Where it came from.
    pub channel: Channel,
    /// The address the customer wrote from, when it came by mail or a form.
    pub source_email: Option<String>,
    /// The phone number the customer called from.
    pub source_phone: Option<String>,
    /// Who asked.
    pub customer: CustomerId,
    /// Who works on it.
    pub assignee: Option<AgentId>,
    /// Which team owns it.
    pub team: Option<TeamId>,
    /// Tag slugs, sorted, unique.
    pub tags: Vec<String>,
    /// Links to the host's records (`order:8812`).
    pub links: Vec<Link>,
    /// The host's own fields (a JSON object).
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
    /// Created.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub created_at: DateTime<Utc>,
    /// Last changed.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub updated_at: DateTime<Utc>,
    /// First public agent reply.
    #[serde(serialize_with = "crate::time_serde::opt_instant")]
    pub first_response_at: Option<DateTime<Utc>>,
    /// Last resolved.
    #[serde(serialize_with = "crate::time_serde::opt_instant")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// Last closed.
    #[serde(serialize_with = "crate::time_serde::opt_instant")]
    pub closed_at: Option<DateTime<Utc>>,
    /// The oldest customer message not yet answered by a public agent reply.
    #[serde(serialize_with = "crate::time_serde::opt_instant")]
    pub awaiting_reply_since: Option<DateTime<Utc>>,
    /// The customer's last message.
    #[serde(default, serialize_with = "crate::time_serde::opt_instant")]
    pub last_customer_message_at: Option<DateTime<Utc>>,
    /// The last public agent reply.
    #[serde(default, serialize_with = "crate::time_serde::opt_instant")]
    pub last_agent_reply_at: Option<DateTime<Utc>>,
    /// The customer's rating.
    pub satisfaction: Option<Satisfaction>,
    /// SLA clocks.
    pub sla: SlaState,
    /// The incident it is linked to.
    #[serde(default)]
    pub incident: Option<crate::incident::IncidentLink>,
    /// Time rules: which fired, and when one is next due.
    #[serde(default)]
    pub timers: crate::automation::timer::TimerState,
    /// Reopenings and time spent waiting on the customer, for reporting.
    #[serde(default)]
    pub activity: Activity,
    /// The ticket this one was merged into (then it is closed).
    #[serde(default)]
    pub merged_into: Option<TicketId>,
    /// Optimistic-concurrency version, +1 on every change.
    pub version: u64,
}

/// What happened to a ticket over its life, for reporting
/// ([`crate::metrics`]): kept by every status change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Activity {
    /// Times reopened (resolved or closed, then active again).
    pub reopened: u32,
    /// The last reopening.
    #[serde(serialize_with = "crate::time_serde::opt_instant")]
    pub reopened_at: Option<DateTime<Utc>>,
    /// Seconds spent `pending` (waiting on the customer), spans ended.
    pub waiting_secs: i64,
    /// While `pending`: since when.
    #[serde(serialize_with = "crate::time_serde::opt_instant")]
    pub waiting_since: Option<DateTime<Utc>>,
}

impl Activity {
    /// Time spent waiting on the customer up to `at`.
    pub fn waiting_until(&self, at: DateTime<Utc>) -> TimeDelta {
        let open = self
            .waiting_since
            .filter(|&s| s < at)
            .map_or(TimeDelta::zero(), |s| at - s);
        TimeDelta::seconds(self.waiting_secs) + open
    }

    /// Records a status change at `now`.
    pub(crate) fn moved(&mut self, from: Status, to: Status, now: DateTime<Utc>) {
        if from == Status::Pending
            && let Some(since) = self.waiting_since.take()
        {
            self.waiting_secs += (now - since).num_seconds().max(0);
        }
        if to == Status::Pending {
            self.waiting_since = Some(now);
        }
        if !from.is_active() && to.is_active() {
            self.reopened += 1;
            self.reopened_at = Some(now);
        }
    }
}

/// Where a ticket came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A web form (the default).
    #[default]
    Web,
    /// E-mail.
    Email,
    /// Phone call.
    Phone,
    /// Live chat.
    Chat,
    /// Social network.
    Social,
    /// The host's API.
    Api,
    /// Telegram bot.
    Telegram,
}

impl Channel {
    /// All channels.
    pub const ALL: [Channel; 7] = [
        Channel::Web,
        Channel::Email,
        Channel::Phone,
        Channel::Chat,
        Channel::Social,
        Channel::Api,
        Channel::Telegram,
    ];

    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Email => "email",
            Channel::Phone => "phone",
            Channel::Chat => "chat",
            Channel::Social => "social",
            Channel::Api => "api",
            Channel::Telegram => "telegram",
        }
    }
}

impl FromStr for Channel {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| crate::Error::invalid_input("channel", format!("unknown channel {s:?}")))
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A link to a record of the host application: `order:8812`, `ride:77`.
///
/// ```
/// use ticketry_core::Link;
/// let l: Link = "order:8812".parse().unwrap();
/// assert_eq!((l.kind.as_str(), l.id.as_str()), ("order", "8812"));
/// assert_eq!(l.to_string(), "order:8812");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Link {
    /// Record kind (`order`, `ride`, `lesson`).
    pub kind: String,
    /// The host's id of the record.
    pub id: String,
}

impl Link {
    /// Validates and builds a link.
    pub fn new(kind: &str, id: &str) -> crate::Result<Self> {
        Ok(Link {
            kind: crate::validate::key("link.kind", kind)?,
            id: crate::validate::text("link.id", id, 255)?,
        })
    }
}

/// Deserializes `{"kind": "order", "id": "8812"}` or the text `order:8812`.
impl<'de> Deserialize<'de> for Link {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{self, MapAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Link;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a link: `kind:id` or {kind, id}")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Link, E> {
                s.parse().map_err(|e: crate::Error| E::custom(e))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Link, A::Error> {
                let (mut kind, mut id) = (None, None);
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "kind" => kind = Some(map.next_value::<String>()?),
                        "id" => id = Some(map.next_value::<String>()?),
                        _ => return Err(de::Error::unknown_field(&key, &["kind", "id"])),
                    }
                }
                let kind = kind.ok_or_else(|| de::Error::missing_field("kind"))?;
                let id = id.ok_or_else(|| de::Error::missing_field("id"))?;
                Link::new(&kind, &id).map_err(de::Error::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl FromStr for Link {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        let (kind, id) = s
            .split_once(':')
            .ok_or_else(|| crate::Error::invalid_input("link", format!("{s:?} is not kind:id")))?;
        Link::new(kind, id)
    }
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.id)
    }
}

/// A customer's rating of the support they got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Satisfaction {
    /// 1 (bad) to 5 (great).
    pub rating: u8,
    /// Free text.
    pub comment: Option<String>,
    /// When rated.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub rated_at: DateTime<Utc>,
}

/// A ticket with its messages, as one reader may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Thread {
    /// The ticket.
    pub ticket: Ticket,
    /// Messages, oldest first, filtered for the view.
    pub messages: Vec<Message>,
}

/// Who is looking at a thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// Support staff: everything.
    #[default]
    Agent,
    /// The customer: no internal notes.
    Customer,
}
