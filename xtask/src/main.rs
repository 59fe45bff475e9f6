//! `cargo xtask`: the project's own automation.
//!
//! - `cargo xtask ci`: everything CI checks, in order, with one summary line per stage.
//! - `cargo xtask e2e [sqlite|postgres|all]`: the SDK scenario suite against the real
//!   server binary.
//! - `cargo xtask compat [webhook|js]`: the real third-party clients against the real server
//!   binary, and the README's webhook checks in Python and JavaScript.
//! - `cargo xtask widget`: the stock Rocket.Chat widget from npm, into `./livechat-widget`.
//! - `cargo xtask browser`: that widget, served by the real server, in headless Chromium.
//! - `cargo xtask console`: the agent console at `/console`, in headless Chromium.
//! - `cargo xtask schemathesis`: schemathesis from PyPI against the OpenAPI document.
//! - `cargo xtask faults`: crashes, a database outage and a full disk under load.
//! - `cargo xtask bench`: throughput and latency against an echo reference.
//! - `cargo xtask smtpd`: installs the e-mail tests' SMTP server and prints its Python.

mod bench;
mod browser;
mod compat;
mod faults;
mod mail;
mod pg;
mod schemathesis;
mod server;
mod util;
mod widget;

use std::process::ExitCode;
use std::time::Instant;

use util::{cargo, run, Outcome};

/// What `cargo xtask --help` prints, and what a missing or unknown command is answered with.
const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  ci                         format, lint, all tests on SQLite and PostgreSQL, e2e, compat, browser,
                             console
  e2e [sqlite|postgres|all]  SDK scenarios against the real server binary
  compat [webhook|js]        real third-party clients against the real server binary, and the
                             README's webhook checks in Python and JavaScript
  widget                     the stock Rocket.Chat widget from npm into ./livechat-widget
  browser                    that widget served by the real server, in headless Chromium
  console                    the agent console at /console, in headless Chromium
  bench                      throughput and latency against an echo reference (wrk)
  faults                     crash, outage, full-disk and abuse tests on SQLite and PostgreSQL
  schemathesis               schemathesis (PyPI) against /api/v1/openapi.json
  smtpd                      install the e-mail tests' SMTP server (aiosmtpd, PyPI); print the
                             Python to set LIVECHAT_TEST_SMTPD_PYTHON to
  help                       this text (also -h, --help)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("e2e") => e2e(args.get(1).map_or("all", String::as_str)).map(|_| ()),
        Some("compat") => compat::run_selected(args.get(1).map(String::as_str)).map(|_| ()),
        Some("bench") => bench::run_bench().map(|_| ()),
        Some("faults") => faults_and_abuse(),
        Some("schemathesis") => schemathesis::run_all().map(|_| ()),
        Some("widget") => widget::run(),
        Some("browser") => browser::run_all().map(|_| ()),
        Some("console") => browser::run_console().map(|_| ()),
        Some("smtpd") => mail::python().map(|python| println!("{}", python.display())),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(unknown) => {
            eprintln!("xtask: unknown command {unknown:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
        None => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Whether this is a CI run: then nothing may be skipped.
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| !value.is_empty() && value != "false" && value != "0")
}

/// Announces a skipped part loudly, or fails it under CI.
pub fn skip(what: &str, why: &str) -> Result<Outcome, String> {
    if is_ci() {
        return Err(format!("{what}: {why} (required under CI=true)"));
    }
    eprintln!("\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
    eprintln!("!!! SKIPPED {what}: {why}");
    eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n");
    Ok(Outcome::Skipped(why.to_owned()))
}

fn ci() -> Result<(), String> {
    type Stage = (&'static str, fn() -> Result<Outcome, String>);
    let stages: &[Stage] = &[
        ("fmt", || run(cargo().args(["fmt", "--all", "--", "--check"])).map(|_| Outcome::Passed)),
        ("clippy", || {
            run(cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--all-features",
                "--",
                "-D",
                "warnings",
            ]))
            .map(|_| Outcome::Passed)
        }),
        ("test (SQLite)", || {
            run(mail::provide(&mut cargo())?.args(["test", "--workspace"])).map(|_| Outcome::Passed)
        }),
        ("test (PostgreSQL)", test_postgres),
        ("e2e (SQLite)", || e2e("sqlite")),
        ("e2e (PostgreSQL)", || e2e("postgres")),
        ("compat", compat::run_all),
        ("schemathesis", schemathesis::run_all),
        ("browser", browser::run_all),
        ("console", browser::run_console),
    ];
    let mut summary = Vec::new();
    let mut failed = 0;
    for (name, stage) in stages {
        eprintln!("\n==> {name}");
        let started = Instant::now();
        let outcome = stage();
        let seconds = started.elapsed().as_secs_f64();
        let line = match &outcome {
            Ok(Outcome::Passed) => format!("ok       {name} ({seconds:.1}s)"),
            Ok(Outcome::Skipped(why)) => format!("SKIPPED  {name}: {why}"),
            Err(err) => format!("FAILED   {name} ({seconds:.1}s): {err}"),
        };
        eprintln!("<== {line}");
        summary.push((line, outcome.is_ok(), matches!(outcome, Ok(Outcome::Skipped(_)))));
        if outcome.is_err() {
            failed += 1;
            // Formatting and lint failures are cheap to report; later stages still run so
            // one CI run shows every problem.
        }
    }
    let skipped = summary.iter().filter(|(_, _, skipped)| *skipped).count();
    let passed = summary.iter().filter(|(_, ok, skipped)| *ok && !skipped).count();
    println!("\nci summary:");
    for (line, _, _) in &summary {
        println!("  {line}");
    }
    println!("ci: {passed} passed, {failed} failed, {skipped} skipped");
    if failed > 0 {
        Err(format!("{failed} stage(s) failed"))
    } else {
        Ok(())
    }
}

/// `cargo xtask faults`: the crash, outage and full-disk scenarios, and with them every
/// hardening test `ci` also runs (bad input, access control, limits, property tests,
/// schemathesis), so one command answers whether the service is safe to expose.
fn faults_and_abuse() -> Result<(), String> {
    let abuse = ["bad_input::", "access", "limits::"];
    let mut failed = Vec::new();
    let mut record = |what: &str, result: Result<Outcome, String>| {
        if let Err(err) = result {
            failed.push(format!("{what}: {err}"));
        }
    };
    record(
        "property tests",
        run(cargo().args(["test", "-p", "livechat-types", "--test", "parse"]))
            .map(|_| Outcome::Passed),
    );
    let abuse_tests = |backend: &[(&str, &str)]| {
        run(mail::provide(&mut cargo())?
            .args(["test", "-p", "livechat-server", "--test", "api", "--"])
            .args(abuse)
            .envs(backend.iter().copied()))
        .map(|_| Outcome::Passed)
    };
    record("abuse tests (SQLite)", abuse_tests(&[]));
    let admin_url = pg::admin_url();
    let postgres = match pg::reachable(&admin_url) {
        Ok(()) => abuse_tests(&[
            ("LIVECHAT_TEST_BACKEND", "postgres"),
            ("LIVECHAT_TEST_PG_URL", &admin_url),
        ]),
        Err(why) => skip("abuse tests on PostgreSQL", &why),
    };
    record("abuse tests (PostgreSQL)", postgres);
    record("schemathesis", schemathesis::run_all());
    record("faults", faults::run_all());
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("\n"))
    }
}

fn test_postgres() -> Result<Outcome, String> {
    let admin_url = pg::admin_url();
    if let Err(why) = pg::reachable(&admin_url) {
        return skip("PostgreSQL tests", &why);
    }
    run(mail::provide(&mut cargo())?
        .args(["test", "-p", "livechat-server", "--test", "api"])
        .env("LIVECHAT_TEST_BACKEND", "postgres")
        .env("LIVECHAT_TEST_PG_URL", &admin_url))?;
    Ok(Outcome::Passed)
}

/// The agent the e2e suite logs in as (a throwaway database's user).
const E2E_AGENT: (&str, &str) = ("e2e-agent", "e2e-agent-password");
/// The admin the e2e suite manages users and permissions as (it takes no chats).
const E2E_ADMIN: (&str, &str) = ("e2e-admin", "e2e-admin-password");

/// Runs the SDK scenario suite against the real server on the given backend(s).
fn e2e(which: &str) -> Result<Outcome, String> {
    let backends: &[&str] = match which {
        "sqlite" => &["sqlite"],
        "postgres" => &["postgres"],
        "all" => &["sqlite", "postgres"],
        other => return Err(format!("unknown backend {other:?}: sqlite, postgres or all")),
    };
    server::build()?;
    let mut outcome = Outcome::Passed;
    for backend in backends {
        let database = match server::Database::create(backend) {
            Ok(database) => database,
            Err(server::Unavailable(why)) => {
                outcome = skip(&format!("e2e on {backend}"), &why)?;
                continue;
            }
        };
        server::add_user(&database, E2E_AGENT.0, E2E_AGENT.1, "agent")?;
        server::add_user(&database, E2E_ADMIN.0, E2E_ADMIN.1, "admin")?;
        let secrets_file = util::target_dir().join("xtask").join(format!("e2e-{backend}.secrets"));
        let secrets = faults::Secrets::create(&secrets_file, &[E2E_AGENT.1, E2E_ADMIN.1])?;
        let mut tests = cargo();
        mail::provide(&mut tests)?;
        // The suite sends hundreds of messages with one token within seconds; the limits
        // have their own tests.
        let server = server::Server::start_verbose(
            &format!("e2e-{backend}"),
            &database,
            &["--rate-limit", "off"],
        )?;
        let result = run(tests
            .args(["test", "-p", "livechat-sdk", "--features", "e2e", "--test", "e2e"])
            .env("LIVECHAT_E2E_URL", server.url())
            .env("LIVECHAT_E2E_AGENT", E2E_AGENT.0)
            .env("LIVECHAT_E2E_AGENT_PASSWORD", E2E_AGENT.1)
            .env("LIVECHAT_E2E_ADMIN", E2E_ADMIN.0)
            .env("LIVECHAT_E2E_ADMIN_PASSWORD", E2E_ADMIN.1)
            .env(faults::SECRETS_ENV, secrets.path())
            // For the tests that need a server of their own (rate limits, manual routing),
            // on a database of the same backend.
            .env("LIVECHAT_SERVER_BIN", server::binary())
            .env("LIVECHAT_E2E_BACKEND", backend)
            .env("LIVECHAT_TEST_PG_URL", pg::admin_url()));
        let log = server.log_path();
        server.finish(result.is_err());
        result?;
        secrets.check(&[log])?;
        if *backend == "postgres" {
            // Several instances on one database, and an outage between server and database;
            // each test makes a database of its own.
            run(mail::provide(&mut cargo())?
                .args(["test", "-p", "livechat-sdk", "--features", "e2e", "--test", "cluster"])
                .env("LIVECHAT_SERVER_BIN", server::binary())
                .env("LIVECHAT_TEST_PG_URL", pg::admin_url()))?;
        }
    }
    Ok(outcome)
}
