//! A send whose reply is lost is retried with the same `_id` and stored once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt as _;
use livechat_sdk::{Client, RetryPolicy};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use crate::{client, fresh_token, url};

/// A proxy to the server that forwards every request but swallows the reply to the first
/// message send, as a timeout or a dropped connection would.
async fn lossy_proxy() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let upstream = url().trim_start_matches("http://").to_owned();
    let dropped = Arc::new(AtomicUsize::new(0));
    let counter = dropped.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let upstream = upstream.clone();
            let counter = counter.clone();
            tokio::spawn(async move { relay(client, &upstream, &counter).await });
        }
    });
    (format!("http://{address}"), dropped)
}

/// Relays one connection request by request (each request read whole by its
/// Content-Length), dropping the first reply to a `POST /api/v1/livechat/message`.
async fn relay(mut client: TcpStream, upstream: &str, dropped: &AtomicUsize) {
    let Ok(mut server) = TcpStream::connect(upstream).await else { return };
    loop {
        let Some(request) = read_http(&mut client).await else { return };
        let is_send = request.starts_with(b"POST /api/v1/livechat/message ");
        if server.write_all(&request).await.is_err() {
            return;
        }
        let Some(reply) = read_http(&mut server).await else { return };
        if is_send && dropped.fetch_add(1, Ordering::SeqCst) == 0 {
            // The message is stored, but the client never hears so.
            return;
        }
        if client.write_all(&reply).await.is_err() {
            return;
        }
    }
}

/// Reads one HTTP/1.1 message with a Content-Length body.
async fn read_http(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                return Some(data);
            }
        }
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 {
            return None;
        }
        data.extend_from_slice(&buffer[..read]);
    }
}

#[tokio::test]
async fn a_lost_reply_is_retried_without_duplicating() {
    let (proxy, dropped) = lossy_proxy().await;
    let through_proxy = Client::builder(proxy)
        .timeout(Duration::from_secs(20))
        .retry(RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(50),
            ..RetryPolicy::default()
        })
        .build()
        .expect("client");
    let visitor = through_proxy.register(fresh_token("retry")).await.expect("register");

    let message = visitor.send("only once, please").await.expect("send survives a lost reply");

    assert_eq!(
        dropped.load(Ordering::SeqCst),
        2,
        "the first reply was dropped, the retry went through"
    );
    let direct = client();
    let history: Vec<_> = direct
        .history_stream(visitor.room_id().await.expect("room"), visitor.token().clone(), 100)
        .try_collect()
        .await
        .expect("history");
    let copies = history.iter().filter(|m| m.text == "only once, please").count();
    assert_eq!(copies, 1, "stored once");
    assert!(history.iter().any(|m| m.id == message.id));
}
