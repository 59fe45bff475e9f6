//! The visitor flow through the SDK.

use std::collections::HashSet;

use futures_util::TryStreamExt as _;
use livechat_sdk::types::visitor::register;
use livechat_sdk::types::{message, room, visitor};
use livechat_sdk::{ErrorCode, MessageId};

use crate::{client, fresh_token};

#[tokio::test]
async fn register_and_register_again() {
    let client = client();
    let token = fresh_token("reg");
    let first = client.register(token.clone()).await.expect("register");
    assert!(first.info().username.starts_with("guest-"));

    let mut again = register::Request::new(token.clone());
    again.visitor.name = Some("Ann Example".into());
    let second = client.register_with(again).await.expect("register again");
    assert_eq!(second.info().id, first.info().id);
    assert_eq!(second.info().name.as_deref(), Some("Ann Example"));

    let fetched = client.get_visitor(&visitor::get::Request::new(token)).await.expect("get");
    assert_eq!(fetched.visitor.name.as_deref(), Some("Ann Example"));
}

#[tokio::test]
async fn open_reopen_and_close_rooms() {
    let client = client();
    let visitor = client.register(fresh_token("rooms")).await.expect("register");
    let room = visitor.open_room().await.expect("open");
    assert!(room.open);
    let again =
        client.open_room(&room::open::Request::new(visitor.token().clone())).await.expect("reopen");
    assert_eq!(again.room.id, room.id);
    assert!(!again.new_room);

    let closed = visitor.close().await.expect("close");
    assert_eq!(closed.rid, room.id);
    let next = visitor.open_room().await.expect("open after close");
    assert_ne!(next.id, room.id);
}

#[tokio::test]
async fn send_fetch_edit_delete() {
    let client = client();
    let visitor = client.register(fresh_token("msgs")).await.expect("register");

    let plain = visitor.send("first").await.expect("send without id");
    let chosen = MessageId::from(format!("e2e-{}", plain.id));
    let with_id = visitor.send_with_id(chosen.clone(), "second").await.expect("send with id");
    assert_eq!(with_id.id, chosen);
    let replayed = visitor.send_with_id(chosen.clone(), "second").await.expect("replay");
    assert_eq!(replayed, with_id);

    let fetched = visitor.message(&chosen).await.expect("fetch");
    assert_eq!(fetched.text, "second");

    let edited = visitor.edit(&chosen, "second, edited").await.expect("edit");
    assert_eq!(edited.text, "second, edited");
    assert!(edited.edited_at.is_some());
    assert_eq!(edited.ts, with_id.ts);

    let deleted = visitor.delete(&plain.id).await.expect("delete");
    assert_eq!(deleted.id, plain.id);
    let gone = visitor.message(&plain.id).await.expect_err("deleted message");
    assert_eq!(gone.code(), Some(&ErrorCode::InvalidMessage));

    let texts: Vec<String> = visitor
        .history()
        .await
        .expect("history")
        .map_ok(|message| message.text)
        .try_collect()
        .await
        .expect("history pages");
    assert_eq!(texts.first().map(String::as_str), Some("second, edited"));
    assert!(!texts.contains(&"first".to_owned()));
}

#[tokio::test]
async fn history_pages_over_250_messages() {
    let client = client();
    let visitor = client.register(fresh_token("paging")).await.expect("register");
    let room_id = visitor.room_id().await.expect("room");
    let sends = (0..250).map(|n| visitor.send(format!("message {n}")));
    let sent = futures_util::future::try_join_all(sends).await.expect("sends");

    let all: Vec<_> = client
        .history_stream(room_id, visitor.token().clone(), 20)
        .try_collect()
        .await
        .expect("history");
    let ids: HashSet<_> = all.iter().map(|message| message.id.clone()).collect();
    assert_eq!(ids.len(), all.len(), "a message was listed twice");
    for message in &sent {
        assert!(ids.contains(&message.id), "{} missing", message.id);
    }
    // 250 messages plus system messages (livechat-started, and `uj` if an agent took the
    // room), newest first.
    assert_eq!(all.iter().filter(|message| message.kind.is_none()).count(), 250);
    assert!(all.windows(2).all(|pair| pair[0].ts > pair[1].ts));
    assert_eq!(all.last().and_then(|m| m.kind.as_deref()), Some("livechat-started"));
}

#[tokio::test]
async fn visitors_cannot_see_each_others_rooms() {
    let client = client();
    let alice = client.register(fresh_token("alice")).await.expect("alice");
    let bob = client.register(fresh_token("bob")).await.expect("bob");
    let alice_room = alice.room_id().await.expect("alice room");
    let secret = alice.send("alice's secret").await.expect("send");

    let history = message::history::Request::new(alice_room.clone(), bob.token().clone());
    let err = client.message_history(&history).await.expect_err("bob reads alice's room");
    assert_eq!(err.code(), Some(&ErrorCode::InvalidRoom));

    let fetch =
        message::get::Request::new(secret.id.clone(), bob.token().clone(), alice_room.clone());
    let err = client.get_message(&fetch).await.expect_err("bob fetches alice's message");
    assert_eq!(err.code(), Some(&ErrorCode::InvalidRoom));

    let edit = message::update::Request::new(
        secret.id.clone(),
        bob.token().clone(),
        alice_room.clone(),
        "pwned",
    );
    let err = client.update_message(&edit).await.expect_err("bob edits alice's message");
    assert_eq!(err.code(), Some(&ErrorCode::InvalidRoom));

    let send = message::send::Request::new(bob.token().clone(), alice_room.clone(), "hi");
    let err = client.send_message(&send).await.expect_err("bob posts into alice's room");
    assert_eq!(err.code(), Some(&ErrorCode::InvalidRoom));

    assert_eq!(
        alice.message(&secret.id).await.expect("alice still reads it").text,
        "alice's secret"
    );
}
