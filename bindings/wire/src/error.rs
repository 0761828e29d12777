//! A core error's details, as both bindings put them on their error
//! objects beside `code` and `message` (Python: attributes of the
//! exception; Node: properties of the `Error`).

use crate::value::Value;
use ticketry_core::Error;
use ticketry_core::calendar::CalendarError;

/// The details of `e` by name (one word each, so both languages spell them
/// alike): `entity` and `id` of `not_found`; `field` and `reason` of
/// `invalid_input`; `status` (and `entity`, for an incident or an access
/// request) of `invalid_transition`; `entity` and `key` of
/// `already_exists`. Other errors have none.
///
/// ```
/// use ticketry_core::Error;
/// use ticketry_wire::{Value, error::details};
/// let d = details(&Error::not_found("agent", "casper"));
/// assert_eq!(d, [("entity", Value::Str("agent".into())), ("id", Value::Str("casper".into()))]);
/// ```
pub fn details(e: &Error) -> Vec<(&'static str, Value)> {
    let text = |s: &str| Value::Str(s.to_owned());
    match e {
        Error::NotFound { entity, id } => vec![("entity", text(entity)), ("id", text(id))],
        Error::InvalidInput { field, message } => {
            vec![("field", text(field)), ("reason", text(message))]
        }
        Error::InvalidTransition { from, .. } => {
            vec![("status", Value::Variant("Status", from.as_str()))]
        }
        Error::InvalidState { entity, state, .. } => {
            vec![("entity", text(entity)), ("status", text(state))]
        }
        Error::AlreadyExists { entity, key } => vec![("entity", text(entity)), ("key", text(key))],
        _ => Vec::new(),
    }
}

/// A calendar error as both bindings report it: `invalid_input` on its JSON
/// path under `prefix` (`policies[0].calendar.weekly.mon[1]`; the path alone
/// without a prefix), on the prefix itself (or `calendar`) for an error of
/// the whole document; its details add the error's `kind`
/// (`overlapping_intervals`).
///
/// ```
/// use ticketry_core::calendar::BusinessCalendar;
/// use ticketry_wire::{Value, error::calendar};
/// let e = BusinessCalendar::from_json("not json").unwrap_err();
/// let (error, details) = calendar(&e, "");
/// assert_eq!((error.code(), &details[0]), ("invalid_input", &("field", Value::Str("calendar".into()))));
/// assert_eq!(details.last(), Some(&("kind", Value::Str("syntax".into()))));
/// ```
pub fn calendar(e: &CalendarError, prefix: &str) -> (Error, Vec<(&'static str, Value)>) {
    let field = match (prefix, e.field()) {
        ("", "") => "calendar".to_owned(),
        ("", field) => field.to_owned(),
        (prefix, "") => prefix.to_owned(),
        (prefix, field) => format!("{prefix}.{field}"),
    };
    calendar_on(e, field)
}

/// [`calendar`] on a field the host names itself (Node's `durationMs`
/// where the core names `duration`).
pub fn calendar_on(e: &CalendarError, field: String) -> (Error, Vec<(&'static str, Value)>) {
    let error = Error::invalid_input(field, e.message());
    let mut details = details(&error);
    let kind = crate::value::snake(&format!("{:?}", e.kind()));
    details.push(("kind", Value::Str(kind.trim_start_matches('_').to_owned())));
    (error, details)
}
