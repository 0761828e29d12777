//! E-mail in and out.
//!
//! **In**: [`Helpdesk::ingest_email`](crate::Helpdesk::ingest_email) takes
//! one raw RFC 5322 message (as a mailbox, IMAP or an SMTP server received
//! it) and makes it a ticket, a message on a ticket, or a record of why not:
//!
//! 1. The message is parsed by `mail-parser` (charsets such as UTF-8,
//!    windows-1251, koi8-r and ISO-8859-x; quoted-printable and base64;
//!    multipart). The text part is preferred; an HTML-only message gives the
//!    HTML's visible text (`html2text`), and the HTML is kept as the message's
//!    `html`. Quoted earlier text and signatures are trimmed from the body
//!    ([`visible_text`]); the untrimmed text stays in the [`InboundMail`] record.
//! 2. Its identity is its `Message-ID` (or, without one, a hash of its bytes)
//!    within the workspace and the `mailbox` it arrived at: a second delivery,
//!    even a concurrent one, makes no second ticket or message
//!    ([`IngestResult::duplicate`]).
//! 3. Machine mail ([`Noise`]: auto-replies, bounces, list and bulk mail, the
//!    workspace's own notifications coming back) is recorded and opens nothing,
//!    so it can trigger no automatic answer; so is mail over the per-sender
//!    rate ([`MailSettings::max_per_sender_per_hour`]).
//! 4. The sender is found by address: an agent's address answering a ticket is
//!    that agent's note (or reply, with [`MailSettings::agent_replies`]); otherwise the customer with that address, created
//!    (id `mail:<address>`) when [`MailSettings::create_customers`] allows it,
//!    else the message is quarantined.
//! 5. Threading: `In-Reply-To` and `References` are matched against the
//!    Message-IDs of stored messages and of Ticketry's own notifications, then
//!    a ticket number in square brackets in the subject (`[TKT-2026-00042]`);
//!    a message to a merged ticket lands in the one it was merged into, a
//!    message to a closed ticket opens a new one. Anything else opens a ticket.
//!
//! Attachments and inline images come back as [`MailPart`]s with their bytes
//! and the `storage_key` the message's attachment metadata records: the host
//! stores each part's bytes under its key (Ticketry never keeps file bytes).
//! Keys are derived from the message's identity, so a retried delivery names
//! the same keys.
//!
//! **Out**: [`Helpdesk::notifications`](crate::Helpdesk::notifications) reads
//! the event log after its consumer's cursor and renders what to send to whom
//! ([`Notification`]): subject, text and HTML from the workspace's templates
//! (or the built-in English and Russian ones), with threading headers. The
//! host sends them and calls
//! [`Helpdesk::ack_notifications`](crate::Helpdesk::ack_notifications) with
//! the batch's cursor; a batch not acknowledged is handed out again after a
//! restart, with the same Message-IDs, so a resend is recognisable.

mod notify;
mod parse;
mod quote;

pub use notify::{Notification, NotificationBatch, NotificationKind, Recipient, default_template};
pub(crate) use notify::{NotifyContext, notifications_for};
pub use parse::{MailPart, Noise};
pub(crate) use parse::{Parsed, nested_messages, parse, subject_numbers};
pub use quote::visible as visible_text;

use crate::ids::{CategoryId, MessageId, TeamId, TicketId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The largest message [`Helpdesk::ingest_email`](crate::Helpdesk::ingest_email)
/// accepts, in bytes (50 MiB: a 25 MB attachment grows by a third in base64).
pub const MAX_MAIL_BYTES: usize = 50 * 1024 * 1024;

/// Most parts (attachments and inline images) one message may carry;
/// more are quarantined.
pub const MAX_MAIL_PARTS: usize = 50;

/// Most messages nested in one another (`message/rfc822` or
/// `message/global` parts inside parts) a message may hold. The parser
/// nests them as it reads, and dropping them recurses once per level:
/// 10 000 levels (650 KB of mail) overflowed a runtime worker's stack and
/// killed the process. Forwarded mail nests a few levels.
pub const MAX_MAIL_NESTING: usize = 64;

/// Raw bytes (a message, a part): `bytes` in Python, a `Buffer` in Node.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Bytes(pub Vec<u8>);

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bytes({} bytes)", self.0.len())
    }
}

impl Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Bytes;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Bytes, E> {
                Ok(Bytes(v))
            }
        }
        d.deserialize_byte_buf(Visit)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Bytes {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Bytes".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "contentEncoding": "binary", "format": "bytes"})
    }
}

/// How [`Helpdesk::ingest_email`](crate::Helpdesk::ingest_email) files a
/// message that opens a ticket, and which mailbox it came to.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IngestOptions {
    /// The address it arrived at (`billing@acme.example`): recorded, and part
    /// of its identity, so one message sent to two mailboxes of a workspace
    /// opens a ticket in each.
    #[serde(default)]
    pub mailbox: Option<String>,
    /// Category of a new ticket.
    #[serde(default)]
    pub category: Option<CategoryId>,
    /// Priority code of a new ticket.
    #[serde(default)]
    pub priority: Option<String>,
    /// Team of a new ticket.
    #[serde(default)]
    pub team: Option<TeamId>,
    /// Tags of a new ticket.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Prefix of the parts' storage keys (default `mail/`).
    #[serde(default)]
    pub storage_prefix: Option<String>,
}

/// What became of an inbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum InboundOutcome {
    /// It opened a ticket.
    Created,
    /// It was added to a ticket's thread.
    Appended,
    /// Machine mail ([`Noise`]): recorded, nothing opened or answered.
    Ignored,
    /// Held back (unknown sender while customers are not created from mail,
    /// no sender address, too many parts); delivering it again re-evaluates it.
    Quarantined,
    /// Over the sender's hourly rate; delivering it again re-evaluates it.
    RateLimited,
}

impl InboundOutcome {
    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            InboundOutcome::Created => "created",
            InboundOutcome::Appended => "appended",
            InboundOutcome::Ignored => "ignored",
            InboundOutcome::Quarantined => "quarantined",
            InboundOutcome::RateLimited => "rate_limited",
        }
    }

    /// Whether a second delivery is a duplicate (otherwise it is evaluated again).
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            InboundOutcome::Created | InboundOutcome::Appended | InboundOutcome::Ignored
        )
    }
}

/// The workspace's record of one inbound message (its mail log).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InboundMail {
    /// Its identity in the workspace: from the `Message-ID` (or the bytes'
    /// hash) and the mailbox.
    pub key: String,
    /// `Message-ID` without angle brackets.
    pub message_id: Option<String>,
    /// The mailbox it arrived at.
    pub mailbox: Option<String>,
    /// Sender address (lower case).
    pub from: Option<String>,
    /// Decoded subject.
    pub subject: String,
    /// What became of it.
    pub outcome: InboundOutcome,
    /// Why, for `ignored` (a [`Noise`] name), `quarantined` (`unknown_sender`,
    /// `no_sender`, `too_many_parts`, `agent_on_closed_ticket`, or an error
    /// code) and `rate_limited`; `filed_earlier` for a message recorded by a
    /// delivery that found it already filed (one that failed before recording
    /// it, or one still under way).
    pub reason: Option<String>,
    /// The ticket it opened, landed on or (for machine mail) refers to.
    pub ticket_id: Option<TicketId>,
    /// The message it became.
    pub message: Option<MessageId>,
    /// Its size in bytes.
    pub size: u64,
    /// The whole decoded text, before quotes and signatures were trimmed
    /// (at most [`MAX_BODY`](crate::service::MAX_BODY) characters).
    pub text: String,
    /// When it was ingested (last evaluated).
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub received_at: DateTime<Utc>,
}

/// What [`Helpdesk::ingest_email`](crate::Helpdesk::ingest_email) did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IngestResult {
    /// The record (outcome, reason, ticket, message).
    pub record: InboundMail,
    /// Found already filed or recorded: nothing was changed by this
    /// delivery. (Deliveries racing each other may each say false; the
    /// message is filed once all the same.)
    pub duplicate: bool,
    /// The ticket it opened or landed on.
    pub ticket: Option<crate::ticket::Ticket>,
    /// The message it became.
    pub message: Option<crate::ticket::Message>,
    /// Attachments and inline images with their bytes and storage keys (also
    /// for a duplicate, so a host that crashed before storing them can).
    pub parts: Vec<MailPart>,
}

/// Mail settings of a workspace ([`WorkspaceSettings::mail`](crate::workspace::WorkspaceSettings::mail)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct MailSettings {
    /// The support mailbox (`support@acme.example`): notifications come from
    /// it and are answered to it; mail from it is a loop. Its domain names
    /// the notifications' Message-IDs.
    pub address: Option<String>,
    /// The display name notifications come from (default: the workspace's name).
    pub from_name: Option<String>,
    /// Mail from an unknown address creates a customer (id `mail:<address>`);
    /// when false it is quarantined.
    pub create_customers: bool,
    /// Messages accepted from one address per hour (1 to 10 000; default 30);
    /// agents' addresses are not limited.
    pub max_per_sender_per_hour: u32,
    /// Mail from an active agent's address answering a ticket is that agent's
    /// public reply. Off by default: `From` is easy to forge, so their mail
    /// becomes an internal note, which no customer sees. Turn it on when the
    /// mailbox rejects mail that fails SPF/DKIM/DMARC for your domain.
    pub agent_replies: bool,
    /// The host's page of a ticket, for links in notifications:
    /// `{number}` and `{id}` are replaced (`https://acme.example/support/{number}`).
    pub ticket_url: Option<String>,
    /// Notification templates replacing the built-in ones, by kind
    /// (`customer.reply`) or kind and language (`customer.reply:ru`).
    pub templates: std::collections::BTreeMap<String, MailTemplate>,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            address: None,
            from_name: None,
            create_customers: true,
            max_per_sender_per_hour: 30,
            agent_replies: false,
            ticket_url: None,
            templates: Default::default(),
        }
    }
}

/// A notification template: a subject line and a Markdown body, both
/// Jinja2 in the safe subset of [`template`](crate::template). The body gives
/// the text part as written and the HTML part rendered from the Markdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct MailTemplate {
    /// Subject (the ticket number in brackets is added when it lacks it).
    pub subject: String,
    /// Body (Markdown).
    pub body: String,
}

impl MailSettings {
    /// Most templates a workspace may set.
    pub const MAX_TEMPLATES: usize = 64;

    pub(crate) fn validate(&self) -> crate::Result<()> {
        use crate::Error;
        crate::validate::email("settings.mail.address", self.address.as_deref())?;
        if let Some(n) = &self.from_name {
            crate::validate::text("settings.mail.from_name", n, 200)?;
        }
        if !(1..=10_000).contains(&self.max_per_sender_per_hour) {
            return Err(Error::invalid_input(
                "settings.mail.max_per_sender_per_hour",
                "must be between 1 and 10000",
            ));
        }
        if let Some(u) = &self.ticket_url {
            crate::validate::text("settings.mail.ticket_url", u, 1000)?;
        }
        if self.templates.len() > Self::MAX_TEMPLATES {
            return Err(Error::invalid_input(
                "settings.mail.templates",
                format!("at most {} templates", Self::MAX_TEMPLATES),
            ));
        }
        for (key, t) in &self.templates {
            let field = |f: &str| format!("settings.mail.templates.{key}.{f}");
            let kind = key.split_once(':').map_or(key.as_str(), |(k, _)| k);
            if kind.parse::<NotificationKind>().is_err() {
                return Err(Error::invalid_input(
                    format!("settings.mail.templates.{key}"),
                    format!(
                        "unknown notification kind {:?} (one of {})",
                        crate::error::shown(kind),
                        NotificationKind::ALL
                            .map(NotificationKind::as_str)
                            .join(", ")
                    ),
                ));
            }
            for (name, text) in [("subject", &t.subject), ("body", &t.body)] {
                crate::template::check_syntax(text).map_err(|e| match e {
                    Error::InvalidInput { message, .. } => {
                        Error::invalid_input(field(name), message)
                    }
                    other => other,
                })?;
            }
        }
        Ok(())
    }

    /// The domain of the notifications' Message-IDs.
    pub fn domain(&self) -> &str {
        self.address
            .as_deref()
            .and_then(|a| a.trim().rsplit_once('@'))
            .map_or("ticketry.invalid", |(_, d)| d)
    }
}
