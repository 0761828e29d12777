//! A core error's details, as both bindings put them on their error
//! objects beside `code` and `message` (Python: attributes of the
//! exception; Node: properties of the `Error`).

use crate::value::Value;
use ticketry_core::Error;

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
