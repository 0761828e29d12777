//! Serde helpers: durations travel as whole seconds in JSON and storage.

use chrono::TimeDelta;
use serde::{Deserialize, Deserializer, Serializer};

/// `TimeDelta` as whole seconds.
pub mod secs {
    use super::*;
    /// Serializes as seconds.
    pub fn serialize<S: Serializer>(d: &TimeDelta, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.num_seconds())
    }
    /// Deserializes from seconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<TimeDelta, D::Error> {
        let n = i64::deserialize(d)?;
        TimeDelta::try_seconds(n).ok_or_else(|| serde::de::Error::custom("duration out of range"))
    }
}

/// `Option<TimeDelta>` as whole seconds or null.
pub mod opt_secs {
    use super::*;
    /// Serializes as seconds or null.
    pub fn serialize<S: Serializer>(d: &Option<TimeDelta>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&d.num_seconds()),
            None => s.serialize_none(),
        }
    }
    /// Deserializes from seconds or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<TimeDelta>, D::Error> {
        Option::<i64>::deserialize(d)?
            .map(|n| {
                TimeDelta::try_seconds(n)
                    .ok_or_else(|| serde::de::Error::custom("duration out of range"))
            })
            .transpose()
    }
}
