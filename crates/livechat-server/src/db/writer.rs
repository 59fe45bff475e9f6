//! The writer: connections that commit every waiting write in one transaction (group commit).
//!
//! Callers are answered only after the commit that covers their change: a success is
//! durable, and if the commit fails every caller of the batch gets
//! [`Error::Unavailable`] and may retry. A batch runs its writes in the order of their
//! [`Key`]s, which is the lock order of the module documentation of [`crate::db`].
//!
//! A write is a [`Write`]: a closure, run inside a savepoint of its own so that its failure
//! rolls back only its own changes, or one of the storage layer's own writes that refuse
//! before their first change and need no savepoint ([`super::messages::Store`]). Only this
//! module can make the [`Ran`] a write returns, so no other write can skip its savepoint.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;
use tokio::sync::{mpsc, oneshot};

use super::{DbConn, DbManager, Error, Key};

/// How many writes one transaction takes at most.
const MAX_BATCH: usize = 512;
/// How many writes may wait for a writer before callers wait to enqueue.
const QUEUE_DEPTH: usize = 8192;

/// A unit of work for the writer: what it returns, how it fails, and how it runs.
pub trait Write: Send + 'static {
    /// What the write returns once committed.
    type Output: Send + 'static;
    /// How it fails; the writer's own failures (timeouts, a rolled back batch) convert into it.
    type Error: From<Error> + Send + 'static;

    /// Runs the write in the batch's transaction.
    fn run(self, conn: &mut DbConn) -> Ran<Self::Output, Self::Error>;
}

/// What running a write left behind: its outcome, and whether a failure may have left
/// partial changes in the batch's transaction (then the whole batch is rolled back).
pub struct Ran<T, E> {
    outcome: Result<T, E>,
    poisoned: bool,
}

impl<T, E> Ran<T, E> {
    /// The outcome of a write that takes no savepoint: every refusal it returns came before
    /// its first change, but a storage error may have come after one.
    pub(super) fn without_savepoint(outcome: Result<T, E>, failed_in_storage: bool) -> Self {
        Self { poisoned: outcome.is_err() && failed_in_storage, outcome }
    }
}

/// A closure is a write in a savepoint of its own.
impl<F, T, E> Write for F
where
    F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<Error> + Send + 'static,
{
    type Output = T;
    type Error = E;

    fn run(self, conn: &mut DbConn) -> Ran<T, E> {
        type Manager = <DbConn as Connection>::TransactionManager;
        // A nested transaction is a savepoint inside the batch's transaction.
        if let Err(err) = Manager::begin_transaction(conn) {
            return Ran { outcome: Err(Error::from(err).into()), poisoned: true };
        }
        let outcome = self(conn);
        let ended = match &outcome {
            Ok(_) => Manager::commit_transaction(conn),
            Err(_) => Manager::rollback_transaction(conn),
        };
        match ended {
            Ok(()) => Ran { outcome, poisoned: false },
            Err(err) => Ran { outcome: Err(Error::from(err).into()), poisoned: true },
        }
    }
}

type Completion = Box<dyn FnOnce(Result<(), Error>) + Send>;

/// Runs a queued write; returns how to answer its caller once the batch ends, and whether
/// the write failed after a change (the batch must then be rolled back).
type RunJob = Box<dyn FnOnce(&mut DbConn) -> (Completion, bool) + Send>;

/// A queued write.
struct Job {
    key: Key,
    run: RunJob,
}

/// Handle to the writer threads.
///
/// SQLite has one writer (the database has one write lock anyway). PostgreSQL has several,
/// each with its own connection: a key always goes to the same one, so the writes of one
/// room keep their order and two writers of one instance never contend for a row.
#[derive(Clone)]
pub struct Writer {
    shards: Arc<Vec<mpsc::Sender<Job>>>,
    next: Arc<AtomicUsize>,
    timeout: Duration,
}

impl Writer {
    /// Starts `count` writer threads, the first on `conn`; `manager` connects the others
    /// and reconnects any whose connection breaks.
    pub fn start(manager: DbManager, conn: DbConn, count: usize, timeout: Duration) -> Self {
        let mut first = Some(conn);
        let shards = (0..count.max(1))
            .map(|index| {
                let (queue, jobs) = mpsc::channel(QUEUE_DEPTH);
                let (manager, conn) = (manager.clone(), first.take());
                let spawned = std::thread::Builder::new()
                    .name(format!("db-writer-{index}"))
                    .spawn(move || run(manager, conn, jobs));
                if let Err(err) = spawned {
                    tracing::error!(error = %err, "cannot start a database writer");
                }
                queue
            })
            .collect();
        Self { shards: Arc::new(shards), next: Default::default(), timeout }
    }

    /// How many writes wait for the writers now.
    pub fn queued(&self) -> usize {
        self.shards.iter().map(|queue| QUEUE_DEPTH - queue.capacity()).sum()
    }

    fn shard(&self, key: &Key) -> &mpsc::Sender<Job> {
        use std::hash::{Hash as _, Hasher as _};
        let index = match key {
            Key::Fresh | Key::Many => self.next.fetch_add(1, Ordering::Relaxed),
            key => {
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                key.hash(&mut hasher);
                hasher.finish() as usize
            }
        };
        &self.shards[index % self.shards.len()]
    }

    /// Runs `write` in a coming transaction and returns its result once that transaction is
    /// committed. `key` says what it locks (see the lock order in [`crate::db`]).
    pub async fn write<W: Write>(&self, key: Key, write: W) -> Result<W::Output, W::Error> {
        let (done, result) = oneshot::channel();
        let job = Job {
            key: key.clone(),
            run: Box::new(move |conn: &mut DbConn| {
                let Ran { outcome, poisoned } = write.run(conn);
                let completion: Completion = Box::new(move |commit: Result<(), Error>| {
                    let _ = done.send(commit.map_err(W::Error::from).and(outcome));
                });
                (completion, poisoned)
            }),
        };
        let queue = self.shard(&key);
        let queued = async {
            queue.send(job).await.map_err(|_| Error::unavailable("writer stopped"))?;
            result.await.map_err(|_| Error::unavailable("write abandoned"))
        };
        match tokio::time::timeout(self.timeout, queued).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(err)) => Err(err.into()),
            Err(_) => Err(Error::unavailable("database write timed out").into()),
        }
    }
}

fn run(manager: DbManager, mut conn: Option<DbConn>, mut jobs: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // A write that locks several keys waits for a transaction of its own.
    let mut alone: Option<Job> = None;
    loop {
        let Some(first) = alone.take().or_else(|| jobs.blocking_recv()) else { break };
        let first_alone = first.key == Key::Many;
        batch.push(first);
        while !first_alone && batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) if job.key == Key::Many => {
                    alone = Some(job);
                    break;
                }
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        batch.sort_by(|a, b| a.key.cmp(&b.key));
        if conn.is_none() {
            match manager.connect_writer() {
                Ok(fresh) => conn = Some(fresh),
                Err(err) => {
                    tracing::warn!(error = %err, "database writer cannot connect");
                    // Dropping the jobs answers their callers with 503.
                    batch.clear();
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
            }
        }
        if let Some(healthy) = conn.as_mut().map(|conn| commit_batch(conn, &mut batch)) {
            if !healthy {
                conn = None;
            }
        }
        batch.clear();
    }
}

/// Runs and commits one batch; returns whether the connection is still usable.
fn commit_batch(conn: &mut DbConn, batch: &mut Vec<Job>) -> bool {
    type Manager = <DbConn as Connection>::TransactionManager;
    let begun = match conn {
        // A transaction that reads and then writes must hold the write lock from the start,
        // or SQLite fails it with SQLITE_BUSY instead of waiting.
        DbConn::Sqlite(sqlite) => {
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")
        }
        DbConn::Postgres(pg) => AnsiTransactionManager::begin_transaction(pg),
    };
    if let Err(err) = begun {
        tracing::warn!(error = %err, "database writer cannot begin a transaction");
        return false;
    }
    let mut completions = Vec::with_capacity(batch.len());
    for job in batch.drain(..) {
        let panicked = match catch_unwind(AssertUnwindSafe(|| (job.run)(conn))) {
            Ok((completion, false)) => {
                completions.push(completion);
                continue;
            }
            Ok((completion, true)) => {
                tracing::warn!("a write failed after a change; rolling back its batch");
                completions.push(completion);
                false
            }
            Err(_) => {
                tracing::error!("a database write panicked; rolling back its batch");
                true
            }
        };
        let rolled_back = Manager::rollback_transaction(conn).is_ok();
        for completion in completions {
            completion(Err(Error::unavailable("batch rolled back")));
        }
        // The jobs not run yet are dropped with the batch (their callers get 503 too).
        return rolled_back && !panicked;
    }
    match Manager::commit_transaction(conn) {
        Ok(()) => {
            for completion in completions {
                completion(Ok(()));
            }
            true
        }
        Err(err) => {
            tracing::warn!(error = %err, "database commit failed");
            let _ = Manager::rollback_transaction(conn);
            for completion in completions {
                completion(Err(Error::unavailable("commit failed")));
            }
            false
        }
    }
}
