//! Agent accounts: sessions and availability (logout), token expiry, the password policy
//! and usernames that ignore case.

use serde_json::{json, Value};

use super::agent::{post_as, room_ids, rooms, set_status};
use super::{AgentSession, TestApp, AGENT_PASSWORD};

/// Whether `livechat/config` says an agent is online.
async fn online(app: &TestApp) -> bool {
    let body = app.get("/api/v1/livechat/config").await.ok();
    body["config"]["online"].as_bool().expect("online")
}

/// Another session of `agent`'s user.
async fn second_session(app: &TestApp, agent: &AgentSession) -> AgentSession {
    let body = json!({"user": agent.username, "password": AGENT_PASSWORD});
    let data = app.post("/api/v1/login", body).await.ok()["data"].clone();
    AgentSession { token: data["authToken"].as_str().expect("token").to_owned(), ..agent.clone() }
}

/// Registers a visitor and opens its room; returns the room.
async fn open_room(app: &TestApp, token: &str) -> Value {
    app.register(token).await;
    app.get(&format!("/api/v1/livechat/room?token={token}")).await.ok()["room"].clone()
}

#[actix_web::test]
async fn logging_out_the_last_session_ends_availability() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    set_status(&app, &alice, "available").await;
    assert!(online(&app).await);

    post_as(&app, &alice, "/api/v1/logout", json!({})).await.ok();

    assert!(!online(&app).await);
    let room = open_room(&app, "tok-a").await;
    assert!(room.get("servedBy").is_none(), "routed to an agent who left: {room}");
    // Back again, she is not available until she says so, and finds the room queued.
    let again = second_session(&app, &alice).await;
    let me = app.post("/api/v1/login", json!({"user": "alice", "password": AGENT_PASSWORD})).await;
    assert_eq!(me.ok()["data"]["me"]["statusLivechat"], "not-available");
    assert_eq!(room_ids(&rooms(&app, &again, "").await), [room["_id"].as_str().expect("rid")]);
    set_status(&app, &again, "available").await;
    let served = app.get("/api/v1/livechat/room?token=tok-a").await.ok()["room"].clone();
    assert_eq!(served["servedBy"]["_id"], alice.id.as_str(), "{served}");
}

#[actix_web::test]
async fn logging_out_one_of_two_sessions_keeps_the_agent_available() {
    let app = TestApp::new().await;
    let first = app.agent("alice", "agent").await;
    let second = second_session(&app, &first).await;
    set_status(&app, &first, "available").await;

    post_as(&app, &first, "/api/v1/logout", json!({})).await.ok();

    assert!(online(&app).await);
    let room = open_room(&app, "tok-a").await;
    assert_eq!(room["servedBy"]["_id"], first.id.as_str(), "{room}");
    // The last one ends it.
    post_as(&app, &second, "/api/v1/logout", json!({})).await.ok();
    assert!(!online(&app).await);
    assert!(open_room(&app, "tok-b").await.get("servedBy").is_none());
}
