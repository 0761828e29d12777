//! Agents and customers: the host application's users, by the host's own id.

use crate::ids::{AgentId, CustomerId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A support staff member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Agent {
    /// The host's user id.
    pub id: AgentId,
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Inactive agents cannot be assigned (they left the team).
    pub active: bool,
    /// Available agents receive automatic assignments (not on leave, online).
    pub available: bool,
    /// Maximum open tickets for automatic assignment; `None` is unlimited.
    pub capacity: Option<u32>,
    /// When Ticketry first saw this agent.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub created_at: DateTime<Utc>,
}

/// Input for [`Helpdesk::put_agent`](crate::Helpdesk::put_agent): creates or updates by id.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AgentInput {
    /// The host's user id.
    pub id: AgentId,
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Defaults to `true`.
    #[serde(default = "yes")]
    pub active: bool,
    /// Defaults to `true`.
    #[serde(default = "yes")]
    pub available: bool,
    /// Maximum open tickets; `None` is unlimited.
    pub capacity: Option<u32>,
}

impl AgentInput {
    /// An active, available agent with unlimited capacity.
    pub fn new(id: AgentId, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
            email: None,
            active: true,
            available: true,
            capacity: None,
        }
    }
}

/// An end user who asks for help.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Customer {
    /// The host's user id.
    pub id: CustomerId,
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Service tier (`gold`, `enterprise`), usable in SLA policy conditions.
    pub tier: Option<String>,
    /// Preferred locale.
    pub locale: Option<String>,
    /// When Ticketry first saw this customer.
    #[serde(serialize_with = "crate::time_serde::instant")]
    pub created_at: DateTime<Utc>,
    /// IANA time zone (`Europe/Berlin`), for times shown to them
    /// (`{{ … | datetime(customer.timezone) }}` in templates).
    pub timezone: Option<String>,
}

impl Customer {
    /// What a ticket search matches a customer by: the terms of their id,
    /// name and e-mail address (see [`crate::search::terms`]).
    ///
    /// ```
    /// use ticketry_core::{Customer, CustomerId};
    /// let c = Customer {
    ///     id: CustomerId::new("u42").unwrap(),
    ///     name: "Anna Petrova".into(),
    ///     email: Some("anna.p@example.com".into()),
    ///     tier: None, locale: None, timezone: None,
    ///     created_at: chrono::DateTime::UNIX_EPOCH,
    /// };
    /// assert_eq!(c.search_terms(), ["u42", "anna", "petrova", "anna", "p", "exampl", "com"]);
    /// ```
    pub fn search_terms(&self) -> Vec<String> {
        let mut all = crate::search::terms(self.id.as_str());
        all.extend(crate::search::terms(&self.name));
        all.extend(crate::search::terms(self.email.as_deref().unwrap_or("")));
        all.truncate(crate::search::MAX_INDEXED_TERMS);
        all
    }
}

/// Input for [`Helpdesk::put_customer`](crate::Helpdesk::put_customer): creates or updates by id.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    /// The host's user id.
    pub id: CustomerId,
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Service tier.
    pub tier: Option<String>,
    /// Preferred locale.
    pub locale: Option<String>,
    /// IANA time zone.
    #[serde(default)]
    pub timezone: Option<String>,
}

impl CustomerInput {
    /// A customer with only a name.
    pub fn new(id: CustomerId, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
            email: None,
            tier: None,
            locale: None,
            timezone: None,
        }
    }
}

pub(crate) fn yes() -> bool {
    true
}
