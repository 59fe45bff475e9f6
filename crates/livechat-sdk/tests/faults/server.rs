//! The server in a child process that logs to a file of its own, killed with SIGKILL.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt as _;
use tokio::process::{Child, Command};

use crate::{database_url, log_dir, server_bin};

/// The log level the servers run at: verbose, so a secret logged anywhere is caught.
fn log_level() -> String {
    std::env::var("LIVECHAT_FAULTS_RUST_LOG").unwrap_or_else(|_| "debug".into())
}

/// A running server.
pub struct Server {
    child: Child,
    pub address: SocketAddr,
    pub url: String,
    log: PathBuf,
}

impl Server {
    /// Starts the server on a free port with `database` (default: this run's database),
    /// logging to `<log dir>/<name>.log`, and waits until it listens.
    pub async fn start(name: &str, database: Option<&str>, extra: &[&str]) -> Self {
        let database = database.map_or_else(database_url, str::to_owned);
        let log = log_dir().join(format!("{name}.log"));
        let file = std::fs::File::create(&log).expect("create the server log");
        let stderr = file.try_clone().expect("clone the log file");
        let child = Command::new(server_bin())
            .args(["--bind", "127.0.0.1:0", "--database-url", &database])
            .args(extra)
            .env("LIVECHAT_LOG_FORMAT", "text")
            .env("LIVECHAT_RATE_LIMIT", "off")
            .env("RUST_LOG", log_level())
            .env_remove("LIVECHAT_BIND")
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .expect("start the server");
        let mut server =
            Self { child, address: ([127, 0, 0, 1], 0).into(), url: String::new(), log };
        let started = Instant::now();
        loop {
            let text = std::fs::read_to_string(&server.log).unwrap_or_default();
            if let Some(address) = text.lines().find_map(|line| line.split("listening on ").nth(1))
            {
                server.url = address.trim().to_owned();
                server.address =
                    server.url.trim_start_matches("http://").parse().expect("the server's address");
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the server exited during start-up ({status}):\n{}", server.log_tail());
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server did not listen within 60 s:\n{}",
                server.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Kills it with SIGKILL (no chance to finish anything) and waits until it is gone.
    pub async fn kill(mut self) {
        self.child.kill().await.expect("SIGKILL the server");
    }

    /// The end of its log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Its log lines at WARN or ERROR.
    pub fn warnings(&self) -> Vec<String> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines()
            .filter(|line| line.contains(" WARN ") || line.contains(" ERROR "))
            .map(str::to_owned)
            .collect()
    }
}

/// Creates an agent in the run's database with the server's `user add` subcommand.
pub async fn add_agent(username: &str, password: &str) {
    let mut child = Command::new(server_bin())
        .args(["--database-url", &database_url(), "user", "add", "--username", username])
        .args(["--password-stdin", "--role", "agent"])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("run user add");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(format!("{password}\n").as_bytes()).await.expect("write the password");
    drop(stdin);
    let status = child.wait().await.expect("user add");
    assert!(status.success(), "user add {username} failed ({status})");
}
