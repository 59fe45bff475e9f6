//! Realtime delivery (SPEC section 8): DDP over WebSocket at `/websocket`, driven with a
//! real WebSocket client against the running server.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use livechat_server::db::users::UserRow;
use livechat_server::db::{self, Backend, DbManager};
use livechat_server::{auth, AppState, Config};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use super::TestApp;

/// How long a test waits for one frame.
const WAIT: Duration = Duration::from_secs(10);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A DDP client on one socket.
struct Ddp {
    socket: Socket,
    session: String,
}

impl Ddp {
    /// Opens a socket to `base` (an `http://` URL) and completes the DDP handshake.
    async fn connect(base: &str) -> Self {
        let url = format!("{}/websocket", base.replacen("http://", "ws://", 1));
        let (socket, _) = tokio_tungstenite::connect_async(url).await.expect("websocket");
        let mut ddp = Self { socket, session: String::new() };
        ddp.send(json!({"msg": "connect", "version": "1", "support": ["1", "pre2", "pre1"]})).await;
        let connected = ddp.next().await;
        assert_eq!(connected["msg"], "connected", "{connected}");
        ddp.session = connected["session"].as_str().expect("session id").to_owned();
        ddp
    }

    async fn send(&mut self, frame: Value) {
        self.socket.send(Message::text(frame.to_string())).await.expect("send");
    }

    /// The next DDP frame; fails after [`WAIT`].
    async fn next(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .expect("no frame in time")
                .expect("socket closed")
                .expect("socket error");
            if let Message::Text(text) = message {
                return serde_json::from_str(text.as_str()).expect("JSON frame");
            }
        }
    }

    /// The next frame that satisfies `wanted`, skipping others (server pings, say).
    async fn next_where(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        loop {
            let frame = self.next().await;
            if wanted(&frame) {
                return frame;
            }
        }
    }

    /// The next event on `collection` with event name `event`.
    async fn event(&mut self, collection: &str, event: &str) -> Value {
        self.next_where(|frame| {
            frame["msg"] == "changed"
                && frame["collection"] == collection
                && frame["fields"]["eventName"] == event
        })
        .await
    }

    /// Calls a method and returns its `result` frame.
    async fn call(&mut self, id: &str, method: &str, params: Value) -> Value {
        self.send(json!({"msg": "method", "id": id, "method": method, "params": params})).await;
        self.next_where(|frame| frame["msg"] == "result" && frame["id"] == id).await
    }

    /// Subscribes the way the widget does and returns the `ready` or `nosub` frame.
    async fn sub(&mut self, id: &str, name: &str, event: &str, token: Option<&str>) -> Value {
        let args = match token {
            Some(token) => json!([{"token": token, "visitorToken": token}]),
            None => json!([]),
        };
        let params = json!([event, {"useCollection": false, "args": args}]);
        self.send(json!({"msg": "sub", "id": id, "name": name, "params": params})).await;
        self.next_where(|frame| {
            (frame["msg"] == "ready" && frame["subs"][0] == id)
                || (frame["msg"] == "nosub" && frame["id"] == id)
        })
        .await
    }

    /// Subscribes to a room's messages, typing and deletions, asserting each is ready.
    async fn watch_room(&mut self, rid: &str, token: Option<&str>) {
        for (id, name, event) in [
            ("m", "stream-room-messages", rid.to_owned()),
            ("t", "stream-notify-room", format!("{rid}/typing")),
            ("d", "stream-notify-room", format!("{rid}/deleteMessage")),
            ("l", "stream-livechat-room", rid.to_owned()),
        ] {
            let reply = self.sub(&format!("{id}-{rid}"), name, &event, token).await;
            assert_eq!(reply["msg"], "ready", "{name} {event}: {reply}");
        }
    }
}

/// An agent or admin made straight in the test's database, with a known auth token.
struct TestAgent {
    id: String,
    username: String,
    token: String,
}

fn add_agent(app: &TestApp, username: &str, role: &str, status: &str) -> TestAgent {
    let backend = Backend::from_url(&app.database_url);
    let mut conn = DbManager::new(backend, Duration::from_secs(5)).connect().expect("database");
    let now = livechat_types::Timestamp::now().as_millis();
    let row = UserRow {
        id: livechat_server::ids::random_id(),
        username: username.to_owned(),
        name: format!("{username} name"),
        password_hash: "unused".to_owned(),
        role: role.to_owned(),
        status: status.to_owned(),
        last_assigned_at: 0,
        created_at: now,
    };
    db::users::insert(&mut conn, &row).expect("insert user");
    let token = auth::new_auth_token();
    db::users::insert_token(&mut conn, &auth::hash_token(&token), &row.id, now).expect("token");
    TestAgent { id: row.id, username: row.username, token }
}

/// A POST with the agent's credentials; returns the JSON reply after asserting a 200.
async fn agent_post(app: &TestApp, agent: &TestAgent, path: &str, body: Value) -> Value {
    let res = reqwest::Client::new()
        .post(format!("{}{path}", app.base))
        .header("x-user-id", &agent.id)
        .header("x-auth-token", &agent.token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    let json: Value = res.json().await.expect("JSON reply");
    assert_eq!(status, 200, "{json}");
    json
}

fn millis(iso: &Value) -> i64 {
    let text = iso.as_str().expect("ISO timestamp");
    livechat_types::Timestamp::parse(text).expect("timestamp").as_millis()
}

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
    assert_eq!(ddp.next().await, json!({"msg": "nosub", "id": "s1"}));
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
    let first = bystander.next_where(|frame| frame["msg"] == "changed").await;
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

    app.send("tok-a", &rid, "hi agent").await.ok();
    let event = ddp.event("stream-room-messages", &rid).await;
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
    let data = json!({"_id": agent.id, "username": agent.username, "name": "alice name",
                      "status": "available"});
    assert_eq!(event["fields"]["args"], json!([{"type": "agentData", "data": data}]));
    let joined = ddp.event("stream-room-messages", &rid).await;
    assert_eq!(joined["fields"]["args"][0]["t"], "uj", "{joined}");
    assert_eq!(joined["fields"]["args"][0]["u"]["_id"], agent.id.as_str());
    let seen = agent_socket.event("stream-livechat-room", &rid).await;
    assert_eq!(seen["fields"]["args"][0]["type"], "agentData");

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
    let mut stalled = Ddp::connect(&app.base).await;
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

#[actix_web::test]
async fn a_message_sent_through_one_instance_reaches_subscribers_on_another() {
    let app = TestApp::new().await;
    if !matches!(Backend::from_url(&app.database_url), Backend::Postgres(_)) {
        eprintln!(
            "cross-instance fan-out needs PostgreSQL (LIVECHAT_TEST_BACKEND=postgres); skipped"
        );
        return;
    }
    let state = AppState::open(Config::with_database(app.database_url.clone())).expect("state");
    let (server, addrs) = livechat_server::bind(state).expect("bind");
    let second = server.handle();
    actix_web::rt::spawn(server);
    let second_base = format!("http://{}", addrs[0]);

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
