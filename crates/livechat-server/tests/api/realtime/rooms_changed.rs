//! `stream-notify-user` `<uid>/rooms-changed` (SPEC section 20): a user hears the open rooms
//! it comes to serve (`inserted`: routed to it, taken, forwarded to it) and those it stops
//! serving (`removed`: forwarded away, closed), only about itself, and only while logged
//! in. On SQLite and on PostgreSQL; there also with the subscriber on a second instance.

use serde_json::{json, Value};

use super::support::{add_agent, agent_post, Ddp, TestAgent};
use crate::TestApp;

const STREAM: &str = "stream-notify-user";

fn event_name(agent: &TestAgent) -> String {
    format!("{}/rooms-changed", agent.id)
}

/// A socket logged in as `agent` and subscribed to its `rooms-changed` event.
async fn watcher(base: &str, agent: &TestAgent) -> Ddp {
    let mut ddp = Ddp::connect(base).await;
    let login = ddp.call("login", "login", json!([{"resume": agent.token}])).await;
    assert_eq!(login["result"]["id"], agent.id.as_str(), "{login}");
    let ready = ddp.sub("rc", STREAM, &event_name(agent), None).await;
    assert_eq!(ready, json!({"msg": "ready", "subs": ["rc"]}));
    ddp
}

/// The next `rooms-changed` event of `agent` on `ddp`: its args.
async fn next_change(ddp: &mut Ddp, agent: &TestAgent) -> Value {
    ddp.event(STREAM, &event_name(agent)).await["fields"]["args"].clone()
}

fn change(kind: &str, rid: &str) -> Value {
    json!([{"type": kind, "_id": rid}])
}

async fn set_status(app: &TestApp, agent: &TestAgent, status: &str) {
    agent_post(app, agent, "/api/v1/livechat/agent.status", json!({"status": status})).await;
}

#[actix_web::test]
async fn an_agent_hears_the_rooms_it_gains_and_loses() {
    let app = TestApp::new().await;
    let admin = add_agent(&app, "root", "admin", "not-available");
    let alice = add_agent(&app, "alice", "agent", "not-available");
    let bob = add_agent(&app, "bob", "agent", "not-available");
    let mut alice_ddp = watcher(&app.base, &alice).await;
    let mut bob_ddp = watcher(&app.base, &bob).await;

    // Routing gives a new chat to the only available agent.
    set_status(&app, &alice, "available").await;
    let routed = app.visitor_with_room("tok-a").await;
    assert_eq!(next_change(&mut alice_ddp, &alice).await, change("inserted", &routed));

    // Forwarded to Bob: Alice loses it, Bob gains it.
    set_status(&app, &bob, "available").await;
    let body = json!({"roomId": routed, "userId": bob.id});
    agent_post(&app, &alice, "/api/v1/livechat/room.forward", body).await;
    assert_eq!(next_change(&mut alice_ddp, &alice).await, change("removed", &routed));
    assert_eq!(next_change(&mut bob_ddp, &bob).await, change("inserted", &routed));

    // Closed by its visitor: Bob loses it.
    app.close("tok-a", &routed).await.ok();
    assert_eq!(next_change(&mut bob_ddp, &bob).await, change("removed", &routed));

    // With manual routing a chat waits in the queue (nobody hears of it) until taken.
    let body = json!({"value": "Manual_Selection"});
    agent_post(&app, &admin, "/api/v1/settings/Livechat_Routing_Method", body).await;
    let queued = app.visitor_with_room("tok-b").await;
    let body = json!({"inquiryId": queued});
    agent_post(&app, &alice, "/api/v1/livechat/inquiries.take", body).await;
    assert_eq!(next_change(&mut alice_ddp, &alice).await, change("inserted", &queued));

    // A socket subscribing now starts from the rooms Alice serves: it hears the close of
    // the taken room, which it was never told about.
    let mut late = watcher(&app.base, &alice).await;
    app.close("tok-b", &queued).await.ok();
    assert_eq!(next_change(&mut late, &alice).await, change("removed", &queued));
    assert_eq!(next_change(&mut alice_ddp, &alice).await, change("removed", &queued));

    // Bob heard nothing of the queued room: his next event is a room he gains.
    let body = json!({"value": "Auto_Selection"});
    agent_post(&app, &admin, "/api/v1/settings/Livechat_Routing_Method", body).await;
    set_status(&app, &alice, "not-available").await;
    let third = app.visitor_with_room("tok-c").await;
    assert_eq!(next_change(&mut bob_ddp, &bob).await, change("inserted", &third));
}

#[actix_web::test]
async fn only_the_logged_in_user_may_listen_to_its_own_rooms() {
    let app = TestApp::new().await;
    let alice = add_agent(&app, "alice", "agent", "not-available");
    let bob = add_agent(&app, "bob", "agent", "not-available");

    let mut stranger = Ddp::connect(&app.base).await;
    let refused = stranger.sub("s1", STREAM, &event_name(&alice), None).await;
    assert_eq!(refused["msg"], "nosub", "not logged in: {refused}");
    assert_eq!(refused["error"]["error"], "not-allowed", "{refused}");

    let mut ddp = Ddp::connect(&app.base).await;
    ddp.call("1", "login", json!([{"resume": alice.token}])).await;
    for (id, event) in [
        ("s2", event_name(&bob)),
        ("s3", format!("{}/message", alice.id)),
        ("s4", "rooms-changed".to_owned()),
    ] {
        let refused = ddp.sub(id, STREAM, &event, None).await;
        assert_eq!(refused["msg"], "nosub", "{event}: {refused}");
        assert_eq!(refused["error"]["error"], "not-allowed", "{event}: {refused}");
    }
    let ready = ddp.sub("s5", STREAM, &event_name(&alice), None).await;
    assert_eq!(ready["msg"], "ready", "{ready}");
}

#[actix_web::test]
async fn the_subscription_ends_with_the_login() {
    let app = TestApp::new().await;
    let alice = add_agent(&app, "alice", "agent", "not-available");
    let bob = add_agent(&app, "bob", "agent", "not-available");

    // Logged out over REST: the socket's login goes, and the subscription with it.
    let mut ddp = watcher(&app.base, &alice).await;
    agent_post(&app, &alice, "/api/v1/logout", json!({})).await;
    let ended = ddp.next_where(|frame| frame["msg"] == "nosub").await;
    assert_eq!(ended["id"], "rc", "{ended}");
    assert_eq!(ended["error"]["error"], "not-allowed", "{ended}");

    // Logged in again as someone else on the same socket: the old user's stream ends.
    let mut ddp = watcher(&app.base, &bob).await;
    let other = add_agent(&app, "carol", "agent", "not-available");
    ddp.call("2", "login", json!([{"resume": other.token}])).await;
    let ended = ddp.next_where(|frame| frame["msg"] == "nosub").await;
    assert_eq!(ended["id"], "rc", "{ended}");

    // Logged out over DDP.
    let mut ddp = watcher(&app.base, &other).await;
    let reply = ddp.call("3", "logout", json!([])).await;
    assert!(reply.get("error").is_none(), "{reply}");
    let ended = ddp.next_where(|frame| frame["msg"] == "nosub").await;
    assert_eq!(ended["id"], "rc", "{ended}");
}

#[actix_web::test]
async fn a_subscriber_on_another_instance_hears_its_rooms_change() {
    let app = TestApp::new().await;
    if !super::on_postgres(&app) {
        return;
    }
    let (second_base, second) = super::support::second_instance(&app.database_url);
    let alice = add_agent(&app, "alice", "agent", "not-available");
    let mut far = watcher(&second_base, &alice).await;

    set_status(&app, &alice, "available").await;
    let rid = app.visitor_with_room("tok-a").await;
    assert_eq!(next_change(&mut far, &alice).await, change("inserted", &rid));
    app.close("tok-a", &rid).await.ok();
    assert_eq!(next_change(&mut far, &alice).await, change("removed", &rid));
    second.stop(false).await;
}
