//! A realtime subscription whose connection drops reconnects and catches up: every message
//! sent meanwhile arrives once, in order.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{Stream, StreamExt as _};
use livechat_sdk::{Client, Error, MessageId, RoomEvent, Subscriber};

use crate::process::Instance;
use crate::proxy::Proxy;
use crate::{fresh_token, setup};

/// The id of the next user message (system messages and other events skipped).
async fn next_message(
    events: &mut (impl Stream<Item = Result<RoomEvent, Error>> + Unpin),
) -> MessageId {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(20), events.next())
            .await
            .expect("a message within 20 s")
            .expect("the stream is open")
            .expect("no error");
        if let RoomEvent::Message(message) = event {
            if message.kind.is_none() {
                return message.id;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dropped_subscription_reconnects_and_catches_up() {
    let (bin, url) = setup();
    let server = Instance::start(&bin, &url, &[]).await;
    let upstream: SocketAddr =
        server.url.trim_start_matches("http://").parse().expect("server address");
    let proxy = Proxy::start(upstream).await;
    let direct = Client::new(&server.url).expect("client");
    let through_proxy = Client::new(format!("http://{}", proxy.address)).expect("client");

    let visitor = direct.register(fresh_token("resubscribe")).await.expect("register");
    let room_id = visitor.room_id().await.expect("room");
    let events = through_proxy
        .subscribe_room(room_id, Subscriber::Visitor(visitor.token().clone()))
        .await
        .expect("subscribe");
    let mut events = Box::pin(events);

    let before = visitor.send("before the drop").await.expect("send");
    assert_eq!(next_message(&mut events).await, before.id);

    proxy.cut();
    let mut missed = Vec::new();
    for n in 0..3 {
        missed.push(visitor.send(format!("while disconnected {n}")).await.expect("send").id);
    }
    proxy.restore();

    let mut received = Vec::new();
    while received.len() < missed.len() {
        received.push(next_message(&mut events).await);
    }
    assert_eq!(received, missed, "caught up in order, nothing repeated");

    let after = visitor.send("after the reconnect").await.expect("send");
    assert_eq!(next_message(&mut events).await, after.id, "live again, no repeats before it");
}
