//! Group commit: concurrent ticket writes share one transaction.
//!
//! Every ticket write takes its workspace's counter row (numbers and event
//! seqs are gap-free and in commit order), so the writes of one workspace
//! run one after another however many connections send them, and each pays
//! a transaction of its own: two messages, a commit, and a wake-up of the
//! next waiter on the row lock. Under concurrency that costs more than the
//! statements themselves: 8 tasks writing to one workspace created fewer
//! tickets per second than 1.
//!
//! So ticket writes queue here, and at most [`RUNNERS`] runner tasks send
//! them: each takes every queued write (up to [`MAX_JOBS`] and
//! [`MAX_BYTES`]), orders them by workspace (so two batches always take
//! counter rows in the same order and never deadlock), and sends them as
//! one transaction ([`PgStore::send_writes`]), each statement after a
//! `SET LOCAL ticketry.workspace_id` of its own workspace (row-level
//! security holds per statement). A write that finds a runner free is sent
//! at once, alone: a single caller waits for nobody.
//!
//! Each statement reports its own outcome in its one row (applied, a stale
//! version or catalog, an earlier message with the key): the others in the
//! batch are not affected. A statement the server *refuses* (a unique key
//! race, an unknown prepared statement) rolls the whole batch back; then
//! every write of the batch is sent again alone, and gets its own answer.
//! A failure while committing leaves every write of the batch
//! `OutcomeUnknown`, as it would a write sent alone.
//!
//! Runners are tasks of their own, so a caller that stops waiting (a host
//! dropping the future) never strands the others' writes; a write whose
//! caller left before its batch was sent is not sent.

use crate::PgStore;
use crate::statement::{WriteError, WriteJob};
use sqlx::postgres::PgRow;
use std::sync::{Mutex, MutexGuard};
use ticketry_core::StoreError;
use tokio::sync::oneshot;

/// Runner tasks at most: batches in flight at once (the server's work per
/// batch is mostly one core's; two keep a 2-core server busy while a batch
/// travels).
const RUNNERS: usize = 2;
/// Writes in one batch at most.
const MAX_JOBS: usize = 64;
/// Bytes of statement text in one batch at most (a larger write goes alone).
const MAX_BYTES: usize = 4 << 20;

type Answer = Result<Vec<PgRow>, WriteError>;

/// A queued write and where its answer goes.
struct Waiting {
    job: WriteJob,
    reply: oneshot::Sender<Answer>,
}

/// The queue of ticket writes of one store.
#[derive(Default)]
pub(crate) struct GroupCommit {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    queue: Vec<Waiting>,
    runners: usize,
}

impl GroupCommit {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The next batch, or `None` (and one runner fewer) when none waits.
    fn next_batch(&self) -> Option<Vec<Waiting>> {
        let mut state = self.state();
        state.queue.retain(|w| !w.reply.is_closed());
        if state.queue.is_empty() {
            state.runners -= 1;
            return None;
        }
        let mut bytes = 0;
        let mut take = 0;
        for w in state.queue.iter().take(MAX_JOBS) {
            bytes += w.job.len();
            if take > 0 && bytes > MAX_BYTES {
                break;
            }
            take += 1;
        }
        let mut batch: Vec<Waiting> = state.queue.drain(..take).collect();
        drop(state);
        // Stable: one workspace's writes keep their arrival order.
        batch.sort_by_key(|w| w.job.ws);
        Some(batch)
    }
}

/// A runner's place: given back if the runner panics (otherwise
/// [`GroupCommit::next_batch`] gives it back when the queue is empty).
struct Slot<'a>(&'a GroupCommit);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.state().runners -= 1;
        }
    }
}

impl PgStore {
    /// Sends `job` with whatever other ticket writes are waiting, in one
    /// transaction, and returns its own rows.
    pub(crate) async fn write_grouped(&self, job: WriteJob) -> Answer {
        let (reply, answer) = oneshot::channel();
        let start = {
            let mut state = self.inner.group_commit.state();
            state.queue.push(Waiting { job, reply });
            let start = state.runners < RUNNERS;
            if start {
                state.runners += 1;
            }
            start
        };
        if start {
            let store = self.clone();
            tokio::spawn(async move { store.run_batches().await });
        }
        answer.await.unwrap_or_else(|_| {
            Err(WriteError::Store(StoreError::OutcomeUnknown(
                "the task sending this write stopped before answering: the change may or may not be stored"
                    .into(),
            )))
        })
    }

    /// A runner: sends batches while writes wait.
    async fn run_batches(self) {
        let _slot = Slot(&self.inner.group_commit);
        while let Some(batch) = self.inner.group_commit.next_batch() {
            let (jobs, replies): (Vec<WriteJob>, Vec<_>) =
                batch.into_iter().map(|w| (w.job, w.reply)).unzip();
            let answers = self.send_batch(&jobs).await;
            for (reply, answer) in replies.into_iter().zip(answers) {
                let _ = reply.send(answer);
            }
        }
    }

    /// Each job's answer: from one transaction, or, when the server refused
    /// a statement of a batch of several, from each sent again alone.
    async fn send_batch(&self, jobs: &[WriteJob]) -> Vec<Answer> {
        if jobs.len() == 1 {
            return vec![self.send_writes(jobs).await];
        }
        match self.send_writes(jobs).await {
            // Each write statement returns exactly one row.
            Ok(rows) if rows.len() == jobs.len() => rows.into_iter().map(|r| Ok(vec![r])).collect(),
            Ok(rows) => {
                let e = StoreError::OutcomeUnknown(format!(
                    "a committed batch of {} ticket writes returned {} rows",
                    jobs.len(),
                    rows.len()
                ));
                jobs.iter()
                    .map(|_| Err(WriteError::Store(e.clone())))
                    .collect()
            }
            Err(WriteError::Refused(_)) => {
                let mut answers = Vec::with_capacity(jobs.len());
                for job in jobs {
                    answers.push(self.send_writes(std::slice::from_ref(job)).await);
                }
                answers
            }
            Err(WriteError::Store(e)) => jobs
                .iter()
                .map(|_| Err(WriteError::Store(e.clone())))
                .collect(),
        }
    }
}
