//! The SDK scenario suite against a real server. Run it with `cargo xtask e2e`, which
//! starts the server binary on a fresh database and sets `LIVECHAT_E2E_URL`.

mod after_chat;
mod agent;
mod departments;
mod errors;
mod files;
mod files_memory;
mod flow;
mod limits;
mod login_flood;
mod realtime;
mod retry;
mod rooms;
mod users;
mod workflow;

// A server of a test's own, for the tests of the limits.
#[path = "../cluster/process.rs"]
#[allow(dead_code)]
mod process;
// The webhook receiver the server's own tests use.
#[path = "../../../livechat-server/tests/support/receiver.rs"]
mod receiver;
#[path = "../common/secrets.rs"]
mod secrets;
pub use secrets::record_secret;

use livechat_sdk::{Client, VisitorToken};

/// The server under test.
pub fn url() -> String {
    std::env::var("LIVECHAT_E2E_URL")
        .expect("LIVECHAT_E2E_URL is not set: run via `cargo xtask e2e`")
}

/// The agent account xtask created: (username, password).
pub fn agent_account() -> (String, String) {
    let user =
        std::env::var("LIVECHAT_E2E_AGENT").expect("LIVECHAT_E2E_AGENT: run via `cargo xtask e2e`");
    let password =
        std::env::var("LIVECHAT_E2E_AGENT_PASSWORD").expect("LIVECHAT_E2E_AGENT_PASSWORD");
    record_secret(&password);
    (user, password)
}

/// The admin account xtask created: (username, password).
pub fn admin_account() -> (String, String) {
    let user =
        std::env::var("LIVECHAT_E2E_ADMIN").expect("LIVECHAT_E2E_ADMIN: run via `cargo xtask e2e`");
    let password =
        std::env::var("LIVECHAT_E2E_ADMIN_PASSWORD").expect("LIVECHAT_E2E_ADMIN_PASSWORD");
    record_secret(&password);
    (user, password)
}

/// A client of the server under test.
pub fn client() -> Client {
    Client::new(url()).expect("client")
}

/// A token no other test uses, recorded as a secret.
pub fn fresh_token(label: &str) -> VisitorToken {
    let token = format!("{label}-{}", livechat_sdk::types::MessageId::from(unique()));
    record_secret(&token);
    VisitorToken::from(token)
}

pub fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos}-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}
