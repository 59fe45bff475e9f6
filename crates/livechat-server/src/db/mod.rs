//! Storage: one codebase for SQLite and PostgreSQL.
//!
//! Reads go through an r2d2 pool ([`Database::read`]). Writes go through the [`Writer`],
//! which commits whatever writes are waiting in one transaction (group commit); see
//! `writer.rs`. Every function returns this layer's own [`Error`].
//!
//! # Lock order
//!
//! A batch holds every row its writes locked until it commits, and on PostgreSQL several
//! writers (of one or many instances) commit batches at once. They cannot deadlock because
//! every transaction takes its locks in one global order:
//!
//! 1. rooms, by id: a room's row and the messages in it;
//! 2. visitors, by token: a visitor's row, its open-room slot (the partial unique index), and
//!    the room it opens (a new row nobody else can know before the commit);
//! 3. users, by id: a user's row and its auth tokens;
//! 4. departments, by id: a department's row and its members;
//! 5. settings, by id: a setting's row (a write that stores a setting touches nothing else);
//! 6. outbox rows, by sequence number: a delivery's row (a write that claims or settles a
//!    delivery touches nothing else; the writes that cause deliveries only insert them).
//!
//! Each write names its [`Key`], the one room, visitor or user whose rows it may lock, and
//! locks nothing else; a batch runs its writes sorted by key, so it takes its locks in that
//! order. Work that spans keys is split: routing the queue is one write per room
//! ([`crate::routing`]); a write that must lock several keys at once (removing a visitor with
//! its rooms) is [`Key::Many`], runs in a transaction of its own and takes them in the order
//! above. No row is written by every batch: an agent's idle time is derived from the rooms it
//! was given (`rooms.served_at`), not stored on the agent. Reads take no locks.

/// Implements a hand-written statement's SQL for both backends, as
/// `|this, out, pg| { ... }` (`out` an `AstPass`, `pg` whether it is PostgreSQL's dialect:
/// a connection only ever sees one), and gives it a static query id, so
/// diesel prepares it once per connection and reuses it (diesel caches neither UPDATE nor
/// `sql_query` statements). Its SQL never varies, so it is always safe to cache, and diesel
/// need not walk it to find out on every execution.
macro_rules! fixed_statement {
    ($ty:ident, |$this:ident, $out:ident, $pg:ident| $body:block) => {
        impl diesel::query_builder::QueryId for $ty<'_> {
            type QueryId = $ty<'static>;
            const HAS_STATIC_QUERY_ID: bool = true;
        }
        impl diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite> for $ty<'_> {
            fn is_safe_to_cache_prepared(
                &self,
                _: &diesel::sqlite::Sqlite,
            ) -> diesel::QueryResult<bool> {
                Ok(true)
            }

            fn walk_ast<'b>(
                &'b self,
                mut $out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
            ) -> diesel::QueryResult<()> {
                let ($this, $pg) = (self, false);
                $body
                Ok(())
            }
        }
        impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for $ty<'_> {
            fn is_safe_to_cache_prepared(
                &self,
                _: &diesel::pg::Pg,
            ) -> diesel::QueryResult<bool> {
                Ok(true)
            }

            fn walk_ast<'b>(
                &'b self,
                mut $out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
            ) -> diesel::QueryResult<()> {
                let ($this, $pg) = (self, true);
                $body
                Ok(())
            }
        }
        impl<Conn> diesel::RunQueryDsl<Conn> for $ty<'_> {}
    };
}

pub mod canned_responses;
pub mod custom_fields;
pub mod departments;
mod error;
pub mod files;
pub mod messages;
pub mod models;
pub mod offline;
pub mod outbox;
pub mod permissions;
pub mod placeholders;
pub mod room_list;
pub mod rooms;
pub mod schema;
pub mod settings;
pub mod tags;
pub mod triggers;
pub mod users;
pub mod visitors;
mod writer;

use std::time::Duration;

use anyhow::Context as _;
use diesel::connection::SimpleConnection;
use diesel::r2d2::ManageConnection;
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub use error::{Error, Result};
pub use writer::{Ran, Write, Writer};

/// What a write locks, and so its place in the lock order (module documentation). Writes of
/// one batch run sorted by key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    /// Only inserts new rows, which no other write can hold: locks nothing that matters.
    Fresh,
    /// Only inserts offline messages, locking nothing: their e-mail address only picks the
    /// writer, so that one instance counts an address's messages exactly.
    Offline(String),
    /// One room (by id): its row and its messages.
    Room(String),
    /// One visitor (by token): its row, its open-room slot and the room it opens.
    Visitor(String),
    /// One user (by id): its row and its auth tokens.
    User(String),
    /// One setting (by id): its row.
    Setting(String),
    /// One outbox row (by sequence number): a delivery claimed or settled.
    Outbox(i64),
    /// Several keys, taken in the lock order: runs in a transaction of its own.
    Many,
}

diesel::define_sql_function! {
    /// SQL's `lower(text)`: ASCII letters on SQLite, the database's locale on PostgreSQL
    /// (the same for the ASCII usernames `user add` allows).
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// `%` and `_` in `text` match themselves in a `LIKE ... ESCAPE '\'` pattern.
pub(crate) fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A connection to the configured backend.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    /// PostgreSQL.
    Postgres(PgConnection),
    /// SQLite.
    Sqlite(SqliteConnection),
}

/// The pool of read connections.
pub type DbPool = r2d2::Pool<DbManager>;

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Which database a URL names, decided once from its scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A PostgreSQL connection URL.
    Postgres(String),
    /// A path to a SQLite file.
    Sqlite(String),
}

impl Backend {
    /// `postgres://` and `postgresql://` select PostgreSQL; `sqlite://path` or a bare path
    /// selects SQLite.
    pub fn from_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::Postgres(url.to_owned())
        } else {
            Self::Sqlite(url.strip_prefix("sqlite://").unwrap_or(url).to_owned())
        }
    }

    /// The URL with any password masked, for logs.
    pub fn masked(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{path}"),
            Self::Postgres(url) => mask_password(url),
        }
    }
}

fn mask_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else { return url.to_owned() };
    let rest = &url[scheme_end..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => {
            let user_info = &rest[..at];
            let user = user_info.split(':').next().unwrap_or_default();
            let masked = if user_info.contains(':') { format!("{user}:***") } else { user.into() };
            format!("{}{masked}{}", &url[..scheme_end], &rest[at..])
        }
        None => url.to_owned(),
    }
}

/// Opens connections to exactly the configured backend (never guesses from the URL at
/// connect time, so a PostgreSQL outage cannot silently open a SQLite file).
#[derive(Clone, Debug)]
pub struct DbManager {
    backend: Backend,
    busy_timeout: Duration,
}

impl DbManager {
    /// A manager for `backend`; `busy_timeout` bounds how long SQLite waits for a lock and
    /// how long PostgreSQL takes to connect.
    pub fn new(backend: Backend, busy_timeout: Duration) -> Self {
        Self { backend, busy_timeout }
    }

    /// Opens one connection, with the session settings this service relies on.
    pub fn connect(&self) -> Result<DbConn, diesel::ConnectionError> {
        match &self.backend {
            Backend::Postgres(url) => {
                let url = with_connect_timeout(url, self.busy_timeout);
                let mut conn = PgConnection::establish(&url)?;
                conn.batch_execute("SET synchronous_commit = on")
                    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Postgres(conn))
            }
            Backend::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                let pragmas = format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                    self.busy_timeout.as_millis()
                );
                conn.batch_execute(&pragmas)
                    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// WAL size (pages) at which the SQLite writer checkpoints by itself: a backstop, normally
/// the checkpointer thread has copied the frames already and the WAL starts over.
const WRITER_AUTOCHECKPOINT_PAGES: u32 = 10_000;

/// Page cache of the SQLite writer connection, in KiB (SQLite's default is 2 MiB). Message
/// ids are random, so each insert lands on an arbitrary leaf of the id index; with the
/// default cache most of those pages were read back from the file for every insert.
const WRITER_CACHE_KIB: u32 = 32 * 1024;

impl DbManager {
    /// Opens a writer's connection: as [`DbManager::connect`], with a larger page cache on
    /// SQLite (pages are allocated as they are used, up to that size).
    pub fn connect_writer(&self) -> Result<DbConn, diesel::ConnectionError> {
        let mut conn = self.connect()?;
        if let DbConn::Sqlite(sqlite) = &mut conn {
            sqlite
                .batch_execute(&format!(
                    "PRAGMA cache_size = -{WRITER_CACHE_KIB}; \
                     PRAGMA wal_autocheckpoint = {WRITER_AUTOCHECKPOINT_PAGES};"
                ))
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
        }
        Ok(conn)
    }
}

/// Bounds how long connecting, and waiting on a dead network, may take: `connect_timeout`,
/// TCP keepalives and `tcp_user_timeout`, unless the URL sets them itself.
fn with_connect_timeout(url: &str, timeout: Duration) -> String {
    let mut url = url.to_owned();
    let seconds = timeout.as_secs().max(1).to_string();
    let millis = timeout.as_millis().max(1000).to_string();
    let settings = [
        ("connect_timeout", seconds.as_str()),
        ("keepalives", "1"),
        ("keepalives_idle", "5"),
        ("keepalives_interval", "2"),
        ("keepalives_count", "2"),
        ("tcp_user_timeout", millis.as_str()),
    ];
    for (name, value) in settings {
        if !url.contains(&format!("{name}=")) {
            let separator = if url.contains('?') { '&' } else { '?' };
            url = format!("{url}{separator}{name}={value}");
        }
    }
    url
}

impl ManageConnection for DbManager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        DbManager::connect(self).map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1").map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        use diesel::connection::TransactionManager;
        <DbConn as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// Applies pending migrations. On PostgreSQL this holds an advisory lock, so instances that
/// start together do not race.
pub fn migrate(conn: &mut DbConn) -> anyhow::Result<()> {
    const LOCK: i64 = 0x6c69_7665_6368_6174; // "livechat"
    let applied = match conn {
        DbConn::Postgres(conn) => {
            conn.batch_execute(&format!("SELECT pg_advisory_lock({LOCK})"))?;
            let applied = conn.run_pending_migrations(PG_MIGRATIONS).map(drop);
            conn.batch_execute(&format!("SELECT pg_advisory_unlock({LOCK})"))?;
            applied
        }
        DbConn::Sqlite(conn) => conn.run_pending_migrations(SQLITE_MIGRATIONS).map(drop),
    };
    applied.map_err(|err| match users::case_duplicates(conn) {
        // The index on lower(username) cannot be made: say which users are in the way.
        Ok(duplicates) if !duplicates.is_empty() => case_duplicates_error(&duplicates),
        _ => anyhow::format_err!("migrations failed: {err}"),
    })
}

/// Why usernames that differ only in case stop the migrations, and how to go on.
fn case_duplicates_error(duplicates: &[(String, String)]) -> anyhow::Error {
    let listed: Vec<String> =
        duplicates.iter().map(|(id, username)| format!("{username} (id {id})")).collect();
    let (id, username) = duplicates.last().cloned().unwrap_or_default();
    anyhow::format_err!(
        "migrations failed: usernames are now unique ignoring case, and these differ only in \
         case: {}. Rename all but one of each in the database, for example \
         UPDATE users SET username = '{username}-2' WHERE id = '{id}'; then start again",
        listed.join(", ")
    )
}

/// The storage of a running server: a read pool and the writer.
#[derive(Clone)]
pub struct Database {
    /// Read connections.
    pub pool: DbPool,
    /// The one writer.
    pub writer: Writer,
    /// Whether this is a SQLite file (local, so reads may run inline).
    pub is_sqlite: bool,
    /// How long a read may wait for the database.
    timeout: Duration,
    /// Keeps the SQLite checkpointer running while any clone of this is alive.
    _checkpointer: Option<std::sync::Arc<()>>,
}

impl Database {
    /// Connects, migrates and starts the writer.
    pub fn open(
        backend: Backend,
        pool_size: u32,
        writers: usize,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        let manager = DbManager::new(backend, timeout);
        let mut conn = manager.connect_writer().context("cannot connect to the database")?;
        migrate(&mut conn)?;
        // A SQLite file cannot go away under us; a PostgreSQL connection can, so those are
        // checked before each use.
        let remote = matches!(manager.backend, Backend::Postgres(_));
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            .min_idle(Some(1))
            .connection_timeout(timeout)
            .test_on_check_out(remote)
            .build_unchecked(manager.clone());
        // SQLite has one write lock: more writers would only queue on it.
        let writers = if remote { writers.max(1) } else { 1 };
        let checkpointer = (!remote).then(|| {
            let alive = std::sync::Arc::new(());
            start_checkpointer(manager.clone(), std::sync::Arc::downgrade(&alive));
            alive
        });
        let writer = Writer::start(manager, conn, writers, timeout);
        Ok(Self { pool, writer, is_sqlite: !remote, timeout, _checkpointer: checkpointer })
    }

    /// Runs `read` with a pooled connection. On SQLite it runs at once, on the caller's
    /// thread, when a connection is free: a local file answers in microseconds and WAL
    /// readers never wait for the writer, so handing the read to another thread would cost
    /// more than the read. Otherwise it runs on a blocking thread, and a read that does not
    /// finish within the database timeout (a connection whose network died) is
    /// [`Error::Unavailable`].
    pub async fn read<T, E, F>(&self, read: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        if self.is_sqlite {
            if let Some(mut conn) = self.pool.try_get() {
                return read(&mut conn);
            }
        }
        let pool = self.pool.clone();
        let blocking = tokio::task::spawn_blocking(move || match pool.get() {
            Ok(mut conn) => read(&mut conn),
            Err(err) => Err(Error::from(err).into()),
        });
        match tokio::time::timeout(self.timeout, blocking).await {
            Ok(Ok(result)) => result,
            Ok(Err(err)) => Err(Error::Internal(anyhow::format_err!("read failed: {err}")).into()),
            Err(_) => Err(Error::unavailable("database read timed out").into()),
        }
    }

    /// Runs `write` in the writer's next transaction; see [`Writer::write`].
    pub async fn write<W: Write>(&self, key: Key, write: W) -> Result<W::Output, W::Error> {
        self.writer.write(key, write).await
    }
}

/// How often the SQLite checkpointer copies committed WAL frames into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// Checkpoints the SQLite WAL (PASSIVE: it never waits for, nor blocks, the writer or the
/// readers) on a thread and connection of its own, so the writer no longer copies pages into
/// the database file between its commits. The writer's own automatic checkpoint, at a larger
/// WAL size, stays as the backstop that lets the WAL start over. Stops when `alive` is gone.
fn start_checkpointer(manager: DbManager, alive: std::sync::Weak<()>) {
    let spawned = std::thread::Builder::new().name("db-checkpoint".into()).spawn(move || {
        let mut conn: Option<DbConn> = None;
        while alive.strong_count() > 0 {
            std::thread::sleep(CHECKPOINT_EVERY);
            if conn.is_none() {
                match manager.connect() {
                    Ok(fresh) => conn = Some(fresh),
                    Err(err) => tracing::warn!(error = %err, "checkpointer cannot connect"),
                }
            }
            if let Some(open) = conn.as_mut() {
                if let Err(err) = open.batch_execute("PRAGMA wal_checkpoint(PASSIVE)") {
                    tracing::warn!(error = %err, "WAL checkpoint failed");
                    conn = None;
                }
            }
        }
    });
    if let Err(err) = spawned {
        tracing::error!(error = %err, "cannot start the WAL checkpointer");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_chosen_by_scheme() {
        assert_eq!(Backend::from_url("livechat.db"), Backend::Sqlite("livechat.db".into()));
        assert_eq!(Backend::from_url("sqlite:///tmp/x.db"), Backend::Sqlite("/tmp/x.db".into()));
        assert!(matches!(Backend::from_url("postgres://u@h/db"), Backend::Postgres(_)));
    }

    #[test]
    fn connection_urls_get_timeouts() {
        let url = with_connect_timeout("postgres://h/db", Duration::from_millis(2000));
        assert!(url.starts_with("postgres://h/db?connect_timeout=2&"), "{url}");
        assert!(url.contains("tcp_user_timeout=2000"), "{url}");
        let url = with_connect_timeout("postgres://h/db?connect_timeout=9", Duration::from_secs(2));
        assert!(url.contains("connect_timeout=9&keepalives=1"), "{url}");
    }

    #[test]
    fn passwords_are_masked() {
        let backend = Backend::from_url("postgres://user:secret@host:5432/db");
        assert_eq!(backend.masked(), "postgres://user:***@host:5432/db");
        assert_eq!(Backend::from_url("postgres://host/db").masked(), "postgres://host/db");
    }
}
