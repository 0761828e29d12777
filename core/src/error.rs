//! The one error type of Ticketry and its stable codes.
//!
//! Every failure a caller can see is an [`Error`]. Each variant has a stable
//! snake_case [`code`](Error::code) that is part of the public API: the Python
//! binding raises one exception class per code and the Node binding sets
//! `err.code` to it. Codes are never renamed; new ones may be added.
//!
//! | code | meaning |
//! |---|---|
//! | `not_found` | the entity does not exist *in this workspace* |
//! | `invalid_input` | a field is malformed or breaks a rule; `field` names it |
//! | `invalid_transition` | the ticket's status does not allow the operation |
//! | `conflict` | a concurrent write won (stale `expected_version`), retry on fresh data |
//! | `already_exists` | a unique key (slug, code, host id) is taken |
//! | `storage` | the storage backend failed (connection, I/O); nothing was changed |

use crate::ticket::Status;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every error Ticketry returns. See the module docs for the stable codes.
///
/// ```
/// use ticketry_core::Error;
/// let e = Error::invalid_input("subject", "must not be empty");
/// assert_eq!(e.code(), "invalid_input");
/// assert_eq!(e.to_string(), "invalid input: subject: must not be empty");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The entity does not exist in this workspace.
    #[error("not found: {entity} {id}")]
    NotFound {
        /// What was looked up (`ticket`, `agent`, …).
        entity: &'static str,
        /// The id or key that was looked up.
        id: String,
    },
    /// A field is malformed or breaks a rule.
    #[error("invalid input: {field}: {message}")]
    InvalidInput {
        /// The offending field, dotted for nested values (`weekly.mon[1]`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The ticket's current status does not allow the operation.
    #[error("invalid transition: {message}")]
    InvalidTransition {
        /// The status the ticket is in.
        from: Status,
        /// Human-readable reason.
        message: String,
    },
    /// A concurrent write won; the change was not applied.
    #[error("conflict: {message}")]
    Conflict {
        /// What conflicted.
        message: String,
    },
    /// A unique key is already taken.
    #[error("already exists: {entity} {key}")]
    AlreadyExists {
        /// What was created (`workspace`, `priority`, …).
        entity: &'static str,
        /// The taken key.
        key: String,
    },
    /// The storage backend failed; nothing was changed.
    #[error("storage error: {message}")]
    Storage {
        /// Backend-specific description.
        message: String,
    },
}

impl Error {
    /// Every stable code, in declaration order (bindings export this list).
    pub const CODES: &'static [&'static str] = &[
        "not_found",
        "invalid_input",
        "invalid_transition",
        "conflict",
        "already_exists",
        "storage",
    ];

    /// The stable snake_case code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound { .. } => "not_found",
            Error::InvalidInput { .. } => "invalid_input",
            Error::InvalidTransition { .. } => "invalid_transition",
            Error::Conflict { .. } => "conflict",
            Error::AlreadyExists { .. } => "already_exists",
            Error::Storage { .. } => "storage",
        }
    }

    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Shorthand for [`Error::NotFound`].
    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Error::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    /// Shorthand for [`Error::InvalidTransition`].
    pub fn invalid_transition(from: Status, message: impl Into<String>) -> Self {
        Error::InvalidTransition {
            from,
            message: message.into(),
        }
    }
}

/// The one error a storage backend returns.
///
/// Backends map their own failures onto these; the service turns them into
/// [`Error`] with the same meaning.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The row does not exist in the workspace.
    #[error("not found: {entity} {id}")]
    NotFound {
        /// Entity kind.
        entity: &'static str,
        /// Key looked up.
        id: String,
    },
    /// Optimistic-concurrency check failed: the stored version differs.
    #[error("version conflict on {entity} {id}: expected {expected}")]
    VersionConflict {
        /// Entity kind.
        entity: &'static str,
        /// Key written.
        id: String,
        /// The version the writer read.
        expected: u64,
    },
    /// A unique key is taken.
    #[error("already exists: {entity} {key}")]
    AlreadyExists {
        /// Entity kind.
        entity: &'static str,
        /// The taken key.
        key: String,
    },
    /// Any backend failure (connection, I/O, serialization).
    #[error("backend: {0}")]
    Backend(String),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { entity, id } => Error::NotFound { entity, id },
            StoreError::VersionConflict { .. } => Error::Conflict {
                message: e.to_string(),
            },
            StoreError::AlreadyExists { entity, key } => Error::AlreadyExists { entity, key },
            StoreError::Backend(message) => Error::Storage { message },
        }
    }
}
