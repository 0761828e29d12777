//! Turns for the losers of optimistic-concurrency races (in-process).
//!
//! When many tasks of one process change the same ticket at once, each
//! reads version `v` and only one write of `v` can win. The core retries
//! the losers on fresh data, but if they all retry at once they collide
//! again, round after round, and the last one may run out of retries. So a
//! loser waits for its turn before it reports the conflict: the first loser
//! goes at once, the next one when a write of that ticket has been applied
//! since (or after [`HOLD`] if none comes), and so on, in arrival order.
//! This only orders retries; correctness never depends on it.

use crate::lock;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use ticketry_core::{TicketId, WorkspaceId};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a turn lasts when no write of the ticket is applied meanwhile
/// (e.g. the loser did not retry).
const HOLD: Duration = Duration::from_millis(100);

type Key = (WorkspaceId, TicketId);

#[derive(Default)]
pub(crate) struct Turns {
    gates: Mutex<HashMap<Key, Arc<Gate>>>,
}

struct Gate {
    turn: Arc<Semaphore>,
    holder: Mutex<Option<(OwnedSemaphorePermit, Instant)>>,
}

impl Turns {
    /// Waits until it is this loser's turn to retry.
    pub(crate) async fn wait(&self, ws: WorkspaceId, ticket: TicketId) {
        let gate = {
            let mut gates = lock(&self.gates);
            if gates.len() > 1024 {
                // Forget turns nobody waits for and whose holder's time is over.
                gates.retain(|_, g| {
                    Arc::strong_count(g) > 1
                        || lock(&g.holder)
                            .as_ref()
                            .is_some_and(|(_, since)| since.elapsed() < HOLD)
                });
            }
            gates
                .entry((ws, ticket))
                .or_insert_with(|| {
                    Arc::new(Gate {
                        turn: Arc::new(Semaphore::new(1)),
                        holder: Mutex::new(None),
                    })
                })
                .clone()
        };
        loop {
            match tokio::time::timeout(HOLD, gate.turn.clone().acquire_owned()).await {
                Ok(Ok(permit)) => {
                    *lock(&gate.holder) = Some((permit, Instant::now()));
                    return;
                }
                Ok(Err(_)) => return,
                Err(_) => {
                    // The holder's turn is over: take it away.
                    let mut holder = lock(&gate.holder);
                    if holder
                        .as_ref()
                        .is_some_and(|(_, since)| since.elapsed() >= HOLD)
                    {
                        *holder = None;
                    }
                }
            }
        }
    }

    /// A write of the ticket was applied: the next loser may go.
    pub(crate) fn applied(&self, ws: WorkspaceId, ticket: TicketId) {
        let mut gates = lock(&self.gates);
        let Some(gate) = gates.get(&(ws, ticket)).cloned() else {
            return;
        };
        lock(&gate.holder).take();
        // Forget idle gates (no holder, nobody waiting: only the map and
        // this function hold the gate).
        if gate.turn.available_permits() == 1 && Arc::strong_count(&gate) == 2 {
            gates.remove(&(ws, ticket));
        }
    }
}
