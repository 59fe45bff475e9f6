//! Several server instances on one PostgreSQL database, and a database outage. Run by
//! `cargo xtask e2e postgres`, which builds the server and sets `LIVECHAT_SERVER_BIN` and
//! `LIVECHAT_TEST_PG_URL` (the administrative URL); each test creates a database of its own
//! and drops it at the end, so tests running side by side share nothing.

mod deadlock;
mod instances;
mod outage;
mod process;
mod proxy;
mod resubscribe;

// The real SMTP server and webhook receiver the server's own tests use, for the e-mail and
// webhook tests across instances.
#[path = "../../../livechat-server/tests/support/receiver.rs"]
mod receiver;
#[path = "../../../livechat-server/tests/support/smtp.rs"]
mod smtp;

use livechat_sdk::VisitorToken;

/// The server binary, and a fresh database for the instances of one test.
pub fn setup() -> (String, Database) {
    let bin = std::env::var("LIVECHAT_SERVER_BIN")
        .expect("LIVECHAT_SERVER_BIN is not set: run via `cargo xtask e2e postgres`");
    let admin = std::env::var("LIVECHAT_TEST_PG_URL")
        .expect("LIVECHAT_TEST_PG_URL is not set: run via `cargo xtask e2e postgres`");
    (bin, Database::create(&admin))
}

/// A database of one test's own, dropped when it goes out of scope.
pub struct Database {
    admin: String,
    name: String,
    /// Its URL.
    pub url: String,
}

impl Database {
    fn create(admin: &str) -> Self {
        use diesel::{Connection as _, RunQueryDsl as _};
        let name = format!("lc_cluster_{}", fresh_token("db").as_str().replace('-', "_"));
        let mut conn = diesel::PgConnection::establish(admin).expect("connect as administrator");
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).expect("create");
        let (scheme, rest) = admin.split_once("://").unwrap_or(("postgres", admin));
        let authority = rest.split('/').next().unwrap_or(rest);
        let url = format!("{scheme}://{authority}/{name}");
        Self { admin: admin.to_owned(), name, url }
    }

    /// A connection to it, for checks the API cannot make.
    pub fn connect(&self) -> diesel::PgConnection {
        use diesel::Connection as _;
        diesel::PgConnection::establish(&self.url).expect("connect to the test database")
    }
}

impl std::ops::Deref for Database {
    type Target = str;

    fn deref(&self) -> &str {
        &self.url
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        use diesel::{Connection as _, RunQueryDsl as _};
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.admin) {
            let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
            let _ = diesel::sql_query(drop).execute(&mut conn);
        }
    }
}

/// A token no other test uses.
pub fn fresh_token(label: &str) -> VisitorToken {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    VisitorToken::from(format!("{label}-{nanos}-{}", COUNTER.fetch_add(1, Ordering::Relaxed)))
}
