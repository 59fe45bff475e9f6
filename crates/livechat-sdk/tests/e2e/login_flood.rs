//! A login flood from one address: every reply is 401 or 429, the server's resident memory
//! stays under 100 MiB, and an agent from another address still logs in within a second.
//!
//! Runs against a server of its own with the default limits, started from
//! `LIVECHAT_SERVER_BIN` on a fresh SQLite file; its agents are made with the binary's own
//! `user add`.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use livechat_sdk::{Client, RetryPolicy};
use serde_json::json;

use crate::{process, record_secret};

/// Requests of each kind: unknown usernames, and a known one with a wrong password.
const EACH: usize = 500;
const CONNECTIONS: usize = 64;
const MAX_RSS_KIB: u64 = 100 * 1024;
/// The bound the other agent's logins must meet, from sending to the reply.
const LOGIN_WITHIN: Duration = Duration::from_secs(1);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_flood_keeps_memory_low_and_lets_other_agents_in() {
    let bin = std::env::var("LIVECHAT_SERVER_BIN")
        .expect("LIVECHAT_SERVER_BIN is not set: run via `cargo xtask e2e`");
    let folder = std::env::temp_dir().join(format!(
        "livechat-e2e-login-flood-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::create_dir_all(&folder).expect("a temporary folder");
    let database = folder.join("flood.db").display().to_string();
    let (target, other) =
        (("flooded", "flooded-password-1"), ("colleague", "colleague-password-1"));
    for (username, password) in [target, other] {
        record_secret(password);
        add_agent(&bin, &database, username, password);
    }
    // The default limits: `Instance` switches them off unless asked.
    let server = process::Instance::start(&bin, &database, &["--rate-limit", "on"]).await;
    let pid = server.pid().expect("the server's pid");

    let peak = Arc::new(AtomicU64::new(0));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        std::thread::spawn(move || {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(pid), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };

    let replies = Arc::new(AtomicUsize::new(0));
    // The colleague is another client: its own thread and runtime, from 127.0.0.2.
    let colleague = {
        let (url, replies) = (server.url.clone(), replies.clone());
        std::thread::spawn(move || colleague_logs_in(&url, other, &replies))
    };
    let next = Arc::new(AtomicUsize::new(0));
    let mut flood = Vec::new();
    for _ in 0..CONNECTIONS {
        let (url, next, replies) = (server.url.clone(), next.clone(), replies.clone());
        // One client per connection, so 64 connections stay open side by side.
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        flood.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= 2 * EACH {
                    return statuses;
                }
                let body = if n % 2 == 0 {
                    json!({"user": format!("nobody-{n}"), "password": "not-a-password"})
                } else {
                    json!({"user": target.0, "password": "not-the-password"})
                };
                let res = http.post(format!("{url}/api/v1/login")).json(&body).send().await;
                statuses.push(res.map(|res| res.status().as_u16()).map_err(|err| err.to_string()));
                replies.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let mut statuses = Vec::new();
    for worker in flood {
        statuses.extend(worker.await.expect("a flood worker"));
    }
    let logins = colleague.join().expect("the colleague's thread");
    // Memory after the flood, once the last replies have been freed.
    std::thread::sleep(Duration::from_millis(500));
    sampling.store(false, Ordering::Relaxed);
    sampler.join().expect("the sampler");
    let after = rss_kib(pid);
    let peak = peak.load(Ordering::Relaxed).max(after);

    let count = |status: u16| statuses.iter().filter(|s| **s == Ok(status)).count();
    let (refused, unauthorized) = (count(429), count(401));
    eprintln!(
        "login flood: {unauthorized}x 401, {refused}x 429; resident memory peak {} KiB, after {} KiB; \
         colleague's logins {logins:?}",
        peak, after
    );
    assert_eq!(statuses.len(), 2 * EACH);
    assert_eq!(unauthorized + refused, 2 * EACH, "every reply is 401 or 429: {statuses:?}");
    assert!(unauthorized > 0, "no password was checked at all");
    assert!(peak < MAX_RSS_KIB, "resident memory reached {peak} KiB");
    assert!(!logins.is_empty());
    for (n, (took, outcome, during_flood)) in logins.iter().enumerate() {
        assert!(outcome.is_ok(), "the colleague's login {n} failed: {outcome:?}");
        assert!(took < &LOGIN_WITHIN, "the colleague's login {n} took {took:?}");
        if n == 0 {
            assert!(during_flood, "the first login was not sent during the flood");
        }
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&folder);
}

/// Three logins of the colleague from 127.0.0.2 while the flood runs: how long each took
/// from sending to the reply, its outcome, and whether the flood was still going when it
/// was sent.
fn colleague_logs_in(
    url: &str,
    (username, password): (&str, &str),
    replies: &AtomicUsize,
) -> Vec<(Duration, Result<(), String>, bool)> {
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let http = reqwest::Client::builder()
            .local_address(IpAddr::from([127, 0, 0, 2]))
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        let client = Client::builder(url)
            .http_client(http)
            .retry(RetryPolicy::none())
            .build()
            .expect("client");
        // Once the flood is under way: the hashing threads are busy with it.
        while replies.load(Ordering::Relaxed) < CONNECTIONS / 4 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let mut logins = Vec::new();
        for _ in 0..3 {
            let during_flood = replies.load(Ordering::Relaxed) < 2 * EACH;
            let started = Instant::now();
            let outcome = client.login(username, password).await;
            let took = started.elapsed();
            if let Ok(session) = &outcome {
                record_secret(session.auth_token());
            }
            logins.push((took, outcome.map(drop).map_err(|err| err.to_string()), during_flood));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        logins
    })
}

/// Creates an agent with the server binary's `user add`.
fn add_agent(bin: &str, database: &str, username: &str, password: &str) {
    use std::io::Write as _;
    let mut child = std::process::Command::new(bin)
        .args(["--database-url", database, "user", "add", "--username", username])
        .args(["--password-stdin", "--role", "agent"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("run user add");
    if let Some(mut stdin) = child.stdin.take() {
        writeln!(stdin, "{password}").expect("write the password");
    }
    assert!(child.wait().expect("user add").success(), "user add {username} failed");
}

/// The resident memory of process `pid`, in KiB (`VmRSS`); 0 once it is gone.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
