//! Two instances on one database: every SPEC invariant holds when they race.

use std::collections::{HashMap, HashSet};

use futures_util::stream::{self, StreamExt as _};
use livechat_sdk::types::message::{history, send};
use livechat_sdk::types::room::open;
use livechat_sdk::types::visitor::register;
use livechat_sdk::{Client, MessageId, RoomId};

use crate::process::Instance;
use crate::{fresh_token, setup};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_keep_every_invariant() {
    let (bin, url) = setup();
    // 503s that still happen under load are retried below, as clients do.
    let first = Instance::start(&bin, &url, &[]).await;
    let second = Instance::start(&bin, &url, &[]).await;
    let clients =
        [Client::new(&first.url).expect("client"), Client::new(&second.url).expect("client")];

    // 100 new visitors, each opening its room 8 times at once through both instances.
    let tokens: Vec<_> = (0..100).map(|n| fresh_token(&format!("cluster-{n}"))).collect();
    for (n, token) in tokens.iter().enumerate() {
        clients[n % 2]
            .register_visitor(&register::Request::new(token.clone()))
            .await
            .expect("register");
    }
    let opens = tokens.iter().flat_map(|token| (0..8).map(move |attempt| (token.clone(), attempt)));
    let replies: Vec<(_, Result<_, livechat_sdk::Error>)> = stream::iter(opens)
        .map(|(token, attempt)| {
            let client = clients[attempt % 2].clone();
            async move {
                // A 503 means "outcome unknown, retry" (SPEC section 1): clients retry it.
                let mut reply = client.open_room(&open::Request::new(token.clone())).await;
                for _ in 0..5 {
                    match &reply {
                        Err(err) if err.status() == Some(503) => {
                            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                            reply = client.open_room(&open::Request::new(token.clone())).await;
                        }
                        _ => break,
                    }
                }
                (token, reply)
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    if let Some((_, Err(err))) = replies.iter().find(|(_, reply)| reply.is_err()) {
        for line in first.log().await.iter().chain(second.log().await.iter()) {
            if line.contains("WARN") || line.contains("ERROR") {
                eprintln!("{line}");
            }
        }
        panic!("open room: {err:?}");
    }
    let replies: Vec<_> = replies
        .into_iter()
        .filter_map(|(token, reply)| reply.ok().map(|reply| (token, reply)))
        .collect();
    let mut rooms: HashMap<_, HashSet<RoomId>> = HashMap::new();
    let mut new_rooms: HashMap<_, usize> = HashMap::new();
    for (token, reply) in &replies {
        rooms.entry(token.as_str().to_owned()).or_default().insert(reply.room.id.clone());
        *new_rooms.entry(token.as_str().to_owned()).or_default() += usize::from(reply.new_room);
    }
    assert_eq!(rooms.len(), 100);
    assert!(rooms.values().all(|ids| ids.len() == 1), "a visitor got two open rooms");
    // A reply lost to a 503 may have been the one that said `newRoom: true`; never two.
    assert!(new_rooms.values().all(|&count| count <= 1), "a room was reported new twice");
    let distinct: HashSet<_> = rooms.values().flatten().collect();
    assert_eq!(distinct.len(), 100);

    // One client `_id`, sent ten times at once through both instances: stored once.
    let token = tokens[0].clone();
    let room_id = rooms[token.as_str()].iter().next().cloned().expect("room");
    let id = MessageId::from(format!("cluster-dup-{}", room_id));
    let sends = (0..10).map(|n| {
        let client = clients[n % 2].clone();
        let req =
            send::Request::new(token.clone(), room_id.clone(), "only once").with_id(id.clone());
        async move { client.send_message(&req).await.expect("send") }
    });
    let sent = futures_util::future::join_all(sends).await;
    assert!(sent.windows(2).all(|pair| pair[0].message == pair[1].message), "replays differ");
    let listed = clients[1]
        .message_history(&history::Request {
            limit: Some(100),
            ..history::Request::new(room_id.clone(), token.clone())
        })
        .await
        .expect("history")
        .messages;
    assert_eq!(listed.iter().filter(|message| message.id == id).count(), 1);

    // A message sent through one instance is listed by the other at once.
    let across = clients[0]
        .send_message(&send::Request::new(token.clone(), room_id.clone(), "through the first"))
        .await
        .expect("send")
        .message;
    let listed = clients[1]
        .message_history(&history::Request::new(room_id.clone(), token.clone()))
        .await
        .expect("history")
        .messages;
    assert_eq!(listed.first().map(|message| &message.id), Some(&across.id));
    assert!(listed.windows(2).all(|pair| pair[0].ts > pair[1].ts));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_subscriber_on_one_instance_hears_a_send_through_the_other() {
    use futures_util::StreamExt as _;
    use livechat_sdk::{RoomEvent, Subscriber};

    let (bin, url) = setup();
    let first = Instance::start(&bin, &url, &[]).await;
    let second = Instance::start(&bin, &url, &[]).await;
    let sender = Client::new(&first.url).expect("client");
    let listener = Client::new(&second.url).expect("client");
    let visitor = sender.register(fresh_token("fanout")).await.expect("register");
    let room_id = visitor.room_id().await.expect("room");

    let events = listener
        .subscribe_room(room_id.clone(), Subscriber::Visitor(visitor.token().clone()))
        .await
        .expect("subscribe through the second instance");
    let mut events = Box::pin(events);
    let sent = visitor.send("through the first instance").await.expect("send");

    let deadline = std::time::Duration::from_secs(10);
    loop {
        let event = tokio::time::timeout(deadline, events.next())
            .await
            .expect("the message arrives within 10 s")
            .expect("stream open")
            .expect("no error");
        // The room's own system messages may still be on their way through the fan-out.
        if let RoomEvent::Message(message) = event.clone() {
            if message.kind.is_some() {
                continue;
            }
            assert_eq!(message.id, sent.id);
            assert_eq!(message.text, "through the first instance");
            break;
        }
    }
}
