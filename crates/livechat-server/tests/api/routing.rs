//! Routing (SPEC section 7): who serves a new room, the queue, `--require-online-agent`, and
//! what the visitor learns of its agent (`livechat/agent.info`, `livechat/config`).
//!
//! "Longest idle" is decided by when an agent was last given a room; the tests make those
//! assignments one after another, never relying on how fast anything runs.

use serde_json::{json, Value};

use super::agent::{room_ids, rooms, set_status, user_command};
use super::TestApp;

/// Registers a visitor and opens its room; returns the room.
async fn open_room(app: &TestApp, token: &str) -> Value {
    app.register(token).await;
    let body = app.get(&format!("/api/v1/livechat/room?token={token}")).await.ok();
    assert_eq!(body["newRoom"], true, "{body}");
    body["room"].clone()
}

/// The visitor's open room as it sees it now.
async fn current_room(app: &TestApp, token: &str) -> Value {
    let body = app.get(&format!("/api/v1/livechat/room?token={token}")).await.ok();
    assert_eq!(body["newRoom"], false, "{body}");
    body["room"].clone()
}

/// The id of the agent serving `room`, if any.
fn served_by(room: &Value) -> Option<&str> {
    room.get("servedBy").and_then(|served| served["_id"].as_str())
}

/// Closes a room as its visitor.
async fn close(app: &TestApp, token: &str, room: &Value) {
    app.close(token, room["_id"].as_str().expect("rid")).await.ok();
}

#[actix_web::test]
async fn the_available_agent_gets_a_new_room_and_joins_it() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    set_status(&app, &alice, "available").await;

    let room = open_room(&app, "tok-a").await;

    assert_eq!(room["servedBy"]["_id"], alice.id.as_str(), "{room}");
    assert_eq!(room["servedBy"]["username"], "alice");
    assert!(room["servedBy"]["ts"].is_string(), "{room}");
    let rid = room["_id"].as_str().expect("rid");
    let history = app.history("tok-a", rid).await;
    let kinds: Vec<_> = history.iter().map(|message| message["t"].clone()).collect();
    assert_eq!(kinds, [json!("uj"), json!("livechat-started")], "{history:?}");
    assert_eq!(history[0]["u"]["_id"], alice.id.as_str());
    assert_eq!(history[0]["u"]["username"], "alice");
    // The room stays with its agent.
    assert_eq!(served_by(&current_room(&app, "tok-a").await), Some(alice.id.as_str()));
}

#[actix_web::test]
async fn only_an_available_agent_is_chosen() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    // An admin who is not available takes no rooms either.
    app.agent("root", "admin").await;
    set_status(&app, &bob, "available").await;

    for token in ["tok-1", "tok-2", "tok-3"] {
        let room = open_room(&app, token).await;
        assert_eq!(served_by(&room), Some(bob.id.as_str()), "{token}: {room}");
    }
    assert_eq!(rooms(&app, &alice, "").await["total"], 0);
}

#[actix_web::test]
async fn the_agent_serving_fewer_open_rooms_is_chosen() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    set_status(&app, &alice, "available").await;
    let first = open_room(&app, "tok-1").await;
    assert_eq!(served_by(&first), Some(alice.id.as_str()));
    set_status(&app, &bob, "available").await;

    // Alice serves one room, Bob none.
    let second = open_room(&app, "tok-2").await;
    assert_eq!(served_by(&second), Some(bob.id.as_str()));
    // One each: Alice, who got her room earlier, has been idle longest.
    let third = open_room(&app, "tok-3").await;
    assert_eq!(served_by(&third), Some(alice.id.as_str()));
    // Alice two, Bob one.
    let fourth = open_room(&app, "tok-4").await;
    assert_eq!(served_by(&fourth), Some(bob.id.as_str()));

    // Closed rooms do not count: with Alice's two closed she serves fewer.
    close(&app, "tok-1", &first).await;
    close(&app, "tok-3", &third).await;
    let fifth = open_room(&app, "tok-5").await;
    assert_eq!(served_by(&fifth), Some(alice.id.as_str()));
}

#[actix_web::test]
async fn ties_go_to_the_agent_idle_longest() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    set_status(&app, &alice, "available").await;
    let first = open_room(&app, "tok-1").await;
    assert_eq!(served_by(&first), Some(alice.id.as_str()));
    close(&app, "tok-1", &first).await;
    set_status(&app, &bob, "available").await;

    // Both serve no open room; Bob has never been given one.
    let second = open_room(&app, "tok-2").await;
    assert_eq!(served_by(&second), Some(bob.id.as_str()));
    close(&app, "tok-2", &second).await;
    // Still a tie; Alice's last room came before Bob's.
    let third = open_room(&app, "tok-3").await;
    assert_eq!(served_by(&third), Some(alice.id.as_str()));
    close(&app, "tok-3", &third).await;
    let fourth = open_room(&app, "tok-4").await;
    assert_eq!(served_by(&fourth), Some(bob.id.as_str()));
}

#[actix_web::test]
async fn with_nobody_available_rooms_wait_and_are_served_oldest_first() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    let mut queued = Vec::new();
    for token in ["tok-1", "tok-2", "tok-3"] {
        let room = open_room(&app, token).await;
        assert!(room.get("servedBy").is_none(), "{room}");
        let rid = room["_id"].as_str().expect("rid").to_owned();
        // Only the start message: no agent joined.
        let history = app.history(token, &rid).await;
        assert_eq!(history.len(), 1, "{history:?}");
        assert_eq!(history[0]["t"], "livechat-started");
        queued.push(rid);
    }
    // Both agents see the whole queue, oldest last.
    let list = rooms(&app, &bob, "").await;
    assert_eq!(room_ids(&list), [queued[2].clone(), queued[1].clone(), queued[0].clone()]);
    // Becoming not available does not drain anything.
    set_status(&app, &bob, "not-available").await;
    assert!(current_room(&app, "tok-1").await.get("servedBy").is_none());

    set_status(&app, &alice, "available").await;

    for (token, rid) in ["tok-1", "tok-2", "tok-3"].iter().zip(&queued) {
        let room = current_room(&app, token).await;
        assert_eq!(room["_id"], rid.as_str());
        assert_eq!(served_by(&room), Some(alice.id.as_str()), "{token}: {room}");
        let history = app.history(token, rid).await;
        assert_eq!(history[0]["t"], "uj", "{token}: {history:?}");
        assert_eq!(history[0]["u"]["_id"], alice.id.as_str());
    }
    // The queue is empty: Bob now lists nothing.
    assert_eq!(rooms(&app, &bob, "").await["total"], 0);
    let list = rooms(&app, &alice, "").await;
    assert_eq!(room_ids(&list), [queued[2].clone(), queued[1].clone(), queued[0].clone()]);

    // Alice serves three: the next room goes to Bob once he is available.
    set_status(&app, &bob, "available").await;
    let fourth = open_room(&app, "tok-4").await;
    assert_eq!(served_by(&fourth), Some(bob.id.as_str()));
}

#[actix_web::test]
async fn require_online_agent_refuses_rooms_while_nobody_is_available() {
    let app = TestApp::with_config(|config| config.require_online_agent = true).await;
    let alice = app.agent("alice", "agent").await;
    let admin = app.agent("root", "admin").await;
    app.register("tok-a").await;

    app.get("/api/v1/livechat/room?token=tok-a").await.assert_error("no-agent-online");
    app.get("/api/v1/livechat/room?token=tok-a").await.assert_error("no-agent-online");

    // Nothing was stored.
    assert_eq!(rooms(&app, &admin, "").await["total"], 0);
    let config = app.get("/api/v1/livechat/config?token=tok-a").await.ok()["config"].clone();
    assert_eq!(config["online"], false);
    assert!(config["room"].is_null(), "{config}");

    set_status(&app, &alice, "available").await;
    let body = app.get("/api/v1/livechat/room?token=tok-a").await.ok();
    assert_eq!(body["newRoom"], true);
    assert_eq!(served_by(&body["room"]), Some(alice.id.as_str()));
    let list = rooms(&app, &admin, "").await;
    assert_eq!(room_ids(&list), [body["room"]["_id"].as_str().expect("rid").to_owned()]);
    let rid = body["room"]["_id"].as_str().expect("rid");
    let history = app.history("tok-a", rid).await;
    let kinds: Vec<_> = history.iter().map(|message| message["t"].clone()).collect();
    assert_eq!(kinds, [json!("uj"), json!("livechat-started")]);

    // An open room is still returned after the agent leaves.
    set_status(&app, &alice, "not-available").await;
    assert_eq!(current_room(&app, "tok-a").await["_id"], rid);
    // A visitor without a room is refused again, and having no room it may be removed.
    app.register("tok-b").await;
    app.get("/api/v1/livechat/room?token=tok-b").await.assert_error("no-agent-online");
    assert_eq!(rooms(&app, &admin, "").await["total"], 1);
    app.delete("/api/v1/livechat/visitor/tok-b", None).await.ok();
}

#[actix_web::test]
async fn agent_info_names_the_serving_agent_once_assigned() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let rid = app.visitor_with_room("tok-a").await;
    let info = format!("/api/v1/livechat/agent.info/{rid}/tok-a");

    app.get(&info).await.assert_error("invalid-agent");

    set_status(&app, &alice, "available").await;
    let body = app.get(&info).await.ok();
    let agent = &body["agent"];
    assert_eq!(agent["_id"], alice.id.as_str(), "{body}");
    assert_eq!(agent["username"], "alice");
    assert_eq!(agent["name"], "alice name");
    // The presence wording (`available`, `online`) is the server's choice; it is a string.
    assert!(agent["status"].is_string(), "{body}");

    // Another visitor's room and an unknown token.
    app.register("tok-b").await;
    app.get(&format!("/api/v1/livechat/agent.info/{rid}/tok-b")).await.assert_error("invalid-room");
    app.get(&format!("/api/v1/livechat/agent.info/{rid}/nobody"))
        .await
        .assert_error("invalid-token");
}

#[actix_web::test]
async fn config_with_a_token_carries_the_agent_once_served() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let rid = app.visitor_with_room("tok-a").await;
    let config =
        || async { app.get("/api/v1/livechat/config?token=tok-a").await.ok()["config"].clone() };

    let before = config().await;
    assert_eq!(before["online"], false);
    assert_eq!(before["room"]["_id"], rid.as_str(), "{before}");
    assert!(before["agent"].is_null(), "{before}");
    assert_eq!(before["guest"]["token"], "tok-a");

    set_status(&app, &alice, "available").await;
    let after = config().await;
    assert_eq!(after["online"], true);
    assert_eq!(after["room"]["servedBy"]["_id"], alice.id.as_str(), "{after}");
    assert_eq!(after["agent"]["_id"], alice.id.as_str(), "{after}");
    assert_eq!(after["agent"]["username"], "alice");

    // Without a token there is neither room nor agent.
    let anonymous = app.get("/api/v1/livechat/config").await.ok()["config"].clone();
    assert!(anonymous["agent"].is_null() && anonymous["room"].is_null(), "{anonymous}");
}

#[actix_web::test]
async fn removing_the_serving_agent_does_not_strand_its_rooms() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    set_status(&app, &alice, "available").await;
    let room = open_room(&app, "tok-a").await;
    let rid = room["_id"].as_str().expect("rid").to_owned();
    assert_eq!(served_by(&room), Some(alice.id.as_str()));

    // Refusing the removal would be fine too; removing her must not strand the room.
    let (removed, _, _) = user_command(&app, &["remove", "--username", "alice"], "");
    set_status(&app, &bob, "available").await;

    let room = current_room(&app, "tok-a").await;
    if removed {
        assert_ne!(served_by(&room), Some(alice.id.as_str()), "{room}");
    }
    match served_by(&room) {
        Some(agent) => {
            let info = app.get(&format!("/api/v1/livechat/agent.info/{rid}/tok-a")).await.ok();
            assert_eq!(info["agent"]["_id"], agent, "{info}");
        }
        None => assert!(room_ids(&rooms(&app, &bob, "").await).contains(&rid)),
    }
}
