//! # Ticketry for Node.js
//!
//! A napi-rs addon over `ticketry-core`: the operations of the shared table
//! (`ticketry-wire`) as Promises (run on one tokio runtime, never on the
//! event loop), plain camelCase objects with `Date` instants and millisecond
//! durations, and `Error`s whose `code` is the core's stable code. The typed
//! methods are generated (`index.js`, `index.d.ts`); this crate only
//! converts values, owns the backend's lifecycle and the `Calendar` class.

mod calendar;
mod convert;
mod desk;
mod wire;

use napi_derive::napi;

/// A stable error code (its TypeScript union is in `header.d.ts`).
pub type ErrorCode = &'static str;

/// Every stable error code of the core (`err.code` of a rejected Promise or
/// thrown error), in declaration order.
#[napi]
pub const ERROR_CODES: [ErrorCode; 8] = [
    "not_found",
    "invalid_input",
    "invalid_transition",
    "conflict",
    "already_exists",
    "storage",
    "outcome_unknown",
    "internal",
];

#[cfg(test)]
mod tests {
    #[test]
    fn error_codes_match_the_core() {
        assert_eq!(super::ERROR_CODES.as_slice(), ticketry_core::Error::CODES);
    }
}
