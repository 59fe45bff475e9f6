//! Fault tests: the server is killed, cut off from its database and given a full disk
//! while clients send, and no acknowledged message may be lost or stored twice; killed
//! while clients upload files, and no acknowledged file may be lost or damaged.
//!
//! Run by `cargo xtask faults`, which builds the server and sets:
//! - `LIVECHAT_SERVER_BIN`: the server binary;
//! - `LIVECHAT_FAULTS_DB_URL`: a fresh database (a SQLite path or a `postgres://` URL);
//! - `LIVECHAT_FAULTS_LOG_DIR`: where the servers' logs go (scanned for secrets afterwards);
//! - `LIVECHAT_FAULTS_REPORT`: a file each test appends its figures to;
//! - `LIVECHAT_SECRETS_FILE`: a file every token and password used is appended to;
//! - `LIVECHAT_FAULTS_DISK_DIR` (disk test only): a small tmpfs for the SQLite file.

mod check;
mod crash;
mod disk;
mod front;
mod load;
mod outage;
#[path = "../cluster/proxy.rs"]
mod proxy;
mod server;
mod sha256;
mod uploads;

#[path = "../common/secrets.rs"]
mod secrets;
pub use secrets::record_secret;

use std::io::Write as _;
use std::path::PathBuf;

use livechat_sdk::VisitorToken;

/// A setting xtask passes.
pub fn env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run via `cargo xtask faults`"))
}

/// The server binary.
pub fn server_bin() -> String {
    env("LIVECHAT_SERVER_BIN")
}

/// The database of this run.
pub fn database_url() -> String {
    env("LIVECHAT_FAULTS_DB_URL")
}

/// `sqlite` or `postgres`, from the database URL.
pub fn backend() -> &'static str {
    if database_url().starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    }
}

/// The folder the servers' logs go to.
pub fn log_dir() -> PathBuf {
    PathBuf::from(env("LIVECHAT_FAULTS_LOG_DIR"))
}

/// A token no other run uses, recorded as a secret.
pub fn fresh_token(label: &str) -> VisitorToken {
    let token = format!("{label}-{}", unique());
    record_secret(&token);
    VisitorToken::from(token)
}

/// A password for an agent, recorded as a secret.
pub fn fresh_password(label: &str) -> String {
    let password = format!("{label}-pw-{}", unique());
    record_secret(&password);
    password
}

fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos:x}{:x}{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// Appends one line of figures (`key=value` pairs) to `LIVECHAT_FAULTS_REPORT`.
pub fn report(scenario: &str, figures: &[(&str, String)]) {
    let mut line = format!("scenario={scenario} backend={}", backend());
    for (key, value) in figures {
        line.push_str(&format!(" {key}={value}"));
    }
    eprintln!("{line}");
    if let Ok(path) = std::env::var("LIVECHAT_FAULTS_REPORT") {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap_or_else(|err| panic!("open {path}: {err}"));
        file.write_all(format!("{line}\n").as_bytes()).expect("write the report");
    }
}
