//! Files are uploaded while the server is killed with SIGKILL at random moments and
//! restarted on the same database (behind a proxy that follows it): visitors with
//! `livechat/upload`, their agent with `rooms.upload` and, never confirmed, `rooms.media`.
//! Files of a few KiB to a few MiB (several 1 MiB chunks) of random bytes with a known
//! SHA-256. Each upload carries a tag of its own as its text, since uploads take no `_id`.
//!
//! Afterwards: every acknowledged upload's message is listed once and its file downloads
//! byte-identical (by SHA-256) with the visitor's query credentials; the histories hold no
//! file message nobody sent, and none that was not acknowledged but those whose
//! acknowledgement the kill cut off (counted, and downloaded like the others); every file
//! the database attaches to a message is complete and listed; pending files (cut-off
//! uploads, unconfirmed `rooms.media`) download for nobody (404).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection as _;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use diesel::{Connection as _, PgConnection, QueryableByName, RunQueryDsl as _, SqliteConnection};
use futures_util::{StreamExt as _, TryStreamExt as _};
use livechat_sdk::types::file::{download_path, media, room_upload};
use livechat_sdk::types::message::Message;
use rand::rngs::StdRng;
use rand::{Rng as _, RngCore as _, SeedableRng as _};
use reqwest::multipart::{Form, Part};

use crate::check;
use crate::crash::{agent_session, seconds};
use crate::front::Front;
use crate::load::{self, Room};
use crate::server::{add_agent, Server};
use crate::sha256::{self, Digest};
use crate::{backend, database_url, fresh_password, report};

const KILLS: usize = 5;
/// Visitors, each uploading into a room of its own; the agent uploads into all of them.
const VISITORS: usize = 5;
const KIB: usize = 1024;
/// The server's chunk size.
const CHUNK: usize = 1024 * KIB;
/// Every `MEDIA_EVERY`th upload of the agent is a `rooms.media` it never confirms.
const MEDIA_EVERY: u64 = 4;
/// Longest one upload or download may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// Pause after each upload, acknowledged or not.
const PAUSE: Duration = Duration::from_millis(50);
/// Downloads checked at once.
const PARALLEL_DOWNLOADS: usize = 2;

/// Random bytes and their digest (leaked: the uploads borrow them for the whole run).
struct Payload {
    bytes: &'static [u8],
    sha: Digest,
}

/// Files of every size class: a few KiB, under one chunk, around the chunk boundaries,
/// and up to 3.5 chunks.
fn payloads(rng: &mut StdRng) -> Vec<Payload> {
    let mut sizes = vec![CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK - 1];
    sizes.extend((0..8).map(|_| rng.gen_range(2 * KIB..64 * KIB)));
    sizes.extend((0..6).map(|_| rng.gen_range(64 * KIB..CHUNK)));
    sizes.extend((0..5).map(|_| rng.gen_range(CHUNK + 2..3 * CHUNK + CHUNK / 2)));
    sizes
        .into_iter()
        .map(|size| {
            let mut bytes = vec![0u8; size];
            rng.fill_bytes(&mut bytes);
            let sha = sha256::digest(&bytes);
            Payload { bytes: Box::leak(bytes.into_boxed_slice()), sha }
        })
        .collect()
}

/// How a file is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Via {
    /// `livechat/upload`, by the room's visitor.
    Visitor,
    /// `rooms.upload`, by the agent.
    AgentUpload,
    /// `rooms.media`, by the agent, never confirmed.
    AgentMedia,
}

/// What became of one upload, as the uploader saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    InFlight,
    /// 200 with the message that carries the file.
    Acked {
        message: String,
        file: String,
    },
    /// 200 from `rooms.media`: a pending file.
    Pending {
        file: String,
    },
    /// Anything else: an error reply, a broken connection, no reply in time.
    Failed,
}

/// One upload request.
#[derive(Clone, Debug)]
struct Attempt {
    /// Index into the rooms.
    room: usize,
    via: Via,
    /// Index into the payloads.
    payload: usize,
    name: String,
    outcome: Outcome,
}

/// Everything the uploaders saw; attempts by tag.
#[derive(Default)]
struct Tally {
    attempts: BTreeMap<String, Attempt>,
    acked_at: Vec<Instant>,
    unavailable: usize,
    server_errors: Vec<String>,
    client_errors: Vec<String>,
    timeouts: usize,
    transport: usize,
    /// Acknowledgements that do not describe the upload.
    mismatches: Vec<String>,
}

impl Tally {
    fn count(&self, matches: impl Fn(&Attempt) -> bool) -> usize {
        self.attempts.values().filter(|attempt| matches(attempt)).count()
    }

    fn first_ack_after(&self, instant: Instant) -> Option<Instant> {
        self.acked_at.iter().copied().filter(|at| *at > instant).min()
    }
}

/// Who uploads.
#[derive(Clone)]
enum Uploader {
    /// The visitor of room `n`.
    Visitor(usize),
    Agent {
        user_id: String,
        token: String,
    },
}

/// What the uploaders share.
struct Shared {
    url: String,
    rooms: Vec<Room>,
    payloads: Vec<Payload>,
    tally: Mutex<Tally>,
    stop: AtomicBool,
}

async fn upload_until_stopped(n: usize, uploader: Uploader, shared: Arc<Shared>) {
    let http = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build().expect("http client");
    let mut rng = StdRng::from_entropy();
    let mut sequence = 0u64;
    while !shared.stop.load(Ordering::SeqCst) {
        let (room, via) = match uploader {
            Uploader::Visitor(room) => (room, Via::Visitor),
            Uploader::Agent { .. } if sequence % MEDIA_EVERY == MEDIA_EVERY - 1 => {
                (sequence as usize % shared.rooms.len(), Via::AgentMedia)
            }
            Uploader::Agent { .. } => (sequence as usize % shared.rooms.len(), Via::AgentUpload),
        };
        let payload = rng.gen_range(0..shared.payloads.len());
        let tag = format!("uploads-{}-{n}-{sequence}", backend());
        let name = format!("{tag}.bin");
        sequence += 1;
        let attempt = Attempt { room, via, payload, name, outcome: Outcome::InFlight };
        shared.tally.lock().expect("tally").attempts.insert(tag.clone(), attempt.clone());
        let streamed = rng.gen_bool(0.5);
        let reply = post(&http, &shared, &uploader, &tag, &attempt, streamed).await;
        record(&shared, &tag, &attempt, reply);
        tokio::time::sleep(PAUSE).await;
    }
}

/// Sends one upload; returns the status and body of the reply. Half of them stream the
/// file in 64 KiB pieces with no length (chunked), the others send it with its length.
async fn post(
    http: &reqwest::Client,
    shared: &Shared,
    uploader: &Uploader,
    tag: &str,
    attempt: &Attempt,
    streamed: bool,
) -> Result<(u16, String), reqwest::Error> {
    let room = &shared.rooms[attempt.room];
    let path = match attempt.via {
        Via::Visitor => "livechat/upload",
        Via::AgentUpload => "rooms.upload",
        Via::AgentMedia => "rooms.media",
    };
    let bytes = shared.payloads[attempt.payload].bytes;
    let part = if streamed {
        let pieces =
            futures_util::stream::iter(bytes.chunks(64 * KIB).map(Ok::<_, std::io::Error>));
        Part::stream(reqwest::Body::wrap_stream(pieces))
    } else {
        Part::bytes(bytes)
    };
    let part = part.file_name(attempt.name.clone()).mime_str("application/octet-stream")?;
    let mut form = Form::new();
    if attempt.via != Via::AgentMedia {
        form = form.text("msg", tag.to_owned());
    }
    let request = http
        .post(format!("{}/api/v1/{path}/{}", shared.url, room.id))
        .multipart(form.part("file", part));
    let request = match uploader {
        Uploader::Visitor(_) => request.header("x-visitor-token", room.token.as_str()),
        Uploader::Agent { user_id, token } => {
            request.header("X-User-Id", user_id).header("X-Auth-Token", token)
        }
    };
    let reply = request.send().await?;
    let status = reply.status().as_u16();
    Ok((status, reply.text().await?))
}

/// Tallies one reply.
fn record(
    shared: &Shared,
    tag: &str,
    attempt: &Attempt,
    reply: Result<(u16, String), reqwest::Error>,
) {
    let at = Instant::now();
    let room = &shared.rooms[attempt.room];
    let size = shared.payloads[attempt.payload].bytes.len();
    let mut tally = shared.tally.lock().expect("tally");
    let outcome = match reply {
        Ok((200, body)) => match acknowledgement(attempt.via, &body) {
            Ok(Acknowledgement::Message(message)) => {
                if let Some(wrong) = mismatch(&message, tag, room, &attempt.name, size) {
                    tally.mismatches.push(format!("{tag}: {wrong}"));
                }
                let file = message.file.map(|file| file.id).unwrap_or_default();
                Outcome::Acked { message: message.id.to_string(), file }
            }
            Ok(Acknowledgement::Pending(file)) => {
                if file.url != download_path(&file.id, &attempt.name) {
                    tally.mismatches.push(format!("{tag}: pending file at {}", file.url));
                }
                Outcome::Pending { file: file.id }
            }
            Err(err) => {
                tally.server_errors.push(format!("200 that is no acknowledgement: {err}"));
                Outcome::Failed
            }
        },
        Ok((503, body)) if body.contains(r#""success":false"#) => {
            tally.unavailable += 1;
            Outcome::Failed
        }
        Ok((status, body)) if status >= 500 => {
            tally.server_errors.push(format!("HTTP {status} {}", clip(&body)));
            Outcome::Failed
        }
        Ok((status, body)) => {
            tally.client_errors.push(format!("HTTP {status} {} for {tag}", clip(&body)));
            Outcome::Failed
        }
        Err(err) if err.is_timeout() => {
            tally.timeouts += 1;
            Outcome::Failed
        }
        Err(_) => {
            tally.transport += 1;
            Outcome::Failed
        }
    };
    if matches!(outcome, Outcome::Acked { .. } | Outcome::Pending { .. }) {
        tally.acked_at.push(at);
    }
    if let Some(stored) = tally.attempts.get_mut(tag) {
        stored.outcome = outcome;
    }
}

fn clip(text: &str) -> String {
    text.chars().take(200).collect()
}

enum Acknowledgement {
    Message(Box<Message>),
    Pending(livechat_sdk::types::file::PendingFile),
}

fn acknowledgement(via: Via, body: &str) -> Result<Acknowledgement, serde_json::Error> {
    Ok(match via {
        Via::Visitor => Acknowledgement::Message(Box::new(serde_json::from_str::<Message>(body)?)),
        Via::AgentUpload => Acknowledgement::Message(Box::new(
            serde_json::from_str::<room_upload::Response>(body)?.message,
        )),
        Via::AgentMedia => {
            Acknowledgement::Pending(serde_json::from_str::<media::Response>(body)?.file)
        }
    })
}

/// What is wrong with an acknowledged message, if anything.
fn mismatch(message: &Message, tag: &str, room: &Room, name: &str, size: usize) -> Option<String> {
    let Some(file) = &message.file else { return Some("no file".into()) };
    let link = message
        .attachments
        .as_ref()
        .and_then(|attachments| attachments.first())
        .map(|attachment| attachment.title_link.clone());
    if message.text != tag
        || message.room_id != room.id
        || file.name != name
        || file.size != Some(size as u64)
        || link.as_deref() != Some(download_path(&file.id, name).as_str())
    {
        return Some(format!(
            "acknowledged {:?} in {} with {} ({:?} bytes, link {link:?})",
            message.text, message.room_id, file.name, file.size
        ));
    }
    None
}

/// A file message a history lists.
#[derive(Clone, Debug)]
struct Listed {
    message: String,
    rid: String,
    text: String,
    /// The file's id and name, if the message has a file.
    file: Option<(String, String)>,
}

/// Every message of the rooms but system messages, through the visitors' history.
async fn list(url: &str, rooms: &[Room]) -> Vec<Listed> {
    let client = load::client(url, Duration::from_secs(30));
    let mut listed = Vec::new();
    for room in rooms {
        let messages: Vec<Message> = client
            .history_stream(room.id.clone(), room.token.clone(), 100)
            .try_collect()
            .await
            .expect("history");
        listed.extend(messages.into_iter().filter(|message| message.kind.is_none()).map(
            |message| Listed {
                message: message.id.to_string(),
                rid: message.room_id.to_string(),
                text: message.text,
                file: message.file.map(|file| (file.id, file.name)),
            },
        ));
    }
    listed
}

/// A file message to download and compare.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ToVerify {
    tag: String,
    file: String,
    name: String,
    room: usize,
    payload: usize,
}

/// What the listings show, compared with the uploads.
#[derive(Debug, Default)]
struct Findings {
    /// Acknowledged, not listed.
    lost: Vec<String>,
    /// Listed more than once (by tag or message id).
    duplicated: Vec<String>,
    /// Listed, but not an upload into that room that may be a message (or without its
    /// file, or with another message or file than acknowledged).
    unknown: Vec<String>,
    /// Listed, unacknowledged: the acknowledgement was lost in a kill.
    lost_acks: Vec<String>,
    /// Every listed upload, to download.
    verify: Vec<ToVerify>,
}

fn compare(listed: &[Listed], tally: &Tally, rooms: &[Room]) -> Findings {
    let mut findings = Findings::default();
    let mut by_tag: BTreeMap<&str, Vec<&Listed>> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    for item in listed {
        by_tag.entry(item.text.as_str()).or_default().push(item);
        if !ids.insert(item.message.as_str()) {
            findings.duplicated.push(format!("message {} listed twice", item.message));
        }
    }
    for (tag, items) in &by_tag {
        if items.len() > 1 {
            findings.duplicated.push(format!("{tag} listed {} times", items.len()));
        }
        let item = items[0];
        let Some(attempt) = tally.attempts.get(*tag) else {
            findings
                .unknown
                .push(format!("{} {tag:?} in {}: nobody sent it", item.message, item.rid));
            continue;
        };
        let Some((file, name)) = &item.file else {
            findings.unknown.push(format!("{tag}: listed without its file"));
            continue;
        };
        if item.rid != rooms[attempt.room].id.as_str() || attempt.via == Via::AgentMedia {
            findings
                .unknown
                .push(format!("{tag}: listed in {}, sent by {:?}", item.rid, attempt.via));
            continue;
        }
        match &attempt.outcome {
            Outcome::Acked { message, file: acked_file } => {
                if *message != item.message || acked_file != file {
                    findings.unknown.push(format!(
                        "{tag}: listed as {} with {file}, acknowledged as {message} with {acked_file}",
                        item.message
                    ));
                }
            }
            Outcome::Pending { .. } => {
                findings.unknown.push(format!("{tag}: a pending file listed as a message"));
            }
            Outcome::InFlight | Outcome::Failed => findings.lost_acks.push((*tag).to_owned()),
        }
        findings.verify.push(ToVerify {
            tag: (*tag).to_owned(),
            file: file.clone(),
            name: name.clone(),
            room: attempt.room,
            payload: attempt.payload,
        });
    }
    for (tag, attempt) in &tally.attempts {
        if matches!(attempt.outcome, Outcome::Acked { .. }) && !by_tag.contains_key(tag.as_str()) {
            findings.lost.push(tag.clone());
        }
    }
    findings
}

/// The visitor's download link of file `file` in room `room`, with its query credentials.
fn visitor_download(
    http: &reqwest::Client,
    url: &str,
    room: &Room,
    file: &str,
    name: &str,
) -> reqwest::RequestBuilder {
    http.get(format!("{url}{}", download_path(file, name))).query(&[
        ("rc_room_type", "l"),
        ("rc_rid", room.id.as_str()),
        ("rc_token", room.token.as_str()),
    ])
}

/// Downloads every listed upload with its visitor's credentials; returns what did not
/// come back byte-identical, and the bytes downloaded.
async fn download_all(
    url: &str,
    rooms: &[Room],
    payloads: &[Payload],
    verify: &[ToVerify],
) -> (Vec<String>, u64) {
    let http = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build().expect("http client");
    let checks = futures_util::stream::iter(verify.iter().cloned())
        .map(|item| {
            let request = visitor_download(&http, url, &rooms[item.room], &item.file, &item.name);
            let expected = (payloads[item.payload].bytes.len(), payloads[item.payload].sha);
            async move {
                let reply = request.send().await.map_err(|err| format!("{}: {err}", item.tag))?;
                let status = reply.status().as_u16();
                let body = reply.bytes().await.map_err(|err| format!("{}: {err}", item.tag))?;
                if status != 200 {
                    return Err(format!("{}: HTTP {status}", item.tag));
                }
                let length = body.len();
                let sha =
                    tokio::task::spawn_blocking(move || sha256::digest(&body)).await.expect("hash");
                if (length, sha) != expected {
                    return Err(format!(
                        "{}: {length} bytes, SHA-256 {}; uploaded {} bytes, SHA-256 {}",
                        item.tag,
                        sha256::hex(&sha),
                        expected.0,
                        sha256::hex(&expected.1)
                    ));
                }
                Ok(length as u64)
            }
        })
        .buffer_unordered(PARALLEL_DOWNLOADS)
        .collect::<Vec<_>>()
        .await;
    let mut broken = Vec::new();
    let mut bytes = 0;
    for check in checks {
        match check {
            Ok(length) => bytes += length,
            Err(err) => broken.push(err),
        }
    }
    (broken, bytes)
}

/// A file row and its chunks, as stored.
#[derive(Clone, Debug, PartialEq, Eq, QueryableByName)]
struct StoredFile {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    rid: String,
    #[diesel(sql_type = Nullable<Text>)]
    message_id: Option<String>,
    #[diesel(sql_type = Bool)]
    complete: bool,
    #[diesel(sql_type = BigInt)]
    size: i64,
    #[diesel(sql_type = BigInt)]
    chunks: i64,
    #[diesel(sql_type = BigInt)]
    bytes: i64,
    #[diesel(sql_type = BigInt)]
    first_chunk: i64,
    #[diesel(sql_type = BigInt)]
    last_chunk: i64,
    /// Messages with the id `message_id` names.
    #[diesel(sql_type = BigInt)]
    messages: i64,
}

const FILES: &str = "SELECT f.id, f.rid, f.message_id, f.complete, f.size, \
     CAST((SELECT COUNT(*) FROM file_chunks c WHERE c.file_id = f.id) AS BIGINT) AS chunks, \
     CAST(COALESCE((SELECT SUM(LENGTH(c.data)) FROM file_chunks c WHERE c.file_id = f.id), 0) AS BIGINT) AS bytes, \
     CAST(COALESCE((SELECT MIN(c.n) FROM file_chunks c WHERE c.file_id = f.id), -1) AS BIGINT) AS first_chunk, \
     CAST(COALESCE((SELECT MAX(c.n) FROM file_chunks c WHERE c.file_id = f.id), -1) AS BIGINT) AS last_chunk, \
     CAST((SELECT COUNT(*) FROM messages m WHERE m.id = f.message_id) AS BIGINT) AS messages \
     FROM files f ORDER BY f.id";

/// Every file in the database, read directly (SQLite in WAL mode may be read while the
/// server runs).
fn files_in_database(url: &str) -> Vec<StoredFile> {
    if url.starts_with("postgres") {
        let mut conn = PgConnection::establish(url).expect("connect to PostgreSQL");
        return diesel::sql_query(FILES).load(&mut conn).expect("read files");
    }
    let path = url.strip_prefix("sqlite://").unwrap_or(url);
    let mut conn = SqliteConnection::establish(path).expect("open the SQLite file");
    conn.batch_execute("PRAGMA busy_timeout = 5000").expect("busy timeout");
    diesel::sql_query(FILES).load(&mut conn).expect("read files")
}

/// What is wrong with the stored files: an attached file that is incomplete, has chunks
/// missing or of the wrong length, or whose message is missing; an attached file no history
/// lists, or a listed file not attached; a `rooms.media` file that is not pending.
fn file_problems(stored: &[StoredFile], listed: &[Listed], tally: &Tally) -> Vec<String> {
    let mut problems = Vec::new();
    for file in stored.iter().filter(|file| file.message_id.is_some()) {
        let chunks = (file.size + CHUNK as i64 - 1) / CHUNK as i64;
        if !file.complete
            || file.messages != 1
            || file.chunks != chunks
            || (file.chunks > 0 && (file.first_chunk != 0 || file.last_chunk != chunks - 1))
            || file.bytes != file.size
        {
            problems.push(format!("attached file damaged: {file:?}"));
        }
    }
    let attached: BTreeSet<(&str, &str)> = stored
        .iter()
        .filter_map(|file| Some((file.id.as_str(), file.message_id.as_deref()?)))
        .collect();
    let shown: BTreeSet<(&str, &str)> = listed
        .iter()
        .filter_map(|item| Some((item.file.as_ref()?.0.as_str(), item.message.as_str())))
        .collect();
    for (file, message) in attached.difference(&shown) {
        problems.push(format!("file {file} attached to {message}, which no history lists with it"));
    }
    for (file, message) in shown.difference(&attached) {
        problems.push(format!("message {message} lists file {file}, not attached to it"));
    }
    let pending: BTreeSet<&str> = stored
        .iter()
        .filter(|file| file.message_id.is_none())
        .map(|file| file.id.as_str())
        .collect();
    for (tag, attempt) in &tally.attempts {
        if let Outcome::Pending { file } = &attempt.outcome {
            if !pending.contains(file.as_str()) {
                problems.push(format!("{tag}: the rooms.media file {file} is not pending"));
            }
        }
    }
    problems
}

/// Tries every pending file as its room's visitor and as the agent; returns the downloads
/// that did not answer 404, and how many were tried.
async fn pending_visible(
    url: &str,
    rooms: &[Room],
    agent: &(String, String),
    stored: &[StoredFile],
) -> (Vec<String>, usize) {
    let http = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build().expect("http client");
    let mut visible = Vec::new();
    let mut tried = 0;
    for file in stored.iter().filter(|file| file.message_id.is_none()) {
        let Some(room) = rooms.iter().find(|room| room.id.as_str() == file.rid) else {
            visible.push(format!("pending file {} in a room nobody uploaded to", file.id));
            continue;
        };
        let as_visitor = visitor_download(&http, url, room, &file.id, "f.bin");
        let as_agent = http
            .get(format!("{url}{}", download_path(&file.id, "f.bin")))
            .header("X-User-Id", &agent.0)
            .header("X-Auth-Token", &agent.1);
        for (who, request) in [("visitor", as_visitor), ("agent", as_agent)] {
            tried += 1;
            match request.send().await {
                Ok(reply) if reply.status().as_u16() == 404 => {}
                Ok(reply) => visible.push(format!(
                    "pending file {} (complete: {}): HTTP {} for its {who}",
                    file.id,
                    file.complete,
                    reply.status()
                )),
                Err(err) => visible.push(format!("pending file {} as its {who}: {err}", file.id)),
            }
        }
    }
    (visible, tried)
}

fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1_048_576.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_uploads_leaves_whole_files_or_none() {
    let started = Instant::now();
    let backend = backend();
    let name = |n: usize| format!("uploads-{backend}-{n:02}");
    let agent = "uploads-agent";
    let password = fresh_password(agent);
    add_agent(agent, &password).await;
    let mut rng = StdRng::from_entropy();
    let payloads = tokio::task::spawn_blocking(move || {
        let mut rng = StdRng::from_entropy();
        payloads(&mut rng)
    });

    let front = Front::start().await;
    let mut server = Server::start(&name(0), None, &[]).await;
    front.switch(Some(server.address));
    let session = agent_session(&front.url, agent, &password).await;
    let credentials = (session.user_id().to_owned(), session.auth_token().to_owned());
    let rooms = load::rooms(&front.url, &format!("uploads-{backend}"), VISITORS).await;
    let shared = Arc::new(Shared {
        url: front.url.clone(),
        rooms,
        payloads: payloads.await.expect("payloads"),
        tally: Mutex::new(Tally::default()),
        stop: AtomicBool::new(false),
    });
    let uploaders = (0..VISITORS)
        .map(Uploader::Visitor)
        .chain([Uploader::Agent { user_id: credentials.0.clone(), token: credentials.1.clone() }]);
    let tasks: Vec<_> = uploaders
        .enumerate()
        .map(|(n, uploader)| tokio::spawn(upload_until_stopped(n, uploader, shared.clone())))
        .collect();
    let wait_for = |what: &'static str, done: Box<dyn Fn(&Tally) -> bool + Send>| {
        let shared = shared.clone();
        async move {
            let waiting = Instant::now();
            while !shared.tally.lock().is_ok_and(|tally| done(&tally)) {
                assert!(waiting.elapsed() < Duration::from_secs(30), "{what}: not within 30 s");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    };
    wait_for("first acknowledgements", Box::new(|t: &Tally| t.acked_at.len() >= 10)).await;

    let mut restarts = Vec::new();
    let mut recoveries = Vec::new();
    for kill in 1..=KILLS {
        tokio::time::sleep(Duration::from_millis(rng.gen_range(200..1500))).await;
        let killed_at = Instant::now();
        server.kill().await;
        front.switch(None);
        server = Server::start(&name(kill), None, &[]).await;
        let listening = Instant::now();
        front.switch(Some(server.address));
        restarts.push(listening - killed_at);
        wait_for(
            "an acknowledgement after a restart",
            Box::new(move |t: &Tally| t.first_ack_after(listening).is_some()),
        )
        .await;
        let recovered = shared.tally.lock().ok().and_then(|t| t.first_ack_after(listening));
        recoveries.push(recovered.map_or(Duration::ZERO, |at| at - killed_at));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    shared.stop.store(true, Ordering::SeqCst);
    for task in tasks {
        tokio::time::timeout(REQUEST_TIMEOUT * 2, task)
            .await
            .expect("an uploader stops once told to")
            .expect("uploader task");
    }
    let upload_phase = started.elapsed();

    let tally = std::mem::take(&mut *shared.tally.lock().expect("tally"));
    let rooms = &shared.rooms;
    let listed = list(&front.url, rooms).await;
    let findings = compare(&listed, &tally, rooms);
    let (broken, downloaded) =
        download_all(&front.url, rooms, &shared.payloads, &findings.verify).await;
    let before_kill = files_in_database(&database_url());
    let (visible, pending_tried) =
        pending_visible(&front.url, rooms, &credentials, &before_kill).await;
    let warnings = server.warnings();
    // Once more without warning: the database is checked as a crash leaves it.
    server.kill().await;
    let (messages, integrity) = check::in_database(&database_url());
    let stored = files_in_database(&database_url());
    let mut problems = file_problems(&stored, &listed, &tally);
    if stored != before_kill {
        problems.push("the files changed while nobody uploaded".into());
    }
    let in_db: BTreeSet<&str> = messages
        .iter()
        .filter(|message| message.kind.is_none())
        .map(|message| message.id.as_str())
        .collect();
    let shown: BTreeSet<&str> = listed.iter().map(|item| item.message.as_str()).collect();
    for id in in_db.symmetric_difference(&shown) {
        problems.push(format!("message {id} is in the database or the history, not both"));
    }

    let is_message = |a: &Attempt| a.via != Via::AgentMedia;
    let acked = |a: &Attempt| matches!(a.outcome, Outcome::Acked { .. });
    let size = |a: &Attempt| shared.payloads[a.payload].bytes.len() as u64;
    let attempted_bytes: u64 = tally.attempts.values().map(size).sum();
    let acked_bytes: u64 = tally.attempts.values().filter(|a| acked(a)).map(size).sum();
    let pending: Vec<&StoredFile> = stored.iter().filter(|f| f.message_id.is_none()).collect();
    let figures = vec![
        ("attempted", tally.count(is_message).to_string()),
        ("acknowledged", tally.count(acked).to_string()),
        ("lost_acks", findings.lost_acks.len().to_string()),
        ("lost", findings.lost.len().to_string()),
        ("duplicated", findings.duplicated.len().to_string()),
        ("unknown", findings.unknown.len().to_string()),
        ("files_verified", (findings.verify.len() - broken.len()).to_string()),
        ("broken_downloads", broken.len().to_string()),
        (
            "media_pending",
            tally.count(|a| matches!(a.outcome, Outcome::Pending { .. })).to_string(),
        ),
        ("pending_left", pending.len().to_string()),
        ("incomplete_left", pending.iter().filter(|f| !f.complete).count().to_string()),
        ("pending_404_checks", pending_tried.to_string()),
        ("pending_visible", visible.len().to_string()),
        ("file_problems", problems.len().to_string()),
        ("mib_attempted", mib(attempted_bytes)),
        ("mib_acknowledged", mib(acked_bytes)),
        ("mib_downloaded", mib(downloaded)),
        ("http503", tally.unavailable.to_string()),
        ("other5xx", tally.server_errors.len().to_string()),
        ("http4xx", tally.client_errors.len().to_string()),
        ("timeouts", tally.timeouts.to_string()),
        ("transport_errors", tally.transport.to_string()),
        ("kills", restarts.len().to_string()),
        ("restart_max_s", seconds(restarts.iter().max())),
        ("recovery_max_s", seconds(recoveries.iter().max())),
        ("integrity", integrity.replace(' ', "_")),
        ("upload_phase_s", seconds(Some(&upload_phase))),
        ("total_s", seconds(Some(&started.elapsed()))),
    ];
    report("uploads", &figures);
    if !tally.server_errors.is_empty() {
        eprintln!("server warnings:\n{}", warnings.join("\n"));
    }
    let first = |list: &[String]| list[..list.len().min(5)].to_vec();
    assert!(findings.lost.is_empty(), "acknowledged, not listed: {:?}", first(&findings.lost));
    assert!(findings.duplicated.is_empty(), "duplicated: {:?}", first(&findings.duplicated));
    assert!(findings.unknown.is_empty(), "unexpected messages: {:?}", first(&findings.unknown));
    assert!(broken.is_empty(), "downloads not byte-identical: {:?}", first(&broken));
    assert!(visible.is_empty(), "pending files visible: {:?}", first(&visible));
    assert!(problems.is_empty(), "stored files: {:?}", first(&problems));
    assert_eq!(integrity, "ok", "integrity check");
    assert!(tally.mismatches.is_empty(), "wrong acknowledgements: {:?}", first(&tally.mismatches));
    assert!(
        tally.server_errors.is_empty(),
        "5xx other than 503, or a 200 that is no acknowledgement: {:?}",
        first(&tally.server_errors)
    );
    assert!(
        tally.client_errors.is_empty(),
        "4xx to valid uploads: {:?}",
        first(&tally.client_errors)
    );
    assert!(tally.count(acked) >= 30, "too few acknowledged uploads: {}", tally.count(acked));
    assert!(
        tally.attempts.values().any(|a| acked(a) && a.via == Via::AgentUpload),
        "no rooms.upload was acknowledged"
    );
}

#[cfg(test)]
mod tests {
    use livechat_sdk::{RoomId, VisitorToken};

    use super::*;

    fn rooms() -> Vec<Room> {
        ["r0", "r1"]
            .iter()
            .map(|id| Room {
                id: RoomId::from((*id).to_owned()),
                token: VisitorToken::from(format!("token-{id}")),
            })
            .collect()
    }

    fn attempt(room: usize, via: Via, outcome: Outcome) -> Attempt {
        Attempt { room, via, payload: 0, name: "f.bin".into(), outcome }
    }

    fn acked(n: u32) -> Outcome {
        Outcome::Acked { message: format!("m{n}"), file: format!("f{n}") }
    }

    fn listed(n: u32, rid: &str, tag: &str) -> Listed {
        Listed {
            message: format!("m{n}"),
            rid: rid.into(),
            text: tag.into(),
            file: Some((format!("f{n}"), "f.bin".into())),
        }
    }

    /// `a` and `b` acknowledged in r0, `c` failed (its message may exist), `d` a
    /// `rooms.media` file in r1.
    fn tally() -> Tally {
        let mut tally = Tally::default();
        for (tag, attempt) in [
            ("a", attempt(0, Via::Visitor, acked(1))),
            ("b", attempt(0, Via::AgentUpload, acked(2))),
            ("c", attempt(0, Via::Visitor, Outcome::Failed)),
            ("d", attempt(1, Via::AgentMedia, Outcome::Pending { file: "f4".into() })),
        ] {
            tally.attempts.insert(tag.into(), attempt);
        }
        tally
    }

    fn pending(id: &str) -> StoredFile {
        StoredFile {
            id: id.into(),
            rid: "r1".into(),
            message_id: None,
            complete: true,
            size: 10,
            chunks: 1,
            bytes: 10,
            first_chunk: 0,
            last_chunk: 0,
            messages: 0,
        }
    }

    fn attached(n: u32, size: i64) -> StoredFile {
        let chunks = (size + CHUNK as i64 - 1) / CHUNK as i64;
        StoredFile {
            id: format!("f{n}"),
            rid: "r0".into(),
            message_id: Some(format!("m{n}")),
            complete: true,
            size,
            chunks,
            bytes: size,
            first_chunk: 0,
            last_chunk: chunks - 1,
            messages: 1,
        }
    }

    #[test]
    fn a_complete_listing_is_clean_and_a_lost_ack_is_counted() {
        let listing = [listed(1, "r0", "a"), listed(2, "r0", "b"), listed(3, "r0", "c")];
        let findings = compare(&listing, &tally(), &rooms());
        assert!(findings.lost.is_empty() && findings.duplicated.is_empty());
        assert!(findings.unknown.is_empty(), "{:?}", findings.unknown);
        assert_eq!(findings.lost_acks, ["c"]);
        assert_eq!(findings.verify.len(), 3);
        let stored = [
            attached(1, CHUNK as i64),
            attached(2, 5),
            attached(3, 3 * CHUNK as i64 - 1),
            pending("f4"),
        ];
        assert!(file_problems(&stored, &listing, &tally()).is_empty());
    }

    #[test]
    fn every_kind_of_damage_is_found() {
        let mut no_file = listed(5, "r0", "b");
        no_file.file = None;
        let listing = [
            listed(1, "r0", "a"),
            listed(1, "r0", "a"),
            listed(3, "r1", "c"),
            listed(4, "r1", "d"),
            listed(6, "r0", "nobody"),
            no_file,
        ];
        let findings = compare(&listing, &tally(), &rooms());
        assert!(findings.lost.is_empty());
        assert_eq!(findings.duplicated.len(), 2, "{:?}", findings.duplicated);
        assert_eq!(findings.unknown.len(), 4, "{:?}", findings.unknown);
        let only_a = [listed(1, "r0", "a")];
        assert_eq!(compare(&only_a, &tally(), &rooms()).lost, ["b"]);
    }

    #[test]
    fn damaged_and_hidden_files_are_found() {
        let listing = [listed(1, "r0", "a"), listed(2, "r0", "b")];
        let mut short = attached(1, 2 * CHUNK as i64);
        short.bytes -= 1;
        let mut gap = attached(2, 2 * CHUNK as i64);
        gap.chunks = 1;
        gap.bytes = CHUNK as i64;
        let hidden = attached(3, 7);
        let mut confirmed = pending("f4");
        confirmed.message_id = Some("m9".into());
        let problems = file_problems(&[short, gap, hidden, confirmed], &listing, &tally());
        // Two damaged, f3 and f4 attached but not listed, f4 no longer pending (and m9 missing).
        assert_eq!(problems.len(), 6, "{problems:#?}");
    }
}
