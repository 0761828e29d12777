//! Newtype identifiers.
//!
//! Entities Ticketry creates get a UUIDv7 id (time-ordered). People are the
//! host application's users, referenced by the host's own id as a string.

use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits
/// from a per-thread SplitMix64 generator seeded by the standard library's
/// per-process random keys. Ids need uniqueness, not secrecy, and this avoids
/// a `getrandom` system call per id (7 % of a ticket write in profiles).
fn uuid_v7() -> Uuid {
    use std::cell::Cell;
    use std::hash::{BuildHasher, Hasher};
    thread_local! {
        static STATE: Cell<u64> = Cell::new({
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(std::process::id().into());
            h.finish()
        });
    }
    let next = || {
        STATE.with(|s| {
            let x = s.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
            s.set(x);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        })
    };
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let random = (u128::from(next()) << 64) | u128::from(next());
    let mut bits = (u128::from(millis & 0xFFFF_FFFF_FFFF) << 80) | (random & ((1_u128 << 80) - 1));
    bits = (bits & !(0xF_u128 << 76)) | (0x7_u128 << 76); // version 7
    bits = (bits & !(0b11_u128 << 62)) | (0b10_u128 << 62); // RFC 9562 variant
    Uuid::from_u128(bits)
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $entity:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[serde(transparent)]
        pub struct $name(Uuid);

        /// Serializes as the hyphenated text in every format (the bindings'
        /// serializer is not human-readable, where `Uuid` would be bytes).
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.0.hyphenated().encode_lower(&mut Uuid::encode_buffer()))
            }
        }

        impl $name {
            /// A fresh, time-ordered id (UUIDv7).
            pub fn generate() -> Self {
                Self(uuid_v7())
            }
            /// Wraps an existing UUID (e.g. read from storage).
            pub const fn from_uuid(u: Uuid) -> Self {
                Self(u)
            }
            /// The UUID inside.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| Error::invalid_input($entity, format!("not a UUID: {s:?}")))
            }
        }
    };
}

uuid_id!(
    /// A workspace (tenant).
    WorkspaceId, "workspace_id");
uuid_id!(
    /// A ticket.
    TicketId, "ticket_id");
uuid_id!(
    /// A message in a ticket's thread.
    MessageId, "message_id");
uuid_id!(
    /// A category.
    CategoryId, "category_id");
uuid_id!(
    /// A team.
    TeamId, "team_id");
uuid_id!(
    /// A response template.
    TemplateId, "template_id");
uuid_id!(
    /// An SLA policy.
    PolicyId, "policy_id");
uuid_id!(
    /// An incident (an outage customers are told about).
    IncidentId, "incident_id");
uuid_id!(
    /// An access-recovery request.
    AccessRequestId, "request_id");
uuid_id!(
    /// A knowledge-base category.
    KbCategoryId, "kb_category_id");
uuid_id!(
    /// A knowledge-base article.
    ArticleId, "article_id");
uuid_id!(
    /// A set of article suggestions shown before a ticket was opened.
    SuggestionId, "suggestion_id");

macro_rules! host_id {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(Box<str>);

        impl $name {
            /// Validates and wraps a host user id (1–255 characters, no control characters).
            pub fn new(id: impl Into<String>) -> Result<Self, Error> {
                let id = id.into();
                if id.is_empty() || id.len() > 255 || id.chars().any(char::is_control) {
                    return Err(Error::invalid_input(
                        $field,
                        "must be 1-255 characters without control characters",
                    ));
                }
                Ok(Self(id.into_boxed_str()))
            }
            /// The host's id.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(s: String) -> Result<Self, Error> {
                Self::new(s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0.into()
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                Self::new(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({:?})"), &*self.0)
            }
        }
    };
}

host_id!(
    /// An agent: the host application's user id of a support staff member.
    AgentId, "agent_id");
host_id!(
    /// A customer: the host application's user id of an end user.
    CustomerId, "customer_id");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v7_is_versioned_unique_and_time_ordered() {
        let ids: Vec<Uuid> = (0..10_000).map(|_| uuid_v7()).collect();
        assert!(
            ids.iter()
                .all(|u| u.get_version_num() == 7 && u.get_variant() == uuid::Variant::RFC4122)
        );
        let distinct: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
        let a = uuid_v7();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = uuid_v7();
        assert!(a < b, "later milliseconds sort later");
        let other_thread = std::thread::spawn(uuid_v7).join().expect("thread");
        assert!(!distinct.contains(&other_thread));
    }
}
