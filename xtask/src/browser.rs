//! `cargo xtask browser`: the stock widget served by the real server, in a real browser.
//! `cargo xtask console`: the agent console (`/console`) with the stock widget as the visitor.
//!
//! Debian's Chromium (`/usr/bin/chromium`) driven by npm `playwright-core`, which never
//! downloads a browser of its own. The tests themselves are `compat/browser/widget.test.mjs`
//! and `compat/browser/console.test.mjs`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::compat::install_npm;
use crate::server::{self, Database, Server};
use crate::util::{have, root, run, target_dir, Outcome};
use crate::{is_ci, skip, widget};

const CHROMIUM: &str = "/usr/bin/chromium";
const AGENT_USERNAME: &str = "agent1";
/// An agent of the other department, never available: its visitors wait in the queue.
const OTHER_AGENT_USERNAME: &str = "agent2";
/// The admin who sets up departments, a registration field and a trigger.
const ADMIN_USERNAME: &str = "admin1";
/// The password of the test's throwaway users, in a database that lives as long as the run.
const AGENT_PASSWORD: &str = "browser-test-password";
/// The console test's agents (its admin is [`ADMIN_USERNAME`]).
const CONSOLE_AGENTS: [&str; 3] = ["agent1", "agent2", "agent3"];
/// The console test's livechat manager, who sets up a department and a canned response.
const CONSOLE_MANAGER: &str = "manager1";
/// Longer than the script's own overall timeout, which prints its diagnostics first.
const NODE_TIMEOUT: Duration = Duration::from_secs(300);
/// The console test runs several scenarios; its own deadline is 6 minutes.
const CONSOLE_NODE_TIMEOUT: Duration = Duration::from_secs(420);

/// What both browser tests need, or why they are skipped.
enum Ready {
    /// The widget's folder and the installed npm project the test runs in.
    Run {
        widget_dir: PathBuf,
        cache: PathBuf,
    },
    Skipped(Outcome),
}

/// Makes Chromium (installed from Debian under CI only), the widget, the npm packages and the
/// server ready; skipped loudly (failed under CI) when a tool is missing.
fn prepare(what: &str) -> Result<Ready, String> {
    if !have("node") || !have("npm") {
        return skip(what, "node and npm are not installed").map(Ready::Skipped);
    }
    if !Path::new(CHROMIUM).exists() {
        if !is_ci() {
            return skip(
                what,
                &format!(
                    "{CHROMIUM} is missing (install Debian's package: apt-get install chromium)"
                ),
            )
            .map(Ready::Skipped);
        }
        install_chromium()?;
    }
    let widget_dir = widget::install()?;
    let source = root().join("compat").join("browser");
    let cache = target_dir().join("compat").join("browser");
    // playwright-core downloads nothing, but make sure no install step tries.
    std::env::set_var("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    install_npm(&source, &cache)?;
    server::build()?;
    Ok(Ready::Run { widget_dir, cache })
}

/// Runs the widget test; skipped loudly (failed under CI) when a tool is missing.
pub fn run_all() -> Result<Outcome, String> {
    let (widget_dir, cache) = match prepare("browser test")? {
        Ready::Run { widget_dir, cache } => (widget_dir, cache),
        Ready::Skipped(outcome) => return Ok(outcome),
    };
    let database = Database::create("sqlite").map_err(|server::Unavailable(why)| why)?;
    server::add_user(&database, AGENT_USERNAME, AGENT_PASSWORD, "agent")?;
    server::add_user(&database, OTHER_AGENT_USERNAME, AGENT_PASSWORD, "agent")?;
    server::add_user(&database, ADMIN_USERNAME, AGENT_PASSWORD, "admin")?;
    let widget_arg = widget_dir.display().to_string();
    let server = Server::start("browser", &database, &["--widget-dir", &widget_arg])?;
    let screenshot = target_dir().join("browser").join("widget.png");
    let result = run_node(
        Command::new("node")
            .arg("widget.test.mjs")
            .current_dir(&cache)
            .env("LIVECHAT_URL", server.url())
            .env("LIVECHAT_AGENT_USERNAME", AGENT_USERNAME)
            .env("LIVECHAT_AGENT_PASSWORD", AGENT_PASSWORD)
            .env("LIVECHAT_OTHER_AGENT_USERNAME", OTHER_AGENT_USERNAME)
            .env("LIVECHAT_ADMIN_USERNAME", ADMIN_USERNAME)
            .env("CHROMIUM", CHROMIUM)
            .env("SCREENSHOT", &screenshot),
        "the widget test",
        NODE_TIMEOUT,
    );
    server.finish(result.is_err());
    eprintln!(
        "xtask: screenshots of the widget: {} (and widget-upload.png, widget-queue.png, widget-switched.png next to it)",
        screenshot.display()
    );
    result.map(|()| Outcome::Passed)
}

/// Runs the console test; skipped loudly (failed under CI) when a tool is missing.
pub fn run_console() -> Result<Outcome, String> {
    let (widget_dir, cache) = match prepare("console test")? {
        Ready::Run { widget_dir, cache } => (widget_dir, cache),
        Ready::Skipped(outcome) => return Ok(outcome),
    };
    let database = Database::create("sqlite").map_err(|server::Unavailable(why)| why)?;
    for agent in CONSOLE_AGENTS {
        server::add_user(&database, agent, AGENT_PASSWORD, "agent")?;
    }
    server::add_user(&database, CONSOLE_MANAGER, AGENT_PASSWORD, "manager")?;
    server::add_user(&database, ADMIN_USERNAME, AGENT_PASSWORD, "admin")?;
    let widget_arg = widget_dir.display().to_string();
    // Every browser page and the test's own REST calls come from 127.0.0.1, which a real
    // team's agents and visitors never share: one address may make ten times the default.
    let server = Server::start(
        "console",
        &database,
        &["--widget-dir", &widget_arg, "--rate-limit-per-ip", "6000"],
    )?;
    let screenshots = target_dir().join("browser");
    let result = run_node(
        Command::new("node")
            .arg("console.test.mjs")
            .current_dir(&cache)
            .env("LIVECHAT_URL", server.url())
            .env("LIVECHAT_AGENTS", CONSOLE_AGENTS.join(","))
            .env("LIVECHAT_MANAGER_USERNAME", CONSOLE_MANAGER)
            .env("LIVECHAT_ADMIN_USERNAME", ADMIN_USERNAME)
            .env("LIVECHAT_PASSWORD", AGENT_PASSWORD)
            .env("CHROMIUM", CHROMIUM)
            .env("SCREENSHOT_DIR", &screenshots),
        "the console test",
        CONSOLE_NODE_TIMEOUT,
    );
    server.finish(result.is_err());
    eprintln!("xtask: screenshots of the console's steps: {}/console-*.png", screenshots.display());
    result.map(|()| Outcome::Passed)
}

/// Under CI only: Debian's Chromium, never a browser download.
fn install_chromium() -> Result<(), String> {
    eprintln!("xtask: {CHROMIUM} is missing; installing Debian's chromium (CI=true)");
    run(Command::new("apt-get").args(["update", "-qq"]))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "chromium"])
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    if Path::new(CHROMIUM).exists() {
        Ok(())
    } else {
        Err(format!("apt-get installed chromium, but {CHROMIUM} is still missing"))
    }
}

/// Runs the node script with inherited output, killed after `timeout`.
fn run_node(command: &mut Command, what: &str, timeout: Duration) -> Result<(), String> {
    let mut child = command.spawn().map_err(|err| format!("cannot run node: {err}"))?;
    let started = Instant::now();
    loop {
        match child.try_wait().map_err(|err| err.to_string())? {
            Some(status) if status.success() => return Ok(()),
            Some(status) => return Err(format!("{what} failed ({status})")),
            None if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{what} did not end within {timeout:?}"));
            }
            None => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}
