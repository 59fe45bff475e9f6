//! Realtime access follows the user: for each way an agent loses sight of a room (its
//! session, its role, its account or its password changed, the room given away, forwarded,
//! moved to another department's queue or taken from the queue by someone else), its old
//! subscription ends with `nosub`, it hears no later event of that room, and subscribing
//! again is refused. On SQLite and on PostgreSQL; there also with the subscriber on a
//! second instance, the change made through the first.

use std::time::Duration;

use diesel::connection::SimpleConnection as _;
use livechat_server::db::{Backend, DbManager};
use serde_json::{json, Value};

use reqwest::Method;

use super::support::{add_agent, agent_post, Ddp, TestAgent};
use crate::{AgentSession, TestApp, AGENT_PASSWORD};

/// How each test ends the agent's access.
#[derive(Clone, Copy, Debug)]
enum Ending {
    /// `POST logout` with the token the socket logged in with.
    Logout,
    /// The token is deleted behind the server's back (another process).
    RevokedToken,
    /// The token outlives its lifetime.
    Expired,
    /// The user is removed behind the server's back (`livechat-server user remove`).
    UserRemoved,
    /// An admin watching a room it does not serve becomes a plain agent.
    RoleRemoved,
    /// The room is given to another agent behind the server's back.
    RoomMoved,
    /// A queued room the agent watches is given to another agent who becomes available.
    TakenFromQueue,
    /// A queued room the agent watches is closed by its visitor.
    Closed,
    /// An admin deletes the user (`users.delete`).
    UserDeleted,
    /// A manager takes the agent role, its last one (`DELETE livechat/users/agent/:_id`).
    AgentRoleTaken,
    /// The user changes its password in another session (`users.updateOwnBasicInfo`).
    PasswordChanged,
    /// A manager forwards the room the agent serves to another agent (`room.forward`).
    Forwarded,
    /// A queued room of the agent's department is forwarded to another department's queue.
    DepartmentMoved,
    /// Another agent takes the queued room the agent watches (`inquiries.take`).
    InquiryTaken,
}

const ALL: [Ending; 14] = [
    Ending::Logout,
    Ending::RevokedToken,
    Ending::Expired,
    Ending::UserRemoved,
    Ending::RoleRemoved,
    Ending::RoomMoved,
    Ending::TakenFromQueue,
    Ending::Closed,
    Ending::UserDeleted,
    Ending::AgentRoleTaken,
    Ending::PasswordChanged,
    Ending::Forwarded,
    Ending::DepartmentMoved,
    Ending::InquiryTaken,
];

#[actix_web::test]
async fn every_way_access_ends_ends_the_subscription() {
    let app = TestApp::new().await;
    for ending in ALL {
        access_ends(&app, &app.base, ending).await;
    }
}

#[actix_web::test]
async fn access_ends_on_another_instance_too() {
    let app = TestApp::new().await;
    if !matches!(Backend::from_url(&app.database_url), Backend::Postgres(_)) {
        eprintln!("needs PostgreSQL (LIVECHAT_TEST_BACKEND=postgres); skipped on SQLite");
        return;
    }
    let (second_base, second) = super::support::second_instance(&app.database_url);
    for ending in ALL {
        access_ends(&app, &second_base, ending).await;
    }
    second.stop(false).await;
}

/// Sets up an agent's socket on `base` watching a room, ends its access as `ending` says
/// (through `app`), and checks what the socket hears.
async fn access_ends(app: &TestApp, base: &str, ending: Ending) {
    let label = format!("{ending:?}").to_lowercase();
    let role = if matches!(ending, Ending::RoleRemoved) { "admin" } else { "agent" };
    let queued = matches!(
        ending,
        Ending::TakenFromQueue | Ending::Closed | Ending::DepartmentMoved | Ending::InquiryTaken
    );
    let watcher = if matches!(ending, Ending::PasswordChanged) {
        // One that logged in with a password, which it then changes.
        let session = app.agent(&format!("w-{label}"), role).await;
        TestAgent { id: session.id, username: session.username, token: session.token }
    } else {
        add_agent(app, &format!("w-{label}"), role, "not-available")
    };
    // Outside the queue cases an agent is available, so the room is served at once; in
    // them nobody is (the earlier cases' agents included), so it waits.
    if queued {
        sql(app, "UPDATE users SET status = 'not-available'");
    } else {
        add_agent(app, &format!("s-{label}"), "agent", "available");
    }
    let token = format!("tok-{label}");
    // The room waits in a department's queue the watcher belongs to, or in the general one.
    let mut moved_to = None;
    let rid = if matches!(ending, Ending::DepartmentMoved) {
        let admin = app.agent(&format!("a-{label}"), "admin").await;
        let from = department(app, &admin, &format!("From {label}"), &[&watcher.id]).await;
        let to = department(app, &admin, &format!("To {label}"), &[]).await;
        moved_to = Some((admin, to));
        let visitor = json!({"visitor": {"token": token, "department": from}});
        app.post("/api/v1/livechat/visitor", visitor).await.ok();
        let room = app.get(&format!("/api/v1/livechat/room?token={token}")).await.ok();
        room["room"]["_id"].as_str().expect("room id").to_owned()
    } else {
        app.visitor_with_room(&token).await
    };
    if !queued && role == "agent" {
        // The watcher serves the room (the admin watches one it does not serve).
        move_room(app, &rid, &watcher);
    }

    let mut socket = Ddp::connect(base).await;
    let login = socket.call("1", "login", json!([{"resume": watcher.token}])).await;
    assert_eq!(login["result"]["id"], watcher.id.as_str(), "{ending:?}: {login}");
    let sub = format!("m-{label}");
    let ready = socket.sub(&sub, "stream-room-messages", &rid, None).await;
    assert_eq!(ready["msg"], "ready", "{ending:?}: {ready}");
    // A control socket, the room's visitor on the same instance: once it has heard a
    // message, the watcher's socket has been given (or refused) it too.
    let mut control = Ddp::connect(base).await;
    control.watch_room(&rid, Some(&token)).await;
    let before = app.send(&token, &rid, "before").await.ok()["message"]["_id"].clone();
    socket.next_where(|frame| frame["fields"]["args"][0]["_id"] == before).await;
    control.next_where(|frame| frame["fields"]["args"][0]["_id"] == before).await;

    match ending {
        Ending::Logout => {
            agent_post(app, &watcher, "/api/v1/logout", json!({})).await;
        }
        Ending::RevokedToken => {
            sql(app, &format!("DELETE FROM auth_tokens WHERE user_id = '{}'", watcher.id))
        }
        Ending::Expired => {
            let made = "UPDATE auth_tokens SET created_at = 0 WHERE user_id";
            sql(app, &format!("{made} = '{}'", watcher.id));
        }
        Ending::UserRemoved => {
            sql(app, &format!("UPDATE rooms SET served_by_id = NULL, served_by_username = NULL WHERE served_by_id = '{}'", watcher.id));
            sql(app, &format!("DELETE FROM users WHERE id = '{}'", watcher.id));
        }
        Ending::RoleRemoved => sql(
            app,
            &format!("UPDATE users SET roles = 'livechat-agent' WHERE id = '{}'", watcher.id),
        ),
        Ending::RoomMoved => {
            let other = add_agent(app, &format!("o-{label}"), "agent", "not-available");
            move_room(app, &rid, &other);
        }
        Ending::TakenFromQueue => {
            let taker = add_agent(app, &format!("t-{label}"), "agent", "not-available");
            agent_post(
                app,
                &taker,
                "/api/v1/livechat/agent.status",
                json!({"status": "available"}),
            )
            .await;
        }
        Ending::Closed => {
            app.close(&token, &rid).await.ok();
        }
        Ending::UserDeleted => {
            let admin = app.agent(&format!("a-{label}"), "admin").await;
            let body = json!({"userId": watcher.id});
            let path = "/api/v1/users.delete";
            app.request_with(Method::POST, path, Some(body), &admin.headers()).await.ok();
        }
        Ending::AgentRoleTaken => {
            let manager = app.agent(&format!("m-{label}"), "manager").await;
            let path = format!("/api/v1/livechat/users/agent/{}", watcher.id);
            app.request_with(Method::DELETE, &path, None, &manager.headers()).await.ok();
        }
        Ending::Forwarded => {
            let admin = app.agent(&format!("a-{label}"), "admin").await;
            let to = add_agent(app, &format!("f-{label}"), "agent", "available");
            let body = json!({"roomId": rid, "userId": to.id});
            let path = "/api/v1/livechat/room.forward";
            app.request_with(Method::POST, path, Some(body), &admin.headers()).await.ok();
        }
        Ending::DepartmentMoved => {
            // With manual routing the room waits in the other department's queue.
            let (admin, to) = moved_to.take().expect("departments");
            let routing = "/api/v1/settings/Livechat_Routing_Method";
            let manual = json!({"value": "Manual_Selection"});
            app.request_with(Method::POST, routing, Some(manual), &admin.headers()).await.ok();
            let body = json!({"roomId": rid, "departmentId": to});
            let path = "/api/v1/livechat/room.forward";
            app.request_with(Method::POST, path, Some(body), &admin.headers()).await.ok();
            let auto = json!({"value": "Auto_Selection"});
            app.request_with(Method::POST, routing, Some(auto), &admin.headers()).await.ok();
        }
        Ending::InquiryTaken => {
            let taker = add_agent(app, &format!("t-{label}"), "agent", "available");
            let body = json!({"inquiryId": rid});
            agent_post(app, &taker, "/api/v1/livechat/inquiries.take", body).await;
        }
        Ending::PasswordChanged => {
            let login = json!({"user": watcher.username, "password": AGENT_PASSWORD});
            let data = app.post("/api/v1/login", login).await.ok()["data"].clone();
            let other = AgentSession {
                id: watcher.id.clone(),
                username: watcher.username.clone(),
                token: data["authToken"].as_str().expect("token").to_owned(),
            };
            let change = json!({"data": {
                "currentPassword": AGENT_PASSWORD, "newPassword": "a-new-realtime-password"}});
            let path = "/api/v1/users.updateOwnBasicInfo";
            app.request_with(Method::POST, path, Some(change), &other.headers()).await.ok();
        }
    }
    // Changes made behind the server's back are seen by its login sweep or at the next
    // event; those made through it at once. Either way the subscription ends.
    let mut ended = false;
    let behind_its_back = matches!(
        ending,
        Ending::RevokedToken | Ending::Expired | Ending::UserRemoved | Ending::RoleRemoved
    );
    if behind_its_back {
        let frame = socket.next_where(|frame| frame["msg"] == "nosub" || is_message(frame)).await;
        assert_eq!(frame["msg"], "nosub", "{ending:?}: heard {frame}");
        assert_eq!(frame["id"], sub.as_str(), "{ending:?}: {frame}");
        ended = true;
    }
    let after = app.send(&token, &rid, "after").await;
    let after = if matches!(ending, Ending::Closed) {
        // A closed room takes no more messages; its closing message is the last event.
        assert_eq!(after.status, 400, "{}", after.json);
        None
    } else {
        Some(after.ok()["message"]["_id"].clone())
    };
    if let Some(after) = &after {
        control.next_where(|frame| frame["fields"]["args"][0]["_id"] == *after).await;
    }
    // The watcher's socket: its subscription ended, and nothing after the change.
    while let Some(frame) = next_within(&mut socket, Duration::from_millis(1500)).await {
        if frame["msg"] == "nosub" && frame["id"] == sub.as_str() {
            assert_eq!(frame["error"]["error"], "not-allowed", "{ending:?}: {frame}");
            ended = true;
            continue;
        }
        if let Some(after) = &after {
            assert_ne!(frame["fields"]["args"][0]["_id"], *after, "{ending:?}: heard {frame}");
        }
        assert!(!(ended && is_message(&frame)), "{ending:?}: heard after nosub: {frame}");
    }
    assert!(ended, "{ending:?}: the subscription did not end");
    let again = socket.sub(&format!("again-{label}"), "stream-room-messages", &rid, None).await;
    assert_eq!(again["msg"], "nosub", "{ending:?}: subscribed again: {again}");
}

fn is_message(frame: &Value) -> bool {
    frame["msg"] == "changed" && frame["collection"] == "stream-room-messages"
}

/// The next frame within `wait`, skipping pings; `None` when none came.
async fn next_within(socket: &mut Ddp, wait: Duration) -> Option<Value> {
    loop {
        let frame = tokio::time::timeout(wait, socket.next()).await.ok()?;
        if frame["msg"] != "ping" {
            return Some(frame);
        }
    }
}

/// Creates enabled department `name` with `agents` (user ids); returns its id.
async fn department(app: &TestApp, admin: &AgentSession, name: &str, agents: &[&str]) -> String {
    let agents: Vec<Value> = agents.iter().map(|id| json!({"agentId": id})).collect();
    let details = json!({"name": name, "enabled": true, "showOnRegistration": true,
        "showOnOfflineForm": false, "email": ""});
    let body = json!({"department": details, "agents": agents});
    let path = "/api/v1/livechat/department";
    let res = app.request_with(Method::POST, path, Some(body), &admin.headers()).await.ok();
    res["department"]["_id"].as_str().expect("department id").to_owned()
}

/// Gives room `rid` to `agent`, straight in the database.
fn move_room(app: &TestApp, rid: &str, agent: &TestAgent) {
    sql(
        app,
        &format!(
            "UPDATE rooms SET served_by_id = '{}', served_by_username = '{}' WHERE id = '{rid}'",
            agent.id, agent.username
        ),
    );
}

/// Runs SQL on the test's database, as another process would.
fn sql(app: &TestApp, statement: &str) {
    let backend = Backend::from_url(&app.database_url);
    let mut conn = DbManager::new(backend, Duration::from_secs(5)).connect().expect("database");
    conn.batch_execute(statement).expect(statement);
}
