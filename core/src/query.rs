//! Ticket listing: filters and cursor pagination.

use crate::error::{Error, Result};
use crate::ids::{AgentId, CategoryId, CustomerId, TeamId};
use crate::ticket::{Status, Ticket};
use serde::{Deserialize, Serialize};

/// Filters and paging for [`Helpdesk::list_tickets`](crate::Helpdesk::list_tickets).
/// Filters combine with AND; an empty `statuses` means any status.
///
/// ```
/// use ticketry_core::{Status, TicketQuery};
/// let q = TicketQuery { statuses: vec![Status::Open, Status::New], limit: 20, ..TicketQuery::default() };
/// assert_eq!(q.limit, 20);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TicketQuery {
    /// Any of these statuses.
    pub statuses: Vec<Status>,
    /// Priority code.
    pub priority: Option<String>,
    /// Assigned to this agent.
    pub assignee: Option<AgentId>,
    /// Only tickets without an assignee.
    pub unassigned: bool,
    /// Owned by this team.
    pub team: Option<TeamId>,
    /// In this category.
    pub category: Option<CategoryId>,
    /// Carrying this tag.
    pub tag: Option<String>,
    /// Asked by this customer.
    pub customer: Option<CustomerId>,
    /// Order of the results.
    pub order: TicketOrder,
    /// The `next_cursor` of the previous page.
    pub after: Option<String>,
    /// Page size, 1..=500 (default 50).
    pub limit: u32,
}

impl Default for TicketQuery {
    fn default() -> Self {
        Self {
            statuses: Vec::new(),
            priority: None,
            assignee: None,
            unassigned: false,
            team: None,
            category: None,
            tag: None,
            customer: None,
            order: TicketOrder::Newest,
            after: None,
            limit: 50,
        }
    }
}

/// Order of a ticket listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TicketOrder {
    /// Newest first (by number).
    #[default]
    Newest,
    /// Oldest first (by number).
    Oldest,
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

impl TicketQuery {
    /// Checks the limit and decodes the cursor into the last `seq` seen.
    pub fn validate(&self) -> Result<Option<u64>> {
        if !(1..=500).contains(&self.limit) {
            return Err(Error::invalid_input("limit", "must be between 1 and 500"));
        }
        self.after.as_deref().map(decode_cursor).transpose()
    }

    /// Whether `t` passes every filter (backends without an index use this).
    pub fn matches(&self, t: &Ticket) -> bool {
        (self.statuses.is_empty() || self.statuses.contains(&t.status))
            && self.priority.as_ref().is_none_or(|p| *p == t.priority)
            && self
                .assignee
                .as_ref()
                .is_none_or(|a| Some(a) == t.assignee.as_ref())
            && (!self.unassigned || t.assignee.is_none())
            && self.team.is_none_or(|team| Some(team) == t.team)
            && self.category.is_none_or(|c| Some(c) == t.category)
            && self.tag.as_ref().is_none_or(|tag| t.tags.contains(tag))
            && self.customer.as_ref().is_none_or(|c| *c == t.customer)
    }
}

/// Encodes a position (a ticket's `seq`) as an opaque cursor.
pub fn encode_cursor(seq: u64) -> String {
    format!("t{seq:x}")
}

/// Decodes a cursor made by [`encode_cursor`].
pub fn decode_cursor(cursor: &str) -> Result<u64> {
    cursor
        .strip_prefix('t')
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .ok_or_else(|| Error::invalid_input("after", format!("malformed cursor {cursor:?}")))
}

/// Builds a page from up to `limit + 1` items in order: the extra item only
/// tells that another page exists.
pub fn page_from(mut items: Vec<Ticket>, limit: u32) -> Page<Ticket> {
    let limit = limit as usize;
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|t| encode_cursor(t.seq))
    } else {
        None
    };
    Page { items, next_cursor }
}
