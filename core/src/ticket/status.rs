//! The status workflow.
//!
//! ```text
//! new ──► open ──► in_progress ──► resolved ──► closed
//!   │       ▲  ╲        ▲   ╲          │  ▲        │
//!   │       │   ╲       │    ╲         │  │        │ reopen (within the
//!   │       │    ► pending / on_hold ──┘  │        │ workspace's window)
//!   │       └──────── reopen ◄────────────┘◄───────┘
//!   └──► cancelled (from any active status)
//! ```
//!
//! Active statuses (`new`, `open`, `in_progress`, `pending`, `on_hold`) move
//! freely among themselves (but never back to `new`), to `resolved`, to
//! `closed` (a customer closing their own request) and to `cancelled`.
//! `resolved` goes to `closed`, or back to `open` by reopening. `closed` goes
//! back to `open` only by reopening within the workspace's reopen window.
//! `cancelled` is final.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a ticket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Just created, nobody looked at it yet.
    New,
    /// Acknowledged, waiting for an agent.
    Open,
    /// An agent is working on it.
    InProgress,
    /// Waiting on the customer (SLA clocks pause).
    Pending,
    /// Waiting on a third party (SLA clocks pause).
    OnHold,
    /// Solved; the customer may still reply, which reopens it.
    Resolved,
    /// Done; reopen only within the reopen window.
    Closed,
    /// Withdrawn or spam; final.
    Cancelled,
}

impl Status {
    /// All statuses in workflow order.
    pub const ALL: [Status; 8] = [
        Status::New,
        Status::Open,
        Status::InProgress,
        Status::Pending,
        Status::OnHold,
        Status::Resolved,
        Status::Closed,
        Status::Cancelled,
    ];

    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Open => "open",
            Status::InProgress => "in_progress",
            Status::Pending => "pending",
            Status::OnHold => "on_hold",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
            Status::Cancelled => "cancelled",
        }
    }

    /// The active statuses (still needing work), in workflow order.
    pub const ACTIVE: [Status; 5] = [
        Status::New,
        Status::Open,
        Status::InProgress,
        Status::Pending,
        Status::OnHold,
    ];

    /// Still needs work (not resolved, closed or cancelled).
    pub const fn is_active(self) -> bool {
        matches!(
            self,
            Status::New | Status::Open | Status::InProgress | Status::Pending | Status::OnHold
        )
    }

    /// Closed or cancelled: no more messages.
    pub const fn is_terminal(self) -> bool {
        matches!(self, Status::Closed | Status::Cancelled)
    }

    /// Whether the workflow allows `self → to` by a status change.
    /// Reopening a closed ticket is [`Status::can_reopen`], not this.
    ///
    /// ```
    /// use ticketry_core::Status;
    /// assert!(Status::New.can_transition_to(Status::InProgress));
    /// assert!(Status::Resolved.can_transition_to(Status::Open));
    /// assert!(!Status::Closed.can_transition_to(Status::Open));
    /// assert!(!Status::Open.can_transition_to(Status::New));
    /// ```
    pub const fn can_transition_to(self, to: Status) -> bool {
        use Status::*;
        match (self, to) {
            (_, New) => false,
            (from, Open | InProgress | Pending | OnHold | Resolved | Cancelled)
                if from.is_active() =>
            {
                !matches!(
                    (from, to),
                    (Open, Open) | (InProgress, InProgress) | (Pending, Pending) | (OnHold, OnHold)
                )
            }
            (from, Closed) if from.is_active() => true,
            (Resolved, Closed | Open) => true,
            _ => false,
        }
    }

    /// Checks a transition, with a typed error.
    pub fn check_transition(self, to: Status) -> Result<()> {
        if self.can_transition_to(to) {
            Ok(())
        } else {
            Err(Error::invalid_transition(
                self,
                format!("a ticket cannot go from {self} to {to}"),
            ))
        }
    }

    /// Statuses a reopen starts from.
    pub const fn can_reopen(self) -> bool {
        matches!(self, Status::Resolved | Status::Closed)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Deserializes what [`FromStr`] parses: the canonical names and the aliases.
impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(|e: Error| match e {
            Error::InvalidInput { message, .. } => serde::de::Error::custom(message),
            other => serde::de::Error::custom(other),
        })
    }
}

impl FromStr for Status {
    type Err = Error;
    /// Parses the canonical names and the seeds' aliases
    /// (`waiting_user`, `waiting_customer` → pending; `waiting`, `hold` → on_hold;
    /// `solved` → resolved; `reopened` → open; `canceled` → cancelled; any case, `-` or space for `_`).
    fn from_str(s: &str) -> Result<Self> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Ok(match norm.as_str() {
            "new" | "draft" => Status::New,
            "open" | "reopened" => Status::Open,
            "in_progress" | "inprogress" | "working" => Status::InProgress,
            "pending"
            | "waiting_user"
            | "waiting_customer"
            | "waiting_on_customer"
            | "awaiting_customer" => Status::Pending,
            "on_hold" | "hold" | "waiting" | "waiting_third_party" => Status::OnHold,
            "resolved" | "solved" => Status::Resolved,
            "closed" => Status::Closed,
            "cancelled" | "canceled" | "spam" => Status::Cancelled,
            _ => {
                return Err(Error::invalid_input(
                    "status",
                    format!("unknown status {s:?}"),
                ));
            }
        })
    }
}
