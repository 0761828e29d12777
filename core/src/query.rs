//! Ticket listing: filters and cursor pagination.

use crate::error::{Error, Result};
use crate::ids::{AgentId, CategoryId, CustomerId, TeamId};
use crate::ticket::{Link, Status, Ticket};
use chrono::{DateTime, Utc};
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
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
    /// Any of these priority codes (besides `priority`, which must also hold).
    pub priorities: Vec<String>,
    /// Created at or after this instant.
    pub created_since: Option<DateTime<Utc>>,
    /// Created before this instant.
    pub created_before: Option<DateTime<Utc>>,
    /// Last changed at or after this instant.
    pub updated_since: Option<DateTime<Utc>>,
    /// Last changed before this instant.
    pub updated_before: Option<DateTime<Utc>>,
    /// Last resolved at or after this instant.
    pub resolved_since: Option<DateTime<Utc>>,
    /// Last resolved before this instant.
    pub resolved_before: Option<DateTime<Utc>>,
    /// A running SLA clock falls due before this instant, to the second
    /// (the clock's now: breaching but not yet swept; an hour ahead: due soon).
    pub due_before: Option<DateTime<Utc>>,
    /// Only tickets with a breached SLA clock (seed 001's `/sla`).
    pub breached: bool,
    /// Linked to this host record (`order:8812`).
    pub link: Option<Link>,
    /// Rated by the customer (`true`) or not yet (`false`).
    pub rated: Option<bool>,
    /// Linked to this incident.
    pub incident: Option<crate::ids::IncidentId>,
    /// Words of the subject, description and messages, as typed in a search
    /// box (see [`crate::search`]: phrases in quotes, `or`, `-exclude`,
    /// `prefix*`); public messages only unless `search_notes`. Without a
    /// `customer` filter (the agent view), the tickets of the first
    /// [`MAX_SEARCH_CUSTOMERS`] customers (by id) whose
    /// [`Customer::search_terms`](crate::Customer::search_terms) match
    /// all of it match too, minus its excluded words.
    pub search: Option<String>,
    /// Search internal notes too (the agent view).
    pub search_notes: bool,
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
            priorities: Vec::new(),
            created_since: None,
            created_before: None,
            updated_since: None,
            updated_before: None,
            resolved_since: None,
            resolved_before: None,
            due_before: None,
            breached: false,
            link: None,
            rated: None,
            incident: None,
            search: None,
            search_notes: false,
            order: TicketOrder::Newest,
            after: None,
            limit: 50,
        }
    }
}

/// Most customers (the first by id, bytewise) whose tickets a search adds.
pub const MAX_SEARCH_CUSTOMERS: usize = 50;

/// Order of a ticket listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketOrder {
    /// Newest first (by number).
    #[default]
    Newest,
    /// Oldest first (by number).
    Oldest,
    /// The agent queue: most urgent priority first (highest rank), then the
    /// earliest SLA due instant (tickets without one last), then oldest.
    Urgency,
    /// Most relevant to `search` first (its words in the subject or
    /// description count twice those in messages: see
    /// [`Query::score`](crate::search::Query::score)), then newest. Needs `search`.
    Relevance,
}

/// The position of a ticket in a listing order, as a cursor holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// `Newest`/`Oldest`: the ticket's `seq`.
    Seq(u64),
    /// `Urgency`: priority rank, SLA due (Unix seconds, `i64::MAX` if none), seq.
    Urgency {
        /// Priority rank.
        rank: i32,
        /// SLA due instant in Unix seconds (`i64::MAX` when none).
        due: i64,
        /// Ticket seq.
        seq: u64,
    },
    /// `Relevance`: the ticket's score and seq.
    Relevance {
        /// [`Query::score`](crate::search::Query::score).
        score: u32,
        /// Ticket seq.
        seq: u64,
    },
}

impl Position {
    /// The sort key of `Urgency` (ascending order = queue order).
    pub fn urgency_key(rank: i32, t: &Ticket) -> (std::cmp::Reverse<i32>, i64, u64) {
        let due = t.sla.due_at().map_or(i64::MAX, |d| d.timestamp());
        (std::cmp::Reverse(rank), due, t.seq)
    }

    /// The sort key of `Relevance` (ascending order = listing order).
    pub fn relevance_key(score: u32, seq: u64) -> (std::cmp::Reverse<u32>, std::cmp::Reverse<u64>) {
        (std::cmp::Reverse(score), std::cmp::Reverse(seq))
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "{T}Page"))]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

impl TicketQuery {
    /// `due_before` as the Unix second a due instant (whole seconds, as
    /// stores index it) must fall before: rounded up, so a due instant in the
    /// same second as a fractional bound counts as before it.
    pub fn due_bound(before: DateTime<Utc>) -> i64 {
        before.timestamp() + i64::from(before.timestamp_subsec_nanos() > 0)
    }

    /// Checks the limit and decodes the cursor into the last position seen.
    pub fn validate(&self) -> Result<Option<Position>> {
        if !(1..=500).contains(&self.limit) {
            return Err(Error::invalid_input("limit", "must be between 1 and 500"));
        }
        let texts = [("priority", &self.priority), ("tag", &self.tag)];
        let listed = self.priorities.iter().map(|p| ("priorities", p));
        let linked = self
            .link
            .iter()
            .flat_map(|l| [("link.kind", &l.kind), ("link.id", &l.id)]);
        let given = texts
            .into_iter()
            .filter_map(|(f, t)| Some((f, t.as_ref()?)));
        if let Some((field, _)) = given
            .chain(listed)
            .chain(linked)
            .find(|(_, t)| t.contains('\0'))
        {
            return Err(Error::invalid_input(
                field,
                "must not contain a NUL character",
            ));
        }
        if self.order == TicketOrder::Relevance && self.search.is_none() {
            return Err(Error::invalid_input(
                "order",
                "relevance orders the results of a search: give `search`",
            ));
        }
        let Some(cursor) = self.after.as_deref() else {
            return Ok(None);
        };
        let pos = decode_cursor(cursor)?;
        match (self.order, pos) {
            (TicketOrder::Urgency, Position::Urgency { .. })
            | (TicketOrder::Relevance, Position::Relevance { .. })
            | (TicketOrder::Newest | TicketOrder::Oldest, Position::Seq(_)) => Ok(Some(pos)),
            _ => Err(Error::invalid_input(
                "after",
                "the cursor belongs to another order",
            )),
        }
    }

    /// The parsed `search`: `None` without one; `Some(None)` when it holds
    /// nothing to look for (then nothing matches).
    pub fn text(&self) -> Result<Option<Option<crate::search::Query>>> {
        match self.search.as_deref() {
            None => Ok(None),
            Some(text) => crate::search::Query::parse(text, false)
                .map_err(|_| {
                    Error::invalid_input(
                        "search",
                        format!(
                            "at most {} characters and {} words",
                            crate::search::MAX_QUERY,
                            crate::search::MAX_TERMS
                        ),
                    )
                })
                .map(Some),
        }
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
            && (self.priorities.is_empty() || self.priorities.contains(&t.priority))
            && self.created_since.is_none_or(|x| t.created_at >= x)
            && self.created_before.is_none_or(|x| t.created_at < x)
            && self.updated_since.is_none_or(|x| t.updated_at >= x)
            && self.updated_before.is_none_or(|x| t.updated_at < x)
            && self
                .resolved_since
                .is_none_or(|x| t.resolved_at.is_some_and(|r| r >= x))
            && self
                .resolved_before
                .is_none_or(|x| t.resolved_at.is_some_and(|r| r < x))
            && self.due_before.is_none_or(|x| {
                t.sla
                    .due_at()
                    .is_some_and(|d| d.timestamp() < Self::due_bound(x))
            })
            && (!self.breached || t.sla.has_breached())
            && self.link.as_ref().is_none_or(|l| t.links.contains(l))
            && self.rated.is_none_or(|r| t.satisfaction.is_some() == r)
            && self
                .incident
                .is_none_or(|i| t.incident.is_some_and(|l| l.id == i))
    }
}

/// Encodes a position as an opaque cursor.
///
/// ```
/// use ticketry_core::query::{decode_cursor, encode_cursor, Position};
/// for p in [
///     Position::Seq(42),
///     Position::Urgency { rank: -3, due: i64::MAX, seq: 7 },
///     Position::Relevance { score: 5, seq: 9 },
/// ] {
///     assert_eq!(decode_cursor(&encode_cursor(p)).unwrap(), p);
/// }
/// ```
pub fn encode_cursor(pos: Position) -> String {
    match pos {
        Position::Seq(seq) => format!("t{seq:x}"),
        Position::Urgency { rank, due, seq } => format!("u{rank}.{due}.{seq:x}"),
        Position::Relevance { score, seq } => format!("r{score}.{seq:x}"),
    }
}

/// Decodes a cursor made by [`encode_cursor`].
pub fn decode_cursor(cursor: &str) -> Result<Position> {
    let bad = || Error::invalid_input("after", format!("malformed cursor {cursor:?}"));
    if let Some(h) = cursor.strip_prefix('t') {
        return u64::from_str_radix(h, 16)
            .map(Position::Seq)
            .map_err(|_| bad());
    }
    if let Some(r) = cursor.strip_prefix('r') {
        let (score, seq) = r.split_once('.').ok_or_else(bad)?;
        return Ok(Position::Relevance {
            score: score.parse().map_err(|_| bad())?,
            seq: u64::from_str_radix(seq, 16).map_err(|_| bad())?,
        });
    }
    let mut parts = cursor.strip_prefix('u').ok_or_else(bad)?.split('.');
    let (Some(rank), Some(due), Some(seq), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    Ok(Position::Urgency {
        rank: rank.parse().map_err(|_| bad())?,
        due: due.parse().map_err(|_| bad())?,
        seq: u64::from_str_radix(seq, 16).map_err(|_| bad())?,
    })
}

/// The cursor a caller sees for a store's `internal` one: the page's last
/// ticket's id in place of its `seq`. A `seq` counts every ticket of the
/// workspace, so a customer paging their own tickets would learn how many
/// all customers opened (which a token number format hides).
///
/// ```
/// use ticketry_core::query::{encode_cursor, public_cursor, Position};
/// use ticketry_core::TicketId;
/// let id: TicketId = "0195f2a4-77e8-7b42-9a11-3c5d8e9f0a1b".parse().unwrap();
/// let internal = encode_cursor(Position::Urgency { rank: 2, due: 99, seq: 41 });
/// assert_eq!(public_cursor(&internal, id), format!("u2.99.{id}"));
/// assert_eq!(public_cursor(&encode_cursor(Position::Seq(41)), id), format!("t{id}"));
/// ```
pub fn public_cursor(internal: &str, last: crate::TicketId) -> String {
    match internal.rsplit_once('.') {
        Some((head, _seq)) => format!("{head}.{last}"),
        None => format!("{}{last}", internal.get(..1).unwrap_or("t")),
    }
}

/// The ticket a caller's cursor names, and a function making the store's
/// cursor from that ticket's `seq` ([`public_cursor`] undone).
pub fn cursor_ticket(public: &str) -> Result<(crate::TicketId, impl FnOnce(u64) -> String + '_)> {
    let bad = || {
        Error::invalid_input(
            "after",
            format!("malformed cursor {:?}", crate::error::shown(public)),
        )
    };
    let (head, id) = match public.rsplit_once('.') {
        Some((head, id)) => (head, id),
        None => (
            public.get(..1).ok_or_else(bad)?,
            public.get(1..).ok_or_else(bad)?,
        ),
    };
    let id: crate::TicketId = id.parse().map_err(|_| bad())?;
    let dot = if head.len() > 1 { "." } else { "" };
    Ok((id, move |seq: u64| format!("{head}{dot}{seq:x}")))
}

/// Builds a page from up to `limit + 1` items in order: the extra item only
/// tells that another page exists. `position` gives an item's cursor position.
pub fn page_from(
    mut items: Vec<Ticket>,
    limit: u32,
    position: impl Fn(&Ticket) -> Position,
) -> Page<Ticket> {
    let limit = limit as usize;
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|t| encode_cursor(position(t)))
    } else {
        None
    };
    Page { items, next_cursor }
}
