//! Users and roles (SPEC section 12): what each role may do, `users.create`, `me`,
//! `users.setStatus`, `users.updateOwnBasicInfo`, and what removing a user, its role or
//! changing its password does to its sessions and rooms.

use reqwest::Method;
use serde_json::{json, Value};

use crate::{AgentSession, Res, TestApp, AGENT_PASSWORD};

/// A password the policy accepts.
const NEW_PASSWORD: &str = "correct-horse-battery-9";

async fn call(
    app: &TestApp,
    who: &AgentSession,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Res {
    app.request_with(method, path, body, &who.headers()).await
}

async fn post(app: &TestApp, who: &AgentSession, path: &str, body: Value) -> Res {
    call(app, who, Method::POST, path, Some(body)).await
}

async fn get(app: &TestApp, who: &AgentSession, path: &str) -> Res {
    call(app, who, Method::GET, path, None).await
}

#[track_caller]
fn forbidden(res: &Res) {
    assert_eq!(res.status, 403, "{}", res.json);
    assert_eq!(res.json, json!({"success": false, "error": "unauthorized"}));
}

fn create_body(username: &str, roles: &[&str]) -> Value {
    json!({
        "username": username,
        "password": NEW_PASSWORD,
        "name": format!("{username} name"),
        "email": format!("{username}@example.com"),
        "roles": roles,
    })
}

async fn available(app: &TestApp, agent: &AgentSession) {
    let body = json!({"status": "available"});
    post(app, agent, "/api/v1/livechat/agent.status", body).await.ok();
}

fn usernames(listed: &Value) -> Vec<String> {
    listed["users"]
        .as_array()
        .map(|users| {
            users.iter().filter_map(|u| u["username"].as_str().map(str::to_owned)).collect()
        })
        .unwrap_or_default()
}

#[actix_web::test]
async fn an_agent_cannot_do_a_managers_work_nor_a_manager_an_admins() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let manager = app.agent("boss", "manager").await;
    let agent = app.agent("alice", "agent").await;
    let created =
        post(&app, &admin, "/api/v1/users.create", create_body("newbie", &["user"])).await;
    let newbie = created.ok()["user"]["_id"].as_str().expect("id").to_owned();

    // An agent lists the agents, and nothing else of this.
    let agents = get(&app, &agent, "/api/v1/livechat/users/agent").await.ok();
    assert_eq!(usernames(&agents), ["alice", "root"]);
    forbidden(&get(&app, &agent, "/api/v1/livechat/users/manager").await);
    forbidden(&get(&app, &agent, &format!("/api/v1/livechat/users/agent/{}", agent.id)).await);
    let add = json!({"username": "newbie"});
    forbidden(&post(&app, &agent, "/api/v1/livechat/users/agent", add.clone()).await);
    let path = format!("/api/v1/livechat/users/agent/{}", admin.id);
    forbidden(&call(&app, &agent, Method::DELETE, &path, None).await);
    forbidden(&post(&app, &agent, "/api/v1/users.create", create_body("x1", &["user"])).await);
    forbidden(&post(&app, &agent, "/api/v1/users.delete", json!({"userId": newbie})).await);

    // A manager manages agents and managers, but creates and deletes no users.
    let added = post(&app, &manager, "/api/v1/livechat/users/agent", add.clone()).await.ok();
    assert_eq!(added["user"], json!({"_id": newbie, "username": "newbie"}));
    let one = get(&app, &manager, &format!("/api/v1/livechat/users/agent/{newbie}")).await.ok();
    let user = &one["user"];
    assert_eq!(user["roles"], json!(["user", "livechat-agent"]), "{one}");
    assert_eq!(user["statusLivechat"], "not-available", "new agents start not available");
    assert_eq!(user["emails"], json!([{"address": "newbie@example.com", "verified": false}]));
    assert_eq!(user["departments"], json!([]));
    let managers = get(&app, &manager, "/api/v1/livechat/users/manager").await.ok();
    assert_eq!(usernames(&managers), ["boss"]);
    // Someone who is not a manager: null, like an id nobody has.
    let other = get(&app, &manager, &format!("/api/v1/livechat/users/manager/{newbie}")).await;
    assert_eq!(other.ok()["user"], Value::Null);
    let missing = get(&app, &manager, "/api/v1/livechat/users/manager/nobody").await;
    assert_eq!(missing.ok()["user"], Value::Null);
    forbidden(&post(&app, &manager, "/api/v1/users.create", create_body("x2", &["admin"])).await);
    forbidden(&post(&app, &manager, "/api/v1/users.create", create_body("x3", &["user"])).await);
    forbidden(&post(&app, &manager, "/api/v1/users.delete", json!({"userId": newbie})).await);
    forbidden(
        &post(
            &app,
            &manager,
            "/api/v1/permissions.update",
            json!({"permissions": [
        {"_id": "create-user", "roles": ["livechat-manager"]}]}),
        )
        .await,
    );
    // Text and availability filters.
    let path = "/api/v1/livechat/users/agent?text=NEW&onlyAvailable=false";
    assert_eq!(usernames(&get(&app, &manager, path).await.ok()), ["newbie"]);
    available(&app, &agent).await;
    let path = "/api/v1/livechat/users/agent?onlyAvailable=true";
    assert_eq!(usernames(&get(&app, &manager, path).await.ok()), ["alice"]);

    // An admin creates admins.
    let made = post(&app, &admin, "/api/v1/users.create", create_body("root2", &["admin"])).await;
    let made = made.ok();
    assert_eq!(made["user"]["roles"], json!(["admin"]), "{made}");
    assert_eq!(made["user"]["username"], "root2");
    assert!(!made.to_string().contains(NEW_PASSWORD));
    let login = json!({"user": "root2", "password": NEW_PASSWORD});
    let me = app.post("/api/v1/login", login).await.ok();
    assert_eq!(me["data"]["me"]["roles"], json!(["admin"]));

    // Unknown users and types.
    let res =
        post(&app, &manager, "/api/v1/livechat/users/agent", json!({"username": "ghost"})).await;
    res.assert_error("error-invalid-user");
    let res =
        call(&app, &manager, Method::DELETE, "/api/v1/livechat/users/agent/ghost", None).await;
    res.assert_error("error-invalid-user");
    get(&app, &manager, "/api/v1/livechat/users/boss").await.assert_invalid_params();
}

#[actix_web::test]
async fn users_create_refuses_taken_usernames_and_addresses_meteor_style() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    post(&app, &admin, "/api/v1/users.create", create_body("ann", &[])).await.ok();

    let mut same_name = create_body("ANN", &[]);
    same_name["email"] = json!("other@example.com");
    let res = post(&app, &admin, "/api/v1/users.create", same_name).await;
    assert_eq!(res.status, 400);
    assert_eq!(
        res.json,
        json!({"success": false, "error": "ANN is already in use :( [error-field-unavailable]",
               "errorType": "error-field-unavailable"})
    );
    let mut same_email = create_body("ann2", &[]);
    same_email["email"] = json!("Ann@Example.com");
    let res = post(&app, &admin, "/api/v1/users.create", same_email).await;
    assert_eq!(res.json["errorType"], "error-field-unavailable", "{}", res.json);
    assert!(res.json["error"].as_str().is_some_and(|e| e.starts_with("Ann@Example.com")));

    let res = post(&app, &admin, "/api/v1/users.create", create_body("bob", &["owner"])).await;
    assert_eq!(res.json["errorType"], "error-invalid-role", "{}", res.json);
    let mut short = create_body("bob", &[]);
    short["password"] = json!("short");
    let res = post(&app, &admin, "/api/v1/users.create", short).await;
    assert_eq!(res.json["errorType"], "error-password-policy-not-met", "{}", res.json);
    let mut bad = create_body("bob", &[]);
    bad["username"] = json!("bob smith");
    post(&app, &admin, "/api/v1/users.create", bad).await.assert_invalid_params();
    let mut bad = create_body("bob", &[]);
    bad["email"] = json!("not-an-address");
    post(&app, &admin, "/api/v1/users.create", bad).await.assert_invalid_params();
    // A user with the default role logs in, but reaches no livechat endpoint.
    let login = json!({"user": "ann", "password": NEW_PASSWORD});
    let data = app.post("/api/v1/login", login).await.ok()["data"].clone();
    let ann = AgentSession {
        id: data["userId"].as_str().expect("id").to_owned(),
        username: "ann".into(),
        token: data["authToken"].as_str().expect("token").to_owned(),
    };
    assert_eq!(data["me"]["roles"], json!(["user"]));
    forbidden(&get(&app, &ann, "/api/v1/livechat/rooms").await);
    forbidden(&get(&app, &ann, "/api/v1/livechat/users/agent").await);
    get(&app, &ann, "/api/v1/me").await.ok();
}

#[actix_web::test]
async fn me_set_status_and_basic_info() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;

    let me = get(&app, &alice, "/api/v1/me").await.ok();
    assert_eq!(me["_id"], alice.id.as_str());
    assert_eq!(me["username"], "alice");
    assert_eq!(me["status"], "offline");
    assert_eq!(me["statusLivechat"], "not-available");
    assert_eq!(me["roles"], json!(["livechat-agent"]));
    assert!(!me.to_string().contains("argon2"), "{me}");
    assert_eq!(app.get("/api/v1/me").await.status, 401);

    post(&app, &alice, "/api/v1/users.setStatus", json!({"status": "away"})).await.ok();
    assert_eq!(get(&app, &alice, "/api/v1/me").await.ok()["status"], "away");
    post(&app, &alice, "/api/v1/users.setStatus", json!({"status": "asleep"}))
        .await
        .assert_invalid_params();
    // Another user's presence needs edit-other-user-active-status.
    let other = json!({"status": "busy", "userId": bob.id});
    forbidden(&post(&app, &alice, "/api/v1/users.setStatus", other).await);

    let info = json!({"data": {"name": "Alice A.", "email": "alice@example.com"}});
    let updated = post(&app, &alice, "/api/v1/users.updateOwnBasicInfo", info).await.ok();
    assert_eq!(updated["user"]["name"], "Alice A.");
    assert_eq!(updated["user"]["emails"][0]["address"], "alice@example.com");
    let taken = json!({"data": {"username": "BOB"}});
    let res = post(&app, &alice, "/api/v1/users.updateOwnBasicInfo", taken).await;
    assert_eq!(res.json["errorType"], "error-field-unavailable", "{}", res.json);
}

#[actix_web::test]
async fn a_new_password_needs_the_old_one_and_ends_the_other_sessions() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let login = json!({"user": "alice", "password": AGENT_PASSWORD});
    let data = app.post("/api/v1/login", login).await.ok()["data"].clone();
    let other = AgentSession {
        token: data["authToken"].as_str().expect("token").to_owned(),
        ..alice.clone()
    };
    get(&app, &other, "/api/v1/me").await.ok();

    let wrong = json!({"data": {"currentPassword": "not-it", "newPassword": NEW_PASSWORD}});
    let res = post(&app, &alice, "/api/v1/users.updateOwnBasicInfo", wrong).await;
    assert_eq!(res.json["errorType"], "error-invalid-password", "{}", res.json);
    let missing = json!({"data": {"newPassword": NEW_PASSWORD}});
    let res = post(&app, &alice, "/api/v1/users.updateOwnBasicInfo", missing).await;
    assert_eq!(res.json["errorType"], "error-invalid-password", "{}", res.json);
    get(&app, &other, "/api/v1/me").await.ok();

    let change = json!({"data": {"currentPassword": AGENT_PASSWORD, "newPassword": NEW_PASSWORD}});
    let res = post(&app, &alice, "/api/v1/users.updateOwnBasicInfo", change).await.ok();
    assert!(!res.to_string().contains(NEW_PASSWORD));

    // The other session is over; the one that changed it goes on.
    assert_eq!(get(&app, &other, "/api/v1/me").await.status, 401);
    get(&app, &alice, "/api/v1/me").await.ok();
    let old = json!({"user": "alice", "password": AGENT_PASSWORD});
    assert_eq!(app.post("/api/v1/login", old).await.status, 401);
    let new = json!({"user": "alice", "password": NEW_PASSWORD});
    app.post("/api/v1/login", new).await.ok();
}

/// The open room of a new visitor, routed to whoever is available.
async fn routed_room(app: &TestApp, token: &str) -> (String, Value) {
    let rid = app.visitor_with_room(token).await;
    let room = app.get(&format!("/api/v1/livechat/room?token={token}")).await.ok();
    (rid, room["room"]["servedBy"]["_id"].clone())
}

async fn served_by(app: &TestApp, token: &str) -> Value {
    let room = app.get(&format!("/api/v1/livechat/room?token={token}")).await.ok();
    room["room"]["servedBy"]["_id"].clone()
}

#[actix_web::test]
async fn removing_the_agent_role_requeues_its_rooms_and_ends_its_sessions() {
    let app = TestApp::new().await;
    let manager = app.agent("boss", "manager").await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    available(&app, &alice).await;
    let (rid, served) = routed_room(&app, "tok-1").await;
    assert_eq!(served, alice.id.as_str());
    available(&app, &bob).await;

    let path = format!("/api/v1/livechat/users/agent/{}", alice.id);
    call(&app, &manager, Method::DELETE, &path, None).await.ok();

    // Her last role: every token of hers is revoked.
    assert_eq!(get(&app, &alice, "/api/v1/livechat/rooms").await.status, 401);
    let login = json!({"user": "alice", "password": AGENT_PASSWORD});
    assert_eq!(app.post("/api/v1/login", login).await.status, 401);
    // Her room went back to the queue, with a `ul` message, and on to bob.
    assert_eq!(served_by(&app, "tok-1").await, bob.id.as_str());
    let history = app.history("tok-1", &rid).await;
    let kinds: Vec<&str> = history.iter().filter_map(|m| m["t"].as_str()).collect();
    assert_eq!(kinds, ["uj", "ul", "uj", "livechat-started"], "{history:?}");
    let agents = get(&app, &manager, "/api/v1/livechat/users/agent").await.ok();
    assert_eq!(usernames(&agents), ["bob"]);

    // Taking the agent role from a manager who also is one keeps its sessions.
    let both = app.agent("carl", "livechat-manager,livechat-agent").await;
    let path = format!("/api/v1/livechat/users/agent/{}", both.id);
    call(&app, &manager, Method::DELETE, &path, None).await.ok();
    let me = get(&app, &both, "/api/v1/me").await.ok();
    assert_eq!(me["roles"], json!(["livechat-manager"]));
    // Removing it again: it is no agent any more.
    call(&app, &manager, Method::DELETE, &path, None).await.assert_error("error-invalid-user");
}

#[actix_web::test]
async fn deleting_a_user_revokes_its_tokens_and_requeues_its_rooms() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    available(&app, &alice).await;
    let (rid, served) = routed_room(&app, "tok-1").await;
    assert_eq!(served, alice.id.as_str());

    post(&app, &admin, "/api/v1/users.delete", json!({"userId": alice.id})).await.ok();

    assert_eq!(get(&app, &alice, "/api/v1/me").await.status, 401);
    // Nobody available: the room waits in the queue, until bob is.
    assert_eq!(served_by(&app, "tok-1").await, Value::Null);
    available(&app, &bob).await;
    assert_eq!(served_by(&app, "tok-1").await, bob.id.as_str());
    let history = app.history("tok-1", &rid).await;
    assert!(history.iter().any(|m| m["t"] == "ul" && m["u"]["_id"] == alice.id.as_str()));
    let again = post(&app, &admin, "/api/v1/users.delete", json!({"userId": alice.id})).await;
    again.assert_error("error-invalid-user");
}
