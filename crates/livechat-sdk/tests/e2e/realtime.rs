//! A visitor and an agent subscribed to one room see each other's messages, edits and
//! deletions, in order.

use std::time::Duration;

use futures_util::{Stream, StreamExt as _};
use livechat_sdk::{Error, RoomEvent};

use crate::{agent_account, client, fresh_token};

type Events = std::pin::Pin<Box<dyn Stream<Item = Result<RoomEvent, Error>> + Send>>;

/// The next user message or deletion (system messages and typing skipped), within 10 s.
async fn next_event(stream: &mut Events) -> Option<RoomEvent> {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .ok()?
            .expect("the stream is open")
            .expect("no error");
        // System messages (`uj` from the routing that happened just before subscribing may
        // still be on its way through the fan-out), typing notices and the visitor's room
        // events (its agent, its place in the queue) are not the subject.
        let system = matches!(&event, RoomEvent::Message(message) if message.kind.is_some());
        if !system && matches!(event, RoomEvent::Message(_) | RoomEvent::Deleted(_)) {
            return Some(event);
        }
    }
}

#[tokio::test]
async fn visitor_and_agent_see_each_other_live() {
    let client = client();
    let (user, password) = agent_account();
    let agent = client.login(&user, &password).await.expect("login");
    crate::record_secret(agent.auth_token());
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

    // Notifications carry ids and subscribers read the message when the event reaches
    // them, so a send followed quickly by an edit may arrive as the edited text twice (the
    // SDK drops the repeat). What every subscriber must end up with: the question with its
    // edit applied, the reply deleted, everything in order of sending.
    for (who, events) in [("visitor", &mut visitor_events), ("agent", &mut agent_events)] {
        let mut order = Vec::new();
        let mut texts = std::collections::HashMap::new();
        let mut deleted = Vec::new();
        let done = |texts: &std::collections::HashMap<_, String>, deleted: &Vec<_>| {
            texts.get(&question.id).map(String::as_str) == Some("Is order 42 shipped?")
                && deleted.contains(&answer.id)
        };
        while !done(&texts, &deleted) {
            match next_event(events).await {
                Some(RoomEvent::Message(message)) => {
                    if !order.contains(&message.id) {
                        order.push(message.id.clone());
                    }
                    texts.insert(message.id.clone(), message.text.clone());
                }
                Some(RoomEvent::Deleted(id)) => deleted.push(id),
                Some(_) => {}
                None => panic!("{who} saw only {texts:?} (deleted {deleted:?}) within 10 s"),
            }
        }
        // The reply may have been deleted before its event was read (then only the deletion
        // arrives); whatever arrives comes in order of sending.
        let expected_order = [question.id.clone(), answer.id.clone()];
        assert!(expected_order.starts_with(&order), "{who}: order of sending: {order:?}");
        assert_eq!(order.first(), Some(&question.id), "{who} saw the question");
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
