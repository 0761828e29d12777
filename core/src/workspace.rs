//! Workspaces (tenants): every other entity belongs to exactly one.

use crate::error::{Error, Result};
use crate::ids::WorkspaceId;
use crate::validate;
use chrono::{DateTime, Datelike, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// A tenant of the help desk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Workspace {
    /// Id.
    pub id: WorkspaceId,
    /// Display name.
    pub name: String,
    /// Unique URL-safe key (`acme`, `pyland-school`).
    pub slug: String,
    /// Settings.
    pub settings: WorkspaceSettings,
    /// When it was created.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub created_at: DateTime<Utc>,
}

/// Per-workspace settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct WorkspaceSettings {
    /// Ticket-number format; see [`NumberFormat`].
    pub number_format: NumberFormat,
    /// Default IANA time zone (`Europe/Berlin`).
    pub timezone: String,
    /// Default locale (`en`, `ru`, `de-DE`).
    pub locale: String,
    /// How long after closing a customer or agent may still reopen a ticket;
    /// `None` means closed tickets can never be reopened.
    #[serde(with = "crate::duration_serde::opt_secs")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::duration_serde::Seconds>")
    )]
    pub reopen_window: Option<TimeDelta>,
    /// Automatic assignment for tickets without a team and for teams that
    /// name no strategy of their own (`None`: no automatic assignment).
    pub assignment: Option<crate::assignment::Strategy>,
    /// Most open access-recovery requests one customer may have (default 3).
    pub max_open_access_requests: u32,
    /// E-mail: the support address, customers created from mail, the
    /// per-sender rate, notification templates ([`crate::mail`]).
    pub mail: crate::mail::MailSettings,
}

impl Default for WorkspaceSettings {
    fn default() -> Self {
        Self {
            number_format: NumberFormat::default(),
            timezone: "UTC".into(),
            locale: "en".into(),
            reopen_window: Some(TimeDelta::days(7)),
            assignment: None,
            max_open_access_requests: 3,
            mail: crate::mail::MailSettings::default(),
        }
    }
}

impl WorkspaceSettings {
    /// The workspace's time zone (UTC if the stored name is unknown).
    pub fn tz(&self) -> Tz {
        self.timezone.parse().unwrap_or(Tz::UTC)
    }

    /// The start (local midnight, in UTC) of the workspace's day containing `at`.
    pub fn day_start(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        use chrono::TimeZone;
        let tz = self.tz();
        let midnight = at
            .with_timezone(&tz)
            .date_naive()
            .and_time(chrono::NaiveTime::MIN);
        // A midnight skipped by a DST change starts the day at the first instant after it.
        tz.from_local_datetime(&midnight)
            .earliest()
            .or_else(|| {
                tz.from_local_datetime(&(midnight + TimeDelta::hours(1)))
                    .earliest()
            })
            .map_or(at, |d| d.with_timezone(&Utc))
    }

    /// The calendar year of `at` in the workspace's time zone.
    pub fn local_year(&self, at: DateTime<Utc>) -> i32 {
        at.with_timezone(&self.tz()).year()
    }

    pub(crate) fn validate(&self) -> Result<()> {
        NumberFormat::check(&self.number_format.0)?;
        if self.timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(Error::invalid_input(
                "settings.timezone",
                format!("unknown IANA time zone {:?}", self.timezone),
            ));
        }
        validate::text("settings.locale", &self.locale, 35)?;
        if !(1..=100).contains(&self.max_open_access_requests) {
            return Err(Error::invalid_input(
                "settings.max_open_access_requests",
                "must be between 1 and 100",
            ));
        }
        if self.reopen_window.is_some_and(|w| w < TimeDelta::zero()) {
            return Err(Error::invalid_input(
                "settings.reopen_window",
                "must not be negative",
            ));
        }
        self.mail.validate()
    }
}

/// A change to some of a workspace's [`WorkspaceSettings`]: each field left
/// `None` keeps its value (the one merge rule every binding uses).
///
/// ```
/// use ticketry_core::workspace::{SettingsPatch, WorkspaceSettings};
/// let patch = SettingsPatch { timezone: Some("Europe/Berlin".into()), ..SettingsPatch::default() };
/// let s = patch.apply(WorkspaceSettings::default());
/// assert_eq!((s.timezone.as_str(), s.locale.as_str()), ("Europe/Berlin", "en"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    /// New ticket-number format.
    pub number_format: Option<NumberFormat>,
    /// New IANA time zone.
    pub timezone: Option<String>,
    /// New locale.
    pub locale: Option<String>,
    /// New reopen window; `Some(None)` forbids reopening closed tickets.
    #[serde(default, deserialize_with = "crate::duration_serde::present")]
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::duration_serde::Seconds>")
    )]
    pub reopen_window: Option<Option<TimeDelta>>,
    /// New default assignment strategy; `Some(None)` turns it off.
    #[serde(default, deserialize_with = "nullable")]
    pub assignment: Option<Option<crate::assignment::Strategy>>,
    /// New limit of open access requests per customer (1 to 100).
    pub max_open_access_requests: Option<u32>,
    /// New mail settings (replace the old ones as a whole).
    pub mail: Option<crate::mail::MailSettings>,
}

/// A field that may be present as null: absent is `None` (with
/// `#[serde(default)]`), null is `Some(None)`.
fn nullable<'de, D, T>(d: D) -> std::result::Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

impl SettingsPatch {
    /// `settings` with this patch's fields replaced (not validated: the
    /// service validates the result before saving it).
    pub fn apply(self, mut settings: WorkspaceSettings) -> WorkspaceSettings {
        if let Some(f) = self.number_format {
            settings.number_format = f;
        }
        if let Some(t) = self.timezone {
            settings.timezone = t;
        }
        if let Some(l) = self.locale {
            settings.locale = l;
        }
        if let Some(w) = self.reopen_window {
            settings.reopen_window = w;
        }
        if let Some(a) = self.assignment {
            settings.assignment = a;
        }
        if let Some(n) = self.max_open_access_requests {
            settings.max_open_access_requests = n;
        }
        if let Some(m) = self.mail {
            settings.mail = m;
        }
        settings
    }
}

/// The format of ticket numbers, e.g. the default `TKT-{year}-{seq:05}`.
///
/// Placeholders: `{year}` (creation year in the workspace's time zone),
/// `{seq}` and `{seq:0N}` (the workspace's counter, zero-padded to N digits),
/// and `{token}`: a short code that does not show how many tickets there are
/// (`TKT-{token}` → `TKT-KXR481`), still drawn from the gap-free counter (see
/// [`NumberPiece::Token`]). The counter never resets, so numbers stay unique
/// across years. Formats
/// are printable ASCII, so numbers are safe in e-mail subjects and are looked
/// up case-insensitively.
///
/// ```
/// use ticketry_core::workspace::NumberFormat;
/// # use ticketry_core::WorkspaceId;
/// let f = NumberFormat::default();
/// assert_eq!(f.render(42, 2026, WorkspaceId::generate()), "TKT-2026-00042");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct NumberFormat(pub String);

impl Default for NumberFormat {
    fn default() -> Self {
        Self("TKT-{year}-{seq:05}".into())
    }
}

impl NumberFormat {
    /// Checks the placeholders: `{year}`, `{seq}`, `{seq:0N}` (N ≤ 12),
    /// `{token}`, and that `{seq}` or `{token}` is present so numbers are unique.
    fn check(s: &str) -> Result<()> {
        let bad = |m: &str| Error::invalid_input("settings.number_format", m.to_owned());
        if s.len() > 64 {
            return Err(bad("must be at most 64 characters"));
        }
        if !s.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
            return Err(bad("must be printable ASCII"));
        }
        let mut rest = s;
        let mut has_seq = false;
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').ok_or_else(|| bad("unclosed '{'"))? + open;
            match &rest[open + 1..close] {
                "year" => {}
                "seq" | "token" => has_seq = true,
                name => match name.strip_prefix("seq:0").map(str::parse::<usize>) {
                    Some(Ok(w)) if w <= 12 => has_seq = true,
                    _ => return Err(bad(&format!("unknown placeholder {{{name}}}"))),
                },
            }
            rest = &rest[close + 1..];
        }
        if has_seq {
            Ok(())
        } else {
            Err(bad("must contain {seq} or {token} so numbers are unique"))
        }
    }

    /// Renders the number of the `seq`-th ticket of workspace `ws`, created
    /// in local `year`. (Formats are validated when settings are saved; an
    /// unknown placeholder in an unvalidated format renders as the sequence.)
    ///
    /// ```
    /// # use ticketry_core::{NumberFormat, WorkspaceId};
    /// let ws = WorkspaceId::generate();
    /// assert_eq!(NumberFormat::default().render(42, 2026, ws), "TKT-2026-00042");
    /// let token = NumberFormat("TKT-{token}".into()).render(42, 2026, ws);
    /// assert!(token.len() == 10 && token[4..7].bytes().all(|b| b.is_ascii_uppercase()));
    /// ```
    pub fn render(&self, seq: u64, year: i32, ws: WorkspaceId) -> String {
        use std::fmt::Write;
        let mut out = String::with_capacity(self.0.len() + 8);
        for piece in self.pieces(year, ws) {
            match piece {
                NumberPiece::Text(t) => out.push_str(&t),
                NumberPiece::Seq { width } => {
                    let _ = write!(out, "{seq:0width$}");
                }
                token @ NumberPiece::Token { .. } => token.write_token(&mut out, seq),
            }
        }
        out
    }

    /// The number of workspace `ws`'s tickets created in local `year` as
    /// pieces: text (the literal parts and the year) and the places of
    /// `{seq}` and `{token}`. For backends that number tickets inside the
    /// database.
    ///
    /// ```
    /// # use ticketry_core::{NumberFormat, NumberPiece, WorkspaceId};
    /// let pieces = NumberFormat::default().pieces(2026, WorkspaceId::generate());
    /// assert_eq!(pieces, [NumberPiece::Text("TKT-2026-".into()), NumberPiece::Seq { width: 5 }]);
    /// ```
    pub fn pieces(&self, year: i32, ws: WorkspaceId) -> Vec<NumberPiece> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut rest = self.0.as_str();
        while let Some(open) = rest.find('{') {
            text.push_str(&rest[..open]);
            let close = rest[open..].find('}').map_or(rest.len(), |c| c + open);
            match rest.get(open + 1..close).unwrap_or("") {
                "year" => text.push_str(&year.to_string()),
                "token" => {
                    if !text.is_empty() {
                        pieces.push(NumberPiece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(NumberPiece::token(ws));
                }
                name => {
                    let width = name
                        .strip_prefix("seq:0")
                        .and_then(|w| w.parse().ok())
                        .unwrap_or(0);
                    if !text.is_empty() {
                        pieces.push(NumberPiece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(NumberPiece::Seq { width });
                }
            }
            rest = rest.get(close + 1..).unwrap_or("");
        }
        text.push_str(rest);
        if !text.is_empty() {
            pieces.push(NumberPiece::Text(text));
        }
        pieces
    }
}

/// A piece of a ticket number: see [`NumberFormat::pieces`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberPiece {
    /// Literal text.
    Text(String),
    /// The workspace's ticket counter, zero-padded to at least `width` digits.
    Seq {
        /// The minimum number of digits.
        width: usize,
    },
    /// `{token}`: three letters (no `I`, no `O`) and three digits. The
    /// counter's value `seq` is mapped by `(mul · r + add) mod M` with
    /// `r = (seq − 1) mod M` and `M` = [`NumberPiece::TOKENS`] (a bijection:
    /// `mul` is coprime with `M`), and past the first `M` tickets the quotient
    /// `(seq − 1) div M` follows the code, so codes never repeat. `mul` and
    /// `add` come from the workspace id: each workspace has its own order.
    /// The code hides the ticket count from customers; it is not a secret
    /// (anyone who sees a few codes can work out the order).
    Token {
        /// The multiplier (coprime with [`NumberPiece::TOKENS`]).
        mul: u64,
        /// The offset (below [`NumberPiece::TOKENS`]).
        add: u64,
    },
}

impl NumberPiece {
    /// How many distinct `{token}` codes there are: 24³ · 10³.
    pub const TOKENS: u64 = 24 * 24 * 24 * 1000;
    /// The letters of a `{token}`: A–Z without `I` and `O`.
    pub const TOKEN_LETTERS: &'static str = "ABCDEFGHJKLMNPQRSTUVWXYZ";

    /// The `{token}` piece of workspace `ws`.
    fn token(ws: WorkspaceId) -> Self {
        let h = ws.as_uuid().as_u128();
        let add = (h % u128::from(Self::TOKENS)) as u64;
        // M = 2^12 · 3^3 · 5^3: a multiplier prime to 2, 3 and 5 is a bijection.
        let mut mul = ((h >> 64) % u128::from(Self::TOKENS)) as u64;
        while [2, 3, 5].iter().any(|&p| mul.is_multiple_of(p)) || mul == 1 {
            mul = (mul + 1) % Self::TOKENS;
        }
        Self::Token { mul, add }
    }

    /// Appends the `{token}` of `seq` to `out` (nothing for other pieces).
    fn write_token(&self, out: &mut String, seq: u64) {
        use std::fmt::Write;
        let Self::Token { mul, add } = *self else {
            return;
        };
        let m = u128::from(Self::TOKENS);
        let r = u128::from(seq.saturating_sub(1));
        let idx = ((u128::from(mul) * (r % m) + u128::from(add)) % m) as u64;
        let letters = Self::TOKEN_LETTERS.as_bytes();
        let l = idx / 1000;
        for d in [l / 576, l / 24, l] {
            out.push(char::from(letters[(d % 24) as usize]));
        }
        let _ = write!(out, "{:03}", idx % 1000);
        let q = r / m;
        if q > 0 {
            let _ = write!(out, "{q}");
        }
    }
}

/// Input for [`Helpdesk::create_workspace`](crate::Helpdesk::create_workspace).
#[derive(Debug, Clone, Default)]
pub struct NewWorkspace {
    /// Display name.
    pub name: String,
    /// Unique key: 1–64 of `a-z 0-9 _ - . :`.
    pub slug: String,
    /// Settings (defaults if omitted).
    pub settings: WorkspaceSettings,
    /// Priorities to install (`NewWorkspace::new` picks low..urgent; `None` installs none).
    pub priority_preset: Option<crate::priority::PriorityPreset>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(seq: u64, ws: WorkspaceId) -> String {
        NumberFormat("{token}".into()).render(seq, 2026, ws)
    }

    #[test]
    fn tokens_are_unique_and_differ_between_workspaces() {
        let (a, b) = (WorkspaceId::generate(), WorkspaceId::generate());
        let mut seen = std::collections::HashSet::new();
        for seq in 1..=200_000 {
            assert!(seen.insert(token(seq, a)), "repeated at {seq}");
        }
        let same = (1..=100).filter(|&s| token(s, a) == token(s, b)).count();
        assert!(same < 3, "{same} of 100 codes equal in two workspaces");
    }

    #[test]
    fn tokens_past_the_code_space_carry_the_round() {
        let ws = WorkspaceId::generate();
        let m = NumberPiece::TOKENS;
        assert_eq!(token(m + 1, ws), format!("{}1", token(1, ws)));
        assert_eq!(token(2 * m + 5, ws), format!("{}2", token(5, ws)));
        assert_eq!(token(m, ws).len(), 6);
    }

    #[test]
    fn a_format_needs_seq_or_token() {
        assert!(NumberFormat::check("T-{token}").is_ok());
        assert!(NumberFormat::check("T-{year}").is_err());
    }
}
