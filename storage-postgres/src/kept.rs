//! Connections the store keeps between its calls.
//!
//! sqlx's pool checks every connection given back to it with a round trip
//! (a `Sync`) before another call may take it. So every call paid a second
//! round trip after its answer, and when the pool had no other idle
//! connection the next call waited for that check. A call that ends well
//! therefore gives its connection to the store's own stack instead, and the
//! next call takes the most recently kept one from there, without the pool
//! (2026-11-29, Rust quick bench, 3 interleaved runs, medians: `open_ticket`
//! 1,015 → 1,692 /s at 1 task and 1,564 → 2,192 at 8; replies 667 → 1,189 at
//! 1 task).
//!
//! * A connection kept unused for [`KEEP_FOR`] goes back to the pool (a task
//!   returns it, the first time one is kept after none was), so a host's own
//!   queries on [`PgStore::pool`] and the pool's lifetime limits get it back;
//!   [`PgStore::close`] gives back every kept connection before it closes
//!   the pool.
//! * A write takes a kept connection that sat unused for
//!   [`crate::statement::IDLE_CHECK`] only after a ping, as it does one from
//!   the pool.
//! * A call that fails never keeps its connection, and neither does one that
//!   ends while the pool is at its limit with no idle connection: a caller
//!   may be waiting in the pool, which would not see the kept connections
//!   (the kept ones would serve only the callers that come after it).

use crate::{Inner, PgStore, lock};
use sqlx::Postgres;
use sqlx::pool::PoolConnection;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// How long a connection may stay kept unused before it goes back to the pool.
pub(crate) const KEEP_FOR: Duration = Duration::from_secs(1);

/// The kept connections, the most recent last.
#[derive(Default)]
pub(crate) struct Kept {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Each with the instant it was kept: oldest first.
    conns: Vec<(PoolConnection<Postgres>, Instant)>,
    /// Whether a task gives back the connections kept too long.
    returning: bool,
}

impl Kept {
    /// The most recently kept connection and how long it sat unused.
    pub(crate) fn take(&self) -> Option<(PoolConnection<Postgres>, Duration)> {
        let (conn, since) = lock(&self.state).conns.pop()?;
        Some((conn, since.elapsed()))
    }

    /// Keeps `conn`; true when a task must be started to give back the
    /// connections kept too long (none runs).
    fn put(&self, conn: PoolConnection<Postgres>) -> bool {
        let mut state = lock(&self.state);
        state.conns.push((conn, Instant::now()));
        !std::mem::replace(&mut state.returning, true)
    }

    /// The connections kept for [`KEEP_FOR`] or longer, taken out (to be
    /// dropped outside the lock: back to the pool), and whether any is
    /// still kept (else the returning task stops).
    fn expired(&self) -> (Vec<PoolConnection<Postgres>>, bool) {
        let mut state = lock(&self.state);
        let now = Instant::now();
        let old = state
            .conns
            .iter()
            .take_while(|(_, since)| now.duration_since(*since) >= KEEP_FOR)
            .count();
        let expired = state.conns.drain(..old).map(|(c, _)| c).collect();
        state.returning = !state.conns.is_empty();
        (expired, state.returning)
    }

    /// Every kept connection, taken out.
    pub(crate) fn drain(&self) -> Vec<PoolConnection<Postgres>> {
        lock(&self.state).conns.drain(..).map(|(c, _)| c).collect()
    }
}

impl Drop for Kept {
    /// Outside a runtime (a host dropping the store as its process ends),
    /// giving a connection back to the pool would need a task: the
    /// connections are closed instead.
    fn drop(&mut self) {
        if tokio::runtime::Handle::try_current().is_err() {
            for conn in self.drain() {
                drop(conn.detach());
            }
        }
    }
}

impl PgStore {
    /// Keeps `conn` (alive, outside any transaction) for the next call.
    pub(crate) fn keep(&self, conn: PoolConnection<Postgres>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // Giving it back to the pool would need a task: closed instead,
            // as `Kept`'s drop does.
            drop(conn.detach());
            return;
        };
        // A closing pool waits for its connections, and a pool at its limit
        // with no idle connection may have callers waiting for one (the
        // store's or the host's): give it back then.
        let pool = &self.inner.pool;
        if pool.is_closed()
            || (pool.size() >= pool.options().get_max_connections() && pool.num_idle() == 0)
        {
            return;
        }
        if self.inner.kept.put(conn) {
            drop(runtime.spawn(give_back_idle(Arc::downgrade(&self.inner))));
        }
    }

    /// Gives back the connections the store keeps between calls, then
    /// closes the pool: waits for the connections in use to come back, and
    /// every later call fails. A host that closes the pool itself
    /// ([`PgStore::pool`]) waits for the kept connections to go back, up to
    /// a second after the store's last call. A [`PgStore::temporary`]
    /// store's schema is dropped here (else when the store is dropped).
    pub async fn close(&self) {
        drop(self.inner.kept.drain());
        self.inner.pool.close().await;
        if let Some(schema) = &self.inner.temporary {
            schema.drop_schema().await;
        }
    }
}

/// Gives back the connections kept unused for [`KEEP_FOR`], while any is
/// kept and the store lives.
async fn give_back_idle(inner: Weak<Inner>) {
    loop {
        tokio::time::sleep(KEEP_FOR).await;
        let Some(inner) = inner.upgrade() else {
            return;
        };
        let (expired, more) = inner.kept.expired();
        drop(expired);
        if !more {
            return;
        }
    }
}
