//! A real HTTP receiver for the webhook tests, on a free port of 127.0.0.1: it answers each
//! request from a script, records every request on arrival (a hung one too), and reports how
//! many were in flight at once, in all and per value of a header.
//!
//! One file for two test crates: the server's `tests/api` and the SDK's suites include it with
//! `#[path = "…/support/receiver.rs"] mod receiver;`, so it uses only what both have (tokio,
//! httparse, serde_json) and each uses part of it. It is plain HTTP/1.1 on tokio rather than a
//! framework so that it sees a client give up: a hung request ends, and stops counting as in
//! flight, the moment the client closes its connection.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// Largest request head read; a bigger one is answered 431.
const HEAD_LIMIT: usize = 64 * 1024;

/// How the receiver answers one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// At once, with this status and an empty body.
    Status(u16),
    /// Not at all: holds the connection this long (or until the client closes it), then
    /// closes it without a reply.
    Hang(Duration),
    /// With this status, after this long (a slow endpoint; the request is in flight meanwhile).
    After(Duration, u16),
}

/// One request as it arrived.
#[derive(Clone, Debug)]
pub struct Received {
    /// When it had arrived in full.
    pub at: Instant,
    pub method: String,
    /// The request target: path and query.
    pub path: String,
    /// Header fields by lowercase name; repeated fields joined with `, `.
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
    /// The status answered; `None` while it is pending and for a hung request.
    pub answered: Option<u16>,
}

impl Received {
    /// A header field by name (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    /// The body as JSON; panics when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!("body is not JSON ({err}): {:?}", String::from_utf8_lossy(&self.body))
        })
    }
}

/// What the receiver has seen and will answer, behind one lock.
#[derive(Debug)]
struct State {
    script: VecDeque<Answer>,
    default: Answer,
    received: Vec<Received>,
    /// For each request: the steps at which it arrived and ended (`None`: still open). Steps
    /// count arrivals and ends in the order the lock saw them, so overlaps are exact.
    spans: Vec<(u64, Option<u64>)>,
    step: u64,
}

impl State {
    fn next_step(&mut self) -> u64 {
        self.step += 1;
        self.step
    }
}

/// A running receiver; stops (and drops open connections) on drop.
pub struct Receiver {
    port: u16,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// Starts listening; call it inside a Tokio runtime (any test runtime is one).
    pub fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.set_nonblocking(true).expect("a non-blocking listener");
        let port = listener.local_addr().expect("its address").port();
        let listener = TcpListener::from_std(listener).expect("a Tokio listener");
        let state = Arc::new(Mutex::new(State {
            script: VecDeque::new(),
            default: Answer::Status(200),
            received: Vec::new(),
            spans: Vec::new(),
            step: 0,
        }));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            // Owned by this task: aborting it drops every open connection too.
            let mut connections = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        if let Ok((stream, _)) = accepted {
                            connections.spawn(serve(stream, shared.clone()));
                        }
                    }
                    Some(_) = connections.join_next() => {}
                }
            }
        });
        Self { port, state, task }
    }

    /// `http://127.0.0.1:<port>/hook`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Replaces what is left of the script: one answer per request, in order; then the
    /// default.
    pub fn respond(&self, answers: Vec<Answer>) {
        self.lock().script = answers.into();
    }

    /// The answer once the script is used up (at first `Answer::Status(200)`).
    pub fn set_default(&self, answer: Answer) {
        self.lock().default = answer;
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    /// Waits until at least `count` requests have arrived and returns them all; panics with
    /// what did arrive after `timeout`.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let requests = self.requests();
            if requests.len() >= count {
                return requests;
            }
            if started.elapsed() > timeout {
                panic!(
                    "{} of {count} requests arrived within {timeout:?}: {requests:#?}",
                    requests.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The requests in flight now.
    pub fn in_flight(&self) -> usize {
        self.lock().spans.iter().filter(|(_, end)| end.is_none()).count()
    }

    /// The most requests that were in flight at the same time (arrived, not yet answered,
    /// closed or given up by the client).
    pub fn max_in_flight(&self) -> usize {
        let state = self.lock();
        max_overlap(state.spans.iter().copied())
    }

    /// The most requests carrying the same value of header `name` (any case) that were in
    /// flight at the same time; requests without it do not count.
    pub fn in_flight_by_header(&self, name: &str) -> usize {
        let name = name.to_ascii_lowercase();
        let state = self.lock();
        let mut by_value: HashMap<&str, Vec<(u64, Option<u64>)>> = HashMap::new();
        for (request, span) in state.received.iter().zip(&state.spans) {
            if let Some(value) = request.headers.get(&name) {
                by_value.entry(value).or_default().push(*span);
            }
        }
        by_value.into_values().map(max_overlap).max().unwrap_or(0)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The most spans open at once; a span that never ended stays open.
fn max_overlap(spans: impl IntoIterator<Item = (u64, Option<u64>)>) -> usize {
    // +1 at each arrival, -1 at each end; steps are unique, so the order is total.
    let mut events: Vec<(u64, isize)> = Vec::new();
    for (start, end) in spans {
        events.push((start, 1));
        if let Some(end) = end {
            events.push((end, -1));
        }
    }
    events.sort_unstable();
    let (mut open, mut most) = (0isize, 0isize);
    for (_, change) in events {
        open += change;
        most = most.max(open);
    }
    usize::try_from(most).unwrap_or(0)
}

/// Marks a request's span ended when dropped: when it was answered, when the client gave
/// up, and when the receiver stops.
struct InFlight {
    state: Arc<Mutex<State>>,
    index: usize,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let step = state.next_step();
        state.spans[self.index].1 = Some(step);
    }
}

/// Serves one connection: one request, one answer (or none), then closes it.
async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let mut buffer = Vec::new();
    let Some(request) = read_request(&mut stream, &mut buffer).await else { return };
    let (answer, in_flight) = {
        let mut guard = state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let answer = guard.script.pop_front().unwrap_or(guard.default);
        let step = guard.next_step();
        guard.received.push(request);
        guard.spans.push((step, None));
        (answer, InFlight { state: state.clone(), index: guard.received.len() - 1 })
    };
    let status = match answer {
        Answer::Status(status) => status,
        Answer::After(delay, status) => {
            if !hold(&mut stream, delay).await {
                return;
            }
            status
        }
        Answer::Hang(time) => {
            hold(&mut stream, time).await;
            return;
        }
    };
    let head =
        format!("HTTP/1.1 {status} Scripted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    if stream.write_all(head.as_bytes()).await.is_ok() && stream.flush().await.is_ok() {
        let mut guard = state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        guard.received[in_flight.index].answered = Some(status);
    }
    drop(in_flight);
    let _ = stream.shutdown().await;
}

/// Waits `time`, or less when the client closes the connection; whether it is still open.
async fn hold(stream: &mut TcpStream, time: Duration) -> bool {
    let mut byte = [0; 1];
    tokio::select! {
        () = tokio::time::sleep(time) => true,
        // The request was read in full: the client only closes (0 bytes) or errs from here.
        _ = stream.read(&mut byte) => false,
    }
}

/// Reads one request: its head, then a body of `content-length` bytes or chunked.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Received> {
    let (head_len, method, path, headers) = loop {
        if !fill(stream, buffer).await {
            return None;
        }
        let mut fields = [httparse::EMPTY_HEADER; 64];
        let mut request = httparse::Request::new(&mut fields);
        match request.parse(buffer) {
            Ok(httparse::Status::Complete(head_len)) => {
                let mut headers = BTreeMap::<String, String>::new();
                for field in request.headers.iter() {
                    let value = String::from_utf8_lossy(field.value).into_owned();
                    headers
                        .entry(field.name.to_ascii_lowercase())
                        .and_modify(|joined| *joined = format!("{joined}, {value}"))
                        .or_insert(value);
                }
                let method = request.method.unwrap_or_default().to_owned();
                break (head_len, method, request.path.unwrap_or_default().to_owned(), headers);
            }
            Ok(httparse::Status::Partial) if buffer.len() < HEAD_LIMIT => {}
            _ => {
                let _ =
                    stream.write_all(b"HTTP/1.1 431 Bad Head\r\nconnection: close\r\n\r\n").await;
                return None;
            }
        }
    };
    buffer.drain(..head_len);
    if headers.get("expect").is_some_and(|value| value.eq_ignore_ascii_case("100-continue")) {
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await.ok()?;
    }
    let chunked = headers
        .get("transfer-encoding")
        .is_some_and(|value| value.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        read_chunked(stream, buffer).await?
    } else {
        let length = headers.get("content-length").map_or(Some(0), |value| value.parse().ok())?;
        read_exact(stream, buffer, length).await?
    };
    let at = Instant::now();
    Some(Received { at, method, path, headers, body, answered: None })
}

/// A chunked body, decoded; trailers are read and dropped.
async fn read_chunked(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line = read_line(stream, buffer).await?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16).ok()?;
        if size == 0 {
            while !read_line(stream, buffer).await?.is_empty() {}
            return Some(body);
        }
        body.extend(read_exact(stream, buffer, size).await?);
        if !read_line(stream, buffer).await?.is_empty() {
            return None;
        }
    }
}

/// One line without its CRLF.
async fn read_line(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<String> {
    loop {
        if let Some(end) = buffer.windows(2).position(|pair| pair == b"\r\n") {
            let line = String::from_utf8_lossy(&buffer[..end]).into_owned();
            buffer.drain(..end + 2);
            return Some(line);
        }
        if buffer.len() > HEAD_LIMIT || !fill(stream, buffer).await {
            return None;
        }
    }
}

/// Exactly `length` bytes.
async fn read_exact(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    length: usize,
) -> Option<Vec<u8>> {
    while buffer.len() < length {
        if !fill(stream, buffer).await {
            return None;
        }
    }
    Some(buffer.drain(..length).collect())
}

/// Reads more into `buffer`; false at the end of the stream or on an error.
async fn fill(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> bool {
    let mut chunk = [0; 8192];
    match stream.read(&mut chunk).await {
        Ok(0) | Err(_) => false,
        Ok(read) => {
            buffer.extend_from_slice(&chunk[..read]);
            true
        }
    }
}
