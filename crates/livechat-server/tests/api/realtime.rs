//! Realtime delivery (SPEC section 8): DDP over WebSocket at `/websocket`, driven with a
//! real WebSocket client against the running server.

mod abuse;
mod access;
mod rooms_changed;
pub mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use livechat_server::db::Backend;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use super::TestApp;
use support::{add_agent, agent_post, millis, Ddp};

#[actix_web::test]
async fn connect_ping_and_set_up_connection() {
    let app = TestApp::new().await;
    let mut ddp = Ddp::connect(&app.base).await;
    assert_eq!(ddp.session.len(), 17);

    ddp.send(json!({"msg": "ping", "id": "p1"})).await;
    assert_eq!(ddp.next().await, json!({"msg": "pong", "id": "p1"}));
    ddp.send(json!({"msg": "ping"})).await;
    assert_eq!(ddp.next().await, json!({"msg": "pong"}));

    let reply = ddp.call("1", "livechat:setUpConnection", json!([{"token": "tok-a"}])).await;
    assert_eq!(reply, json!({"msg": "result", "id": "1", "result": {"connectionId": ddp.session}}));

    let reply = ddp.call("2", "livechat:setUpConnection", json!([{"token": 5}])).await;
    assert_eq!(reply["error"]["error"], 400, "{reply}");

    let reply = ddp.call("3", "no-such-method", json!([])).await;
    assert_eq!(reply["error"]["error"], 404, "{reply}");
    assert_eq!(reply["error"]["reason"], "Method 'no-such-method' not found");

    // Plain HTTP on the socket's path is refused with the JSON envelope.
    let res = reqwest::get(format!("{}/websocket", app.base)).await.expect("request");
    assert_eq!(res.status().as_u16(), 400);
}

#[actix_web::test]
async fn a_visitor_may_subscribe_to_its_own_room_only() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let other = app.visitor_with_room("tok-b").await;
    let mut ddp = Ddp::connect(&app.base).await;

    let ready = ddp.sub("s1", "stream-room-messages", &rid, Some("tok-a")).await;
    assert_eq!(ready, json!({"msg": "ready", "subs": ["s1"]}));

    let refused = ddp.sub("s2", "stream-room-messages", &other, Some("tok-a")).await;
    assert_eq!(refused["msg"], "nosub", "{refused}");
    assert_eq!(refused["error"]["error"], "not-allowed", "{refused}");
    let refused = ddp.sub("s3", "stream-notify-room", &format!("{other}/typing"), None).await;
    assert_eq!(refused["msg"], "nosub", "without any token: {refused}");
    let refused = ddp.sub("s4", "stream-room-messages", "no-such-room", Some("tok-a")).await;
    assert_eq!(refused["msg"], "nosub", "{refused}");
    let refused = ddp.sub("s5", "stream-notify-all", "updateAvatar", Some("tok-a")).await;
    assert_eq!(refused["error"]["error"], 404, "{refused}");

    // The token given to `livechat:setUpConnection` counts for later subscriptions.
    ddp.call("1", "livechat:setUpConnection", json!([{"token": "tok-b"}])).await;
    let ready = ddp.sub("s6", "stream-livechat-room", &other, None).await;
    assert_eq!(ready["msg"], "ready", "{ready}");

    ddp.send(json!({"msg": "unsub", "id": "s1"})).await;
    let ended = ddp.next_where(|frame| frame["msg"] == "nosub").await;
    assert_eq!(ended, json!({"msg": "nosub", "id": "s1"}));
}

#[actix_web::test]
async fn messages_edits_and_deletions_arrive_on_the_streams() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let other_rid = app.visitor_with_room("tok-b").await;
    let mut ddp = Ddp::connect(&app.base).await;
    ddp.watch_room(&rid, Some("tok-a")).await;
    let mut bystander = Ddp::connect(&app.base).await;
    bystander.watch_room(&other_rid, Some("tok-b")).await;

    let sent = app.send("tok-a", &rid, "hello").await.ok()["message"].clone();
    let event = ddp.event("stream-room-messages", &rid).await;
    assert_eq!(event["id"], "id");
    let message = &event["fields"]["args"][0];
    assert_eq!(message["_id"], sent["_id"]);
    assert_eq!(message["msg"], "hello");
    assert_eq!(message["rid"], rid.as_str());
    assert_eq!(message["u"], sent["u"]);
    assert_eq!(message["ts"], json!({"$date": millis(&sent["ts"])}), "{message}");
    assert_eq!(message["_updatedAt"], json!({"$date": millis(&sent["_updatedAt"])}));
    assert!(message.get("token").is_none(), "the visitor token never travels: {message}");

    let id = sent["_id"].as_str().expect("id");
    let body = json!({"token": "tok-a", "rid": rid, "msg": "hello again"});
    let edited =
        app.put(&format!("/api/v1/livechat/message/{id}"), body).await.ok()["message"].clone();
    let event = ddp.event("stream-room-messages", &rid).await;
    let message = &event["fields"]["args"][0];
    assert_eq!(message["_id"], id);
    assert_eq!(message["msg"], "hello again");
    assert_eq!(message["editedAt"], json!({"$date": millis(&edited["editedAt"])}), "{message}");
    assert_eq!(message["editedBy"]["username"], edited["editedBy"]["username"]);

    let body = json!({"token": "tok-a", "rid": rid});
    app.delete(&format!("/api/v1/livechat/message/{id}"), Some(body)).await.ok();
    let event = ddp.event("stream-notify-room", &format!("{rid}/deleteMessage")).await;
    assert_eq!(event["fields"]["args"], json!([{"_id": id}]));

    // The other room's socket saw none of this: its first event is its own room's.
    app.send("tok-b", &other_rid, "elsewhere").await.ok();
    let first = bystander
        .next_where(|frame| {
            let args = &frame["fields"]["args"][0];
            let waiting = args["type"] == "queueData"
                || (args["type"] == "agentData" && args.get("data").is_none());
            frame["msg"] == "changed" && !waiting
        })
        .await;
    assert_eq!(first["fields"]["eventName"], other_rid.as_str(), "{first}");
    assert_eq!(first["fields"]["args"][0]["msg"], "elsewhere");
}

#[actix_web::test]
async fn typing_is_relayed_to_the_room_under_the_callers_name() {
    let app = TestApp::new().await;
    let visitor = app.register("tok-a").await;
    let rid = app.visitor_with_room("tok-a").await;
    app.visitor_with_room("tok-b").await;
    let mut watcher = Ddp::connect(&app.base).await;
    watcher.watch_room(&rid, Some("tok-a")).await;
    let mut typist = Ddp::connect(&app.base).await;

    let event = format!("{rid}/typing");
    let params = json!([event, "spoofed-name", true, {"token": "tok-a"}]);
    let reply = typist.call("1", "stream-notify-room", params).await;
    assert!(reply.get("error").is_none(), "{reply}");
    let typing = watcher.event("stream-notify-room", &event).await;
    assert_eq!(typing["fields"]["args"], json!([visitor["username"], true]));

    let params = json!([event, "guest", true, {"token": "tok-b"}]);
    let reply = typist.call("2", "stream-notify-room", params).await;
    assert_eq!(reply["error"]["error"], "not-allowed", "{reply}");
}

#[actix_web::test]
async fn an_agent_logs_in_with_its_token_and_watches_the_rooms_it_serves() {
    let app = TestApp::new().await;
    let agent = add_agent(&app, "alice", "agent", "available");
    let rid = app.visitor_with_room("tok-a").await;
    let mut visitor = Ddp::connect(&app.base).await;
    visitor.watch_room(&rid, Some("tok-a")).await;
    let mut ddp = Ddp::connect(&app.base).await;

    let refused = ddp.call("1", "login", json!([{"resume": "not-a-token"}])).await;
    assert_eq!(refused["error"]["error"], 403, "{refused}");
    let refused = ddp.sub("s0", "stream-room-messages", &rid, None).await;
    assert_eq!(refused["msg"], "nosub", "not logged in: {refused}");

    let login = ddp.call("2", "login", json!([{"resume": agent.token}])).await;
    assert_eq!(login["result"]["id"], agent.id.as_str(), "{login}");
    assert_eq!(login["result"]["token"], agent.token.as_str());
    assert!(login["result"]["tokenExpires"]["$date"].is_i64(), "{login}");
    ddp.watch_room(&rid, None).await;

    // The room's `uj` message may still be on its way (sent before the subscription).
    let sent = app.send("tok-a", &rid, "hi agent").await.ok()["message"]["_id"].clone();
    let event = ddp.next_where(|frame| frame["fields"]["args"][0]["_id"] == sent).await;
    assert_eq!(event["fields"]["eventName"], rid.as_str());
    assert_eq!(event["fields"]["args"][0]["msg"], "hi agent");

    let body = json!({"message": {"rid": rid, "msg": "hi visitor"}});
    agent_post(&app, &agent, "/api/v1/chat.sendMessage", body).await;
    for socket in [&mut visitor, &mut ddp] {
        let event =
            socket.next_where(|frame| frame["fields"]["args"][0]["msg"] == "hi visitor").await;
        let message = &event["fields"]["args"][0];
        assert_eq!(message["u"]["_id"], agent.id.as_str(), "{message}");
        assert!(message["ts"]["$date"].is_i64(), "{message}");
    }

    // Another agent sees neither this room (served by alice) nor its messages.
    let bob = add_agent(&app, "bob", "agent", "not-available");
    let mut other = Ddp::connect(&app.base).await;
    other.call("1", "login", json!([{"resume": bob.token}])).await;
    let refused = other.sub("s1", "stream-room-messages", &rid, None).await;
    assert_eq!(refused["msg"], "nosub", "{refused}");
    // An admin sees every room.
    let admin = add_agent(&app, "root", "admin", "not-available");
    let mut admin_socket = Ddp::connect(&app.base).await;
    admin_socket.call("1", "login", json!([{"resume": admin.token}])).await;
    let ready = admin_socket.sub("s1", "stream-room-messages", &rid, None).await;
    assert_eq!(ready["msg"], "ready", "{ready}");
}

#[actix_web::test]
async fn assigning_an_agent_emits_agent_data_and_the_join_message() {
    let app = TestApp::new().await;
    let agent = add_agent(&app, "alice", "agent", "not-available");
    let rid = app.visitor_with_room("tok-a").await;
    let mut ddp = Ddp::connect(&app.base).await;
    ddp.watch_room(&rid, Some("tok-a")).await;

    // A queued room is visible to agents who may take it.
    let mut agent_socket = Ddp::connect(&app.base).await;
    agent_socket.call("1", "login", json!([{"resume": agent.token}])).await;
    agent_socket.watch_room(&rid, None).await;

    agent_post(&app, &agent, "/api/v1/livechat/agent.status", json!({"status": "available"})).await;
    let event = ddp.event("stream-livechat-room", &rid).await;
    // The same agent as `livechat/agent.info` shows.
    let info = app.get(&format!("/api/v1/livechat/agent.info/{rid}/tok-a")).await.ok();
    assert_eq!(info["agent"]["_id"], agent.id.as_str());
    assert_eq!(info["agent"]["username"], agent.username.as_str());
    assert_eq!(event["fields"]["args"], json!([{"type": "agentData", "data": info["agent"]}]));
    let data_status = info["agent"]["status"].clone();
    let joined = ddp.event("stream-room-messages", &rid).await;
    assert_eq!(joined["fields"]["args"][0]["t"], "uj", "{joined}");
    assert_eq!(joined["fields"]["args"][0]["u"]["_id"], agent.id.as_str());
    let seen = agent_socket.event("stream-livechat-room", &rid).await;
    assert_eq!(seen["fields"]["args"][0]["type"], "agentData");

    // The agent's availability reaches the rooms it serves, as `agent.info` shows it.
    let body = json!({"status": "not-available"});
    agent_post(&app, &agent, "/api/v1/livechat/agent.status", body).await;
    let info = app.get(&format!("/api/v1/livechat/agent.info/{rid}/tok-a")).await.ok();
    let status = json!([{"type": "agentStatus", "status": info["agent"]["status"]}]);
    assert_ne!(info["agent"]["status"], data_status, "{info}");
    ddp.next_where(|frame| frame["fields"]["args"] == status).await;

    // Closing the room shows the close message.
    app.close("tok-a", &rid).await.ok();
    let closed = ddp.next_where(|frame| frame["fields"]["args"][0]["t"] == "livechat-close").await;
    assert_eq!(closed["fields"]["eventName"], rid.as_str());
}

#[actix_web::test]
async fn a_socket_that_never_reads_does_not_slow_the_others() {
    const COUNT: usize = 2000;
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let mut stalled = Ddp::connect_with_buffer(&app.base, Some(4096)).await;
    stalled.watch_room(&rid, Some("tok-a")).await;
    let mut reader = Ddp::connect(&app.base).await;
    reader.watch_room(&rid, Some("tok-a")).await;

    // The reader collects message ids while the sends go on; the stalled socket is never
    // read again. Big messages, so that the stalled socket's buffers fill up.
    let watched = rid.clone();
    let collect = actix_web::rt::spawn(async move {
        let mut seen = HashSet::new();
        while seen.len() < COUNT {
            let event = reader.event("stream-room-messages", &watched).await;
            seen.insert(event["fields"]["args"][0]["_id"].as_str().unwrap_or_default().to_owned());
        }
        (seen, Instant::now())
    });
    let text = "x".repeat(4000);
    let started = Instant::now();
    let statuses: Vec<u16> = futures_util::stream::iter(0..COUNT)
        .map(|n| {
            let body =
                json!({"token": "tok-a", "rid": rid, "msg": text, "_id": format!("burst-{n}")});
            let url = format!("{}/api/v1/livechat/message", app.base);
            async move {
                let res = reqwest::Client::new().post(url).json(&body).send().await;
                res.map_or(0, |res| res.status().as_u16())
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let sent_at = Instant::now();
    assert!(statuses.iter().all(|status| *status == 200), "every send succeeds");
    let (seen, done_at) = tokio::time::timeout(Duration::from_secs(30), collect)
        .await
        .expect("the reader got every message in time")
        .expect("reader task");
    assert_eq!(seen.len(), COUNT);
    let lag = done_at.saturating_duration_since(sent_at);
    assert!(lag < Duration::from_secs(5), "the reader lagged {lag:?} after the last send");
    assert!(started.elapsed() < Duration::from_secs(120));

    // The stalled socket was closed once it fell behind, so it never got everything.
    let mut delivered = 0;
    let ended = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(Ok(message)) = stalled.socket.next().await {
            match message {
                Message::Text(text) if text.as_str().contains("stream-room-messages") => {
                    delivered += 1;
                }
                Message::Close(_) => break,
                _ => {}
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the stalled socket was closed");
    assert!(delivered < COUNT, "the stalled socket's buffer is bounded ({delivered})");
}

/// Whether the tests run on PostgreSQL; the fan-out between instances needs it.
fn on_postgres(app: &TestApp) -> bool {
    let postgres = matches!(Backend::from_url(&app.database_url), Backend::Postgres(_));
    if !postgres {
        eprintln!("needs PostgreSQL (LIVECHAT_TEST_BACKEND=postgres); skipped on SQLite");
    }
    postgres
}

#[actix_web::test]
async fn a_message_sent_through_one_instance_reaches_subscribers_on_another() {
    let app = TestApp::new().await;
    if !on_postgres(&app) {
        return;
    }
    let (second_base, second) = support::second_instance(&app.database_url);
    let rid = app.visitor_with_room("tok-a").await;
    let mut far = Ddp::connect(&second_base).await;
    far.watch_room(&rid, Some("tok-a")).await;
    let mut near = Ddp::connect(&app.base).await;
    near.watch_room(&rid, Some("tok-a")).await;

    let one = app.send("tok-a", &rid, "one").await.ok()["message"]["_id"].clone();
    let two = app.send("tok-a", &rid, "two").await.ok()["message"]["_id"].clone();
    // Each socket gets each message exactly once, in order, whichever instance it is on.
    for socket in [&mut far, &mut near] {
        let first = socket.event("stream-room-messages", &rid).await;
        let next = socket.event("stream-room-messages", &rid).await;
        assert_eq!(first["fields"]["args"][0]["_id"], one, "{first}");
        assert_eq!(next["fields"]["args"][0]["_id"], two, "{next}");
    }

    // Typing on one instance reaches the other too.
    let event = format!("{rid}/typing");
    far.call("1", "stream-notify-room", json!([event, "x", true, {"token": "tok-a"}])).await;
    let typing = near.event("stream-notify-room", &event).await;
    assert_eq!(typing["fields"]["args"][1], true);
    second.stop(false).await;
}

#[actix_web::test]
async fn the_listener_reconnects_and_closes_sockets_that_may_have_missed_events() {
    let app = TestApp::new().await;
    if !on_postgres(&app) {
        return;
    }
    let proxy = support::Proxy::start(&app.database_url);
    let (second_base, second) = support::second_instance(&proxy.url);
    let rid = app.visitor_with_room("tok-a").await;
    let mut far = Ddp::connect(&second_base).await;
    far.watch_room(&rid, Some("tok-a")).await;

    proxy.cut();
    // Notifications sent while the listener was away are lost to it, so once it is back
    // its sockets are closed and their clients catch up with the history.
    let closed = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match far.socket.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the socket was closed after the listener lost its connection");

    // The listener listens again: a message sent through the other instance arrives.
    let mut again = Ddp::connect(&second_base).await;
    again.watch_room(&rid, Some("tok-a")).await;
    let sent = app.send("tok-a", &rid, "after the outage").await.ok()["message"]["_id"].clone();
    let event = again.event("stream-room-messages", &rid).await;
    assert_eq!(event["fields"]["args"][0]["_id"], sent, "{event}");
    second.stop(false).await;
}
