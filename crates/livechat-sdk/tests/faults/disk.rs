//! The SQLite file lives on a small tmpfs that a ballast file fills while 16 clients send:
//! writes fail with an envelope (no hang, no 500), reads keep working, and once the ballast
//! is removed writes recover by themselves, with nothing acknowledged lost.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use livechat_sdk::types::message::{get, history};
use livechat_sdk::Error;

use crate::check;
use crate::crash::{assert_nothing_lost, base_figures, seconds};
use crate::load::{self, Load, Room, Settings};
use crate::server::Server;
use crate::{backend, env, report};

/// How long the disk stays full once writes fail.
const FULL_FOR: Duration = Duration::from_secs(3);

/// ENOSPC on Linux.
const NO_SPACE: i32 = 28;

/// A thread that writes a ballast file until the file system is full and keeps taking
/// whatever space is freed, until stopped.
struct Filler {
    stop: Arc<AtomicBool>,
    full: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<u64>,
    path: PathBuf,
}

impl Filler {
    fn start(path: &Path) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let full = Arc::new(AtomicBool::new(false));
        let (stopped, filled) = (stop.clone(), full.clone());
        let mut file = std::fs::File::create(path).expect("create the ballast");
        let thread = std::thread::spawn(move || {
            let chunk = vec![0xA5u8; 64 * 1024];
            let mut written = 0u64;
            while !stopped.load(Ordering::SeqCst) {
                let size = if filled.load(Ordering::SeqCst) { 4096 } else { chunk.len() };
                match file.write(&chunk[..size]) {
                    Ok(n) => written += n as u64,
                    Err(err) if err.raw_os_error() == Some(NO_SPACE) => {
                        filled.store(true, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    Err(err) => panic!("write the ballast: {err}"),
                }
            }
            written
        });
        Self { stop, full, thread, path: path.to_owned() }
    }

    fn is_full(&self) -> bool {
        self.full.load(Ordering::SeqCst)
    }

    /// Stops filling and removes the ballast; returns its size.
    fn remove(self) -> u64 {
        self.stop.store(true, Ordering::SeqCst);
        let written = self.thread.join().expect("ballast thread");
        std::fs::remove_file(&self.path).expect("remove the ballast");
        written
    }
}

/// Reads while the disk is full: history pages and single messages.
#[derive(Default)]
struct Reads {
    ok: AtomicUsize,
    failed: Mutex<Vec<String>>,
}

async fn read_until(url: String, room: Room, stop: Arc<AtomicBool>, reads: Arc<Reads>) {
    let client = load::client(&url, Duration::from_secs(10));
    while !stop.load(Ordering::SeqCst) {
        let page = history::Request {
            limit: Some(20),
            ..history::Request::new(room.id.clone(), room.token.clone())
        };
        let result = match client.message_history(&page).await {
            Ok(page) => match page.messages.first() {
                Some(newest) => {
                    let req =
                        get::Request::new(newest.id.clone(), room.token.clone(), room.id.clone());
                    client.get_message(&req).await.map(drop)
                }
                None => Ok(()),
            },
            Err(err) => Err(err),
        };
        match result {
            Ok(()) => {
                reads.ok.fetch_add(1, Ordering::SeqCst);
            }
            Err(err) => {
                let text = match &err {
                    Error::Api { status, code, .. } => format!("HTTP {status} {code}"),
                    other => other.to_string(),
                };
                reads.failed.lock().expect("reads").push(text);
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn full_disk_fails_writes_cleanly_and_recovers() {
    assert_eq!(backend(), "sqlite", "the full-disk test runs on SQLite");
    let dir = PathBuf::from(env("LIVECHAT_FAULTS_DISK_DIR"));
    let database = dir.join("livechat.db").display().to_string();
    let server = Server::start("disk-sqlite", Some(&database), &["--db-timeout-ms", "2000"]).await;
    let rooms = load::rooms(&server.url, "disk", 8).await;
    let settings = Settings {
        label: "disk".into(),
        clients: 16,
        timeout: Duration::from_secs(15),
        pause: Duration::from_millis(50),
        interval: Duration::ZERO,
    };
    let load = Load::start(&server.url, &rooms, &settings);
    load.wait_for(Duration::from_secs(30), "acknowledgements before filling", |t| {
        t.acked.len() >= 200
    })
    .await;

    let filler = Filler::start(&dir.join("ballast"));
    let fill_started = Instant::now();
    while !filler.is_full() {
        assert!(fill_started.elapsed() < Duration::from_secs(30), "the tmpfs did not fill");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let full_at = Instant::now();
    let stop_reads = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(Reads::default());
    let reader = tokio::spawn(read_until(
        server.url.clone(),
        rooms[0].clone(),
        stop_reads.clone(),
        reads.clone(),
    ));
    load.wait_for(Duration::from_secs(30), "a failed write on the full disk", |t| {
        t.failed_at.iter().any(|at| *at > full_at)
    })
    .await;
    let failing_from = load
        .tally
        .lock()
        .ok()
        .and_then(|t| t.failed_at.iter().filter(|at| **at > full_at).min().copied());
    let failing_from = failing_from.unwrap_or(full_at);
    tokio::time::sleep(FULL_FOR).await;
    stop_reads.store(true, Ordering::SeqCst);
    reader.await.expect("reader");
    let freed_at = Instant::now();
    let ballast = filler.remove();

    load.wait_for(Duration::from_secs(30), "an acknowledgement after space was freed", |t| {
        t.first_ack_after(freed_at).is_some()
    })
    .await;
    let recovered = load.tally.lock().ok().and_then(|t| t.first_ack_after(freed_at));
    let recovery = recovered.map(|at| at - freed_at);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let tally = load.finish(Duration::from_secs(60)).await;
    let (listed, listing_order) = check::through_api(&server.url, &rooms).await;
    let warnings = server.warnings();
    server.kill().await;
    let (stored, integrity) = check::in_database(&database);

    let api = check::compare(&listed, &tally);
    let db = check::compare(&stored, &tally);
    let failed_while_full =
        tally.failed_at.iter().filter(|at| **at > failing_from && **at < freed_at).count();
    let acked_while_full = tally.acks_between(failing_from + Duration::from_millis(500), freed_at);
    let read_failures = reads.failed.lock().expect("reads").clone();
    let mut figures = base_figures(&tally, &api, &db, &integrity);
    figures.push(("ballast_mib", format!("{:.1}", ballast as f64 / 1048576.0)));
    figures.push(("writes_failed_while_full", failed_while_full.to_string()));
    figures.push(("acked_while_full", acked_while_full.to_string()));
    figures.push(("reads_ok_while_full", reads.ok.load(Ordering::SeqCst).to_string()));
    figures.push(("reads_failed_while_full", read_failures.len().to_string()));
    figures.push(("first_failure_s", seconds(Some(&(failing_from - full_at)))));
    figures.push(("recovery_max_s", seconds(recovery.as_ref())));
    report("disk", &figures);
    if !tally.server_errors.is_empty() || !read_failures.is_empty() {
        eprintln!("server warnings:\n{}", warnings.join("\n"));
    }
    assert_nothing_lost(&api, &db, &listing_order, &integrity, &tally);
    assert_eq!(tally.timeouts, 0, "writes hung on the full disk instead of failing");
    assert!(
        read_failures.is_empty(),
        "reads failed on the full disk: {:?}",
        &read_failures[..read_failures.len().min(5)]
    );
    assert!(reads.ok.load(Ordering::SeqCst) > 0, "no read completed while the disk was full");
}
