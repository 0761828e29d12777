//! Access-recovery requests (seed 002): a customer who lost access asks for a
//! password reset, a 2FA reset, an account unlock or an e-mail change; staff
//! review and decide; the host carries out an approved request on its
//! `access.approved` event. Ticketry never resets anything itself and keeps
//! no secret: only which verification was done and what was checked.
//!
//! ```text
//! pending ──► in_review ──► approved
//!    │            │  └────► rejected
//!    │            └───────► expired / cancelled
//!    └──► approved / rejected / expired / cancelled
//! ```
//!
//! A request expires at `expires_at`: from then on only `expired` is
//! possible (the sweep in `run_automations` records it).
//!
//! ```
//! use ticketry_core::access::AccessStatus;
//! assert!(AccessStatus::Pending.can_become(AccessStatus::InReview));
//! assert!(!AccessStatus::Approved.can_become(AccessStatus::Rejected));
//! ```

use crate::error::{Error, Result};
use crate::ids::{AccessRequestId, CustomerId, TicketId};
use crate::ticket::Actor;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// Where a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccessStatus {
    /// Waiting for staff.
    Pending,
    /// Staff are checking it.
    InReview,
    /// Approved: the host carries it out.
    Approved,
    /// Refused.
    Rejected,
    /// Not decided before `expires_at`.
    Expired,
    /// Withdrawn by the customer (or staff on their behalf).
    Cancelled,
}

impl AccessStatus {
    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            AccessStatus::Pending => "pending",
            AccessStatus::InReview => "in_review",
            AccessStatus::Approved => "approved",
            AccessStatus::Rejected => "rejected",
            AccessStatus::Expired => "expired",
            AccessStatus::Cancelled => "cancelled",
        }
    }

    /// Still waiting for a decision.
    pub const fn is_open(self) -> bool {
        matches!(self, AccessStatus::Pending | AccessStatus::InReview)
    }

    /// Whether the workflow allows going from `self` to `to`.
    pub fn can_become(self, to: AccessStatus) -> bool {
        use AccessStatus as S;
        match (self, to) {
            (S::Pending, S::InReview) => true,
            (from, S::Approved | S::Rejected | S::Expired | S::Cancelled) => from.is_open(),
            _ => false,
        }
    }
}

/// How the requester's identity was checked (never the secret itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Verification {
    /// The method (`email_link`, `sms_code`, `id_document`, `security_questions`…).
    pub method: String,
    /// What was checked (`email matches`, `last 4 digits of card`).
    #[serde(default)]
    pub checked: Vec<String>,
}

/// One decision or step of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AccessAudit {
    /// When.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub at: DateTime<Utc>,
    /// Who.
    pub by: Actor,
    /// The status before (`None`: the request was made).
    pub from: Option<AccessStatus>,
    /// The status after.
    pub to: AccessStatus,
    /// The note or reason given.
    pub note: Option<String>,
}

/// An access-recovery request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AccessRequest {
    /// Id.
    pub id: AccessRequestId,
    /// `password_reset`, `two_factor_reset`, `account_unlock`, `email_change`
    /// or a host's own kind (a key).
    pub kind: String,
    /// The customer, when known.
    pub customer: Option<CustomerId>,
    /// Where to reach the requester when they cannot log in (an address or phone).
    pub contact: Option<String>,
    /// How their identity was checked.
    pub verification: Option<Verification>,
    /// What they wrote.
    pub note: Option<String>,
    /// A ticket about it.
    pub ticket: Option<TicketId>,
    /// Where it is.
    pub status: AccessStatus,
    /// Made.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub created_at: DateTime<Utc>,
    /// Expires unless decided by then.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub expires_at: DateTime<Utc>,
    /// Who decided (approved, rejected, cancelled).
    pub decided_by: Option<Actor>,
    /// When it was decided or expired.
    #[serde(serialize_with = "crate::time_serde::opt_instant")]
    pub decided_at: Option<DateTime<Utc>>,
    /// The decision's reason or note.
    pub reason: Option<String>,
    /// Every step, oldest first (the audit trail).
    pub history: Vec<AccessAudit>,
    /// Optimistic-concurrency version, +1 on every change.
    pub version: u64,
}

/// The kinds every host knows.
pub const KINDS: [&str; 4] = [
    "password_reset",
    "two_factor_reset",
    "account_unlock",
    "email_change",
];

/// How long a request stays open by default.
pub const DEFAULT_EXPIRY: TimeDelta = TimeDelta::hours(72);

impl AccessRequest {
    /// The request moved to `to` by `by` at `now` (with the audit entry), or
    /// `invalid_transition` when the workflow forbids it (a request past its
    /// expiry can only expire).
    pub fn moved(
        &self,
        to: AccessStatus,
        by: &Actor,
        note: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<AccessRequest> {
        if !self.status.can_become(to) {
            return Err(Error::InvalidState {
                entity: "access_request",
                state: self.status.as_str(),
                message: format!(
                    "an access request cannot go from {} to {}",
                    self.status.as_str(),
                    to.as_str()
                ),
            });
        }
        if to != AccessStatus::Expired && now >= self.expires_at {
            return Err(Error::InvalidState {
                entity: "access_request",
                state: self.status.as_str(),
                message: format!(
                    "the request expired at {}",
                    self.expires_at.format("%Y-%m-%dT%H:%M:%SZ")
                ),
            });
        }
        let mut next = self.clone();
        next.status = to;
        next.version += 1;
        if !to.is_open() {
            next.decided_at = Some(now);
            if to != AccessStatus::Expired {
                next.decided_by = Some(by.clone());
            }
            next.reason.clone_from(&note);
        }
        next.history.push(AccessAudit {
            at: now,
            by: by.clone(),
            from: Some(self.status),
            to,
            note,
        });
        Ok(next)
    }
}
