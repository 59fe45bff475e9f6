//! Secrets the suites use, recorded so xtask can check that no server log contains them.

/// Appends a secret (visitor token, password, auth token) to the file
/// `LIVECHAT_SECRETS_FILE` names; does nothing when it is not set.
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
