//! Group commit: concurrent ticket writes of one workspace share one
//! transaction.
//!
//! Every ticket write takes its workspace's counter row (numbers and event
//! seqs are gap-free and in commit order), so the writes of one workspace
//! run one after another however many connections send them, and each paid
//! a transaction of its own: a message, a commit, and a wake-up of the
//! next waiter on the row lock. Under concurrency that cost more than the
//! statements themselves: 8 tasks writing to one workspace created fewer
//! tickets per second than 1.
//!
//! So ticket writes queue per workspace, and at most [`RUNNERS`] runner
//! tasks per workspace send them: each takes every write of its workspace
//! waiting at that moment (up to [`MAX_JOBS`] and [`MAX_BYTES`]) and sends
//! them as one transaction ([`PgStore::send_writes`]). A write that finds a
//! runner's place free and nothing waiting is sent at once by its own task,
//! alone: a single writer pays no hand-off. A batch never
//! holds two workspaces: a workspace whose counter row is held for long (an
//! import, a catalog change) stalls only its own writes, as before.
//!
//! Each statement reports its own outcome in its one row (applied, a stale
//! version or catalog, an earlier message with the key): the others in the
//! batch are not affected. A statement the server *refuses* (a unique key
//! race, a connection that has not prepared the statement yet) rolls the
//! whole batch back; then every write of the batch whose caller still waits
//! is sent again alone, and gets its own answer. A failure while committing
//! leaves every write of the batch `OutcomeUnknown`, as it would a write
//! sent alone.
//!
//! Runners are tasks of their own, so a caller that stops waiting (a host
//! dropping the future) never strands the others' writes. Its write is not
//! sent if its batch has not been taken yet; once taken, it commits or not
//! with the batch (as a write sent alone would once its message left), and
//! it is not sent again alone if the batch is refused. A lone write is sent
//! by its caller's own task, which holds one of the workspace's two places
//! while the call is pending: a host that keeps such a future without
//! polling it leaves its workspace's other writes one runner.

use crate::PgStore;
use crate::statement::{WriteError, WriteJob};
use sqlx::postgres::PgRow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use ticketry_core::{StoreError, WorkspaceId};
use tokio::sync::oneshot;

/// Runner tasks per workspace at most: while one batch executes (holding
/// the counter row), the next one's `BEGIN` and text are on their way.
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

/// The ticket writes waiting to be sent, per workspace, of one store.
#[derive(Default)]
pub(crate) struct GroupCommit {
    queues: Mutex<HashMap<WorkspaceId, Queue>>,
    batches: AtomicU64,
    writes: AtomicU64,
    resent: AtomicU64,
}

/// One workspace's waiting writes and its runners.
#[derive(Default)]
struct Queue {
    waiting: Vec<Waiting>,
    runners: usize,
}

/// What the group commit of a store did so far (for a host's metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupCommitStats {
    /// Transactions sent (a batch of one write included).
    pub batches: u64,
    /// Writes sent in them.
    pub writes: u64,
    /// Writes sent again alone because the server refused a statement of
    /// their batch.
    pub resent: u64,
    /// Writes waiting now.
    pub waiting: u64,
}

impl GroupCommit {
    fn queues(&self) -> MutexGuard<'_, HashMap<WorkspaceId, Queue>> {
        crate::lock(&self.queues)
    }

    /// The next batch of `ws`, or `None`, giving back the runner's place,
    /// when none waits.
    fn next_batch(&self, slot: &mut Slot) -> Option<Vec<Waiting>> {
        let mut queues = self.queues();
        let queue = queues.entry(slot.ws).or_default();
        queue.waiting.retain(|w| !w.reply.is_closed());
        if queue.waiting.is_empty() {
            queue.runners -= 1;
            if queue.runners == 0 {
                queues.remove(&slot.ws);
            }
            slot.released = true;
            return None;
        }
        let mut bytes = 0;
        let mut take = 0;
        for w in queue.waiting.iter().take(MAX_JOBS) {
            bytes += w.job.len();
            if take > 0 && bytes > MAX_BYTES {
                break;
            }
            take += 1;
        }
        Some(queue.waiting.drain(..take).collect())
    }

    /// The figures so far.
    pub(crate) fn stats(&self) -> GroupCommitStats {
        let waiting = self.queues().values().map(|q| q.waiting.len() as u64).sum();
        GroupCommitStats {
            batches: self.batches.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
            resent: self.resent.load(Ordering::Relaxed),
            waiting,
        }
    }
}

/// A runner's place in its workspace's queue: a runner task's, or a
/// caller's that sends its own write alone. Given back by
/// [`GroupCommit::next_batch`] when the queue is empty, or when dropped
/// otherwise (a lone write sent, a panic, a runtime shutting down). Then
/// the writes still waiting get a new runner if this place's task ran and a
/// runtime is there to spawn it; otherwise, when no other place is left,
/// they are answered with a `storage` error (never sent, nothing written).
struct Slot {
    store: PgStore,
    ws: WorkspaceId,
    /// Given back already (by `next_batch`).
    released: bool,
    /// Its task ran (a runner that was never polled, e.g. spawned while the
    /// runtime shut down, must not start another one).
    ran: bool,
}

impl Slot {
    fn new(store: &PgStore, ws: WorkspaceId, ran: bool) -> Self {
        Self {
            store: store.clone(),
            ws,
            released: false,
            ran,
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        let runtime = tokio::runtime::Handle::try_current()
            .ok()
            .filter(|_| self.ran);
        let mut orphans = Vec::new();
        let restart = {
            let mut queues = self.store.inner.group_commit.queues();
            let Some(queue) = queues.get_mut(&self.ws) else {
                return;
            };
            queue.waiting.retain(|w| !w.reply.is_closed());
            queue.runners -= 1;
            let restart = !queue.waiting.is_empty() && runtime.is_some();
            if restart {
                queue.runners += 1;
            } else if queue.runners == 0 {
                orphans = std::mem::take(&mut queue.waiting);
                queues.remove(&self.ws);
            }
            restart
        };
        // Outside the lock. They never left: nothing of them was written.
        for w in orphans {
            let _ = w.reply.send(Err(WriteError::Store(StoreError::Backend(
                "not sent: no task was left to send it (its runtime shut down)".into(),
            ))));
        }
        if let Some(runtime) = runtime.filter(|_| restart) {
            // If the runtime refuses the task (shutting down), the new
            // place, never run, gives itself back without a restart.
            drop(runtime.spawn(run(Slot::new(&self.store, self.ws, false))));
        }
    }
}

/// A runner: sends its workspace's batches while writes wait.
async fn run(mut slot: Slot) {
    slot.ran = true;
    let store = slot.store.clone();
    let commit = &store.inner.group_commit;
    while let Some(batch) = commit.next_batch(&mut slot) {
        let (jobs, replies): (Vec<WriteJob>, Vec<_>) =
            batch.into_iter().map(|w| (w.job, w.reply)).unzip();
        let answers = store.send_batch(&jobs, &replies).await;
        for (reply, answer) in replies.into_iter().zip(answers) {
            let _ = reply.send(answer);
        }
    }
}

impl PgStore {
    /// Sends `job` with whatever other ticket writes of its workspace are
    /// waiting, in one transaction, and returns its own rows.
    pub(crate) async fn write_grouped(&self, job: WriteJob) -> Answer {
        let ws = job.ws;
        let commit = &self.inner.group_commit;
        let (reply, answer) = oneshot::channel();
        let (alone, start) = {
            let mut queues = commit.queues();
            let queue = queues.entry(ws).or_default();
            let free = queue.runners < RUNNERS;
            if free {
                queue.runners += 1;
            }
            let alone = free && queue.waiting.is_empty();
            if !alone {
                queue.waiting.push(Waiting { job, reply });
                (None, free)
            } else {
                (Some(job), false)
            }
        };
        // The place is taken before the slot exists; dropping the slot
        // (after this write, or if this call or the task is dropped) gives
        // it back and starts a runner for the writes that queued meanwhile.
        if let Some(job) = alone {
            // Nothing waits: sent from this task, with no hand-off.
            let _slot = Slot::new(self, ws, true);
            commit.batches.fetch_add(1, Ordering::Relaxed);
            commit.writes.fetch_add(1, Ordering::Relaxed);
            return self.send_writes(std::slice::from_ref(&job)).await;
        }
        if start {
            drop(tokio::spawn(run(Slot::new(self, ws, false))));
        }
        answer.await.unwrap_or_else(|_| {
            Err(WriteError::Store(StoreError::OutcomeUnknown(
                "the task sending this write stopped before answering: the change may or may not be stored"
                    .into(),
            )))
        })
    }

    /// What the group commit of ticket writes did so far.
    pub fn group_commit_stats(&self) -> GroupCommitStats {
        self.inner.group_commit.stats()
    }

    /// Each job's answer: from one transaction, or, when the server refused
    /// a statement of a batch of several, from each sent again alone (those
    /// whose caller still waits).
    async fn send_batch(
        &self,
        jobs: &[WriteJob],
        replies: &[oneshot::Sender<Answer>],
    ) -> Vec<Answer> {
        let commit = &self.inner.group_commit;
        commit.batches.fetch_add(1, Ordering::Relaxed);
        commit
            .writes
            .fetch_add(jobs.len() as u64, Ordering::Relaxed);
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
                for (job, reply) in jobs.iter().zip(replies) {
                    if reply.is_closed() {
                        answers.push(Err(WriteError::Store(StoreError::Backend(
                            "not sent: the caller stopped waiting".into(),
                        ))));
                        continue;
                    }
                    commit.batches.fetch_add(1, Ordering::Relaxed);
                    commit.resent.fetch_add(1, Ordering::Relaxed);
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
