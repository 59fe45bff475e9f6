//! Sockets that try to make the server hold memory: a frame announcing 2^40 bytes, a
//! thousand subscriptions with long ids.

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
    // A thousand subscriptions: the first 256 are taken, the rest refused.
    let mut ready = 0;
    let mut refused = 0;
    for n in 0..1000 {
        let reply = ddp.sub(&format!("s{n}"), "stream-room-messages", &rid, Some("tok-subs")).await;
        match reply["msg"].as_str() {
            Some("ready") => ready += 1,
            _ => {
                assert_eq!(reply["error"]["error"], "too-many-subscriptions", "{reply}");
                refused += 1;
            }
        }
    }
    assert_eq!((ready, refused), (256, 744));

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
