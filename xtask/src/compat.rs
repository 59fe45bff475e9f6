//! Compatibility with the real third-party clients, installed from their registries.

use std::path::Path;
use std::process::Command;

use crate::server::{self, Database, Server};
use crate::skip;
use crate::util::{have, root, run, target_dir, Outcome};

/// Every compatibility suite, or the one named: `webhook` or `js`.
pub fn run_selected(which: Option<&str>) -> Result<Outcome, String> {
    match which {
        None => run_all(),
        Some("webhook") => webhook_checks(),
        Some("js") => js_sdk(),
        Some(other) => Err(format!("unknown compat suite {other:?}: webhook or js")),
    }
}

/// Every compatibility suite. Each runs even when one before it failed.
pub fn run_all() -> Result<Outcome, String> {
    let outcomes = [("webhook checks", webhook_checks()), ("JS SDK", js_sdk())];
    let mut failed = Vec::new();
    let mut skipped = Vec::new();
    for (name, outcome) in outcomes {
        match outcome {
            Ok(Outcome::Passed) => {}
            Ok(Outcome::Skipped(why)) => skipped.push(format!("{name}: {why}")),
            Err(err) => failed.push(format!("{name}: {err}")),
        }
    }
    if !failed.is_empty() {
        Err(failed.join("; "))
    } else if !skipped.is_empty() {
        Ok(Outcome::Skipped(skipped.join("; ")))
    } else {
        Ok(Outcome::Passed)
    }
}

/// The README's webhook signature checks in Python and JavaScript, run as written there
/// against the vector in `compat/webhook/fixture.json` (no server needed).
fn webhook_checks() -> Result<Outcome, String> {
    let dir = root().join("compat").join("webhook");
    let mut outcome = Outcome::Passed;
    for (program, script, language) in
        [("python3", "verify.py", "Python"), ("node", "verify.mjs", "JavaScript")]
    {
        if !have(program) {
            let why = format!("{program} is not installed");
            outcome = skip(&format!("the README's {language} webhook check"), &why)?;
            continue;
        }
        run(Command::new(program).arg(dir.join(script)).current_dir(&dir))?;
    }
    Ok(outcome)
}

/// npm `@rocket.chat/sdk`: its `Livechat` client against our server.
fn js_sdk() -> Result<Outcome, String> {
    if !have("node") || !have("npm") {
        return skip("JS SDK compatibility", "node and npm are not installed");
    }
    let source = root().join("compat").join("js");
    let cache = target_dir().join("compat").join("js");
    install_npm(&source, &cache)?;
    server::build()?;
    let database = Database::create("sqlite").map_err(|server::Unavailable(why)| why)?;
    // The suite fires a couple of hundred requests within two seconds from one address,
    // which the default per-address limit is there to stop; the browser test runs the widget
    // under the default limits.
    let server = Server::start("compat-js", &database, &["--rate-limit", "off"])?;
    let result = run(Command::new("node")
        .args(["--test", "livechat.test.mjs"])
        .current_dir(&cache)
        .env("LIVECHAT_URL", server.url()));
    server.finish(result.is_err());
    result.map(|_| Outcome::Passed)
}

/// Copies an npm project into `cache` and installs its locked dependencies there, unless
/// the same lock file is installed already.
pub fn install_npm(source: &Path, cache: &Path) -> Result<(), String> {
    std::fs::create_dir_all(cache).map_err(|err| format!("{}: {err}", cache.display()))?;
    let lock = std::fs::read(source.join("package-lock.json"))
        .map_err(|err| format!("{}: {err}", source.display()))?;
    let installed = std::fs::read(cache.join(".installed-lock")).ok();
    for entry in std::fs::read_dir(source).map_err(|err| err.to_string())? {
        let entry = entry.map_err(|err| err.to_string())?;
        if entry.file_type().map_err(|err| err.to_string())?.is_file() {
            std::fs::copy(entry.path(), cache.join(entry.file_name()))
                .map_err(|err| err.to_string())?;
        }
    }
    if installed.as_deref() == Some(lock.as_slice()) && cache.join("node_modules").is_dir() {
        return Ok(());
    }
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(cache))?;
    std::fs::write(cache.join(".installed-lock"), lock).map_err(|err| err.to_string())
}
