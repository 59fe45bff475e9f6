//! A real SMTP server for the e-mail tests: aiosmtpd (PyPI) in a process of its own, on a
//! free port of 127.0.0.1, keeping every message byte for byte in a folder of its own.
//!
//! One file for two test crates: the server's `tests/api` and the SDK's suites include it with
//! `#[path = "…/support/smtp.rs"] mod smtp;`, so it uses only what both have (tokio,
//! tempfile, mail-parser) and each uses part of it.
//!
//! xtask installs aiosmtpd in a virtualenv and names its Python in
//! `LIVECHAT_TEST_SMTPD_PYTHON` (`cargo xtask smtpd` prints it). Without that variable a test
//! that needs SMTP is skipped with a loud message, except under `CI=true`, where it fails.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mail_parser::{HeaderForm, HeaderValue, MessageParser, PartType};
use tokio::io::AsyncReadExt as _;

/// The variable xtask sets to the Python that has aiosmtpd.
pub const PYTHON_ENV: &str = "LIVECHAT_TEST_SMTPD_PYTHON";

/// Longest aiosmtpd may take to listen: generous, for a loaded two-core machine.
const READY_LIMIT: Duration = Duration::from_secs(60);

/// The handler aiosmtpd runs (`-c livechat_spool.Spool FOLDER`). A message is written to
/// `tmp/` and renamed into `new/` before the client is told `250`, so a test never reads half
/// a message and every accepted message is there. File names sort in arrival order; the
/// envelope goes beside the message (sender, then one recipient a line).
const HANDLER: &str = r#"
import itertools
import os
import time


class Spool:
    counter = itertools.count()

    def __init__(self, folder):
        self.folder = folder

    @classmethod
    def from_cli(cls, parser, folder):
        return cls(folder)

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.time_ns():020d}-{os.getpid()}-{next(self.counter):06d}"
        new = os.path.join(self.folder, "new")
        with open(os.path.join(new, name + ".envelope"), "w", encoding="utf-8") as file:
            file.write("\n".join([envelope.mail_from or "", *envelope.rcpt_tos]))
        partial = os.path.join(self.folder, "tmp", name + ".eml")
        with open(partial, "wb") as file:
            file.write(envelope.original_content)
        os.rename(partial, os.path.join(new, name + ".eml"))
        return "250 Message accepted for delivery"
"#;

/// A running aiosmtpd, killed on drop.
pub struct SmtpServer {
    python: String,
    port: u16,
    process: Option<Child>,
    folder: tempfile::TempDir,
}

impl SmtpServer {
    /// Starts aiosmtpd on a free port and waits until it greets. `None` (said loudly) when
    /// `LIVECHAT_TEST_SMTPD_PYTHON` is not set, and the caller skips its test; under
    /// `CI=true` a missing variable panics, as does a server that does not come up.
    pub async fn start() -> Option<Self> {
        let Some(python) = std::env::var(PYTHON_ENV).ok().filter(|python| !python.is_empty())
        else {
            assert!(
                !is_ci(),
                "{PYTHON_ENV} is not set: under CI=true the e-mail tests must run; run them \
                 through `cargo xtask ci`, or set it to the Python `cargo xtask smtpd` prints"
            );
            eprintln!("\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
            eprintln!("!!! SKIPPED an e-mail test: {PYTHON_ENV} is not set (no aiosmtpd);");
            eprintln!(
                "!!! run through `cargo xtask ci`, or set it to `cargo xtask smtpd`'s output"
            );
            eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n");
            return None;
        };
        let folder = tempfile::tempdir().expect("a temporary folder for the SMTP server");
        for sub in ["handler", "mail/tmp", "mail/new"] {
            std::fs::create_dir_all(folder.path().join(sub)).expect("the SMTP server's folders");
        }
        std::fs::write(folder.path().join("handler/livechat_spool.py"), HANDLER.trim_start())
            .expect("the SMTP server's handler");
        let mut server = Self { python, port: 0, process: None, folder };
        // The port is free when chosen but could be taken before aiosmtpd binds it: then
        // aiosmtpd exits, and another port is tried.
        for _ in 0..3 {
            server.port = free_port();
            if server.spawn().await {
                return Some(server);
            }
        }
        panic!("aiosmtpd did not start on three ports; its log:\n{}", server.log());
    }

    /// `smtp://127.0.0.1:<port>`, the URL the server under test is configured with.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The port it listens on (the same after [`SmtpServer::start_again`]).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills aiosmtpd: from now on connections to the port are refused. The messages stay.
    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }

    /// Starts aiosmtpd again after [`SmtpServer::stop`], on the same port and folder, and
    /// waits until it greets.
    pub async fn start_again(&mut self) {
        self.stop();
        assert!(
            self.spawn().await,
            "aiosmtpd did not start again on port {}; its log:\n{}",
            self.port,
            self.log()
        );
    }

    /// Every message received so far, in arrival order.
    pub fn messages(&self) -> Vec<Mail> {
        let new = self.folder.path().join("mail/new");
        let mut names: Vec<PathBuf> = std::fs::read_dir(&new)
            .expect("the SMTP server's mail folder")
            .map(|entry| entry.expect("a mail folder entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
            .collect();
        names.sort();
        names.iter().map(|path| Mail::read(path)).collect()
    }

    /// Waits until at least `count` messages have arrived and returns them all; panics with
    /// what did arrive after `timeout`.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Mail> {
        let started = Instant::now();
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            if started.elapsed() > timeout {
                let subjects: Vec<_> = messages.iter().map(|mail| mail.header("Subject")).collect();
                panic!(
                    "{} of {count} messages arrived within {timeout:?}; their subjects: \
                     {subjects:?}",
                    messages.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Spawns aiosmtpd on `self.port`; whether it came up and greeted.
    async fn spawn(&mut self) -> bool {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("the SMTP server's log");
        let process = Command::new(&self.python)
            .args(["-m", "aiosmtpd", "--nosetuid", "--smtputf8"])
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["--class", "livechat_spool.Spool"])
            .arg(self.folder.path().join("mail"))
            .env("PYTHONPATH", self.folder.path().join("handler"))
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the SMTP server's log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|err| panic!("cannot run {} ({PYTHON_ENV}): {err}", self.python));
        let process = self.process.insert(process);
        let started = Instant::now();
        while started.elapsed() < READY_LIMIT {
            if process.try_wait().is_ok_and(|status| status.is_some()) {
                self.process = None;
                return false;
            }
            if greets(self.port).await {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("aiosmtpd did not listen within {READY_LIMIT:?}; its log:\n{}", self.log());
    }

    fn log_path(&self) -> PathBuf {
        self.folder.path().join("smtpd.log")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Whether this is a CI run (as xtask decides it): then nothing may be skipped.
fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| !value.is_empty() && value != "false" && value != "0")
}

/// A port of 127.0.0.1 that was free a moment ago.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// Whether an SMTP server greets (`220`) on `port`.
async fn greets(port: u16) -> bool {
    let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    let mut greeting = [0; 4];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_exact(&mut greeting));
    matches!(read.await, Ok(Ok(_))) && greeting == *b"220 "
}

/// One message as the SMTP server received it.
#[derive(Clone, Debug)]
pub struct Mail {
    /// The message exactly as the client sent it (after SMTP's dot-unstuffing).
    pub raw: Vec<u8>,
    /// The envelope's sender (`MAIL FROM`).
    pub sender: String,
    /// The envelope's recipients (`RCPT TO`), in order: a `Bcc` shows only here.
    pub recipients: Vec<String>,
}

impl Mail {
    fn read(path: &Path) -> Self {
        let raw = std::fs::read(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        let envelope = std::fs::read_to_string(path.with_extension("envelope"))
            .unwrap_or_else(|err| panic!("envelope of {}: {err}", path.display()));
        let mut lines = envelope.lines().map(str::to_owned);
        let sender = lines.next().unwrap_or_default();
        Self { raw, sender, recipients: lines.collect() }
    }

    /// The parsed message; panics when it is no message at all.
    fn parsed(&self) -> mail_parser::Message<'_> {
        MessageParser::default()
            .parse(&self.raw)
            .unwrap_or_else(|| panic!("not an e-mail: {:?}", String::from_utf8_lossy(&self.raw)))
    }

    /// The first header field `name` (any case) of the message itself, unfolded, with its
    /// RFC 2047 encoded words decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers(name).into_iter().next()
    }

    /// Every header field `name` (any case) of the message itself, decoded as
    /// [`Mail::header`], in order.
    pub fn headers(&self, name: &str) -> Vec<String> {
        self.parsed()
            .header_as(name, HeaderForm::Text)
            .into_iter()
            .map(|value| match value {
                HeaderValue::Text(text) => text.trim().to_owned(),
                _ => String::new(),
            })
            .collect()
    }

    /// The names of the message's own header fields, as written and in order: a test can
    /// prove no injected field exists.
    pub fn header_names(&self) -> Vec<String> {
        self.parsed().headers().iter().map(|header| header.name().to_owned()).collect()
    }

    /// The first `text/plain` body, decoded (transfer encoding and charset); `None` when the
    /// message has none (an HTML-only message is not converted).
    pub fn text(&self) -> Option<String> {
        let message = self.parsed();
        let text = message.text_bodies().find_map(|part| match &part.body {
            PartType::Text(text) => Some(text.to_string()),
            _ => None,
        });
        text
    }

    /// The first `text/html` body, decoded; `None` when the message has none.
    pub fn html(&self) -> Option<String> {
        let message = self.parsed();
        let html = message.html_bodies().find_map(|part| match &part.body {
            PartType::Html(html) => Some(html.to_string()),
            _ => None,
        });
        html
    }

    /// The `Message-ID`, without its angle brackets.
    pub fn message_id(&self) -> Option<String> {
        self.parsed().message_id().map(str::to_owned)
    }
}
