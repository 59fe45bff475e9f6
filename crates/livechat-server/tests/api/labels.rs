//! Metric labels and log lines come from closed sets (README, "Limits"): whatever method a
//! client makes up, and whatever its path, `/metrics` gains no label value beyond `other` and
//! the route patterns, and the log no text of the request's.
//!
//! The server runs as its own process, with its real log set-up, logging JSON at debug level
//! to a file this test reads.

use std::sync::atomic::{AtomicU32, Ordering};

use actix_web::rt::System;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use reqwest::Method;
use serde_json::Value;

use crate::paths::for_all;

/// The server binary on a free port, logging JSON lines at debug level to a file of its own;
/// killed when dropped.
struct Process {
    child: std::process::Child,
    base: String,
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Process {
    fn start() -> Self {
        use std::process::{Command, Stdio};

        let dir = tempfile::tempdir().expect("temporary folder");
        let log = dir.path().join("server.log");
        let file = std::fs::File::create(&log).expect("log file");
        let stderr = file.try_clone().expect("log file");
        let database = dir.path().join("livechat.db").display().to_string();
        let child = Command::new(env!("CARGO_BIN_EXE_livechat-server"))
            .args(["--bind", "127.0.0.1:0", "--database-url", &database, "--log-format", "json"])
            .env("RUST_LOG", "debug")
            .env_remove("LIVECHAT_BIND")
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(stderr)
            .spawn()
            .expect("livechat-server");
        let mut process = Self { child, base: String::new(), log, _dir: dir };
        let started = std::time::Instant::now();
        while process.base.is_empty() {
            let text = process.log_text();
            if let Some(address) = text.split("listening on ").nth(1) {
                process.base = address.split('"').next().unwrap_or_default().to_owned();
            } else if let Ok(Some(status)) = process.child.try_wait() {
                panic!("the server exited during start-up ({status}):\n{text}");
            } else {
                assert!(started.elapsed().as_secs() < 60, "no server within 60 s:\n{text}");
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
        process
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The method labels metrics and logs may carry.
const METHOD_LABELS: [&str; 8] =
    ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "other"];

/// Every value of `label="..."` in the Prometheus text `metrics`.
fn label_values<'a>(metrics: &'a str, label: &str) -> Vec<&'a str> {
    let start = format!("{label}=\"");
    metrics
        .lines()
        .filter(|line| line.starts_with("livechat_http_"))
        .filter_map(|line| line.split(start.as_str()).nth(1)?.split('"').next())
        .collect()
}

#[test]
fn invented_methods_add_no_metric_series_and_no_log_text() {
    const SECRET: &str = "s3cret-visitor-token";
    let system = System::new();
    let server = Process::start();
    // A connection per request: the HTTP layer closes the ones it refuses.
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().expect("client");
    let base = server.base.as_str();
    let get_text = |path: &str| {
        let url = format!("{base}{path}");
        system.block_on(async {
            let res = client.get(&url).send().await.unwrap_or_else(|err| panic!("{url}: {err}"));
            res.text().await.expect("body")
        })
    };
    let document: Value = serde_json::from_str(&get_text("/api/v1/openapi.json")).expect("JSON");
    let mut routes: Vec<String> =
        document["paths"].as_object().expect("paths").keys().cloned().collect();
    routes.extend(["/healthz", "/metrics", "(unmatched)"].map(str::to_owned));
    // Any token of the HTTP grammar, up to 4 KiB. The HTTP layer itself refuses a method with
    // any of `#$%&'` (a bare 400 before there is a request), so most names leave them out and
    // reach the app.
    let standard = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];
    let token = |chars: &str| {
        proptest::string::string_regex(&format!("[{chars}0-9A-Za-z-]{{1,4096}}"))
            .expect("a regular expression")
    };
    let methods = prop_oneof![3 => token("!*+.^_`|~"), 1 => token("!#$%&'*+.^_`|~")]
        .prop_filter("a standard method", move |method| !standard.contains(&method.as_str()));
    let paths = [
        "/healthz".to_owned(),
        format!("/api/v1/livechat/visitor/{SECRET}"),
        format!("/%61pi/v1/livechat/config?token={SECRET}"),
        format!("/no/such/{SECRET}"),
    ];
    let answered = AtomicU32::new(0);

    for_all(48, methods, |method| {
        let invented = Method::from_bytes(method.as_bytes()).expect("a method token");
        system.block_on(async {
            for path in &paths {
                let url = format!("{base}{path}");
                let res = client.request(invented.clone(), &url).send().await;
                let res = res.map_err(|err| TestCaseError::fail(format!("{url}: {err:?}")))?;
                prop_assert!(res.status().is_client_error(), "{}", res.status());
                // The app answers with the envelope; the HTTP layer with an empty 400.
                if res.headers().get("content-type").is_some_and(|v| v == "application/json") {
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok(())
        })?;
        let metrics = get_text("/metrics");
        for value in label_values(&metrics, "method") {
            prop_assert!(METHOD_LABELS.contains(&value), "method label {value:.40}");
        }
        for value in label_values(&metrics, "route") {
            prop_assert!(routes.iter().any(|route| route == value), "route label {value:.40}");
        }
        // A short name ("A") appears in any text; a long one only if it was written.
        prop_assert!(method.len() < 8 || !metrics.contains(&method), "{method:.40} in /metrics");
        let log = server.log_text();
        prop_assert!(method.len() < 8 || !log.contains(&method), "{method:.40} in the log");
        Ok(())
    });

    let metrics = get_text("/metrics");
    // Four routes, two methods, a few statuses: a few KiB, however many methods were made up.
    assert!(metrics.len() < 32 * 1024, "{} bytes of metrics", metrics.len());
    let log = server.log_text();
    assert!(!log.contains(SECRET), "a path was logged:\n{log}");
    let mut invented = 0;
    for line in log.lines() {
        let line: Value = serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        let fields = &line["fields"];
        if fields["message"] == "request" {
            let method = fields["method"].as_str().unwrap_or_default();
            assert!(METHOD_LABELS.contains(&method), "{line}");
            let route = fields["route"].as_str().unwrap_or_default();
            assert!(routes.iter().any(|known| known == route), "{line}");
            invented += usize::from(method == "other");
        }
    }
    // Every request the app answered was logged, as `other`.
    let answered = answered.into_inner() as usize;
    assert!(answered >= 4 * 12, "only {answered} requests reached the app");
    assert_eq!(invented, answered, "requests logged with the method `other`");
}
