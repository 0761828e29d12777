//! Automatic assignment: which agent a strategy picks for a ticket.
//!
//! A team (or the workspace, as the default for teams without one and for
//! tickets without a team) may name a [`Strategy`]. A ticket that lands there
//! unassigned is given to one of the pool's agents that is active, available
//! and below its capacity (open tickets, i.e. active statuses, assigned to
//! it). When nobody qualifies the ticket waits, unassigned, in the backlog
//! and is assigned as soon as capacity frees, most urgent priority first and
//! oldest first within a priority. Manual assignment ignores capacity.
//!
//! ```
//! use ticketry_core::assignment::{Candidate, Strategy, pick};
//! use ticketry_core::AgentId;
//! let pool = vec![
//!     Candidate { agent: AgentId::new("ann").unwrap(), open: 4, capacity: Some(5), last_assigned: None },
//!     Candidate { agent: AgentId::new("bob").unwrap(), open: 1, capacity: Some(2), last_assigned: None },
//! ];
//! // Ann is at 4/5 (80 %), Bob at 1/2 (50 %): least-loaded picks Bob.
//! assert_eq!(pick(Strategy::LeastLoaded, &pool).unwrap().agent.as_str(), "bob");
//! ```

use crate::ids::AgentId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// How a team's (or the workspace's) new tickets are given to agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The agent who has waited longest since their last assignment (never
    /// assigned first; ties in the pool's order).
    RoundRobin,
    /// The agent with the fewest open tickets relative to their capacity (an
    /// agent without a limit counts as large as the largest limit in the
    /// pool); ties go to the longest since their last assignment.
    LeastLoaded,
}

impl Strategy {
    /// The stable snake_case name (`round_robin`, `least_loaded`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Strategy::RoundRobin => "round_robin",
            Strategy::LeastLoaded => "least_loaded",
        }
    }
}

/// An agent of the pool who may receive the ticket (active and available),
/// with their current load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The agent.
    pub agent: AgentId,
    /// Open tickets (active statuses) assigned to them now.
    pub open: u32,
    /// Their limit; `None` is unlimited.
    pub capacity: Option<u32>,
    /// The last time a ticket was assigned to them.
    pub last_assigned: Option<DateTime<Utc>>,
}

impl Candidate {
    /// Below capacity.
    pub fn has_room(&self) -> bool {
        self.capacity.is_none_or(|c| self.open < c)
    }
}

/// The candidate `strategy` picks among those with room, or `None` when
/// nobody has room. `pool` is in the pool's order (team members as listed).
pub fn pick(strategy: Strategy, pool: &[Candidate]) -> Option<&Candidate> {
    let largest = pool.iter().filter_map(|c| c.capacity).max().unwrap_or(1);
    let waited = |a: &Candidate, b: &Candidate| match (a.last_assigned, b.last_assigned) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(&y),
    };
    let load = |a: &Candidate, b: &Candidate| {
        // a.open / a.cap against b.open / b.cap, without division.
        let (ca, cb) = (
            u64::from(a.capacity.unwrap_or(largest).max(1)),
            u64::from(b.capacity.unwrap_or(largest).max(1)),
        );
        (u64::from(a.open) * cb).cmp(&(u64::from(b.open) * ca))
    };
    // `min_by` keeps the first of equals: the pool's order breaks ties.
    pool.iter()
        .filter(|c| c.has_room())
        .min_by(|a, b| match strategy {
            Strategy::RoundRobin => waited(a, b),
            Strategy::LeastLoaded => load(a, b).then_with(|| waited(a, b)),
        })
}

/// Why `strategy` picked `c`, as the assignment history records it
/// (`least_loaded: 2/5 open in team Billing`).
pub fn reason(strategy: Strategy, c: &Candidate, pool: Option<&str>) -> String {
    let load = match c.capacity {
        Some(cap) => format!("{}/{cap} open", c.open),
        None => format!("{} open", c.open),
    };
    let pool = match pool {
        Some(team) => format!("team {team}"),
        None => "the workspace".to_owned(),
    };
    format!("{}: {load} in {pool}", strategy.as_str())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn c(id: &str, open: u32, cap: Option<u32>, last: Option<i64>) -> Candidate {
        Candidate {
            agent: AgentId::new(id).unwrap(),
            open,
            capacity: cap,
            last_assigned: last.map(|s| Utc.timestamp_opt(s, 0).unwrap()),
        }
    }

    #[test]
    fn round_robin_takes_the_longest_waiting_with_room() {
        let pool = [
            c("a", 0, Some(1), Some(30)),
            c("b", 1, Some(1), None),
            c("c", 0, None, Some(10)),
            c("d", 0, None, Some(10)),
        ];
        // b never had one but is full; c and d tie: the pool's order wins.
        assert_eq!(
            pick(Strategy::RoundRobin, &pool).unwrap().agent.as_str(),
            "c"
        );
    }

    #[test]
    fn least_loaded_compares_load_to_capacity() {
        let pool = [c("a", 2, Some(10), None), c("b", 1, Some(2), None)];
        assert_eq!(
            pick(Strategy::LeastLoaded, &pool).unwrap().agent.as_str(),
            "a"
        );
        // Unlimited counts as the largest limit (10): 3/10 beats 4/10.
        let pool = [c("a", 4, Some(10), None), c("b", 3, None, None)];
        assert_eq!(
            pick(Strategy::LeastLoaded, &pool).unwrap().agent.as_str(),
            "b"
        );
        assert!(pick(Strategy::LeastLoaded, &[c("a", 3, Some(3), None)]).is_none());
        assert_eq!(
            reason(Strategy::LeastLoaded, &pool[0], Some("Billing")),
            "least_loaded: 4/10 open in team Billing"
        );
    }
}
