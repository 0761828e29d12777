//! Serde helpers: durations travel as whole seconds in JSON and storage.
//!
//! The number is wrapped in a serde newtype named [`SECONDS`]: JSON (and
//! any other format that treats newtypes transparently) sees the plain
//! number, while the language bindings recognise the name and hand the host
//! its own duration type (`timedelta`, milliseconds in JavaScript).

use chrono::TimeDelta;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serializer};
use std::fmt;

/// The serde newtype name of a duration in whole seconds.
pub const SECONDS: &str = "$ticketry::seconds";

fn seconds(n: i64) -> Option<TimeDelta> {
    TimeDelta::try_seconds(n)
}

struct Secs;

impl<'de> Visitor<'de> for Secs {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration in whole seconds")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::custom("duration out of range"))
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<i64, D::Error> {
        i64::deserialize(d)
    }
}

/// `TimeDelta` as whole seconds.
pub mod secs {
    use super::*;
    /// Serializes as seconds.
    pub fn serialize<S: Serializer>(d: &TimeDelta, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(SECONDS, &d.num_seconds())
    }
    /// Deserializes from seconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<TimeDelta, D::Error> {
        let n = d.deserialize_newtype_struct(SECONDS, Secs)?;
        seconds(n).ok_or_else(|| de::Error::custom("duration out of range"))
    }
}

/// `Option<TimeDelta>` as whole seconds or null.
pub mod opt_secs {
    use super::*;
    /// Serializes as seconds or null.
    pub fn serialize<S: Serializer>(d: &Option<TimeDelta>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&Wrapped(*d)),
            None => s.serialize_none(),
        }
    }
    /// Deserializes from seconds or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<TimeDelta>, D::Error> {
        Ok(Option::<Wrapped>::deserialize(d)?.map(|w| w.0))
    }
}

/// A `TimeDelta` with the [`secs`] representation, for use inside containers.
#[derive(Debug, Clone, Copy)]
pub struct Wrapped(pub TimeDelta);

impl serde::Serialize for Wrapped {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        secs::serialize(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for Wrapped {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        secs::deserialize(d).map(Wrapped)
    }
}

/// An optional duration that may be present as null: absent is `None`
/// (with `#[serde(default)]`), null is `Some(None)`.
pub fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<TimeDelta>>, D::Error> {
    opt_secs::deserialize(d).map(Some)
}

/// The JSON Schema of a duration in whole seconds (`format: duration`):
/// the generated clients type it as `timedelta` (Python) and milliseconds (Node).
#[cfg(feature = "schema")]
#[derive(Debug)]
pub struct Seconds;

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Seconds {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Seconds".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "integer", "format": "duration" })
    }
}
