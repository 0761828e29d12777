//! Every bound Ticketry puts on a tenant's input, in one place.
//!
//! A workspace's content (templates, JSON documents, calendars, SLA targets)
//! is hostile input: each bound below keeps one workspace from stalling or
//! crashing the process that serves the others. Whatever the core accepts,
//! every backend stores and reads back. A value past a bound is
//! `invalid_input` naming the field, and nothing is written. The README's
//! "Limits" table lists the same numbers.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use std::time::Duration;

/// Longest template body, in characters.
pub const TEMPLATE_BODY: usize = 50_000;
/// Most categories one template is offered for.
pub const TEMPLATE_CATEGORIES: usize = 100;
/// Most tokens inside one `{{ … }}` or `{% … %}` tag.
pub const TEMPLATE_TAG_TOKENS: usize = 200;
/// Deepest nesting of blocks (`if`, `for`) or of brackets in a template.
pub const TEMPLATE_NESTING: usize = 16;
/// Instructions one render may execute (minijinja fuel).
pub const TEMPLATE_FUEL: u64 = 200_000;
/// Largest rendered text, in bytes.
pub const TEMPLATE_OUTPUT: usize = 400_000;
/// Work the filters of one render may do, in units: a value or a byte of
/// text each time a filter goes through its input (and through its
/// arguments once per item for `map`, `select` and the like; sorting counts
/// once per halving), and a byte each of what `replace` produces.
pub const TEMPLATE_WORK: u64 = 20_000_000;
/// Longest a render may run.
pub const TEMPLATE_DEADLINE: Duration = Duration::from_millis(50);

/// Deepest nesting of HTML elements a parser is given (rendered Markdown,
/// HTML-only mail): deeper tags are dropped, their text kept
/// ([`crate::html::flatten`]).
pub const HTML_NESTING: usize = 128;
/// Most formatting elements (`b`, `font`, `a`…) open at once in that HTML:
/// a parser opens the open ones again after each block that closes them
/// implicitly, so their number multiplies what it builds. Further ones are
/// dropped, their text kept.
pub const HTML_FORMATTING: usize = 16;

/// Deepest nesting of a JSON document (`custom_fields`): objects and arrays.
pub const JSON_DEPTH: usize = 32;
/// Largest JSON document (`custom_fields`), serialized, in bytes.
pub const JSON_BYTES: usize = 64 * 1024;

/// Most intervals on one weekday of a calendar.
pub const CALENDAR_INTERVALS_PER_DAY: usize = 48;
/// Most dated entries (`holidays`, `partial_holidays`, `extra_windows`) each.
pub const CALENDAR_DATED_ENTRIES: usize = 1_000;
/// Most `recurring_holidays`.
pub const CALENDAR_RECURRING: usize = 366;
/// Distinct compiled calendars kept in a process.
pub const CALENDAR_CACHE: usize = 1_024;
/// Longest SLA target or warning lead (business time).
pub const SLA_TARGET: TimeDelta = TimeDelta::days(366);
/// A target must fall due within this much calendar time of the ticket's
/// start (checked when policies are saved), so a calendar that is almost
/// never open cannot push due dates out of range.
pub const SLA_HORIZON: TimeDelta = TimeDelta::days(10 * 366);
/// Most SLA policies per workspace.
pub const SLA_POLICIES: usize = 100;
/// Most tags a ticket (or an article) carries.
pub const TAGS: usize = 50;
/// Most host records a ticket links.
pub const LINKS: usize = 50;

/// `items` if there are at most `most`, else `invalid_input` on `field`
/// naming `what` (`tags`, `links`).
pub fn at_most<T>(field: &str, items: Vec<T>, most: usize, what: &str) -> crate::Result<Vec<T>> {
    if items.len() > most {
        return Err(crate::Error::invalid_input(
            field,
            format!("at most {most} {what} (got {})", items.len()),
        ));
    }
    Ok(items)
}

/// The earliest instant Ticketry stores (every backend can).
pub fn min_instant() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The latest instant Ticketry stores (every backend can).
pub fn max_instant() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map(|d| d.and_utc())
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `at` if Ticketry can store it, else `invalid_input` on `field`.
pub fn instant(field: &str, at: DateTime<Utc>) -> crate::Result<DateTime<Utc>> {
    if (min_instant()..=max_instant()).contains(&at) {
        Ok(at)
    } else {
        Err(crate::Error::invalid_input(
            field,
            format!("{at} is outside the supported range 1970-01-01 to 9999-12-31"),
        ))
    }
}
