//! `cargo xtask faults`: the server is killed with SIGKILL, cut off from PostgreSQL and
//! given a full disk while clients send; nothing acknowledged may be lost or stored twice.
//! It is also killed while clients upload files: every acknowledged file must download
//! byte-identical, and no unacknowledged one may be half visible.
//! Afterwards no server log may contain a secret the clients used.
//!
//! The scenarios are the `faults` test target of the SDK
//! (`crates/livechat-sdk/tests/faults`), run once per scenario and backend with a fresh
//! database. Each test appends its figures to a report file, which this command prints as
//! a summary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::server::{self, Database, Unavailable};
use crate::util::{cargo, run, target_dir, Outcome};
use crate::{is_ci, skip};

/// The environment variable naming the file tests append every secret they use to.
pub const SECRETS_ENV: &str = "LIVECHAT_SECRETS_FILE";

/// The log level of servers whose logs are searched for secrets: verbose, so that a
/// secret logged at any level is caught.
pub const VERBOSE_LOG: &str = "debug,livechat_server=trace,actix_web=trace";

/// Longest a scenario may run (they take seconds; this only stops a hung one).
const SCENARIO_LIMIT: Duration = Duration::from_secs(300);

/// Size of the tmpfs the full-disk test fills.
const DISK_SIZE: &str = "16m";

/// Secrets shorter than this are not searched for (they would match by chance).
const MIN_SECRET_LEN: usize = 8;

/// One scenario: a test of the `faults` target on one backend.
struct Scenario {
    name: &'static str,
    backend: &'static str,
    test: &'static str,
    disk: bool,
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "crash (SQLite)",
        backend: "sqlite",
        test: "crash::sigkill_at_random_moments_loses_nothing",
        disk: false,
    },
    Scenario {
        name: "crash (PostgreSQL)",
        backend: "postgres",
        test: "crash::sigkill_at_random_moments_loses_nothing",
        disk: false,
    },
    Scenario {
        name: "crash during uploads (SQLite)",
        backend: "sqlite",
        test: "uploads::sigkill_during_uploads_leaves_whole_files_or_none",
        disk: false,
    },
    Scenario {
        name: "crash during uploads (PostgreSQL)",
        backend: "postgres",
        test: "uploads::sigkill_during_uploads_leaves_whole_files_or_none",
        disk: false,
    },
    Scenario {
        name: "database outage (PostgreSQL)",
        backend: "postgres",
        test: "outage::database_cut_gives_503_and_recovers_without_loss",
        disk: false,
    },
    Scenario {
        name: "full disk (SQLite)",
        backend: "sqlite",
        test: "disk::full_disk_fails_writes_cleanly_and_recovers",
        disk: true,
    },
];

/// Runs every scenario, then the secrets check over all their logs, and prints a summary.
pub fn run_all() -> Result<Outcome, String> {
    let started = Instant::now();
    server::build()?;
    let built_tests = build_tests()?;
    let dir = target_dir().join("xtask").join("faults");
    let _ = std::fs::remove_dir_all(&dir);
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).map_err(|err| format!("{}: {err}", logs.display()))?;
    // Copies run: other builds in the shared target folder may replace the originals
    // while the scenarios run.
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).map_err(|err| format!("{}: {err}", bin.display()))?;
    let server_bin = copy_into(&server::binary(), &bin)?;
    let tests = copy_into(&built_tests, &bin)?;
    let report = dir.join("report.txt");
    let secrets = Secrets::create(&dir.join("secrets.txt"), &[])?;

    // The checks themselves must find lost, duplicated and unknown messages, and damaged,
    // hidden and half-visible files.
    let checks = ["check::tests::", "uploads::tests::"];
    run(Command::new(&tests).args(checks).arg("--test-threads=1"))?;
    let mut results = Vec::new();
    for scenario in SCENARIOS {
        eprintln!("\n==> faults: {}", scenario.name);
        let scenario_started = Instant::now();
        let outcome = run_scenario(&tests, &server_bin, scenario, &logs, &report, secrets.path());
        results.push((scenario.name, outcome, scenario_started.elapsed()));
    }
    eprintln!("\n==> faults: secrets in the logs");
    let log_files = log_files(&logs)?;
    let secrets_outcome = secrets.check(&log_files);

    let figures = std::fs::read_to_string(&report).unwrap_or_default();
    print_summary(&figures, &results, &secrets_outcome, log_files.len(), started.elapsed());
    let failed: Vec<_> = results
        .iter()
        .filter_map(|(name, outcome, _)| outcome.as_ref().err().map(|err| format!("{name}: {err}")))
        .chain(secrets_outcome.err())
        .collect();
    if !failed.is_empty() {
        return Err(format!("faults failed: {}", failed.join("; ")));
    }
    let skipped: Vec<_> = results
        .iter()
        .filter_map(|(name, outcome, _)| match outcome {
            Ok(Outcome::Skipped(why)) => Some(format!("{name}: {why}")),
            _ => None,
        })
        .collect();
    Ok(if skipped.is_empty() { Outcome::Passed } else { Outcome::Skipped(skipped.join("; ")) })
}

/// Builds the `faults` test target and returns its executable.
fn build_tests() -> Result<PathBuf, String> {
    let output = cargo()
        .args(["test", "-p", "livechat-sdk", "--features", "e2e", "--test", "faults"])
        .args(["--no-run", "--message-format=json-render-diagnostics"])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|err| format!("cannot run cargo: {err}"))?;
    if !output.status.success() {
        return Err(format!("building the faults tests failed ({})", output.status));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .filter(|line| line.contains(r#""name":"faults""#))
        .find_map(|line| line.split(r#""executable":""#).nth(1)?.split('"').next())
        .map(PathBuf::from)
        .ok_or_else(|| "cargo named no executable for the faults tests".into())
}

/// Copies `file` into `dir` (keeping its name and permissions); returns the copy.
fn copy_into(file: &Path, dir: &Path) -> Result<PathBuf, String> {
    let name = file.file_name().ok_or_else(|| format!("{} has no file name", file.display()))?;
    let copy = dir.join(name);
    std::fs::copy(file, &copy).map_err(|err| format!("copy {}: {err}", file.display()))?;
    Ok(copy)
}

fn run_scenario(
    tests: &Path,
    server_bin: &Path,
    scenario: &Scenario,
    logs: &Path,
    report: &Path,
    secrets: &Path,
) -> Result<Outcome, String> {
    let database = match Database::create(scenario.backend) {
        Ok(database) => database,
        Err(Unavailable(why)) => return skip(&format!("faults: {}", scenario.name), &why),
    };
    let disk = if scenario.disk {
        match Tmpfs::mount(&target_dir().join("xtask").join("faults-disk"), DISK_SIZE) {
            Ok(disk) => Some(disk),
            Err(why) => return skip(&format!("faults: {}", scenario.name), &why),
        }
    } else {
        None
    };
    let mut command = Command::new(tests);
    command
        .args(["--exact", scenario.test, "--nocapture", "--test-threads=1"])
        .current_dir(crate::util::root().join("crates").join("livechat-sdk"))
        .env("LIVECHAT_SERVER_BIN", server_bin)
        .env("LIVECHAT_FAULTS_DB_URL", database.url())
        .env("LIVECHAT_FAULTS_LOG_DIR", logs)
        .env("LIVECHAT_FAULTS_REPORT", report)
        .env("LIVECHAT_FAULTS_RUST_LOG", VERBOSE_LOG)
        .env(SECRETS_ENV, secrets);
    if let Some(disk) = &disk {
        command.env("LIVECHAT_FAULTS_DISK_DIR", &disk.0);
    }
    crate::mail::provide(&mut command)?;
    let result = run_bounded(&mut command, SCENARIO_LIMIT);
    drop(disk);
    result.map(|()| Outcome::Passed)
}

/// Runs `command` with inherited output; kills it when it runs longer than `limit`.
fn run_bounded(command: &mut Command, limit: Duration) -> Result<(), String> {
    let mut child = command.spawn().map_err(|err| format!("cannot run {command:?}: {err}"))?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("the test failed ({status})")),
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("the test did not finish within {}s", limit.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(err) => return Err(format!("waiting for the test: {err}")),
        }
    }
}

/// The `*.log` files in `dir`.
fn log_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "log"))
        .collect();
    files.sort();
    Ok(files)
}

fn print_summary(
    report: &str,
    results: &[(&str, Result<Outcome, String>, Duration)],
    secrets: &Result<usize, String>,
    logs: usize,
    elapsed: Duration,
) {
    println!("\nfaults summary ({:.0}s):", elapsed.as_secs_f64());
    for (name, outcome, took) in results {
        let status = match outcome {
            Ok(Outcome::Passed) => format!("ok       {name} ({:.1}s)", took.as_secs_f64()),
            Ok(Outcome::Skipped(why)) => format!("SKIPPED  {name}: {why}"),
            Err(err) => format!("FAILED   {name} ({:.1}s): {err}", took.as_secs_f64()),
        };
        println!("  {status}");
    }
    match secrets {
        Ok(count) => {
            println!("  ok       no secret in the server logs ({count} secrets, {logs} logs)")
        }
        Err(err) => println!("  FAILED   secrets in the server logs: {err}"),
    }
    let rows: Vec<BTreeMap<&str, &str>> = report
        .lines()
        .map(|line| line.split_whitespace().filter_map(|pair| pair.split_once('=')).collect())
        .collect();
    if rows.is_empty() {
        return;
    }
    const COLUMNS: &[(&str, &str)] = &[
        ("scenario", "scenario"),
        ("backend", "backend"),
        ("acknowledged", "acked"),
        ("lost", "lost"),
        ("lost_acks", "acks cut"),
        ("duplicated", "dup"),
        ("unknown", "unknown"),
        ("other5xx", "5xx!=503"),
        ("http503", "503s"),
        ("timeouts", "hung"),
        ("kills", "kills"),
        ("cuts", "cuts"),
        ("restart_max_s", "restart max s"),
        ("recovery_max_s", "recovery max s"),
        ("integrity", "integrity"),
    ];
    println!();
    let header: Vec<String> = COLUMNS.iter().map(|(_, title)| (*title).to_owned()).collect();
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            COLUMNS.iter().map(|(key, _)| row.get(key).copied().unwrap_or("-").to_owned()).collect()
        })
        .collect();
    let widths: Vec<usize> = (0..COLUMNS.len())
        .map(|i| table.iter().map(|row| row[i].len()).chain([header[i].len()]).max().unwrap_or(0))
        .collect();
    for row in std::iter::once(&header).chain(&table) {
        let cells: Vec<String> =
            row.iter().zip(&widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        println!("  {}", cells.join("  ").trim_end());
    }
    println!(
        "\n  restart: SIGKILL until the new server listens; recovery: SIGKILL (crash), \
         restoring the connection (outage) or freeing space (disk) until the next acknowledged send \
         (uploads: the next acknowledged upload); acks cut: uploads stored whose reply the kill cut \
         off (checked like acknowledged ones)"
    );
    println!("\n  all figures:");
    for line in report.lines() {
        println!("  {line}");
    }
}

/// A file of secrets (one a line) that tests append to, and the check that no log
/// contains any of them.
pub struct Secrets {
    path: PathBuf,
}

impl Secrets {
    /// Creates (or empties) the file at `path` and records `known` secrets in it.
    pub fn create(path: &Path, known: &[&str]) -> Result<Self, String> {
        let mut text = String::new();
        for secret in known {
            text.push_str(secret);
            text.push('\n');
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|err| format!("{}: {err}", parent.display()))?;
        }
        std::fs::write(path, text).map_err(|err| format!("{}: {err}", path.display()))?;
        Ok(Self { path: path.to_owned() })
    }

    /// The file, for `LIVECHAT_SECRETS_FILE`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Searches `logs` for every recorded secret; returns how many were searched for.
    /// Fails when a log contains one, or when nothing was recorded (the check would prove
    /// nothing).
    pub fn check(&self, logs: &[PathBuf]) -> Result<usize, String> {
        let text = std::fs::read_to_string(&self.path)
            .map_err(|err| format!("{}: {err}", self.path.display()))?;
        let secrets: Vec<&str> =
            text.lines().filter(|secret| secret.len() >= MIN_SECRET_LEN).collect();
        if secrets.is_empty() {
            return Err(format!("no secrets were recorded in {}", self.path.display()));
        }
        if logs.is_empty() {
            return Err("no server log to search".into());
        }
        let mut leaks = Vec::new();
        for log in logs {
            let content = std::fs::read(log).map_err(|err| format!("{}: {err}", log.display()))?;
            let content = String::from_utf8_lossy(&content);
            leaks.extend(
                find_leaks(&content, &secrets)
                    .into_iter()
                    .map(|leak| format!("{}:{}: {}", log.display(), leak.line, leak.masked)),
            );
        }
        if leaks.is_empty() {
            eprintln!(
                "no secret in {} server log(s) ({} secrets searched for)",
                logs.len(),
                secrets.len()
            );
            Ok(secrets.len())
        } else {
            for leak in &leaks {
                eprintln!("secret in a server log: {leak}");
            }
            Err(format!("{} secret(s) found in server logs, first: {}", leaks.len(), leaks[0]))
        }
    }
}

/// A secret found in a log.
#[derive(Debug, PartialEq, Eq)]
struct Leak {
    /// 1-based line number.
    line: usize,
    /// The secret's first characters.
    masked: String,
}

/// Every line of `log` that contains one of `secrets`, as written or percent-encoded (as
/// it would appear in a logged URL).
fn find_leaks(log: &str, secrets: &[&str]) -> Vec<Leak> {
    let forms: Vec<(String, &str)> = secrets
        .iter()
        .flat_map(|secret| {
            let encoded = percent_encode(secret);
            let mut forms = vec![((*secret).to_owned(), *secret)];
            if encoded != *secret {
                forms.push((encoded, *secret));
            }
            forms
        })
        .collect();
    let mut leaks = Vec::new();
    for (number, line) in log.lines().enumerate() {
        for (form, secret) in &forms {
            if line.contains(form.as_str()) {
                let shown: String = secret.chars().take(4).collect();
                leaks.push(Leak {
                    line: number + 1,
                    masked: format!("{shown}... ({} chars)", secret.len()),
                });
            }
        }
    }
    leaks
}

/// `text` with every byte outside `[A-Za-z0-9-._~]` percent-encoded.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                (byte as char).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

/// A tmpfs mounted for one test; unmounted on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// Mounts a tmpfs of `size` at `dir` (after unmounting whatever a crashed run left).
    fn mount(dir: &Path, size: &str) -> Result<Self, String> {
        unmount(dir);
        std::fs::create_dir_all(dir).map_err(|err| format!("{}: {err}", dir.display()))?;
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"])
            .arg(dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|err| format!("cannot run mount: {err}"))?;
        if !output.status.success() {
            let why = String::from_utf8_lossy(&output.stderr).trim().to_owned();
            let _ = std::fs::remove_dir(dir);
            return Err(format!("cannot mount a tmpfs at {} ({why})", dir.display()));
        }
        Ok(Self(dir.to_owned()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        if !unmount(&self.0) {
            eprintln!("!!! could not unmount the tmpfs at {}", self.0.display());
            if is_ci() {
                eprintln!("!!! (under CI the machine is thrown away)");
            }
        }
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Unmounts `dir` if it is a mount point, retrying while it is busy and lazily at last;
/// returns whether nothing is mounted there any more.
fn unmount(dir: &Path) -> bool {
    let quiet = |args: &[&str]| {
        Command::new("umount")
            .args(args)
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    };
    for _ in 0..20 {
        if !is_mount_point(dir) {
            return true;
        }
        if quiet(&[]) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    quiet(&["-l"]) || !is_mount_point(dir)
}

fn is_mount_point(dir: &Path) -> bool {
    let Ok(dir) = dir.canonicalize() else { return false };
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    mounts.lines().any(|line| line.split_whitespace().nth(1) == Some(&*dir.to_string_lossy()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logged_secret_is_found() {
        let log =
            "2026-11-23T20:51:09Z INFO request method=GET route=/api/v1/livechat/visitor/{token}\n\
                   2026-11-23T20:51:10Z DEBUG got token=tok-abcdef123 from the query\n";
        let leaks = find_leaks(log, &["tok-abcdef123", "not-in-the-log"]);
        assert_eq!(leaks, vec![Leak { line: 2, masked: "tok-... (13 chars)".into() }]);
    }

    #[test]
    fn a_percent_encoded_secret_is_found() {
        let log = "DEBUG url=/api/v1/livechat/visitor/a%20b%2Fc%2Bsecret\n";
        assert_eq!(find_leaks(log, &["a b/c+secret"]).len(), 1);
    }

    #[test]
    fn a_clean_log_passes() {
        let log = "INFO request route=/api/v1/livechat/message status=200\n";
        assert!(find_leaks(log, &["visitor-token-1", "agent-password"]).is_empty());
    }

    #[test]
    fn the_check_fails_on_a_leak_and_on_nothing_to_check() {
        let dir = std::env::temp_dir().join(format!("xtask-secrets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let log = dir.join("server.log");
        std::fs::write(&log, "INFO login user=alice password=hunter2-long-password\n")
            .expect("log");
        let leaked =
            Secrets::create(&dir.join("leaked.txt"), &["hunter2-long-password"]).expect("secrets");
        assert!(leaked.check(std::slice::from_ref(&log)).is_err());
        let clean =
            Secrets::create(&dir.join("clean.txt"), &["other-long-password"]).expect("secrets");
        assert_eq!(clean.check(std::slice::from_ref(&log)), Ok(1));
        let empty = Secrets::create(&dir.join("empty.txt"), &[]).expect("secrets");
        assert!(empty.check(std::slice::from_ref(&log)).is_err());
        assert!(clean.check(&[]).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
