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

/// Metadata of a file the host keeps (Ticketry never holds the bytes): where
/// it is is either the host's `storage_key` or a `url`, exactly one of them;
/// size and type may be unknown (a file referenced by URL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// Original file name.
    pub filename: String,
    /// Size in bytes, when known.
    #[serde(default)]
    pub size: Option<u64>,
    /// MIME type (`image/png`), when known.
    #[serde(default)]
    pub mime_type: Option<String>,
    /// The host's storage key (S3 key, file path).
    #[serde(default)]
    pub storage_key: Option<String>,
    /// Where the file is served (`https://…` or a path such as `/media/…`).
    #[serde(default)]
    pub url: Option<String>,
}

impl Attachment {
    /// A file in the host's storage.
    pub fn stored(filename: &str, size: u64, mime_type: &str, storage_key: &str) -> Self {
        Self {
            filename: filename.into(),
            size: Some(size),
            mime_type: Some(mime_type.into()),
            storage_key: Some(storage_key.into()),
            url: None,
        }
    }
}

/// Who wrote a message when that is not the author's registered identity:
/// mail from an address no customer has, a message relayed by a third party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Sender {
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
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
    /// Who actually wrote it, when not the author's registered identity.
    pub sender: Option<Sender>,
    /// The caller's idempotency key (retries return this message).
    pub idempotency_key: Option<String>,
    /// When written.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub created_at: DateTime<Utc>,
    /// Copied from this ticket when it was merged into this message's ticket.
    #[serde(default)]
    pub merged_from: Option<TicketId>,
}
