//! Server integration tests: the real HTTP server in-process on a free port, a fresh
//! database per test (a SQLite file in a temporary folder, or with
//! `LIVECHAT_TEST_BACKEND=postgres` a PostgreSQL database created and dropped per test).

mod access;
mod access_matrix;
mod accounts;
mod after_chat;
mod agent;
mod bad_input;
mod bounds;
mod canned;
mod concurrency;
mod console;
mod custom_fields;
mod departments;
mod envelope;
mod files;
mod labels;
mod limits;
mod message;
mod methods;
mod migrations;
mod openapi;
mod paths;
mod permissions;
mod queue;
mod queue_races;
mod realtime;
mod receiver_support;
mod room;
mod rooms;
mod routing;
mod settings;
mod smtp_support;
mod store;
mod timers;
mod triggers;
mod users;
mod visitor;
mod webhooks;
mod widget;

// The real SMTP server and webhook receiver of the e-mail and webhook tests, shared with the
// SDK's suites; `smtp_support` and `receiver_support` test them.
#[path = "../support/receiver.rs"]
mod receiver;
#[path = "../support/smtp.rs"]
mod smtp;

use diesel::connection::SimpleConnection;
use diesel::Connection;
use livechat_server::password::{Passwords, Settings};
use livechat_server::{AppState, Config};
use reqwest::Method;
use serde_json::{json, Value};

/// One reply: status, headers and the JSON body (`Null` when the body is not JSON).
#[derive(Debug)]
pub struct Res {
    pub status: u16,
    pub json: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Res {
    /// Asserts a 200 with `"success": true` and returns the body.
    #[track_caller]
    pub fn ok(self) -> Value {
        assert_eq!(self.status, 200, "{}", self.json);
        assert_eq!(self.json["success"], true, "{}", self.json);
        self.json
    }

    /// Asserts a plain-style business error.
    #[track_caller]
    pub fn assert_error(&self, code: &str) {
        assert_eq!(self.status, 400, "{}", self.json);
        assert_eq!(self.json, json!({"success": false, "error": code}));
    }

    /// Asserts a `livechat/visitor*`-style business error.
    #[track_caller]
    pub fn assert_visitor_error(&self, code: &str) {
        assert_eq!(self.status, 400, "{}", self.json);
        assert_eq!(
            self.json,
            json!({"success": false, "error": format!("[{code}]"), "errorType": code})
        );
    }

    /// Asserts a 400 `invalid-params`.
    #[track_caller]
    pub fn assert_invalid_params(&self) {
        assert_eq!(self.status, 400, "{}", self.json);
        assert_eq!(self.json["success"], false, "{}", self.json);
        assert_eq!(self.json["errorType"], "invalid-params", "{}", self.json);
        let error = self.json["error"].as_str().unwrap_or_default();
        assert!(error.ends_with(" [invalid-params]"), "{error}");
    }
}

/// A database of its own for one test.
enum TestDb {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

/// The backend a test database lives on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestBackend {
    Sqlite,
    Postgres,
}

impl TestBackend {
    /// The backend the suite runs on: `LIVECHAT_TEST_BACKEND=postgres`, else SQLite.
    pub fn configured() -> Self {
        match std::env::var("LIVECHAT_TEST_BACKEND").as_deref() {
            Ok("postgres") => Self::Postgres,
            _ => Self::Sqlite,
        }
    }
}

impl TestDb {
    fn create(backend: TestBackend) -> (Self, String) {
        match backend {
            TestBackend::Postgres => {
                let admin_url = std::env::var("LIVECHAT_TEST_PG_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
                let name = format!("lc_{}", livechat_server::ids::random_id().to_lowercase());
                let mut admin = diesel::PgConnection::establish(&admin_url)
                    .unwrap_or_else(|err| panic!("PostgreSQL at {admin_url}: {err}"));
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .unwrap_or_else(|err| panic!("create database {name}: {err}"));
                let url = match admin_url.rfind('/') {
                    Some(slash) if slash > "postgres://".len() => {
                        format!("{}/{name}", &admin_url[..slash])
                    }
                    _ => format!("{admin_url}/{name}"),
                };
                (Self::Postgres { admin_url, name }, url)
            }
            TestBackend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary folder");
                let path = dir.path().join("livechat.db").display().to_string();
                (Self::Sqlite(dir), path)
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, name } = self {
            if let Ok(mut admin) = diesel::PgConnection::establish(admin_url) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// The password pool the tests' users are hashed on (one hash at a time, see
/// [`TestApp::add_user`]).
fn passwords() -> &'static Passwords {
    static PASSWORDS: std::sync::OnceLock<Passwords> = std::sync::OnceLock::new();
    PASSWORDS.get_or_init(|| Passwords::new(Settings::default()))
}

/// A running server with its own database.
pub struct TestApp {
    pub base: String,
    /// The database this server uses (a second instance may share it).
    pub database_url: String,
    client: reqwest::Client,
    handle: actix_web::dev::ServerHandle,
    _db: TestDb,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_config(|_| {}).await
    }

    pub async fn with_config(adjust: impl FnOnce(&mut Config)) -> Self {
        Self::on(TestBackend::configured(), adjust).await
    }

    /// A server on `backend`, whatever the suite runs on.
    pub async fn on(backend: TestBackend, adjust: impl FnOnce(&mut Config)) -> Self {
        let (db, url) = TestDb::create(backend);
        let mut config = Config::with_database(url.clone());
        // These tests make thousands of requests from one address; the limits have their
        // own tests, which switch them back on.
        config.rate_limit = false;
        adjust(&mut config);
        let state = AppState::open(config).expect("server state");
        let (server, addrs) = livechat_server::bind(state).expect("bind");
        let handle = server.handle();
        actix_web::rt::spawn(server);
        let base = format!("http://{}", addrs[0]);
        // Idle connections are dropped before the server's keep-alive (5 s) closes them, so
        // a request never races the server's close of the connection it reuses.
        let client = reqwest::Client::builder()
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .build()
            .expect("HTTP client");
        openapi::load(&client, &base).await;
        Self { base, database_url: url, client, handle, _db: db }
    }

    /// Any request; `body` is sent as JSON.
    pub async fn request(&self, method: Method, path: &str, body: Option<Value>) -> Res {
        let mut req = self.client.request(method.clone(), format!("{}{path}", self.base));
        if let Some(body) = body {
            req = req.json(&body);
        }
        Self::read(method, req.send().await.expect("request")).await
    }

    /// A request with a raw body and content type.
    pub async fn raw(&self, method: Method, path: &str, content_type: &str, body: Vec<u8>) -> Res {
        let req = self
            .client
            .request(method.clone(), format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        Self::read(method, req.send().await.expect("request")).await
    }

    /// Reads a reply and checks it against the OpenAPI document.
    async fn read(method: Method, res: reqwest::Response) -> Res {
        let path = res.url().path().to_owned();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.expect("body");
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status != 200 || !headers.contains_key("content-type") {
            // Every reply, errors included, is JSON with exactly this content type.
            assert_eq!(
                headers.get("content-type").and_then(|v| v.to_str().ok()),
                Some("application/json"),
                "status {status}: {}",
                String::from_utf8_lossy(&bytes)
            );
        }
        assert!(
            json.is_object(),
            "status {status}: not a JSON object: {:?}",
            String::from_utf8_lossy(&bytes)
        );
        openapi::check(&method, &path, status, &json);
        Res { status, json, headers }
    }

    pub async fn get(&self, path: &str) -> Res {
        self.request(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Res {
        self.request(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Res {
        self.request(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str, body: Option<Value>) -> Res {
        self.request(Method::DELETE, path, body).await
    }

    /// Registers a visitor and returns it.
    pub async fn register(&self, token: &str) -> Value {
        let body =
            self.post("/api/v1/livechat/visitor", json!({"visitor": {"token": token}})).await.ok();
        body["visitor"].clone()
    }

    /// Registers a visitor, opens its room and returns the room id.
    pub async fn visitor_with_room(&self, token: &str) -> String {
        self.register(token).await;
        let body = self.get(&format!("/api/v1/livechat/room?token={token}")).await.ok();
        body["room"]["_id"].as_str().expect("room id").to_owned()
    }

    /// Sends a message.
    pub async fn send(&self, token: &str, rid: &str, msg: &str) -> Res {
        self.post("/api/v1/livechat/message", json!({"token": token, "rid": rid, "msg": msg})).await
    }

    /// Sends a message with a client-chosen `_id`.
    pub async fn send_with_id(&self, token: &str, rid: &str, id: &str, msg: &str) -> Res {
        let body = json!({"token": token, "rid": rid, "msg": msg, "_id": id});
        self.post("/api/v1/livechat/message", body).await
    }

    /// Closes a room as its visitor.
    pub async fn close(&self, token: &str, rid: &str) -> Res {
        self.post("/api/v1/livechat/room.close", json!({"token": token, "rid": rid})).await
    }

    /// A GET with extra request headers.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Res {
        let mut req = self.client.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        Self::read(Method::GET, req.send().await.expect("request")).await
    }

    /// The body of a GET as text (`/metrics`).
    pub async fn get_text(&self, path: &str) -> String {
        let res = self.client.get(format!("{}{path}", self.base)).send().await.expect("request");
        res.text().await.expect("a text body")
    }

    /// The room's history, newest first (one page of up to 100).
    pub async fn history(&self, token: &str, rid: &str) -> Vec<Value> {
        let body = self
            .get(&format!("/api/v1/livechat/messages.history/{rid}?token={token}&limit=100"))
            .await
            .ok();
        body["messages"].as_array().cloned().unwrap_or_default()
    }
}

/// The password of users made by [`TestApp::agent`].
pub const AGENT_PASSWORD: &str = "password-123";

/// An agent or admin logged in over REST.
#[derive(Clone, Debug)]
pub struct AgentSession {
    pub id: String,
    pub username: String,
    pub token: String,
}

impl AgentSession {
    /// The `X-User-Id` and `X-Auth-Token` headers.
    pub fn headers(&self) -> [(&str, &str); 2] {
        [("X-User-Id", self.id.as_str()), ("X-Auth-Token", self.token.as_str())]
    }
}

impl TestApp {
    /// Stores a user (not available) in the test's database, as `livechat-server user add`
    /// does; returns its id. `role` is `agent`, `manager`, `admin` (an admin who takes
    /// chats, as a migrated one), or a stored role set (`livechat-manager,livechat-agent`).
    pub fn add_user(&self, username: &str, password: &str, role: &str) -> String {
        use livechat_server::db::{self, Backend, DbManager};

        // Argon2 is slow by design: hash each password once per test run.
        static HASHES: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());
        let mut hashes = HASHES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let hash = match hashes.iter().find(|(known, _)| known == password) {
            Some((_, hash)) => hash.clone(),
            None => {
                let hash = passwords().hash_blocking(password).expect("hash");
                hashes.push((password.to_owned(), hash.clone()));
                hash
            }
        };
        drop(hashes);
        let backend = Backend::from_url(&self.database_url);
        let mut conn =
            DbManager::new(backend, std::time::Duration::from_secs(5)).connect().expect("database");
        let row = db::users::UserRow {
            id: livechat_server::ids::random_id(),
            username: username.to_owned(),
            name: format!("{username} name"),
            password_hash: hash,
            status: "not-available".to_owned(),
            created_at: livechat_types::Timestamp::now().as_millis(),
            roles: match role {
                "agent" => "livechat-agent",
                "manager" => "livechat-manager",
                "admin" => "admin,livechat-agent",
                stored => stored,
            }
            .to_owned(),
            presence: "offline".to_owned(),
            email: None,
            seen_at: None,
        };
        db::users::insert(&mut conn, &row).expect("insert user");
        row.id
    }

    /// Defines visible visitor custom fields `keys` (values of undefined fields are not
    /// stored), straight in the database.
    pub fn define_fields(&self, keys: &[&str]) {
        use livechat_server::db::{self, Backend, DbManager};
        let backend = Backend::from_url(&self.database_url);
        let mut conn =
            DbManager::new(backend, std::time::Duration::from_secs(5)).connect().expect("database");
        for key in keys {
            let row = db::custom_fields::CustomFieldRow {
                id: (*key).to_owned(),
                label: (*key).to_owned(),
                scope: "visitor".into(),
                visibility: "visible".into(),
                regexp: String::new(),
                searchable: true,
                kind: "input".into(),
                required: false,
                default_value: String::new(),
                options: String::new(),
                public: false,
                updated_at: 0,
            };
            db::custom_fields::save(&mut conn, &row, false).expect("define field");
        }
    }

    /// A new user with [`AGENT_PASSWORD`], logged in over REST (not yet available).
    pub async fn agent(&self, username: &str, role: &str) -> AgentSession {
        let id = self.add_user(username, AGENT_PASSWORD, role);
        let body = json!({"user": username, "password": AGENT_PASSWORD});
        let data = self.post("/api/v1/login", body).await.ok()["data"].clone();
        assert_eq!(data["userId"], id.as_str(), "{data}");
        let token = data["authToken"].as_str().expect("auth token").to_owned();
        AgentSession { id, username: username.to_owned(), token }
    }

    /// Any request with extra request headers; `body` is sent as JSON.
    pub async fn request_with(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Res {
        let mut req = self.client.request(method.clone(), format!("{}{path}", self.base));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        Self::read(method, req.send().await.expect("request")).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sends the stop command at once; the workers wind down on their own.
        drop(self.handle.stop(false));
    }
}

/// The value of the series `name` (with its labels) in Prometheus text `metrics`.
pub fn metric(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or(f64::NAN)
}
