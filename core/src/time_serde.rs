//! Serde helper: instants serialize as RFC 3339 text for human-readable
//! formats (JSON, storage) and, for the language bindings' own serializer
//! (not human-readable), as a serde newtype named [`INSTANT`] holding epoch
//! microseconds, so that they become `datetime`/`Date` without formatting
//! and parsing text.

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

/// The serde newtype name of an instant in epoch microseconds.
pub const INSTANT: &str = "$ticketry::instant";

/// Serializes an instant (use with `#[serde(serialize_with = "…")]`).
pub fn instant<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    if s.is_human_readable() {
        t.serialize(s)
    } else {
        s.serialize_newtype_struct(INSTANT, &t.timestamp_micros())
    }
}

/// Serializes an optional instant.
pub fn opt_instant<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_some(&Instant(t)),
        None => s.serialize_none(),
    }
}

struct Instant<'a>(&'a DateTime<Utc>);

impl Serialize for Instant<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        instant(self.0, s)
    }
}
