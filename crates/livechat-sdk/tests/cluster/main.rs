//! Several server instances on one PostgreSQL database, and a database outage. Run by
//! `cargo xtask e2e postgres`, which builds the server, creates a fresh database and sets
//! `LIVECHAT_SERVER_BIN` and `LIVECHAT_CLUSTER_DB_URL`.

mod instances;
mod outage;
mod process;
mod proxy;
mod resubscribe;

use livechat_sdk::VisitorToken;

/// The server binary and the database the instances share.
pub fn setup() -> (String, String) {
    let bin = std::env::var("LIVECHAT_SERVER_BIN")
        .expect("LIVECHAT_SERVER_BIN is not set: run via `cargo xtask e2e postgres`");
    let url = std::env::var("LIVECHAT_CLUSTER_DB_URL")
        .expect("LIVECHAT_CLUSTER_DB_URL is not set: run via `cargo xtask e2e postgres`");
    (bin, url)
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
