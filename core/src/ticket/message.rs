//! Messages of a ticket's thread.

use crate::ids::{AgentId, CustomerId, MessageId, TicketId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who did something.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Actor {
    /// A customer (host user id).
    Customer(CustomerId),
    /// An agent (host user id).
    Agent(AgentId),
    /// Ticketry or the host's automation.
    System,
}

/// What kind of message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Written by the customer.
    Customer,
    /// A public agent reply.
    Reply,
    /// An internal note: never in the customer's view, never an SLA response.
    Note,
    /// Written by automation (status notices and the like).
    System,
}

impl MessageKind {
    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            MessageKind::Customer => "customer",
            MessageKind::Reply => "reply",
            MessageKind::Note => "note",
            MessageKind::System => "system",
        }
    }

    /// Whether the customer sees it.
    pub const fn is_public(self) -> bool {
        !matches!(self, MessageKind::Note)
    }
}

/// Metadata of a file stored by the host (Ticketry never holds the bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// Original file name.
    pub filename: String,
    /// Size in bytes.
    pub size: u64,
    /// MIME type (`image/png`).
    pub mime_type: String,
    /// The host's storage key (S3 key, file path).
    pub storage_key: String,
}

/// One entry of a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Message {
    /// Id.
    pub id: MessageId,
    /// The ticket.
    pub ticket_id: TicketId,
    /// Kind.
    pub kind: MessageKind,
    /// Author.
    pub author: Actor,
    /// Plain-text body.
    pub body: String,
    /// Optional HTML body (the host sanitizes it before display).
    pub html: Option<String>,
    /// Attachment metadata.
    pub attachments: Vec<Attachment>,
    /// The e-mail `Message-ID` when it came by mail.
    pub email_message_id: Option<String>,
    /// The caller's idempotency key (retries return this message).
    pub idempotency_key: Option<String>,
    /// When written.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub created_at: DateTime<Utc>,
}
