//! Newtype identifiers.
//!
//! Entities Ticketry creates get a UUIDv7 id (time-ordered). People are the
//! host application's users, referenced by the host's own id as a string.

use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $entity:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
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

macro_rules! host_id {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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
