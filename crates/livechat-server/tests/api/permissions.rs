//! Permissions: the defaults, `permissions.listAll` and `permissions.update`, and a change
//! taking effect at once here and, through the notification, on another instance.

use std::time::{Duration, Instant};

use livechat_server::db::Backend;
use livechat_server::{AppState, Config};
use reqwest::Method;
use serde_json::{json, Value};

use crate::{AgentSession, Res, TestApp};

async fn as_user(
    app: &TestApp,
    who: &AgentSession,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Res {
    app.request_with(method, path, body, &who.headers()).await
}

async fn set_grant(app: &TestApp, admin: &AgentSession, id: &str, roles: &[&str]) -> Res {
    let body = json!({"permissions": [{"_id": id, "roles": roles}]});
    as_user(app, admin, Method::POST, "/api/v1/permissions.update", Some(body)).await
}

fn forbidden(res: &Res) {
    assert_eq!(res.status, 403, "{}", res.json);
    assert_eq!(res.json, json!({"success": false, "error": "unauthorized"}));
}

#[actix_web::test]
async fn list_all_shows_the_default_grants() {
    let app = TestApp::new().await;
    let agent = app.agent("alice", "agent").await;

    let listed = as_user(&app, &agent, Method::GET, "/api/v1/permissions.listAll", None).await.ok();

    let grant = |id: &str| {
        listed["update"]
            .as_array()
            .and_then(|all| all.iter().find(|p| p["_id"] == id))
            .map(|p| p["roles"].clone())
    };
    let roles = |names: &[&str]| Some(json!(names));
    // Roles are listed in one order: user, admin, livechat-manager, livechat-agent.
    assert_eq!(grant("view-l-room"), roles(&["admin", "livechat-manager", "livechat-agent"]));
    assert_eq!(grant("manage-livechat-agents"), roles(&["admin", "livechat-manager"]));
    assert_eq!(grant("create-user"), roles(&["admin"]));
    // The SPEC's fix: agents forward the chats they serve.
    assert_eq!(
        grant("transfer-livechat-guest"),
        roles(&["admin", "livechat-manager", "livechat-agent"])
    );
    assert_eq!(listed["remove"], json!([]));
    // Only changes after `updatedSince`: none yet.
    let path = "/api/v1/permissions.listAll?updatedSince=2020-01-01T00:00:00.000Z";
    let since = as_user(&app, &agent, Method::GET, path, None).await.ok();
    assert_eq!(since["update"], json!([]));
    // Without credentials: 401.
    assert_eq!(app.get("/api/v1/permissions.listAll").await.status, 401);
}

#[actix_web::test]
async fn only_admins_change_grants_and_a_revoked_permission_takes_effect_at_once() {
    let app = TestApp::with_config(|config| config.permission_cache_ms = 600_000).await;
    let admin = app.agent("root", "admin").await;
    let manager = app.agent("boss", "manager").await;
    let agent = app.agent("alice", "agent").await;
    let rooms = "/api/v1/livechat/rooms";
    as_user(&app, &agent, Method::GET, rooms, None).await.ok();

    forbidden(&set_grant(&app, &manager, "view-l-room", &["admin"]).await);
    forbidden(&set_grant(&app, &agent, "view-l-room", &["admin"]).await);
    let unknown = set_grant(&app, &admin, "no-such-permission", &["admin"]).await;
    assert_eq!(unknown.status, 400);
    assert_eq!(
        unknown.json,
        json!({"success": false, "error": "Invalid permission [error-invalid-permission]",
               "errorType": "error-invalid-permission"})
    );
    let bad_role = set_grant(&app, &admin, "view-l-room", &["nobody"]).await;
    assert_eq!(bad_role.json["errorType"], "error-invalid-role", "{}", bad_role.json);
    as_user(&app, &agent, Method::GET, rooms, None).await.ok();

    // Agents lose view-l-room: at once (the cache lives ten minutes here).
    let updated = set_grant(&app, &admin, "view-l-room", &["livechat-manager", "admin"]).await.ok();
    let view = updated["permissions"]
        .as_array()
        .and_then(|all| all.iter().find(|p| p["_id"] == "view-l-room").cloned());
    assert_eq!(view.map(|p| p["roles"].clone()), Some(json!(["admin", "livechat-manager"])));
    forbidden(&as_user(&app, &agent, Method::GET, rooms, None).await);
    let status = json!({"status": "available"});
    let path = "/api/v1/livechat/agent.status";
    forbidden(&as_user(&app, &agent, Method::POST, path, Some(status.clone())).await);
    as_user(&app, &manager, Method::GET, rooms, None).await.ok();
    // listAll says when it changed.
    let path = "/api/v1/permissions.listAll?updatedSince=2020-01-01T00:00:00.000Z";
    let since = as_user(&app, &agent, Method::GET, path, None).await.ok();
    assert_eq!(since["update"].as_array().map(Vec::len), Some(1), "{since}");

    set_grant(&app, &admin, "view-l-room", &["livechat-manager", "livechat-agent", "admin"])
        .await
        .ok();
    as_user(&app, &agent, Method::GET, rooms, None).await.ok();
}

/// A second instance on the same database, its permission cache expiring only after ten
/// minutes: what it learns within the test, it learns through the notification.
fn second_instance(database_url: &str) -> (String, actix_web::dev::ServerHandle) {
    let mut config = Config::with_database(database_url);
    config.permission_cache_ms = 600_000;
    let state = AppState::open(config).expect("state");
    let (server, addrs) = livechat_server::bind(state).expect("bind");
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (format!("http://{}", addrs[0]), handle)
}

#[actix_web::test]
async fn a_revoked_permission_reaches_another_instance_through_the_notification() {
    let app = TestApp::with_config(|config| config.permission_cache_ms = 600_000).await;
    if !matches!(Backend::from_url(&app.database_url), Backend::Postgres(_)) {
        eprintln!("needs PostgreSQL (LIVECHAT_TEST_BACKEND=postgres); skipped on SQLite");
        return;
    }
    let admin = app.agent("root", "admin").await;
    let agent = app.agent("alice", "agent").await;
    let (second, handle) = second_instance(&app.database_url);
    let client = reqwest::Client::new();
    let rooms_on_second = || {
        client
            .get(format!("{second}/api/v1/livechat/rooms"))
            .header("X-User-Id", &agent.id)
            .header("X-Auth-Token", &agent.token)
            .send()
    };
    // The second instance reads and caches the grants.
    assert_eq!(rooms_on_second().await.expect("request").status(), 200);

    set_grant(&app, &admin, "view-l-room", &["livechat-manager", "admin"]).await.ok();

    let started = Instant::now();
    loop {
        let status = rooms_on_second().await.expect("request").status().as_u16();
        if status == 403 {
            break;
        }
        assert_eq!(status, 200);
        assert!(started.elapsed() < Duration::from_secs(10), "still allowed after 10 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // And back.
    set_grant(&app, &admin, "view-l-room", &["livechat-agent"]).await.ok();
    let started = Instant::now();
    while rooms_on_second().await.expect("request").status() != 200 {
        assert!(started.elapsed() < Duration::from_secs(10), "still refused after 10 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    handle.stop(false).await;
}

#[actix_web::test]
async fn a_manager_given_create_user_still_cannot_create_admins() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let manager = app.agent("boss", "manager").await;
    let create = |username: &str, roles: &[&str]| {
        json!({"username": username, "password": "correct-horse-battery-9", "name": username,
               "email": format!("{username}@example.com"), "roles": roles})
    };
    let path = "/api/v1/users.create";
    forbidden(&as_user(&app, &manager, Method::POST, path, Some(create("a1", &[]))).await);

    for id in ["create-user", "assign-roles"] {
        set_grant(&app, &admin, id, &["admin", "livechat-manager"]).await.ok();
    }

    let agent = create("a2", &["livechat-agent"]);
    let made = as_user(&app, &manager, Method::POST, path, Some(agent)).await.ok();
    assert_eq!(made["user"]["roles"], json!(["livechat-agent"]));
    // `admin` needs assign-admin-role, which stays the admins'.
    let root = create("a3", &["admin"]);
    forbidden(&as_user(&app, &manager, Method::POST, path, Some(root)).await);
    let listed = as_user(&app, &admin, Method::GET, "/api/v1/livechat/users/agent", None).await;
    let names: Vec<&str> = listed.json["users"]
        .as_array()
        .map(|users| users.iter().filter_map(|u| u["username"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["a2", "root"]);
}
