//! Large and slow uploads through the real binary: a 100 MiB upload, generated as it is
//! sent, passes while the server's resident memory stays within 48 MiB of its level
//! before, and downloads byte for byte (compared by SHA-256 as both stream); and while a
//! slow upload trickles in, another visitor's sends each complete quickly, so an upload
//! does not hold the database writer.
//!
//! Runs against a server of its own on a fresh SQLite file (SQLite has the single writer an
//! upload could hold; the suite's SQLite run covers it), started from
//! `LIVECHAT_SERVER_BIN`. Reads `/proc/<pid>/status`: Linux only.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{stream, Stream};
use livechat_sdk::{Bytes, Client, RetryPolicy, Upload};
use sha2::{Digest as _, Sha256};

use crate::files::sha256_of;
use crate::{fresh_token, process, unique};

const MIB: u64 = 1024 * 1024;
/// The large upload: the server's default `FileUpload_MaxFileSize`, which it admits.
const LARGE: u64 = 100 * MIB;
/// How far the server's resident memory may rise above its level before the upload.
const HEADROOM_KIB: u64 = 48 * 1024;
/// The slow upload: pieces of 64 KiB, one every 200 ms (the server wants one within its
/// `--request-timeout-ms`, 10 s by default), 40 of them: about 8 s, over two 1 MiB chunks.
const SLOW_PIECE: usize = 64 * 1024;
const SLOW_PIECES: usize = 40;
const SLOW_PAUSE: Duration = Duration::from_millis(200);
/// Sends during the slow upload, one every 250 ms, so that they span its chunk writes.
const SENDS: usize = 20;
const SEND_PAUSE: Duration = Duration::from_millis(250);
/// Each send, from the request to the reply. A send takes a few milliseconds on an idle
/// machine; the bound is generous because this runs in a debug build, beside the rest of
/// the suite's tests and its shared server, on shared CI machines with 2 cores, with a
/// `synchronous = FULL` commit per send. A writer held by the upload would show as a wait
/// for the rest of the upload (seconds: the upload lasts 8 s) or as a 503 after the
/// database timeout, which 2 s still tells apart.
const SEND_WITHIN: Duration = Duration::from_secs(2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_uploads_stream_in_bounded_memory_and_slow_ones_leave_the_writer_free() {
    if !cfg!(target_os = "linux") {
        eprintln!("skipped: the memory test reads /proc/<pid>/status (Linux only)");
        return;
    }
    let backend = std::env::var("LIVECHAT_E2E_BACKEND").unwrap_or_else(|_| "sqlite".into());
    if backend != "sqlite" {
        eprintln!("skipped on {backend}: the memory test runs on SQLite (the suite's SQLite run)");
        return;
    }
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(180), run())
        .await
        .expect("the memory test did not finish within 180 s");
    eprintln!("files memory test: {:.1} s in all", started.elapsed().as_secs_f64());
}

async fn run() {
    let bin = std::env::var("LIVECHAT_SERVER_BIN")
        .expect("LIVECHAT_SERVER_BIN is not set: run via `cargo xtask e2e`");
    let folder = std::env::temp_dir().join(format!("livechat-e2e-files-memory-{}", unique()));
    std::fs::create_dir_all(&folder).expect("a temporary folder");
    let database = folder.join("files.db").display().to_string();
    let server = process::Instance::start(&bin, &database, &[]).await;
    let pid = server.pid().expect("the server's pid");
    // Failures show at once: no retries that would hide a slow reply.
    let client =
        Client::builder(server.url.clone()).retry(RetryPolicy::none()).build().expect("client");

    let uploader = client.register(fresh_token("memory-uploader")).await.expect("register");
    let room = uploader.room_id().await.expect("room");
    // Warm up: the upload and download paths once, with a small file.
    let (warm_up, warm_up_hash) = generated(MIB, 1);
    let sent = uploader
        .upload(Upload::from_stream("warm-up.bin", "application/octet-stream", warm_up))
        .await
        .expect("warm-up upload");
    let link = livechat_sdk::file_link(&sent).expect("a link");
    let download = uploader.download(&room, &link, None).await.expect("warm-up download");
    assert_eq!(sha256_of(download).await, finish(&warm_up_hash));
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The large upload and its download, while a thread samples the server's memory.
    let sampler = Sampler::start(pid);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = sampler.latest();
    let upload_started = Instant::now();
    let (large, large_hash) = generated(LARGE, 2);
    let upload =
        Upload::from_stream("large.bin", "application/octet-stream", large).with_length(LARGE);
    let sent = uploader.upload(upload).await.expect("the 100 MiB upload");
    let upload_took = upload_started.elapsed();
    let upload_peak = sampler.peak_since(upload_started);
    let file = sent.file.clone().expect("file");
    assert_eq!(file.size, Some(LARGE));
    let link = livechat_sdk::file_link(&sent).expect("a link");
    let download_started = Instant::now();
    let download = uploader.download(&room, &link, None).await.expect("the download");
    assert_eq!(download.content_length(), Some(LARGE));
    let downloaded = sha256_of(download).await;
    let download_took = download_started.elapsed();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let samples = sampler.stop();
    let download_peak = samples
        .iter()
        .filter(|(at, _)| *at >= download_started)
        .map(|(_, kib)| *kib)
        .max()
        .unwrap_or(0);
    let peak = upload_peak.max(download_peak);
    let mib = |kib: u64| kib as f64 / 1024.0;
    let rate = |took: Duration| LARGE as f64 / MIB as f64 / took.as_secs_f64();
    eprintln!(
        "files memory: server VmRSS before {:.1} MiB; peak while uploading 100 MiB {:.1} MiB \
         (+{:.1}) in {:.1} s ({:.0} MiB/s); peak while downloading {:.1} MiB (+{:.1}) in \
         {:.1} s ({:.0} MiB/s); {} samples",
        mib(before),
        mib(upload_peak),
        mib(upload_peak.saturating_sub(before)),
        upload_took.as_secs_f64(),
        rate(upload_took),
        mib(download_peak),
        mib(download_peak.saturating_sub(before)),
        download_took.as_secs_f64(),
        rate(download_took),
        samples.len(),
    );
    assert!(before > 0, "no memory reading of the server");
    assert_eq!(downloaded, finish(&large_hash), "the download differs from the upload");
    assert!(
        peak <= before + HEADROOM_KIB,
        "the server's memory rose from {before} KiB to {peak} KiB (more than 48 MiB)"
    );

    // A slow upload, and another visitor's sends meanwhile.
    let slow_visitor = client.register(fresh_token("memory-slow")).await.expect("register");
    let slow_room = slow_visitor.room_id().await.expect("room");
    let sender = client.register(fresh_token("memory-sender")).await.expect("register");
    sender.room_id().await.expect("the sender's room");
    let uploading = Arc::new(AtomicBool::new(true));
    let (trickle, slow_hash) = trickled();
    let slow = {
        let (visitor, uploading) = (slow_visitor.clone(), uploading.clone());
        tokio::spawn(async move {
            let upload = Upload::from_stream("slow.bin", "application/octet-stream", trickle);
            let result = visitor.upload(upload).await;
            uploading.store(false, Ordering::SeqCst);
            result
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut timings = Vec::with_capacity(SENDS);
    for n in 0..SENDS {
        let sent_at = Instant::now();
        let result = sender.send(format!("while the upload trickles {n}")).await;
        timings.push(sent_at.elapsed());
        result.unwrap_or_else(|err| panic!("send {n} during the slow upload failed: {err}"));
        tokio::time::sleep(SEND_PAUSE).await;
    }
    let overlapped = uploading.load(Ordering::SeqCst);
    let slow_started = Instant::now();
    let slow_sent = slow.await.expect("the slow upload's task").expect("the slow upload");
    let slowest = timings.iter().max().copied().unwrap_or_default();
    let mean = timings.iter().sum::<Duration>() / SENDS as u32;
    eprintln!(
        "files memory: {SENDS} sends during a slow upload: slowest {:.0} ms, mean {:.0} ms; \
         the upload finished {:.1} s after the last send",
        slowest.as_secs_f64() * 1000.0,
        mean.as_secs_f64() * 1000.0,
        slow_started.elapsed().as_secs_f64(),
    );
    assert!(overlapped, "the slow upload was over before the last send: nothing was shown");
    for (n, took) in timings.iter().enumerate() {
        assert!(took < &SEND_WITHIN, "send {n} took {took:?} during the slow upload");
    }
    assert_eq!(
        slow_sent.file.as_ref().and_then(|file| file.size),
        Some((SLOW_PIECE * SLOW_PIECES) as u64)
    );
    let link = livechat_sdk::file_link(&slow_sent).expect("a link");
    let download = slow_visitor.download(&slow_room, &link, None).await.expect("download");
    assert_eq!(sha256_of(download).await, finish(&slow_hash));

    drop(server);
    let _ = std::fs::remove_dir_all(&folder);
}

/// The SHA-256 of what a generated stream has yielded.
type Hash = Arc<Mutex<Sha256>>;

fn finish(hash: &Hash) -> Vec<u8> {
    hash.lock().expect("the hash").clone().finalize().to_vec()
}

/// `len` pseudo-random bytes from `seed`, made 256 KiB at a time as the upload asks for
/// them (never the whole file in memory), hashed as they are made.
fn generated(
    len: u64,
    seed: u64,
) -> (impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static, Hash) {
    const PIECE: u64 = 256 * 1024;
    let hash = Hash::default();
    let hasher = hash.clone();
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut left = len;
    let pieces = stream::iter(std::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        let size = left.min(PIECE);
        left -= size;
        let mut piece = Vec::with_capacity(size as usize);
        while (piece.len() as u64) < size {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            piece.extend_from_slice(&state.to_le_bytes());
        }
        piece.truncate(size as usize);
        hasher.lock().expect("the hash").update(&piece);
        Some(Ok(Bytes::from(piece)))
    }));
    (pieces, hash)
}

/// The slow upload's pieces, each after a pause, hashed as they are made.
fn trickled() -> (impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static, Hash) {
    let hash = Hash::default();
    let hasher = hash.clone();
    let pieces = stream::unfold(0usize, move |n| {
        let hasher = hasher.clone();
        async move {
            if n == SLOW_PIECES {
                return None;
            }
            if n > 0 {
                tokio::time::sleep(SLOW_PAUSE).await;
            }
            let piece: Vec<u8> = (0..SLOW_PIECE).map(|i| (i * 31 + n * 7) as u8).collect();
            hasher.lock().expect("the hash").update(&piece);
            Some((Ok(Bytes::from(piece)), n + 1))
        }
    });
    (pieces, hash)
}

/// Samples a process's resident memory (`VmRSS`) every 50 ms on a thread of its own.
struct Sampler {
    samples: Arc<Mutex<Vec<(Instant, u64)>>>,
    running: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl Sampler {
    fn start(pid: u32) -> Self {
        let samples = Arc::new(Mutex::new(Vec::new()));
        let running = Arc::new(AtomicBool::new(true));
        let thread = {
            let (samples, running) = (samples.clone(), running.clone());
            std::thread::spawn(move || {
                while running.load(Ordering::Relaxed) {
                    let kib = rss_kib(pid);
                    samples.lock().expect("samples").push((Instant::now(), kib));
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        };
        Self { samples, running, thread }
    }

    /// The latest sample, in KiB.
    fn latest(&self) -> u64 {
        self.samples.lock().expect("samples").last().map_or(0, |(_, kib)| *kib)
    }

    /// The highest sample since `start`, in KiB.
    fn peak_since(&self, start: Instant) -> u64 {
        let samples = self.samples.lock().expect("samples");
        samples.iter().filter(|(at, _)| *at >= start).map(|(_, kib)| *kib).max().unwrap_or(0)
    }

    /// Stops sampling and returns every sample.
    fn stop(self) -> Vec<(Instant, u64)> {
        self.running.store(false, Ordering::Relaxed);
        let _ = self.thread.join();
        let samples = self.samples.lock().expect("samples");
        samples.clone()
    }
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
