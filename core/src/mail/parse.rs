//! Reading one raw RFC 5322 message: the fields Ticketry uses, decoded.

use super::quote;
use mail_parser::{MessageParser, MimeHeaders, PartType};

/// Why a message opens no ticket although it parsed: machine mail that
/// nobody should answer (answering it is how mail loops start).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Noise {
    /// An automatic answer: out-of-office, `Auto-Submitted`, `X-Autoreply`,
    /// `Precedence: auto_reply`.
    AutoReply,
    /// A delivery status notification (a bounce) or mail from a mailer daemon.
    Bounce,
    /// Mailing-list traffic (`List-Id`, `Precedence: list`).
    List,
    /// Bulk mail (`Precedence: bulk` or `junk`).
    Bulk,
    /// Mail sent by this workspace itself coming back (its own address or
    /// one of its notifications' Message-IDs).
    Loop,
}

impl Noise {
    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Noise::AutoReply => "auto_reply",
            Noise::Bounce => "bounce",
            Noise::List => "list",
            Noise::Bulk => "bulk",
            Noise::Loop => "loop",
        }
    }
}

/// A non-body part of a message (an attachment or an inline image), with
/// its bytes, for the host to store.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MailPart {
    /// File name (decoded; `part-N` when the message gives none).
    pub filename: String,
    /// MIME type (`application/pdf`).
    pub mime_type: String,
    /// Decoded size in bytes.
    pub size: u64,
    /// `Content-ID` without angle brackets (what `cid:` URLs in the HTML name).
    pub content_id: Option<String>,
    /// Shown inside the body (an inline image) rather than attached.
    pub inline: bool,
    /// The key the message's attachment metadata records: the host stores
    /// the bytes under it.
    pub storage_key: String,
    /// The decoded bytes.
    #[cfg_attr(feature = "schema", schemars(with = "crate::mail::Bytes"))]
    pub content: crate::mail::Bytes,
}

/// A parsed message: what ingesting it needs, nothing more.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    /// `Message-ID` without angle brackets.
    pub message_id: Option<String>,
    /// `In-Reply-To` then `References` (newest first), without brackets.
    pub references: Vec<String>,
    /// Sender address (lower case) and display name.
    pub from: Option<(String, Option<String>)>,
    /// Decoded subject (empty when none).
    pub subject: String,
    /// The whole text (the text part, else the HTML's text).
    pub text: String,
    /// The text without quoted earlier messages and signatures.
    pub visible: String,
    /// The HTML part, kept as sent.
    pub html: Option<String>,
    /// Attachments and inline images, in MIME order (keys not yet assigned).
    pub parts: Vec<MailPart>,
    /// Machine mail, if it is.
    pub noise: Option<Noise>,
}

/// How many `message/rfc822` or `message/global` content types `raw`
/// names (an upper bound of how deep its messages nest).
pub(crate) fn nested_messages(raw: &[u8]) -> usize {
    raw.windows(8)
        .enumerate()
        .filter(|(_, w)| w.eq_ignore_ascii_case(b"message/"))
        .filter(|(i, _)| {
            let rest = &raw[i + 8..];
            let is = |name: &[u8]| {
                rest.get(..name.len())
                    .is_some_and(|r| r.eq_ignore_ascii_case(name))
            };
            is(b"rfc822") || is(b"global")
        })
        .count()
}

/// Parses `raw`; `None` when it is not a message at all (no header block).
pub(crate) fn parse(raw: &[u8]) -> Option<Parsed> {
    let msg = MessageParser::default().parse(raw)?;
    let header = |name: &'static str| msg.header_raw(name).map(str::trim);
    let ids = |v: &mail_parser::HeaderValue<'_>| -> Vec<String> {
        match v {
            mail_parser::HeaderValue::Text(t) => vec![t.to_string()],
            mail_parser::HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
            _ => Vec::new(),
        }
    };
    let mut references = ids(msg.in_reply_to());
    references.extend(ids(msg.references()).into_iter().rev());
    references.retain(|r| id(r).is_some());
    references.dedup();
    let from = msg
        .from()
        .and_then(|a| a.first())
        .and_then(|a| {
            let address = a.address()?.trim().to_ascii_lowercase();
            let name = a.name().map(str::trim).filter(|n| !n.is_empty());
            Some((address, name.map(str::to_owned)))
        })
        .filter(|(a, _)| {
            !a.contains(char::is_control) && crate::validate::email("from", Some(a)).is_ok()
        });

    // The first text/plain body, else the text of the first HTML body.
    let text_part = msg.text_bodies().find_map(|p| match &p.body {
        PartType::Text(t) => Some(t.to_string()),
        _ => None,
    });
    let html = msg.html_bodies().find_map(|p| match &p.body {
        PartType::Html(h) => Some(h.to_string()),
        _ => None,
    });
    let text = match (text_part, &html) {
        (Some(t), _) => t,
        (None, Some(h)) => html_text(h),
        (None, None) => String::new(),
    };
    let text = stored(&text.replace("\r\n", "\n")).trim_end().to_owned();
    let html = html.map(|h| stored(&h));
    let visible = quote::visible(&text);

    let mut parts = Vec::new();
    for p in msg.attachments() {
        let (bytes, inline): (&[u8], bool) = match &p.body {
            PartType::Binary(b) => (b, false),
            PartType::InlineBinary(b) => (b, true),
            PartType::Text(t) | PartType::Html(t) => (t.as_bytes(), false),
            PartType::Message(m) => (m.raw_message(), false),
            PartType::Multipart(_) => continue,
        };
        let ct = p.content_type();
        let mime_type = ct
            .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("octet-stream")))
            .filter(|m| {
                m.len() <= 100 && !m.contains(|c: char| c.is_control() || c.is_whitespace())
            })
            .map_or_else(
                || "application/octet-stream".to_owned(),
                |m| m.to_lowercase(),
            );
        let inline = inline
            || p.content_disposition()
                .is_some_and(|d| d.ctype().eq_ignore_ascii_case("inline"));
        let n = parts.len() + 1;
        parts.push(MailPart {
            filename: p
                .attachment_name()
                .map(file_name)
                .filter(|f| !f.is_empty())
                .unwrap_or_else(|| format!("part-{n}")),
            mime_type,
            size: bytes.len() as u64,
            content_id: p
                .content_id()
                .map(|c| c.trim_matches(['<', '>', ' ']))
                .and_then(id),
            inline,
            storage_key: String::new(),
            content: crate::mail::Bytes(bytes.to_vec()),
        });
    }

    let noise = noise(&msg, &header, from.as_ref().map(|(a, _)| a.as_str()));
    Some(Parsed {
        message_id: msg.message_id().map(str::trim).and_then(id),
        references,
        from,
        subject: msg
            .subject()
            .map(|s| s.trim().to_owned())
            .unwrap_or_default(),
        text,
        visible,
        html,
        parts,
        noise,
    })
}

/// Text as every backend stores it: NUL (which no SQL database keeps in
/// text or JSON) and U+E000 (Ticketry's mark for a new ticket's number)
/// become U+FFFD.
fn stored(text: &str) -> String {
    text.replace(['\0', '\u{E000}'], "\u{FFFD}")
}

/// A Message-ID or Content-ID Ticketry can keep: 1 to 998 characters
/// without control characters (the line limit of RFC 5322).
fn id(v: &str) -> Option<String> {
    (!v.is_empty() && v.len() <= 998 && !v.contains(char::is_control)).then(|| v.to_owned())
}

/// A part's file name as a storage key's last segment: one line, no path
/// separators, at most 120 bytes.
fn file_name(name: &str) -> String {
    // Separators, characters Windows refuses and bidirectional controls
    // (which make `exe.pdf` look like `fdp.exe`).
    let unsafe_char = |c: char| {
        c.is_control()
            || "/\\:*?\"<>|".contains(c)
            || ('\u{202A}'..='\u{202E}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    };
    let clean: String = name
        .chars()
        .map(|c| if unsafe_char(c) { '_' } else { c })
        .collect();
    let clean = clean.trim().trim_start_matches('.');
    // At most 120 bytes, so the key's last segment fits every file system.
    let mut out = String::new();
    for c in clean.chars() {
        if out.len() + c.len_utf8() > 120 {
            break;
        }
        out.push(c);
    }
    out
}

/// Machine mail, by the headers that mark it (RFC 3834, RFC 2369, RFC 3464
/// and the de-facto ones).
fn noise<'a>(
    msg: &mail_parser::Message<'_>,
    header: &impl Fn(&'static str) -> Option<&'a str>,
    from: Option<&str>,
) -> Option<Noise> {
    let lower = |name: &'static str| header(name).map(str::to_ascii_lowercase);
    if msg.root_part().content_type().is_some_and(|c| {
        c.ctype().eq_ignore_ascii_case("multipart")
            && c.subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
    }) {
        return Some(Noise::Bounce);
    }
    if let Some(local) = from.and_then(|f| f.split('@').next())
        && matches!(local, "mailer-daemon" | "postmaster")
    {
        return Some(Noise::Bounce);
    }
    // A null reverse path: what servers send about delivery (RFC 5321 4.5.5).
    if header("Return-Path").is_some_and(|r| r.trim_matches([' ', '\t']) == "<>") {
        return Some(Noise::Bounce);
    }
    if lower("Auto-Submitted").is_some_and(|v| !v.starts_with("no"))
        || ["X-Autoreply", "X-Autorespond", "X-Autoresponder"]
            .iter()
            .any(|h| header(h).is_some())
    {
        return Some(Noise::AutoReply);
    }
    match lower("Precedence").as_deref() {
        Some("auto_reply") => return Some(Noise::AutoReply),
        Some("list") => return Some(Noise::List),
        Some("bulk" | "junk") => return Some(Noise::Bulk),
        _ => {}
    }
    // (`List-Unsubscribe` alone is also on one-to-one mail from CRMs.)
    if header("List-Id").is_some() {
        return Some(Noise::List);
    }
    None
}

/// The visible text of an HTML body (scripts and styles dropped, links and
/// tables laid out as text), by `html2text`.
pub(crate) fn html_text(html: &str) -> String {
    html2text::config::plain_no_decorate()
        .link_footnotes(false)
        .no_table_borders()
        .string_from_read(
            crate::html::flatten(html, crate::limits::HTML_NESTING).as_bytes(),
            100,
        )
        .unwrap_or_default()
        .trim_end()
        .to_owned()
}

/// The ticket numbers a subject names in square brackets
/// (`Re: [TKT-2026-00042] Login`), at most three.
pub(crate) fn subject_numbers(subject: &str) -> Vec<&str> {
    subject
        .split('[')
        .skip(1)
        .filter_map(|s| s.split_once(']').map(|(n, _)| n.trim()))
        .filter(|n| (3..=64).contains(&n.len()) && !n.contains(char::is_whitespace))
        .take(3)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_numbers_are_the_bracketed_words() {
        assert_eq!(
            subject_numbers("RE: Re: [TKT-2026-00042] Login [ext] [a b]"),
            ["TKT-2026-00042", "ext"]
        );
        assert!(subject_numbers("no number").is_empty());
    }

    #[test]
    fn machine_mail_is_recognised() {
        let auto = b"From: a@example.com\r\nAuto-Submitted: auto-replied\r\nSubject: Away\r\n\r\nI am away.\r\n";
        assert_eq!(parse(auto).and_then(|p| p.noise), Some(Noise::AutoReply));
        let human = b"From: a@example.com\r\nAuto-Submitted: no\r\nSubject: Hi\r\n\r\nHello.\r\n";
        assert_eq!(parse(human).and_then(|p| p.noise), None);
        let daemon = b"From: MAILER-DAEMON@mx.example.net\r\nSubject: Undelivered\r\n\r\nx\r\n";
        assert_eq!(parse(daemon).and_then(|p| p.noise), Some(Noise::Bounce));
    }

    #[test]
    fn html_only_mail_gives_its_visible_text() {
        let t =
            html_text("<style>p{color:red}</style><p>Hello <b>there</b></p><script>x()</script>");
        assert!(t.contains("Hello there"), "{t}");
        assert!(!t.contains("color") && !t.contains("x()"), "{t}");
    }
}
