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
//! | `conflict` | a concurrent write won (stale `expected_version`), retry on fresh data; or an idempotency key was reused for another request |
//! | `already_exists` | a unique key (slug, code, host id) is taken, or the ticket is already rated |
//! | `storage` | the storage backend failed before anything was written; nothing was changed |
//! | `outcome_unknown` | the backend failed while committing: the change may or may not have been written. Retry with the same idempotency key, or read before retrying |
//! | `internal` | a bug in Ticketry (a panic caught at the language boundary); nothing is known about the change |

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
    /// The workflow of another entity than a ticket (an incident, an
    /// access request) does not allow the change; same code as
    /// [`Error::InvalidTransition`].
    #[error("invalid transition: {message}")]
    InvalidState {
        /// `incident` or `access_request`.
        entity: &'static str,
        /// The state it is in (`resolved`, `approved`).
        state: &'static str,
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
    /// The storage backend failed before anything was written; nothing was changed.
    #[error("storage error: {message}")]
    Storage {
        /// Backend-specific description.
        message: String,
    },
    /// The backend failed while committing (connection lost after the
    /// commit was sent): the change may or may not be stored. Retrying with
    /// the same idempotency key is safe; without one, read first.
    #[error("outcome unknown: {message}")]
    OutcomeUnknown {
        /// Backend-specific description.
        message: String,
    },
    /// A bug in Ticketry: a panic caught at the language boundary.
    #[error("internal error: {message}")]
    Internal {
        /// What went wrong.
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
        "outcome_unknown",
        "internal",
    ];

    /// The stable snake_case code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound { .. } => "not_found",
            Error::InvalidInput { .. } => "invalid_input",
            Error::InvalidTransition { .. } | Error::InvalidState { .. } => "invalid_transition",
            Error::Conflict { .. } => "conflict",
            Error::AlreadyExists { .. } => "already_exists",
            Error::Storage { .. } => "storage",
            Error::OutcomeUnknown { .. } => "outcome_unknown",
            Error::Internal { .. } => "internal",
        }
    }

    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Shorthand for [`Error::NotFound`] (a long id is shortened, see [`shown`]).
    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Error::NotFound {
            entity,
            id: shown(&id.to_string()),
        }
    }

    /// The same error naming `field` instead (an `invalid_input` raised for
    /// an argument the caller named differently); other errors unchanged.
    pub fn for_field(self, field: &str) -> Self {
        match self {
            Error::InvalidInput { message, .. } => Error::invalid_input(field, message),
            other => other,
        }
    }

    /// The same error with its field inside `prefix` (`tickets[3]` and
    /// `subject` make `tickets[3].subject`); other errors unchanged.
    ///
    /// ```
    /// use ticketry_core::Error;
    /// let e = Error::invalid_input("subject", "is empty").within("tickets[3]");
    /// assert!(matches!(e, Error::InvalidInput { field, .. } if field == "tickets[3].subject"));
    /// ```
    pub fn within(self, prefix: &str) -> Self {
        match self {
            Error::InvalidInput { field, message } => {
                Error::invalid_input(format!("{prefix}.{field}"), message)
            }
            other => other,
        }
    }

    /// Shorthand for [`Error::Conflict`].
    pub fn conflict(message: impl Into<String>) -> Self {
        Error::Conflict {
            message: message.into(),
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

/// Longest echo of caller input inside an error message, in characters.
pub const MAX_ECHO: usize = 80;

/// `value` as an error message may quote it: at most [`MAX_ECHO`]
/// characters, the rest replaced by `…`, so a 1 MB input never comes back
/// in a message.
///
/// ```
/// use ticketry_core::error::shown;
/// assert_eq!(shown("abc"), "abc");
/// assert_eq!(shown(&"x".repeat(1000)).chars().count(), 81);
/// ```
pub fn shown(value: &str) -> String {
    match value.char_indices().nth(MAX_ECHO) {
        None => value.to_owned(),
        Some((cut, _)) => format!("{}…", &value[..cut]),
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
    /// The idempotency key was already used in the workspace for a
    /// different request (another customer, subject or body).
    #[error("idempotency key {key} was used for a different request")]
    IdempotencyMismatch {
        /// The key.
        key: String,
    },
    /// A backend failure before anything could have been written
    /// (connection, I/O, serialization).
    #[error("backend: {0}")]
    Backend(String),
    /// A failure while committing: the write may or may not be stored.
    #[error("outcome unknown: {0}")]
    OutcomeUnknown(String),
    /// The workspace's settings, priorities or SLA policies changed since the
    /// [`WorkspaceCatalog`](crate::store::WorkspaceCatalog) the write was
    /// computed from: nothing was written (the service recomputes it).
    #[error("the workspace's catalog changed while the write was computed")]
    CatalogChanged,
    /// The write's [`active_agent`](crate::store::TicketWrite::active_agent)
    /// is inactive: nothing was written.
    #[error("agent {id} is inactive")]
    InactiveAgent {
        /// The agent.
        id: String,
    },
    /// The write's [`capacity`](crate::store::TicketWrite::capacity) guard
    /// failed: the agent has as many open tickets as their limit by now
    /// (another write took the room). Nothing was written; the service
    /// picks again.
    #[error("agent {id} has no room left")]
    AtCapacity {
        /// The agent.
        id: String,
    },
    /// A per-key limit on open items was reached (the open access requests
    /// of a customer): nothing was written.
    #[error("{what} of {key}: the limit of {max} is reached")]
    LimitReached {
        /// What is limited (`open access requests`).
        what: &'static str,
        /// Whose (the customer).
        key: String,
        /// The limit.
        max: u32,
    },
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { entity, id } => Error::NotFound { entity, id },
            StoreError::VersionConflict { .. } => Error::Conflict {
                message: e.to_string(),
            },
            StoreError::AlreadyExists { entity, key } => Error::AlreadyExists { entity, key },
            StoreError::IdempotencyMismatch { key } => Error::Conflict {
                message: format!(
                    "idempotency key {:?} was already used for a different request",
                    shown(&key)
                ),
            },
            StoreError::Backend(message) => Error::Storage { message },
            StoreError::OutcomeUnknown(message) => Error::OutcomeUnknown { message },
            StoreError::InactiveAgent { id } => {
                Error::invalid_input("agent", format!("agent {id} is inactive"))
            }
            StoreError::AtCapacity { .. } | StoreError::LimitReached { .. } => Error::Conflict {
                message: e.to_string(),
            },
            StoreError::CatalogChanged => Error::Conflict {
                message: "the workspace's settings, priorities or SLA policies kept changing; \
                          retry"
                    .into(),
            },
        }
    }
}
