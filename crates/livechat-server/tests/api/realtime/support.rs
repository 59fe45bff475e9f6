//! Helpers of the realtime tests: a small DDP client, agents made in the database, a
//! second server instance and a TCP proxy that can cut the database connections.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use livechat_server::db::users::UserRow;
use livechat_server::db::{self, Backend, DbManager};
use livechat_server::{auth, AppState, Config};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

use super::super::TestApp;

/// How long a test waits for one frame.
pub const WAIT: Duration = Duration::from_secs(10);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A DDP client on one socket.
pub struct Ddp {
    pub socket: Socket,
    pub session: String,
}

impl Ddp {
    /// Opens a socket to `base` (an `http://` URL) and completes the DDP handshake.
    pub async fn connect(base: &str) -> Self {
        Self::connect_with_buffer(base, None).await
    }

    /// Like [`Ddp::connect`], optionally with a small fixed TCP receive buffer (the kernel
    /// otherwise grows it to many megabytes, and a stalled client would never stall).
    pub async fn connect_with_buffer(base: &str, receive_buffer: Option<u32>) -> Self {
        let address = base.trim_start_matches("http://");
        let tcp = tokio::net::TcpSocket::new_v4().expect("socket");
        if let Some(size) = receive_buffer {
            tcp.set_recv_buffer_size(size).expect("receive buffer");
        }
        let stream = tcp.connect(address.parse().expect("address")).await.expect("connect");
        let url = format!("ws://{address}/websocket");
        let stream = tokio_tungstenite::MaybeTlsStream::Plain(stream);
        let (socket, _) = tokio_tungstenite::client_async(url, stream).await.expect("websocket");
        let mut ddp = Self { socket, session: String::new() };
        ddp.send(json!({"msg": "connect", "version": "1", "support": ["1", "pre2", "pre1"]})).await;
        let connected = ddp.next().await;
        assert_eq!(connected["msg"], "connected", "{connected}");
        ddp.session = connected["session"].as_str().expect("session id").to_owned();
        ddp
    }

    pub async fn send(&mut self, frame: Value) {
        self.socket.send(Message::text(frame.to_string())).await.expect("send");
    }

    /// The next DDP frame; fails after [`WAIT`].
    pub async fn next(&mut self) -> Value {
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
    pub async fn next_where(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        loop {
            let frame = self.next().await;
            if wanted(&frame) {
                return frame;
            }
        }
    }

    /// The next event on `collection` with event name `event`, other than what a room
    /// waiting in a queue hears whenever that queue moves (its place, `queueData`, and an
    /// `agentData` without data: no agent yet).
    pub async fn event(&mut self, collection: &str, event: &str) -> Value {
        self.next_where(|frame| {
            let args = &frame["fields"]["args"][0];
            let waiting = args["type"] == "queueData"
                || (args["type"] == "agentData" && args.get("data").is_none());
            frame["msg"] == "changed"
                && frame["collection"] == collection
                && frame["fields"]["eventName"] == event
                && !waiting
        })
        .await
    }

    /// Calls a method and returns its `result` frame.
    pub async fn call(&mut self, id: &str, method: &str, params: Value) -> Value {
        self.send(json!({"msg": "method", "id": id, "method": method, "params": params})).await;
        self.next_where(|frame| frame["msg"] == "result" && frame["id"] == id).await
    }

    /// Subscribes the way the widget does and returns the `ready` or `nosub` frame.
    pub async fn sub(&mut self, id: &str, name: &str, event: &str, token: Option<&str>) -> Value {
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
    pub async fn watch_room(&mut self, rid: &str, token: Option<&str>) {
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
pub struct TestAgent {
    pub id: String,
    pub username: String,
    pub token: String,
}

pub fn add_agent(app: &TestApp, username: &str, role: &str, status: &str) -> TestAgent {
    let backend = Backend::from_url(&app.database_url);
    let mut conn = DbManager::new(backend, Duration::from_secs(5)).connect().expect("database");
    let now = livechat_types::Timestamp::now().as_millis();
    let row = UserRow {
        id: livechat_server::ids::random_id(),
        username: username.to_owned(),
        name: format!("{username} name"),
        password_hash: "unused".to_owned(),
        status: status.to_owned(),
        created_at: now,
        roles: match role {
            "agent" => "livechat-agent",
            "admin" => "admin,livechat-agent",
            stored => stored,
        }
        .to_owned(),
        presence: "offline".to_owned(),
        email: None,
        seen_at: None,
    };
    db::users::insert(&mut conn, &row).expect("insert user");
    let token = auth::new_auth_token();
    db::users::insert_token(&mut conn, &auth::hash_token(&token), &row.id, now).expect("token");
    TestAgent { id: row.id, username: row.username, token }
}

/// A POST with the agent's credentials; returns the JSON reply after asserting a 200.
pub async fn agent_post(app: &TestApp, agent: &TestAgent, path: &str, body: Value) -> Value {
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

pub fn millis(iso: &Value) -> i64 {
    let text = iso.as_str().expect("ISO timestamp");
    livechat_types::Timestamp::parse(text).expect("timestamp").as_millis()
}

/// A second server instance on the same database as `app`; returns its base URL and handle.
pub fn second_instance(database_url: &str) -> (String, actix_web::dev::ServerHandle) {
    second_instance_with(database_url, |_| {})
}

/// [`second_instance`] with its configuration adjusted.
pub fn second_instance_with(
    database_url: &str,
    adjust: impl FnOnce(&mut Config),
) -> (String, actix_web::dev::ServerHandle) {
    let mut config = Config::with_database(database_url);
    adjust(&mut config);
    let state = AppState::open(config).expect("state");
    let (server, addrs) = livechat_server::bind(state).expect("bind");
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (format!("http://{}", addrs[0]), handle)
}

/// A TCP proxy in front of PostgreSQL whose connections can be cut, to simulate a network
/// failure without touching the shared database server.
pub struct Proxy {
    /// `database_url` with the proxy as host.
    pub url: String,
    cut: watch::Sender<u64>,
}

impl Proxy {
    /// A proxy for the database of `database_url` (a `postgres://user@host:port/db` URL).
    /// It runs on a thread of its own: the server's start-up blocks the test's thread.
    pub fn start(database_url: &str) -> Self {
        let at = database_url.find('@').expect("user@host") + 1;
        let slash = at + database_url[at..].find('/').expect("database name");
        let target = database_url[at..slash].to_owned();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("non-blocking");
        let address: SocketAddr = listener.local_addr().expect("address");
        let url = format!("{}{address}{}", &database_url[..at], &database_url[slash..]);
        let (cut, generation) = watch::channel(0u64);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            runtime.expect("proxy runtime").block_on(async move {
                let listener = TcpListener::from_std(listener).expect("listener");
                while let Ok((client, _)) = listener.accept().await {
                    let Ok(server) = TcpStream::connect(&target).await else { continue };
                    let mut generation = generation.clone();
                    let born = *generation.borrow_and_update();
                    tokio::spawn(async move {
                        let (mut client, mut server) = (client, server);
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                            _ = generation.wait_for(|now| *now != born) => {}
                        }
                    });
                }
            });
        });
        Self { url, cut }
    }

    /// Drops every connection open now; new ones are accepted again.
    pub fn cut(&self) {
        self.cut.send_modify(|generation| *generation += 1);
    }
}
