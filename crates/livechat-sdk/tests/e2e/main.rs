//! The SDK scenario suite against a real server. Run it with `cargo xtask e2e`, which
//! starts the server binary on a fresh database and sets `LIVECHAT_E2E_URL`.

mod agent;
mod errors;
mod flow;
mod limits;
mod realtime;
mod retry;

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

/// Appends a secret the suite uses (visitor token, password, auth token) to the file
/// `LIVECHAT_SECRETS_FILE` names, so xtask can check that no server log contains it.
pub fn record_secret(secret: &str) {
    use std::io::Write as _;
    let Ok(path) = std::env::var("LIVECHAT_SECRETS_FILE") else { return };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap_or_else(|err| panic!("open {path}: {err}"));
    file.write_all(format!("{secret}\n").as_bytes()).expect("record a secret");
}

fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos}-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}
