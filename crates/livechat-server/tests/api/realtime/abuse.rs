//! Sockets that try to make the server hold memory or connections: a frame announcing
//! 2^40 bytes, a thousand subscriptions with long ids, pings that are never read, silence.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use super::support::Ddp;
use crate::TestApp;

/// Opens `/websocket` by hand and returns the raw stream after the handshake.
async fn raw_socket(base: &str) -> TcpStream {
    let address = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.expect("connect");
    let request = format!(
        "GET /websocket HTTP/1.1\r\nHost: {address}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("handshake");
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        stream.read_exact(&mut byte).await.expect("handshake reply");
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"), "{}", String::from_utf8_lossy(&head));
    stream
}

#[actix_web::test]
async fn a_frame_announcing_2_to_the_40_bytes_is_refused_from_its_header() {
    let app = TestApp::new().await;
    let mut stream = raw_socket(&app.base).await;
    // A masked text frame whose 64-bit length says 2^40 bytes.
    let mut header = vec![0x81, 0x80 | 127];
    header.extend_from_slice(&(1u64 << 40).to_be_bytes());
    header.extend_from_slice(&[1, 2, 3, 4]);
    stream.write_all(&header).await.expect("header");
    // Then 256 MiB of data, as fast as the server takes it. It stops reading the frame at
    // its header: what follows is discarded, never buffered.
    let before = resident_bytes();
    let chunk = vec![0u8; 256 * 1024];
    let started = Instant::now();
    for _ in 0..1024 {
        let written = tokio::time::timeout(Duration::from_secs(5), stream.write_all(&chunk)).await;
        if !matches!(written, Ok(Ok(()))) || started.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
    let grown = resident_bytes().saturating_sub(before);
    assert!(grown < 96 * 1024 * 1024, "the server process grew by {grown} bytes");
    // The server said why, first thing: a close frame with 1009 (message too big).
    let mut reply = [0u8; 4];
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_exact(&mut reply)).await;
    assert!(matches!(read, Ok(Ok(_))), "no close frame: {read:?}");
    assert_eq!(reply[0], 0x88, "a close frame: {reply:?}");
    assert_eq!(u16::from_be_bytes([reply[2], reply[3]]), 1009, "{reply:?}");
}

/// This process's resident memory (the server runs in it), in bytes.
fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
    kib.unwrap_or(0) * 1024
}

#[actix_web::test]
async fn subscriptions_and_their_ids_are_bounded() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-subs").await;
    let mut ddp = Ddp::connect(&app.base).await;
    // A thousand subscriptions with ids of the longest allowed, each frame padded to 60 KiB
    // (an unknown field, ignored): the first 256 are taken, the rest refused, and the server
    // keeps none of the 60 MiB it was sent.
    let before = resident_bytes();
    let pad = "p".repeat(60 * 1024);
    let params = json!([rid, {"useCollection": false, "args": [{"token": "tok-subs"}]}]);
    let mut ready = 0;
    let mut refused = 0;
    for n in 0..1000 {
        let id = format!("{n:0>128}");
        let frame = json!({"msg": "sub", "id": id, "name": "stream-room-messages",
                           "params": params, "pad": pad});
        ddp.send(frame).await;
        let reply = ddp
            .next_where(|frame| {
                (frame["msg"] == "ready" && frame["subs"][0] == id.as_str())
                    || (frame["msg"] == "nosub" && frame["id"] == id.as_str())
            })
            .await;
        match reply["msg"].as_str() {
            Some("ready") => ready += 1,
            _ => {
                assert_eq!(reply["error"]["error"], "too-many-subscriptions", "{reply}");
                refused += 1;
            }
        }
    }
    assert_eq!((ready, refused), (256, 744));
    let grown = resident_bytes().saturating_sub(before);
    assert!(grown < 32 * 1024 * 1024, "the server process grew by {grown} bytes");

    let mut ddp = Ddp::connect(&app.base).await;
    // An id longer than 128 characters is a bad request, and not echoed back.
    let long_id = "i".repeat(31_000);
    let params = json!([rid, {"useCollection": false, "args": [{"token": "tok-subs"}]}]);
    ddp.send(
        json!({"msg": "sub", "id": long_id, "name": "stream-room-messages", "params": params}),
    )
    .await;
    let reply = ddp.next_where(|frame| frame["msg"] == "error").await;
    assert!(
        reply.to_string().len() < 1000,
        "the long id came back: {} bytes",
        reply.to_string().len()
    );
    // So is a method call's.
    ddp.send(json!({"msg": "method", "id": long_id, "method": "x", "params": []})).await;
    let reply = ddp.next_where(|frame| frame["msg"] == "error").await;
    assert!(reply.to_string().len() < 1000);
    // An event name longer than a room id and its suffix is refused.
    let long_event = format!("{rid}/{}", "e".repeat(31_000));
    let reply = ddp.sub("long", "stream-notify-room", &long_event, Some("tok-subs")).await;
    assert_eq!(reply["msg"], "nosub", "{reply}");
    // The socket still works.
    let reply = ddp.sub("fine", "stream-room-messages", &rid, Some("tok-subs")).await;
    assert_eq!(reply["msg"], "ready", "{reply}");
}

/// A masked client frame with a zero mask key (the payload goes as is).
fn client_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut frame = vec![0x80 | opcode];
    match u8::try_from(payload.len()) {
        Ok(short) if short <= 125 => frame.push(0x80 | short),
        _ => {
            let length = u16::try_from(payload.len()).expect("a frame under 64 KiB");
            frame.push(0x80 | 126);
            frame.extend_from_slice(&length.to_be_bytes());
        }
    }
    frame.extend_from_slice(&[0, 0, 0, 0]);
    frame.extend_from_slice(payload);
    frame
}

/// A DDP frame from the client.
fn ddp_frame(frame: &serde_json::Value) -> Vec<u8> {
    client_frame(0x1, frame.to_string().as_bytes())
}

/// TCP state ESTABLISHED as /proc/net/tcp writes it.
const ESTABLISHED: u8 = 1;

/// The server's side of `client`'s connection as the kernel lists it in /proc/net/tcp: its
/// state and the bytes in its send queue; `None` once the kernel has let go of it.
fn server_side(client: &TcpStream) -> Option<(u8, u64)> {
    let (local, peer) = (client.local_addr().ok()?, client.peer_addr().ok()?);
    let table = std::fs::read_to_string("/proc/net/tcp").expect("/proc/net/tcp");
    let address = |field: &str| -> Option<std::net::SocketAddr> {
        let (ip, port) = field.split_once(':')?;
        let ip = u32::from_str_radix(ip, 16).ok()?.to_ne_bytes();
        Some((ip, u16::from_str_radix(port, 16).ok()?).into())
    };
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (ours, theirs) = (address(fields.get(1)?)?, address(fields.get(2)?)?);
        if ours != peer || theirs != local {
            return None;
        }
        let state = u8::from_str_radix(fields.get(3)?, 16).ok()?;
        let queued = u64::from_str_radix(fields.get(4)?.split_once(':')?.0, 16).ok()?;
        Some((state, queued))
    })
}

/// How long after `since` the server's side of `client`'s connection left ESTABLISHED, if
/// it did within `within` of `since`.
async fn server_side_closed(
    client: &TcpStream,
    since: Instant,
    within: Duration,
) -> Option<Duration> {
    loop {
        if !matches!(server_side(client), Some((ESTABLISHED, _))) {
            return Some(since.elapsed());
        }
        if since.elapsed() > within {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the server's side of `client`'s connection holds bytes the client did not
/// take (its buffers are full), and returns how many.
async fn until_queued(client: &TcpStream) -> u64 {
    let waited = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match server_side(client) {
                Some((ESTABLISHED, queued)) if queued > 0 => return queued,
                Some((ESTABLISHED, _)) => tokio::time::sleep(Duration::from_millis(10)).await,
                other => panic!("the connection ended before its buffers filled: {other:?}"),
            }
        }
    })
    .await;
    waited.expect("nothing waits in the server's send queue after 10 s")
}

/// Sends WebSocket pings and DDP pings as fast as the server takes them, never reading the
/// pongs, until a write has not finished for half a second. Returns the bytes sent and when
/// the last write finished.
async fn flood_pings(stream: &mut TcpStream) -> (usize, Instant) {
    let mut chunk = Vec::new();
    for _ in 0..256 {
        chunk.extend(client_frame(0x9, &[b'p'; 125]));
        chunk.extend(ddp_frame(&json!({"msg": "ping", "id": "p"})));
    }
    let started = Instant::now();
    let (mut sent, mut last_write) = (0, started);
    while started.elapsed() < Duration::from_secs(120) {
        match tokio::time::timeout(Duration::from_millis(500), stream.write_all(&chunk)).await {
            Ok(Ok(())) => (sent, last_write) = (sent + chunk.len(), Instant::now()),
            Ok(Err(err)) => panic!("the socket failed during the flood, after {sent} bytes: {err}"),
            Err(_stalled) => return (sent, last_write),
        }
    }
    panic!("the server took {sent} bytes of pings in 2 minutes without ever stalling");
}

#[actix_web::test]
async fn a_socket_that_floods_pings_and_never_reads_is_closed_and_delays_no_one() {
    const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
    let app = TestApp::with_config(|config| {
        config.write_timeout_ms = WRITE_TIMEOUT.as_millis() as u64;
    })
    .await;
    let rid = app.visitor_with_room("tok-a").await;
    let mut reader = Ddp::connect(&app.base).await;
    reader.watch_room(&rid, Some("tok-a")).await;
    // The stuck socket subscribes to the same room, then floods and never reads.
    let mut stuck = raw_socket(&app.base).await;
    let params = json!([rid, {"useCollection": false, "args": [{"token": "tok-a"}]}]);
    let mut hello = ddp_frame(&json!({"msg": "connect", "version": "1", "support": ["1"]}));
    hello.extend(ddp_frame(&json!({"msg": "sub", "id": "s", "name": "stream-room-messages",
                                   "params": params})));
    stuck.write_all(&hello).await.expect("connect and subscribe");
    let (sent, last_write) = flood_pings(&mut stuck).await;
    let queued = until_queued(&stuck).await;

    // Meanwhile the other subscriber of the room gets a message at once.
    let asked = Instant::now();
    app.send("tok-a", &rid, "still here").await.ok();
    let event = tokio::time::timeout(
        Duration::from_secs(5),
        reader.next_where(|frame| frame["fields"]["args"][0]["msg"] == "still here"),
    )
    .await;
    let lag = asked.elapsed();
    assert!(event.is_ok(), "the well-behaved subscriber got nothing within {lag:?}");

    // The stuck connection is closed by the server within the write timeout and a margin.
    let within = WRITE_TIMEOUT + Duration::from_secs(10);
    let closed_after = server_side_closed(&stuck, last_write, within).await;
    eprintln!(
        "flood: {sent} bytes sent; {queued} bytes queued on the server's side; message \
         delivered to the other subscriber in {lag:?}; server's side closed {closed_after:?} \
         after the last write"
    );
    assert!(closed_after.is_some(), "still open {within:?} after the client's last write");
    // The client learns it at its next write: the connection is gone, answered with a reset.
    let _ = stuck.write_all(&client_frame(0x9, b"p")).await;
    let mut rest = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(10), stuck.read_to_end(&mut rest)).await;
    assert!(ended.is_ok(), "the client still had a connection");
}

/// The close code of the first close frame among the server's (unmasked) frames in `bytes`.
fn close_code(bytes: &[u8]) -> Option<u16> {
    let mut rest = bytes;
    while rest.len() >= 2 {
        let (opcode, short) = (rest[0] & 0x0f, usize::from(rest[1] & 0x7f));
        let (header, length) = match short {
            126 => (4, usize::from(u16::from_be_bytes([*rest.get(2)?, *rest.get(3)?]))),
            127 => {
                (10, usize::try_from(u64::from_be_bytes(rest.get(2..10)?.try_into().ok()?)).ok()?)
            }
            _ => (2, short),
        };
        let payload = rest.get(header..header + length)?;
        if opcode == 0x8 {
            return Some(u16::from_be_bytes([*payload.first()?, *payload.get(1)?]));
        }
        rest = &rest[header + length..];
    }
    None
}

#[actix_web::test]
async fn a_silent_socket_that_never_reads_is_closed_at_the_idle_timeout() {
    const IDLE: Duration = Duration::from_secs(3);
    let app = TestApp::with_config(|config| {
        config.socket_idle_timeout_ms = IDLE.as_millis() as u64;
    })
    .await;
    let mut silent = raw_socket(&app.base).await;
    let hello = ddp_frame(&json!({"msg": "connect", "version": "1", "support": ["1"]}));
    silent.write_all(&hello).await.expect("connect");
    let last_write = Instant::now();
    let within = IDLE + Duration::from_secs(10);
    let closed_after = server_side_closed(&silent, last_write, within).await;
    eprintln!("silence: server's side closed {closed_after:?} after the last write");
    let Some(closed_after) = closed_after else {
        panic!("still open {within:?} after the client's last write");
    };
    assert!(closed_after >= IDLE / 2, "closed before the idle timeout: {closed_after:?}");
    // When the client reads at last: what was sent (connected, pings), a close frame with
    // 1001 (going away), then the end of the connection.
    let mut received = Vec::new();
    let ended =
        tokio::time::timeout(Duration::from_secs(10), silent.read_to_end(&mut received)).await;
    assert!(matches!(ended, Ok(Ok(_))), "no end of the connection: {ended:?}");
    assert_eq!(close_code(&received), Some(1001), "{:?}", String::from_utf8_lossy(&received));
}

#[actix_web::test]
async fn a_graceful_stop_ends_within_its_bound_though_a_socket_never_reads() {
    use futures_util::StreamExt as _;
    use tokio::io::AsyncBufReadExt as _;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    use tokio_tungstenite::tungstenite::Message;

    const GRACE: Duration = Duration::from_secs(2);
    // The real binary, stopped by a real SIGTERM. A write timeout of 10 minutes: nothing but
    // the stop's bound ends the stuck connection.
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_livechat-server"))
        .args(["--bind", "127.0.0.1:0", "--database-url"])
        .arg(dir.path().join("livechat.db"))
        .args(["--workers", "1", "--rate-limit", "off", "--log-format", "text"])
        .args(["--write-timeout-ms", "600000"])
        .args(["--shutdown-timeout-secs", &GRACE.as_secs().to_string()])
        .env("RUST_LOG", "info")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the server");
    let mut log = tokio::io::BufReader::new(server.stdout.take().expect("stdout")).lines();
    let base = tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(Some(line)) = log.next_line().await {
            if let Some(address) = line.split("listening on ").nth(1) {
                return address.trim().to_owned();
            }
        }
        panic!("the server ended before it listened");
    })
    .await
    .expect("the server did not listen within 60 s");
    let logged = actix_web::rt::spawn(async move {
        let mut lines = Vec::new();
        while let Ok(Some(line)) = log.next_line().await {
            lines.push(line);
        }
        lines
    });

    let mut healthy = Ddp::connect(&base).await;
    let mut stuck = raw_socket(&base).await;
    let hello = ddp_frame(&json!({"msg": "connect", "version": "1", "support": ["1"]}));
    stuck.write_all(&hello).await.expect("connect");
    flood_pings(&mut stuck).await;
    until_queued(&stuck).await;

    let pid = server.id().expect("the server's pid").to_string();
    let killed = tokio::process::Command::new("kill").args(["-TERM", &pid]).status().await;
    assert!(matches!(killed, Ok(status) if status.success()), "kill -TERM {pid}: {killed:?}");
    let signalled = Instant::now();
    // The well-behaved socket is told at once that the server goes away.
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match healthy.socket.next().await {
                Some(Ok(Message::Close(frame))) => return frame,
                Some(Ok(_)) => {}
                other => panic!("no close frame: {other:?}"),
            }
        }
    })
    .await
    .expect("no close frame within 5 s of SIGTERM");
    let told_after = signalled.elapsed();
    assert_eq!(closed.map(|frame| frame.code), Some(CloseCode::Away));
    // The process ends within the bound (and a margin), the stuck socket notwithstanding.
    let within = GRACE + Duration::from_secs(10);
    let status = tokio::time::timeout(within, server.wait()).await;
    let exited_after = signalled.elapsed();
    let lines = if status.is_ok() { logged.await.unwrap_or_default() } else { Vec::new() };
    eprintln!(
        "stop: close frame {told_after:?} and exit {exited_after:?} after SIGTERM ({status:?})"
    );
    assert!(status.is_ok(), "the server still ran {within:?} after SIGTERM");
    assert!(matches!(status, Ok(Ok(status)) if status.success()), "{status:?}\n{lines:#?}");
    assert!(lines.iter().any(|line| line.contains("stopped")), "{lines:#?}");
}
