//! A server instance in a child process, killed on drop.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

/// A running server instance.
pub struct Instance {
    child: Child,
    pub url: String,
    log: std::sync::Arc<Mutex<Vec<String>>>,
}

impl Instance {
    /// Starts `bin` on a free port with `database_url` and waits until it listens.
    ///
    /// Unless `extra` sets `--db-timeout-ms`, the database timeout is a generous 10 s: these
    /// tests are about races and fan-out on slow, shared CI machines, not about outages
    /// (the outage test sets its own).
    pub async fn start(bin: &str, database_url: &str, extra: &[&str]) -> Self {
        let timeout: &[&str] =
            if extra.contains(&"--db-timeout-ms") { &[] } else { &["--db-timeout-ms", "10000"] };
        let mut child = Command::new(bin)
            .args(["--bind", "127.0.0.1:0", "--database-url", database_url])
            .args(timeout)
            .args(extra)
            .env("LIVECHAT_LOG_FORMAT", "text")
            // Hundreds of requests a second from one address, on purpose.
            .env("LIVECHAT_RATE_LIMIT", "off")
            .env("RUST_LOG", "warn,livechat_server=info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start the server");
        let stdout = child.stdout.take().expect("stdout");
        let log = std::sync::Arc::new(Mutex::new(Vec::new()));
        let (address_tx, address_rx) = tokio::sync::oneshot::channel();
        let lines = log.clone();
        tokio::spawn(async move {
            let mut address_tx = Some(address_tx);
            let mut reader = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if let Some(address) = line.split("listening on ").nth(1) {
                    if let Some(tx) = address_tx.take() {
                        let _ = tx.send(address.trim().to_owned());
                    }
                }
                lines.lock().await.push(line);
            }
        });
        let url = tokio::time::timeout(Duration::from_secs(60), address_rx)
            .await
            .expect("the server did not start within 60 s")
            .expect("the server exited during start-up");
        Self { child, url, log }
    }

    /// Its process id, while it runs.
    #[allow(dead_code)] // read by the e2e suite's login flood test
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Its log so far.
    pub async fn log(&self) -> Vec<String> {
        self.log.lock().await.clone()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
