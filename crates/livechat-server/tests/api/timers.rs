//! The timers: agents whose realtime connection is gone (`Livechat_agent_leave_action`),
//! the routing limit (`Livechat_maximum_chats_per_agent`) and abandoned chats
//! (`Livechat_auto_close_abandoned_rooms`), on one instance and on two PostgreSQL ones.
//!
//! Timers are set to a second or two; every wait polls with a generous deadline. A test that
//! shows something does not happen orders its rooms or agents so that, were it to happen, it
//! would have happened before what the test waits for.

use std::time::{Duration, Instant};

use livechat_server::db::Backend;
use serde_json::{json, Value};

use super::agent::{get_as, post_as, reply, set_status};
use super::realtime::support::{second_instance, Ddp};
use super::{AgentSession, TestApp};

/// How long a test waits for a timer at most.
const DEADLINE: Duration = Duration::from_secs(20);

async fn set(app: &TestApp, admin: &AgentSession, id: &str, value: Value) {
    let res = post_as(app, admin, &format!("/api/v1/settings/{id}"), json!({"value": value})).await;
    assert_eq!((res.status, res.json), (200, json!({"success": true})), "{id}");
}

/// Polls `check` until it returns something, for at most [`DEADLINE`].
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(started.elapsed() < DEADLINE, "{what}: not within {DEADLINE:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An agent's `statusLivechat`, as `admin` reads it.
async fn status_of(app: &TestApp, admin: &AgentSession, agent: &AgentSession) -> String {
    let body = get_as(app, admin, &format!("/api/v1/livechat/users/agent/{}", agent.id)).await;
    let body = body.ok();
    body["user"]["statusLivechat"].as_str().expect("statusLivechat").to_owned()
}

/// Room `rid` as `admin` lists it.
async fn room(app: &TestApp, admin: &AgentSession, rid: &str) -> Value {
    let list = get_as(app, admin, "/api/v1/livechat/rooms?count=100").await.ok();
    let rooms = list["rooms"].as_array().expect("rooms");
    rooms.iter().find(|room| room["_id"] == rid).cloned().expect("the room is listed")
}

/// Opens a room for a new visitor `token`; returns its id and the id of its agent, if any.
async fn open(app: &TestApp, token: &str) -> (String, Option<String>) {
    app.register(token).await;
    let body = app.get(&format!("/api/v1/livechat/room?token={token}")).await.ok();
    let room = &body["room"];
    let agent = room["servedBy"]["_id"].as_str().map(str::to_owned);
    (room["_id"].as_str().expect("rid").to_owned(), agent)
}

/// A realtime socket logged in as `agent`.
async fn socket_of(base: &str, agent: &AgentSession) -> Ddp {
    let mut ddp = Ddp::connect(base).await;
    let result = ddp.call("login", "login", json!([{"resume": agent.token}])).await;
    assert_eq!(result["result"]["id"], agent.id.as_str(), "{result}");
    ddp
}

/// The types of a room's messages, oldest first.
async fn kinds(app: &TestApp, token: &str, rid: &str) -> Vec<Value> {
    let mut history = app.history(token, rid).await;
    history.reverse();
    history.iter().map(|message| message["t"].clone()).collect()
}

/// The `livechat-close` messages of a room.
async fn closings(app: &TestApp, token: &str, rid: &str) -> Vec<Value> {
    let history = app.history(token, rid).await;
    history.into_iter().filter(|message| message["t"] == "livechat-close").collect()
}

/// Waits until `agent` is not available; panics after [`DEADLINE`].
async fn until_left(app: &TestApp, admin: &AgentSession, agent: &AgentSession) {
    eventually("the agent leaves", || async {
        (status_of(app, admin, agent).await == "not-available").then_some(())
    })
    .await;
}

/// Waits until room `rid` is closed; returns it.
async fn until_closed(app: &TestApp, admin: &AgentSession, rid: &str) -> Value {
    eventually("the room closes", || async {
        let room = room(app, admin, rid).await;
        (room["open"] == false).then_some(room)
    })
    .await
}

#[actix_web::test]
async fn an_agent_whose_socket_is_gone_leaves_and_its_rooms_close() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let rest_only = app.agent("rob", "agent").await;
    set(&app, &admin, "Livechat_agent_leave_action", json!("close")).await;
    set(&app, &admin, "Livechat_agent_leave_action_timeout", json!(1)).await;
    set(&app, &admin, "Livechat_agent_leave_comment", json!("Agent went away")).await;
    set_status(&app, &rest_only, "available").await;
    let (kept, served) = open(&app, "tok-kept").await;
    assert_eq!(served.as_deref(), Some(rest_only.id.as_str()));
    set_status(&app, &rest_only, "not-available").await;
    set_status(&app, &alice, "available").await;
    let (rid, served) = open(&app, "tok-a").await;
    assert_eq!(served.as_deref(), Some(alice.id.as_str()));
    set_status(&app, &rest_only, "available").await;

    let socket = socket_of(&app.base, &alice).await;
    drop(socket);
    until_left(&app, &admin, &alice).await;

    let closed = until_closed(&app, &admin, &rid).await;
    assert_eq!(closed["closer"], "user", "{closed}");
    assert_eq!(closed["closedBy"]["_id"], alice.id.as_str(), "{closed}");
    let closing = closings(&app, "tok-a", &rid).await;
    assert_eq!(closing.len(), 1, "{closing:?}");
    assert_eq!(closing[0]["msg"], "Agent went away");
    assert_eq!(closing[0]["u"]["_id"], alice.id.as_str());
    // The agent who never had a socket stays, with its room.
    assert_eq!(status_of(&app, &admin, &rest_only).await, "available");
    assert_eq!(room(&app, &admin, &kept).await["open"], true);
}

#[actix_web::test]
async fn a_gone_agent_s_rooms_go_back_to_the_queue_and_to_another_agent() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    set(&app, &admin, "Livechat_agent_leave_action", json!("forward")).await;
    set(&app, &admin, "Livechat_agent_leave_action_timeout", json!(1)).await;
    set_status(&app, &alice, "available").await;
    let (rid, served) = open(&app, "tok-a").await;
    assert_eq!(served.as_deref(), Some(alice.id.as_str()));
    let socket = socket_of(&app.base, &alice).await;
    set_status(&app, &bob, "available").await;
    drop(socket);

    until_left(&app, &admin, &alice).await;
    let room = eventually("bob gets the room", || async {
        let room = room(&app, &admin, &rid).await;
        (room["servedBy"]["_id"] == bob.id.as_str()).then_some(room)
    })
    .await;
    assert_eq!(room["open"], true, "{room}");
    let kinds = kinds(&app, "tok-a", &rid).await;
    assert_eq!(kinds, [json!("livechat-started"), json!("uj"), json!("ul"), json!("uj")]);
}

#[actix_web::test]
async fn an_agent_who_reconnects_in_time_stays() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let carl = app.agent("carl", "agent").await;
    set(&app, &admin, "Livechat_agent_leave_action", json!("close")).await;
    set(&app, &admin, "Livechat_agent_leave_action_timeout", json!(2)).await;
    set_status(&app, &alice, "available").await;
    let (rid, _) = open(&app, "tok-a").await;
    set_status(&app, &carl, "available").await;

    // Alice's socket drops and comes back at once; Carl's is seen after hers and drops for
    // good. Had her reconnection not counted, she would be gone before Carl.
    drop(socket_of(&app.base, &alice).await);
    let _back = socket_of(&app.base, &alice).await;
    drop(socket_of(&app.base, &carl).await);
    until_left(&app, &admin, &carl).await;

    assert_eq!(status_of(&app, &admin, &alice).await, "available");
    assert_eq!(room(&app, &admin, &rid).await["open"], true);
}

#[actix_web::test]
async fn the_leave_action_none_leaves_agents_alone() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    set(&app, &admin, "Livechat_agent_leave_action_timeout", json!(1)).await;
    set_status(&app, &alice, "available").await;
    drop(socket_of(&app.base, &alice).await);
    // Then the action is switched on: her socket has been gone for longer than the timeout.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(status_of(&app, &admin, &alice).await, "available", "none does nothing");
    set(&app, &admin, "Livechat_agent_leave_action", json!("forward")).await;
    until_left(&app, &admin, &alice).await;
}

#[actix_web::test]
async fn routing_skips_agents_at_the_chat_limit_until_a_chat_closes() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    set(&app, &admin, "Livechat_maximum_chats_per_agent", json!(2)).await;
    set_status(&app, &alice, "available").await;
    let (first, served_first) = open(&app, "tok-1").await;
    let (_, served_second) = open(&app, "tok-2").await;
    assert_eq!(served_first.as_deref(), Some(alice.id.as_str()));
    assert_eq!(served_second.as_deref(), Some(alice.id.as_str()));

    let (third, served_third) = open(&app, "tok-3").await;
    assert_eq!(served_third, None, "the third visitor waits");
    let next = app.get("/api/v1/livechat/agent.next/tok-4").await;
    next.assert_error("agent-not-found");

    // Closing a chat gives the agent the oldest waiting one.
    let body = json!({"rid": first, "comment": "done"});
    post_as(&app, &alice, "/api/v1/livechat/room.closeByUser", body).await.ok();
    assert_eq!(room(&app, &admin, &third).await["servedBy"]["_id"], alice.id.as_str());
    // The visitor's own close frees a place too.
    let (fourth, served_fourth) = open(&app, "tok-4").await;
    assert_eq!(served_fourth, None);
    app.close("tok-3", &third).await.ok();
    assert_eq!(room(&app, &admin, &fourth).await["servedBy"]["_id"], alice.id.as_str());
    // No limit: everyone gets an agent again.
    set(&app, &admin, "Livechat_maximum_chats_per_agent", json!(0)).await;
    assert_eq!(open(&app, "tok-5").await.1.as_deref(), Some(alice.id.as_str()));
}

/// An app with an available agent, abandoned chats closed after a second.
async fn abandoning(custom: &str) -> (TestApp, AgentSession, AgentSession) {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    set(&app, &admin, "Livechat_visitor_inactivity_timeout", json!(1)).await;
    set(&app, &admin, "Livechat_abandoned_rooms_closed_custom_message", json!(custom)).await;
    set(&app, &admin, "Livechat_auto_close_abandoned_rooms", json!(true)).await;
    set_status(&app, &alice, "available").await;
    (app, admin, alice)
}

#[actix_web::test]
async fn a_chat_the_visitor_abandoned_closes_with_the_custom_message() {
    let (app, admin, alice) = abandoning("Closed for silence").await;
    let (answered, _) = open(&app, "tok-b").await;
    let (abandoned, _) = open(&app, "tok-a").await;
    app.send("tok-a", &abandoned, "hello?").await.ok();
    // The answered room's agent message comes first: had the answer not stopped its timer,
    // it would close before the abandoned one.
    reply(&app, &alice, &answered, "how can I help?").await.ok();
    app.send("tok-b", &answered, "with my order").await.ok();
    reply(&app, &alice, &abandoned, "how can I help?").await.ok();

    let closed = until_closed(&app, &admin, &abandoned).await;
    assert_eq!(closed["closer"], "user", "{closed}");
    assert_eq!(closed["closedBy"]["_id"], alice.id.as_str(), "{closed}");
    let closing = closings(&app, "tok-a", &abandoned).await;
    assert_eq!(closing.len(), 1, "{closing:?}");
    assert_eq!(closing[0]["msg"], "Closed for silence");
    assert_eq!(room(&app, &admin, &answered).await["open"], true);
}

#[actix_web::test]
async fn an_abandoned_chat_closes_with_rocket_chat_s_text_without_a_custom_message() {
    let (app, admin, alice) = abandoning("").await;
    app.post("/api/v1/livechat/visitor", json!({"visitor": {"token": "tok-a", "name": "Ada"}}))
        .await
        .ok();
    let body = app.get("/api/v1/livechat/room?token=tok-a").await.ok();
    let rid = body["room"]["_id"].as_str().expect("rid").to_owned();
    reply(&app, &alice, &rid, "anyone there?").await.ok();

    until_closed(&app, &admin, &rid).await;
    let closing = closings(&app, "tok-a", &rid).await;
    let text = closing[0]["msg"].as_str().expect("text");
    assert_eq!(
        text,
        "The chat was automatically closed because we haven't received any reply from Ada in \
         1 seconds"
    );
}

#[actix_web::test]
async fn abandoned_chats_stay_open_while_the_setting_is_off() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    set(&app, &admin, "Livechat_visitor_inactivity_timeout", json!(1)).await;
    set_status(&app, &alice, "available").await;
    let (rid, _) = open(&app, "tok-a").await;
    reply(&app, &alice, &rid, "hello").await.ok();
    // Three times the timeout: nothing may happen, so there is nothing to wait for.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(room(&app, &admin, &rid).await["open"], true);
    // Switched on, the same chat closes: the timer ran from the stored reply all along.
    set(&app, &admin, "Livechat_auto_close_abandoned_rooms", json!(true)).await;
    until_closed(&app, &admin, &rid).await;
}

fn on_postgres(app: &TestApp) -> bool {
    let postgres = matches!(Backend::from_url(&app.database_url), Backend::Postgres(_));
    if !postgres {
        eprintln!("needs PostgreSQL (LIVECHAT_TEST_BACKEND=postgres); skipped on SQLite");
    }
    postgres
}

#[actix_web::test]
async fn two_instances_run_the_leave_action_and_the_abandoned_close_once() {
    let app = TestApp::new().await;
    if !on_postgres(&app) {
        return;
    }
    let (second_base, second) = second_instance(&app.database_url);
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    set(&app, &admin, "Livechat_agent_leave_action", json!("forward")).await;
    set(&app, &admin, "Livechat_agent_leave_action_timeout", json!(1)).await;
    set(&app, &admin, "Livechat_visitor_inactivity_timeout", json!(1)).await;
    set(&app, &admin, "Livechat_auto_close_abandoned_rooms", json!(true)).await;
    set_status(&app, &alice, "available").await;
    let (forwarded, _) = open(&app, "tok-f").await;
    let (abandoned, _) = open(&app, "tok-a").await;
    // Bob is connected to the second instance: the first must not take him for gone.
    set_status(&app, &bob, "available").await;
    let _bob_socket = socket_of(&second_base, &bob).await;
    reply(&app, &alice, &abandoned, "still there?").await.ok();

    drop(socket_of(&second_base, &alice).await);
    until_left(&app, &admin, &alice).await;
    until_closed(&app, &admin, &abandoned).await;
    eventually("bob gets the forwarded room", || async {
        let room = room(&app, &admin, &forwarded).await;
        (room["servedBy"]["_id"] == bob.id.as_str()).then_some(())
    })
    .await;

    let kinds = kinds(&app, "tok-f", &forwarded).await;
    let left = kinds.iter().filter(|kind| **kind == "ul").count();
    assert_eq!(left, 1, "{kinds:?}");
    assert_eq!(closings(&app, "tok-a", &abandoned).await.len(), 1);
    assert_eq!(status_of(&app, &admin, &bob).await, "available");
    drop(second.stop(false));
}
