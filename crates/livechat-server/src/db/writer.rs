//! The writer: one connection that commits every waiting write in one transaction.
//!
//! A request's write runs inside a savepoint of its own ([`Writer::write`]), so one failing
//! request (a business error, a unique violation) rolls back only its own changes; writes
//! that refuse before their first change and cannot collide ([`Writer::write_direct`]: a
//! send) skip the savepoint, and a database error in one of them rolls back the whole batch.
//! Callers are answered only after the commit that covers their change: a success is
//! durable, and if the commit fails every caller of the batch gets 503 and may retry.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;
use tokio::sync::{mpsc, oneshot};

use super::{DbConn, DbManager};
use crate::error::ApiError;

/// How many writes one transaction takes at most.
const MAX_BATCH: usize = 512;
/// How many writes may wait for the writer before callers wait to enqueue.
const QUEUE_DEPTH: usize = 8192;

type Completion = Box<dyn FnOnce(Result<(), ApiError>) + Send>;

/// What running a job left behind: how to answer its caller, and whether its failure may
/// have left partial changes in the batch's transaction (only writes without a savepoint).
struct Ran {
    completion: Completion,
    poisoned: bool,
}

struct Job {
    /// Jobs are run in the order of their keys (rooms), so concurrent transactions on
    /// several instances take row locks in one order and cannot deadlock.
    key: Option<String>,
    run: Box<dyn FnOnce(&mut DbConn) -> Ran + Send>,
}

/// Handle to the writer threads.
///
/// SQLite has one writer (the database has one write lock anyway). PostgreSQL has several,
/// each with its own connection: a key (room, visitor or token) always goes to the same
/// one, so writes to one room keep their order and two writers never contend for its lock.
#[derive(Clone)]
pub struct Writer {
    shards: std::sync::Arc<Vec<mpsc::Sender<Job>>>,
    next: std::sync::Arc<std::sync::atomic::AtomicUsize>,
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
        Self { shards: std::sync::Arc::new(shards), next: Default::default(), timeout }
    }

    /// How many writes wait for the writers now.
    pub fn queued(&self) -> usize {
        self.shards.iter().map(|queue| QUEUE_DEPTH - queue.capacity()).sum()
    }

    fn shard(&self, key: Option<&str>) -> &mpsc::Sender<Job> {
        use std::hash::{Hash as _, Hasher as _};
        let index = match key {
            Some(key) => {
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                key.hash(&mut hasher);
                hasher.finish() as usize
            }
            None => self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        };
        &self.shards[index % self.shards.len()]
    }

    /// Runs `write` in the next transaction, inside a savepoint of its own, and returns its
    /// result once that transaction is committed. `key` names the row the write locks (its
    /// room), if any.
    pub async fn write<T, F>(&self, key: Option<&str>, write: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    {
        // A nested transaction is a savepoint inside the batch's transaction.
        self.enqueue(key, move |conn| (conn.transaction(write), false)).await
    }

    /// Like [`Writer::write`], without the savepoint: for a write whose refusals (client
    /// errors) all come before its first change, whose statements each apply fully or not at
    /// all, and which cannot collide with another write (a taken id is an answer, not an
    /// error). Any other error it returns may come after a change, so it rolls back the whole
    /// batch: every caller of the batch gets 503 and may retry.
    pub async fn write_direct<T, F>(&self, key: Option<&str>, write: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    {
        self.enqueue(key, move |conn| {
            let outcome = write(conn);
            let poisoned = matches!(outcome, Err(ApiError::Internal(_) | ApiError::Unavailable(_)));
            (outcome, poisoned)
        })
        .await
    }

    async fn enqueue<T, F>(&self, key: Option<&str>, write: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> (Result<T, ApiError>, bool) + Send + 'static,
    {
        let (done, result) = oneshot::channel();
        let job = Job {
            key: key.map(str::to_owned),
            run: Box::new(move |conn: &mut DbConn| {
                let (outcome, poisoned) = write(conn);
                let completion: Completion = Box::new(move |commit: Result<(), ApiError>| {
                    let _ = done.send(commit.and(outcome));
                });
                Ran { completion, poisoned }
            }),
        };
        let queue = self.shard(key);
        let queued = async {
            queue.send(job).await.map_err(|_| ApiError::unavailable("writer stopped"))?;
            result.await.map_err(|_| ApiError::unavailable("write abandoned"))?
        };
        tokio::time::timeout(self.timeout, queued)
            .await
            .map_err(|_| ApiError::unavailable("database write timed out"))?
    }
}

fn run(manager: DbManager, mut conn: Option<DbConn>, mut jobs: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(job) = jobs.blocking_recv() {
        batch.push(job);
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
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
            Ok(Ran { completion, poisoned: false }) => {
                completions.push(completion);
                continue;
            }
            Ok(Ran { completion, poisoned: true }) => {
                tracing::warn!("a write without a savepoint failed; rolling back its batch");
                completions.push(completion);
                false
            }
            Err(_) => {
                tracing::error!("a database write panicked; rolling back its batch");
                true
            }
        };
        let rolled_back =
            <DbConn as Connection>::TransactionManager::rollback_transaction(conn).is_ok();
        for completion in completions {
            completion(Err(ApiError::unavailable("batch rolled back")));
        }
        // The jobs not run yet are dropped with the batch (their callers get 503 too).
        return rolled_back && !panicked;
    }
    match <DbConn as Connection>::TransactionManager::commit_transaction(conn) {
        Ok(()) => {
            for completion in completions {
                completion(Ok(()));
            }
            true
        }
        Err(err) => {
            tracing::warn!(error = %err, "database commit failed");
            let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
            for completion in completions {
                completion(Err(ApiError::unavailable("commit failed")));
            }
            false
        }
    }
}
