//! Agent accounts: sessions and availability (logout), token expiry, the password policy
//! and usernames that ignore case.

use std::time::Duration;

use diesel::prelude::*;
use livechat_server::auth;
use livechat_server::cli::run_user_with;
use livechat_server::config::UserCommand;
use livechat_server::db::schema::auth_tokens;
use livechat_server::db::{Backend, DbConn, DbManager};
use livechat_server::Config;
use livechat_types::Timestamp;
use serde_json::{json, Value};

use super::agent::{get_as, not_logged_in, post_as, room_ids, rooms, set_status};
use super::realtime::support::Ddp;
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

/// One day, the shortest `--token-lifetime-days`.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A connection to the test's database, for what no endpoint can do (aging a token).
fn database(app: &TestApp) -> DbConn {
    let backend = Backend::from_url(&app.database_url);
    DbManager::new(backend, Duration::from_secs(5)).connect().expect("database")
}

/// When auth token `token` was made, as stored.
fn token_created_at(app: &TestApp, token: &str) -> i64 {
    let hash = auth::hash_token(token);
    auth_tokens::table
        .find(hash)
        .select(auth_tokens::created_at)
        .first(&mut database(app))
        .expect("token row")
}

/// Makes auth token `token` as old as if it had been made `by_ms` earlier.
fn age_token(app: &TestApp, token: &str, by_ms: i64) {
    let hash = auth::hash_token(token);
    diesel::update(auth_tokens::table.find(hash))
        .set(auth_tokens::created_at.eq(auth_tokens::created_at - by_ms))
        .execute(&mut database(app))
        .expect("age the token");
}

#[actix_web::test]
async fn a_token_expires_after_the_configured_lifetime() {
    let app = TestApp::with_config(|config| config.token_lifetime_days = 1).await;
    app.add_user("alice", AGENT_PASSWORD, "agent");
    let login = json!({"user": "alice", "password": AGENT_PASSWORD});
    let data = app.post("/api/v1/login", login).await.ok()["data"].clone();
    let alice = AgentSession {
        id: data["userId"].as_str().expect("id").to_owned(),
        username: "alice".into(),
        token: data["authToken"].as_str().expect("token").to_owned(),
    };

    // The reply names the real expiry: the login plus the lifetime.
    let created_at = token_created_at(&app, &alice.token);
    let expires = Timestamp::parse(data["tokenExpires"].as_str().expect("tokenExpires"));
    assert_eq!(expires, Some(Timestamp(created_at + DAY_MS)), "{data}");

    // A minute before it expires it still works, on REST and for the realtime login.
    age_token(&app, &alice.token, DAY_MS - 60_000);
    rooms(&app, &alice, "").await;
    let mut ddp = Ddp::connect(&app.base).await;
    let login = ddp.call("1", "login", json!([{"resume": alice.token}])).await;
    assert_eq!(login["result"]["tokenExpires"]["$date"], created_at + 60_000, "{login}");

    // Then it is refused like a token never seen.
    age_token(&app, &alice.token, 60_000);
    let res = get_as(&app, &alice, "/api/v1/livechat/rooms").await;
    assert_eq!((res.status, res.json), (401, not_logged_in()));
    let res = post_as(&app, &alice, "/api/v1/logout", json!({})).await;
    assert_eq!(res.status, 401, "{}", res.json);
    let login = ddp.call("2", "login", json!([{"resume": alice.token}])).await;
    assert_eq!(login["error"]["error"], 403, "{login}");
    // Her next login clears the expired token away.
    app.post("/api/v1/login", json!({"user": "alice", "password": AGENT_PASSWORD})).await.ok();
    let tokens: i64 = auth_tokens::table.count().get_result(&mut database(&app)).expect("count");
    assert_eq!(tokens, 1);
}

#[actix_web::test]
async fn an_expired_session_does_not_keep_an_agent_available() {
    let app = TestApp::new().await;
    let current = app.agent("alice", "agent").await;
    let body = json!({"user": "alice", "password": AGENT_PASSWORD});
    let data = app.post("/api/v1/login", body).await.ok()["data"].clone();
    let stale = AgentSession {
        token: data["authToken"].as_str().expect("token").to_owned(),
        ..current.clone()
    };
    // 90 days by default.
    let expires = Timestamp::parse(data["tokenExpires"].as_str().expect("tokenExpires"));
    assert_eq!(expires, Some(Timestamp(token_created_at(&app, &stale.token) + 90 * DAY_MS)));
    set_status(&app, &current, "available").await;
    age_token(&app, &stale.token, 90 * DAY_MS);

    // Its only live session logs out: the expired one does not keep it available.
    post_as(&app, &current, "/api/v1/logout", json!({})).await.ok();

    assert!(!online(&app).await);
}

/// `user add` run in-process with `password` on its standard input, under the test's
/// configuration changed by `adjust`.
fn user_add(
    app: &TestApp,
    adjust: impl FnOnce(&mut Config),
    username: &str,
    password: &str,
) -> anyhow::Result<String> {
    let mut config = Config::with_database(app.database_url.clone());
    adjust(&mut config);
    let command = UserCommand::Add {
        username: username.into(),
        name: None,
        password_stdin: true,
        roles: vec!["agent".into()],
    };
    run_user_with(&config, command, &mut format!("{password}\n").as_bytes())
}

#[actix_web::test]
async fn user_add_refuses_short_and_common_passwords() {
    let app = TestApp::new().await;

    let err = user_add(&app, |_| {}, "alice", "a-secret-11").expect_err("11 characters");
    assert_eq!(err.to_string(), "the password needs at least 12 characters");
    for common in ["123456789012", "Password1234", "iloveyou1234"] {
        let err = user_add(&app, |_| {}, "alice", common).expect_err(common);
        assert!(err.to_string().contains("most common passwords"), "{common}: {err}");
    }
    let err = user_add(&app, |c| c.password_min_chars = 20, "alice", "a-good-passphrase");
    assert_eq!(
        err.expect_err("17 characters").to_string(),
        "the password needs at least 20 characters"
    );
    let res = app.post("/api/v1/login", json!({"user": "alice", "password": "a-secret-11"})).await;
    assert_eq!(res.status, 401, "nobody was added: {}", res.json);

    user_add(&app, |_| {}, "alice", "a-good-passphrase").expect("a good password");
    let login = json!({"user": "alice", "password": "a-good-passphrase"});
    app.post("/api/v1/login", login).await.ok();
    // A user made before the policy still logs in with its shorter password.
    app.add_user("old-timer", "8-chars!", "agent");
    app.post("/api/v1/login", json!({"user": "old-timer", "password": "8-chars!"})).await.ok();
}

#[actix_web::test]
async fn usernames_are_unique_and_logged_in_ignoring_case() {
    let app = TestApp::new().await;
    user_add(&app, |_| {}, "alice", "a-good-passphrase").expect("alice");

    let err = user_add(&app, |_| {}, "Alice", "another-passphrase").expect_err("Alice");
    assert_eq!(err.to_string(), "a user named \"alice\" exists already (usernames ignore case)");
    let err = user_add(&app, |_| {}, "älice", "another-passphrase").expect_err("not ASCII");
    assert!(err.to_string().contains("1-64 characters of A-Z"), "{err}");

    for spelling in ["ALICE", "Alice", " alice "] {
        let login = json!({"user": spelling, "password": "a-good-passphrase"});
        let data = app.post("/api/v1/login", login).await.ok()["data"].clone();
        assert_eq!(data["me"]["username"], "alice", "{spelling}: {data}");
    }
    let wrong = json!({"user": "ALICE", "password": "another-passphrase"});
    assert_eq!(app.post("/api/v1/login", wrong).await.status, 401);
}
