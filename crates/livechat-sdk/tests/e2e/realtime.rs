//! A visitor and an agent subscribed to one room see each other's messages, edits and
//! deletions, in order.

use std::time::Duration;

use futures_util::{Stream, StreamExt as _};
use livechat_sdk::{Error, RoomEvent};

use crate::{agent_account, client, fresh_token};

type Events = std::pin::Pin<Box<dyn Stream<Item = Result<RoomEvent, Error>> + Send>>;

/// The next message-related event (typing notices skipped), within 10 seconds.
async fn next_event(
    stream: &mut (impl Stream<Item = Result<RoomEvent, Error>> + Unpin),
) -> RoomEvent {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("an event within 10 s")
            .expect("the stream is open")
            .expect("no error");
        if !matches!(event, RoomEvent::Typing { .. }) {
            return event;
        }
    }
}

fn text_of(event: &RoomEvent) -> String {
    match event {
        RoomEvent::Message(message) => message.text.clone(),
        RoomEvent::Deleted(id) => format!("deleted {id}"),
        other => format!("{other:?}"),
    }
}

#[tokio::test]
async fn visitor_and_agent_see_each_other_live() {
    let client = client();
    let (user, password) = agent_account();
    let agent = client.login(&user, &password).await.expect("login");
    agent.set_available(true).await.expect("available");
    let visitor = client.register(fresh_token("live")).await.expect("register");
    let room = visitor.open_room().await.expect("room");
    assert!(room.served_by.is_some(), "the room is served");

    let mut visitor_events: Events =
        Box::pin(visitor.subscribe().await.expect("visitor subscription"));
    let mut agent_events: Events = Box::pin(
        client
            .subscribe_room(room.id.clone(), agent.subscriber())
            .await
            .expect("agent subscription"),
    );

    let question = visitor.send("Is my order shipped?").await.expect("send");
    let answer = agent.reply(&room.id, "Yes, this morning.").await.expect("reply");
    visitor.edit(&question.id, "Is order 42 shipped?").await.expect("edit");
    agent.delete(&room.id, &answer.id).await.expect("delete");

    let expected = [
        "Is my order shipped?".to_owned(),
        "Yes, this morning.".to_owned(),
        "Is order 42 shipped?".to_owned(),
        format!("deleted {}", answer.id),
    ];
    for (who, events) in [("visitor", &mut visitor_events), ("agent", &mut agent_events)] {
        let mut seen = Vec::new();
        for _ in 0..expected.len() {
            seen.push(text_of(&next_event(events).await));
        }
        assert_eq!(seen, expected, "{who} saw the events in order");
    }
}

#[tokio::test]
async fn another_visitors_room_is_refused() {
    let client = client();
    let alice = client.register(fresh_token("live-alice")).await.expect("alice");
    let bob = client.register(fresh_token("live-bob")).await.expect("bob");
    let alice_room = alice.room_id().await.expect("room");
    let refused = client
        .subscribe_room(alice_room, livechat_sdk::Subscriber::Visitor(bob.token().clone()))
        .await
        .err()
        .expect("bob may not subscribe to alice's room");
    assert!(refused.to_string().contains("refused"), "{refused}");
}
