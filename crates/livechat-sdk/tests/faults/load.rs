//! Clients that send messages with ids of their own and retry each unacknowledged send
//! with the same id until it is acknowledged; every outcome is tallied.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use livechat_sdk::types::message::send;
use livechat_sdk::{Client, Error, MessageId, RetryPolicy, RoomId, VisitorToken};
use tokio::task::JoinHandle;

use crate::fresh_token;

/// One visitor's room that clients send to.
#[derive(Clone, Debug)]
pub struct Room {
    pub token: VisitorToken,
    pub id: RoomId,
}

/// A send the server acknowledged.
#[derive(Clone, Debug)]
pub struct Acked {
    /// The `ts` the reply carried.
    pub ts: i64,
    /// When the reply arrived.
    pub at: Instant,
}

/// Everything the clients saw.
#[derive(Default)]
pub struct Tally {
    /// Acknowledged sends by id.
    pub acked: BTreeMap<MessageId, Acked>,
    /// Every id sent at least once, with its room and text.
    pub attempted: BTreeMap<MessageId, (RoomId, String)>,
    /// Sends abandoned unacknowledged when the run's time was up.
    pub abandoned: Vec<MessageId>,
    /// 503 replies with the API's envelope.
    pub unavailable: usize,
    /// When 503s arrived.
    pub unavailable_at: Vec<Instant>,
    /// When any attempt failed.
    pub failed_at: Vec<Instant>,
    /// 5xx replies other than 503, and replies that were not the API's envelope.
    pub server_errors: Vec<String>,
    /// 4xx replies.
    pub client_errors: Vec<String>,
    /// Requests that got no reply in time.
    pub timeouts: usize,
    /// Connections refused or broken.
    pub transport: usize,
    /// Acknowledgements that did not match the send (other id, text or room).
    pub mismatches: Vec<String>,
}

impl Tally {
    /// The earliest acknowledgement after `instant`.
    pub fn first_ack_after(&self, instant: Instant) -> Option<Instant> {
        self.acked.values().map(|acked| acked.at).filter(|at| *at > instant).min()
    }

    /// Acknowledgements between two instants.
    pub fn acks_between(&self, from: Instant, to: Instant) -> usize {
        self.acked.values().filter(|acked| acked.at > from && acked.at < to).count()
    }
}

/// How the clients behave.
#[derive(Clone)]
pub struct Settings {
    /// Label of the message ids.
    pub label: String,
    /// Concurrent clients (client `n` sends to room `n % rooms.len()`).
    pub clients: usize,
    /// Timeout of one request.
    pub timeout: Duration,
    /// Pause after a failed attempt.
    pub pause: Duration,
    /// Pause between two messages of one client (none: as fast as the server answers).
    pub interval: Duration,
}

/// Clients sending until stopped.
pub struct Load {
    pub tally: Arc<Mutex<Tally>>,
    stop_new: Arc<AtomicBool>,
    give_up: Arc<AtomicBool>,
    tasks: Vec<JoinHandle<()>>,
}

/// A client of `url` that never retries by itself: the load does that, and counts each try.
pub fn client(url: &str, timeout: Duration) -> Client {
    Client::builder(url).retry(RetryPolicy::none()).timeout(timeout).build().expect("client")
}

/// Registers `count` visitors and opens a room for each, retrying until the server answers.
pub async fn rooms(url: &str, label: &str, count: usize) -> Vec<Room> {
    let client = client(url, Duration::from_secs(10));
    let mut rooms = Vec::new();
    for n in 0..count {
        let token = fresh_token(&format!("{label}-{n}"));
        let started = Instant::now();
        loop {
            let opened = async {
                let visitor = client.register(token.clone()).await?;
                visitor.room_id().await
            };
            match opened.await {
                Ok(id) => {
                    rooms.push(Room { token: token.clone(), id });
                    break;
                }
                Err(err) => {
                    assert!(started.elapsed() < Duration::from_secs(60), "open a room: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
    rooms
}

impl Load {
    /// Starts the clients against `url`.
    pub fn start(url: &str, rooms: &[Room], settings: &Settings) -> Self {
        let tally = Arc::new(Mutex::new(Tally::default()));
        let stop_new = Arc::new(AtomicBool::new(false));
        let give_up = Arc::new(AtomicBool::new(false));
        let tasks = (0..settings.clients)
            .map(|n| {
                let client = client(url, settings.timeout);
                let room = rooms[n % rooms.len().max(1)].clone();
                let (tally, stop_new, give_up) = (tally.clone(), stop_new.clone(), give_up.clone());
                let settings = settings.clone();
                tokio::spawn(async move {
                    run_client(n, client, room, settings, tally, stop_new, give_up).await;
                })
            })
            .collect();
        Self { tally, stop_new, give_up, tasks }
    }

    /// Number of acknowledged sends so far.
    pub fn acked(&self) -> usize {
        self.tally.lock().map_or(0, |tally| tally.acked.len())
    }

    /// Waits until `done` holds for the tally, at most `limit`.
    pub async fn wait_for(&self, limit: Duration, what: &str, done: impl Fn(&Tally) -> bool) {
        let started = Instant::now();
        while !self.tally.lock().is_ok_and(|tally| done(&tally)) {
            assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Stops sending new messages, retries the pending ones for at most `grace`, and
    /// returns the tally.
    pub async fn finish(self, grace: Duration) -> Tally {
        self.stop_new.store(true, Ordering::SeqCst);
        let deadline = Instant::now() + grace;
        for mut task in self.tasks {
            let left = deadline.saturating_duration_since(Instant::now());
            if tokio::time::timeout(left, &mut task).await.is_err() {
                self.give_up.store(true, Ordering::SeqCst);
                tokio::time::timeout(Duration::from_secs(30), task)
                    .await
                    .expect("a client stops once told to give up")
                    .expect("client task");
            }
        }
        Arc::try_unwrap(self.tally).ok().expect("clients done").into_inner().expect("tally")
    }
}

async fn run_client(
    n: usize,
    client: Client,
    room: Room,
    settings: Settings,
    tally: Arc<Mutex<Tally>>,
    stop_new: Arc<AtomicBool>,
    give_up: Arc<AtomicBool>,
) {
    let mut sequence = 0u64;
    while !stop_new.load(Ordering::SeqCst) {
        let id = MessageId::from(format!("{}-{n}-{sequence}", settings.label));
        let text = format!("{} client {n} message {sequence}", settings.label);
        sequence += 1;
        tally.lock().expect("tally").attempted.insert(id.clone(), (room.id.clone(), text.clone()));
        let req = send::Request::new(room.token.clone(), room.id.clone(), text.clone())
            .with_id(id.clone());
        loop {
            if give_up.load(Ordering::SeqCst) {
                tally.lock().expect("tally").abandoned.push(id);
                return;
            }
            let result = client.send_message(&req).await;
            if record(&tally, &id, &text, &room, result) {
                break;
            }
            tokio::time::sleep(settings.pause).await;
        }
        if !settings.interval.is_zero() {
            tokio::time::sleep(settings.interval).await;
        }
    }
}

/// Tallies one attempt; returns whether this id is done with (acknowledged, or refused
/// with a 4xx, which means nothing was stored).
fn record(
    tally: &Mutex<Tally>,
    id: &MessageId,
    text: &str,
    room: &Room,
    result: Result<send::Response, Error>,
) -> bool {
    let at = Instant::now();
    let mut tally = tally.lock().expect("tally");
    match result {
        Ok(reply) => {
            let message = reply.message;
            if message.id != *id || message.text != text || message.room_id != room.id {
                tally.mismatches.push(format!(
                    "sent {id} {text:?} to {}, acknowledged {} {:?} in {}",
                    room.id, message.id, message.text, message.room_id
                ));
            }
            tally.acked.insert(id.clone(), Acked { ts: message.ts.as_millis(), at });
            return true;
        }
        Err(Error::Api { status: 503, .. }) => {
            tally.unavailable += 1;
            tally.unavailable_at.push(at);
        }
        Err(Error::Api { status, code, .. }) if status >= 500 => {
            tally.server_errors.push(format!("HTTP {status} {code}"));
        }
        Err(Error::UnexpectedBody { status, body }) => {
            tally.server_errors.push(format!("HTTP {status}, not an envelope: {body}"));
        }
        Err(Error::Api { status, code, .. }) => {
            tally.client_errors.push(format!("HTTP {status} {code} for {id}"));
            return true;
        }
        Err(Error::Transport(err)) if err.is_timeout() => tally.timeouts += 1,
        Err(_) => tally.transport += 1,
    }
    tally.failed_at.push(at);
    false
}
