//! The access-control matrix: every visitor and agent endpoint that takes a room or message
//! id, with every kind of id that is not the caller's (another visitor's open room, another
//! visitor's closed room, another agent's room, messages of others, visitors' and agents'
//! messages alike), answers exactly as it answers an id that does not exist, and changes
//! nothing. `access.rs` covers the basic visitor cases one by one; this table covers the
//! whole cross product. The settings endpoints answer only admins: agents get 403, stale or
//! missing credentials 401, and nothing changes.

use reqwest::Method;
use serde_json::{json, Value};

use crate::{AgentSession, Res, TestApp};

/// Settings the matrix tries to read and change (a switch and a text).
const SETTINGS: [&str; 2] = ["Livechat_enabled", "Livechat_title"];

/// A room id no room has.
const MISSING_ROOM: &str = "ZZZZZZZZZZZZZZZZZ";
/// A message id no message has.
const MISSING_MESSAGE: &str = "no-such-message";

/// Agent X serves visitor A's open room and visitor C's closed one; agent Y serves visitor
/// B's room. Everybody wrote a message in their room. An admin (not available, so serving
/// nothing) reads the state back.
struct World {
    app: TestApp,
    x: AgentSession,
    y: AgentSession,
    admin: AgentSession,
    room_a: String,
    room_b: String,
    room_c: String,
    /// Visitor messages and agent replies: `(room, visitor's message, agent's reply)`.
    a: (String, String),
    b: (String, String),
    c: (String, String),
}

async fn set_status(app: &TestApp, agent: &AgentSession, status: &str) {
    let body = json!({"status": status});
    let path = "/api/v1/livechat/agent.status";
    app.request_with(Method::POST, path, Some(body), &agent.headers()).await.ok();
}

async fn reply(app: &TestApp, agent: &AgentSession, rid: &str, id: &str) -> String {
    let body = json!({"message": {"rid": rid, "msg": format!("reply {id}"), "_id": id}});
    let path = "/api/v1/chat.sendMessage";
    let sent = app.request_with(Method::POST, path, Some(body), &agent.headers()).await.ok();
    sent["message"]["_id"].as_str().expect("reply id").to_owned()
}

async fn served_by(app: &TestApp, token: &str) -> Value {
    let room = app.get(&format!("/api/v1/livechat/room?token={token}")).await.ok();
    room["room"]["servedBy"]["_id"].clone()
}

async fn world() -> World {
    let app = TestApp::new().await;
    let x = app.agent("agent-x", "agent").await;
    let y = app.agent("agent-y", "agent").await;
    let admin = app.agent("admin", "admin").await;
    set_status(&app, &x, "available").await;
    let room_a = app.visitor_with_room("tok-a").await;
    let room_c = app.visitor_with_room("tok-c").await;
    assert_eq!(served_by(&app, "tok-a").await, x.id.as_str());
    assert_eq!(served_by(&app, "tok-c").await, x.id.as_str());
    set_status(&app, &y, "available").await;
    let room_b = app.visitor_with_room("tok-b").await;
    assert_eq!(served_by(&app, "tok-b").await, y.id.as_str());

    let mut messages = Vec::new();
    for (token, rid, agent) in
        [("tok-a", &room_a, &x), ("tok-b", &room_b, &y), ("tok-c", &room_c, &x)]
    {
        let id = format!("{token}-msg");
        app.send_with_id(token, rid, &id, &format!("secret of {token}")).await.ok();
        let answer = reply(&app, agent, rid, &format!("{token}-reply")).await;
        messages.push((id, answer));
    }
    app.close("tok-c", &room_c).await.ok();
    let [a, b, c] = <[(String, String); 3]>::try_from(messages).expect("three rooms");
    World { app, x, y, admin, room_a, room_b, room_c, a, b, c }
}

/// One request of the matrix.
struct Call {
    name: &'static str,
    method: Method,
    path: String,
    body: Option<Value>,
    headers: Vec<(String, String)>,
}

impl Call {
    fn new(name: &'static str, method: Method, path: String, body: Option<Value>) -> Self {
        Self { name, method, path, body, headers: Vec::new() }
    }

    fn by(mut self, agent: &AgentSession) -> Self {
        self.headers =
            agent.headers().iter().map(|(name, value)| ((*name).into(), (*value).into())).collect();
        self
    }

    async fn send(&self, app: &TestApp) -> Res {
        let headers: Vec<(&str, &str)> =
            self.headers.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect();
        app.request_with(self.method.clone(), &self.path, self.body.clone(), &headers).await
    }
}

/// Every visitor endpoint that takes a room id, as visitor `token`, on room `rid`; message
/// endpoints use message `mid`.
fn visitor_calls(token: &str, rid: &str, mid: &str) -> Vec<Call> {
    let message = format!("/api/v1/livechat/message/{mid}");
    let ids = json!({"token": token, "rid": rid});
    vec![
        Call::new(
            "send",
            Method::POST,
            "/api/v1/livechat/message".into(),
            Some(json!({"token": token, "rid": rid, "msg": "intruder"})),
        ),
        Call::new(
            "send with _id",
            Method::POST,
            "/api/v1/livechat/message".into(),
            Some(json!({"token": token, "rid": rid, "msg": "intruder", "_id": "intruder-1"})),
        ),
        Call::new("get message", Method::GET, format!("{message}?token={token}&rid={rid}"), None),
        Call::new(
            "edit",
            Method::PUT,
            message.clone(),
            Some(json!({"token": token, "rid": rid, "msg": "changed"})),
        ),
        Call::new("delete", Method::DELETE, message.clone(), Some(ids.clone())),
        Call::new(
            "delete by query",
            Method::DELETE,
            format!("{message}?token={token}&rid={rid}"),
            None,
        ),
        Call::new(
            "history",
            Method::GET,
            format!("/api/v1/livechat/messages.history/{rid}?token={token}"),
            None,
        ),
        Call::new("room.close", Method::POST, "/api/v1/livechat/room.close".into(), Some(ids)),
        Call::new(
            "get room",
            Method::GET,
            format!("/api/v1/livechat/room?token={token}&rid={rid}"),
            None,
        ),
        Call::new(
            "agent.info",
            Method::GET,
            format!("/api/v1/livechat/agent.info/{rid}/{token}"),
            None,
        ),
    ]
}

/// The visitor endpoints that take a message id, in the caller's own room `rid`.
fn visitor_message_calls(token: &str, rid: &str, mid: &str) -> Vec<Call> {
    let names = ["get message", "edit", "delete", "delete by query"];
    visitor_calls(token, rid, mid).into_iter().filter(|call| names.contains(&call.name)).collect()
}

/// Every agent endpoint that takes a room id, as `agent`, on room `rid`; edits and deletes
/// use message `mid`.
fn agent_calls(agent: &AgentSession, rid: &str, mid: &str) -> Vec<Call> {
    vec![
        Call::new(
            "chat.sendMessage",
            Method::POST,
            "/api/v1/chat.sendMessage".into(),
            Some(json!({"message": {"rid": rid, "msg": "intruder"}})),
        ),
        Call::new(
            "chat.sendMessage with _id",
            Method::POST,
            "/api/v1/chat.sendMessage".into(),
            Some(json!({"message": {"rid": rid, "msg": "intruder", "_id": "intruder-2"}})),
        ),
        Call::new(
            "chat.update",
            Method::POST,
            "/api/v1/chat.update".into(),
            Some(json!({"roomId": rid, "msgId": mid, "text": "changed"})),
        ),
        Call::new(
            "chat.delete",
            Method::POST,
            "/api/v1/chat.delete".into(),
            Some(json!({"roomId": rid, "msgId": mid})),
        ),
        Call::new(
            "room.closeByUser",
            Method::POST,
            "/api/v1/livechat/room.closeByUser".into(),
            Some(json!({"rid": rid, "comment": "closed by an intruder"})),
        ),
        Call::new("history", Method::GET, format!("/api/v1/livechat/messages.history/{rid}"), None),
        Call::new(
            "room.forward",
            Method::POST,
            "/api/v1/livechat/room.forward".into(),
            Some(json!({"roomId": rid, "departmentId": "no-such-department"})),
        ),
        Call::new(
            "transfer.history",
            Method::GET,
            format!("/api/v1/livechat/transfer.history/{rid}"),
            None,
        ),
        Call::new(
            "room.join",
            Method::GET,
            format!("/api/v1/livechat/room.join?roomId={rid}"),
            None,
        ),
        Call::new(
            "room.saveInfo",
            Method::POST,
            "/api/v1/livechat/room.saveInfo".into(),
            Some(json!({"guestData": {"_id": "some-visitor", "name": "Intruder"},
                "roomData": {"_id": rid, "topic": "intruder", "tags": ["intruder"]}})),
        ),
        Call::new(
            "room messages",
            Method::GET,
            format!("/api/v1/livechat/{rid}/messages?searchTerm=secret"),
            None,
        ),
    ]
    .into_iter()
    .map(|call| call.by(agent))
    .collect()
}

/// The agent endpoints that take a message id, in a room the agent serves.
fn agent_message_calls(agent: &AgentSession, rid: &str, mid: &str) -> Vec<Call> {
    let names = ["chat.update", "chat.delete"];
    agent_calls(agent, rid, mid).into_iter().filter(|call| names.contains(&call.name)).collect()
}

impl World {
    /// Everything the matrix could change, read back by the admin and the visitors.
    async fn snapshot(&self) -> Value {
        let app = &self.app;
        let admin = self.admin.headers();
        let mut state = serde_json::Map::new();
        for (name, rid) in [("a", &self.room_a), ("b", &self.room_b), ("c", &self.room_c)] {
            let path = format!("/api/v1/livechat/messages.history/{rid}?limit=100");
            state.insert(format!("history {name}"), app.get_with(&path, &admin).await.json);
            let path = format!("/api/v1/livechat/visitor/tok-{name}");
            state.insert(format!("visitor {name}"), app.get(&path).await.json);
        }
        let rooms = app.get_with("/api/v1/livechat/rooms?count=100", &admin).await.json;
        state.insert("rooms".into(), rooms);
        for id in SETTINGS {
            let setting = app.get_with(&format!("/api/v1/settings/{id}"), &admin).await.json;
            state.insert(format!("setting {id}"), setting);
        }
        for agent in [&self.x, &self.y] {
            let rooms = app.get_with("/api/v1/livechat/rooms?count=100", &agent.headers()).await;
            state.insert(format!("rooms of {}", agent.username), rooms.json);
        }
        Value::Object(state)
    }

    /// Runs `foreign` and `missing` (the same calls on a foreign and on a missing id) and
    /// records every pair whose answers differ, and every foreign call that was not refused.
    async fn compare(
        &self,
        what: &str,
        foreign: Vec<Call>,
        missing: Vec<Call>,
        out: &mut Vec<String>,
    ) {
        assert_eq!(foreign.len(), missing.len());
        for (foreign, missing) in foreign.iter().zip(&missing) {
            let got = foreign.send(&self.app).await;
            let expected = missing.send(&self.app).await;
            let name = foreign.name;
            if !(400..500).contains(&got.status) || got.json["success"] != false {
                out.push(format!("{what}, {name}: not refused: {} {}", got.status, got.json));
            } else if (got.status, &got.json) != (expected.status, &expected.json) {
                out.push(format!(
                    "{what}, {name}: {} {} but a missing id gets {} {}",
                    got.status, got.json, expected.status, expected.json
                ));
            }
        }
    }
}

/// Fails with every difference found, and when the state changed.
#[track_caller]
fn report(failures: &[String], before: &Value, after: &Value) {
    let mut problems = failures.to_vec();
    for (key, value) in before.as_object().expect("snapshot") {
        if after[key.as_str()] != *value {
            problems.push(format!(
                "{key} changed:\n    before {value}\n    after  {}",
                after[key.as_str()]
            ));
        }
    }
    assert!(problems.is_empty(), "{} problems:\n  {}", problems.len(), problems.join("\n  "));
}

#[actix_web::test]
async fn a_visitor_gets_the_same_answer_for_any_room_not_its_own_as_for_a_missing_one() {
    let w = world().await;
    let before = w.snapshot().await;
    let mut failures = Vec::new();

    let foreign = [
        ("another visitor's open room", &w.room_a, &w.a.0),
        ("another visitor's room, the agent's reply", &w.room_a, &w.a.1),
        ("another visitor's closed room", &w.room_c, &w.c.0),
        ("another visitor's closed room, the agent's reply", &w.room_c, &w.c.1),
    ];
    for (what, rid, mid) in foreign {
        let calls = visitor_calls("tok-b", rid, mid);
        let missing = visitor_calls("tok-b", MISSING_ROOM, mid);
        w.compare(what, calls, missing, &mut failures).await;
    }

    report(&failures, &before, &w.snapshot().await);
}

#[actix_web::test]
async fn a_visitor_gets_the_same_answer_for_any_message_not_in_its_room_as_for_a_missing_one() {
    let w = world().await;
    let before = w.snapshot().await;
    let mut failures = Vec::new();

    let foreign = [
        ("another visitor's message", &w.a.0),
        ("an agent's reply to another visitor", &w.a.1),
        ("a message of another visitor's closed room", &w.c.0),
        ("an agent's reply in another visitor's closed room", &w.c.1),
    ];
    for (what, mid) in foreign {
        let calls = visitor_message_calls("tok-b", &w.room_b, mid);
        let missing = visitor_message_calls("tok-b", &w.room_b, MISSING_MESSAGE);
        w.compare(what, calls, missing, &mut failures).await;
    }

    report(&failures, &before, &w.snapshot().await);
}

#[actix_web::test]
async fn an_agent_gets_the_same_answer_for_any_room_it_does_not_serve_as_for_a_missing_one() {
    let w = world().await;
    let before = w.snapshot().await;
    let mut failures = Vec::new();

    let foreign = [
        ("another agent's open room", &w.room_a, &w.a.1),
        ("another agent's open room, the visitor's message", &w.room_a, &w.a.0),
        ("another agent's closed room", &w.room_c, &w.c.1),
    ];
    for (what, rid, mid) in foreign {
        let calls = agent_calls(&w.y, rid, mid);
        let missing = agent_calls(&w.y, MISSING_ROOM, mid);
        w.compare(what, calls, missing, &mut failures).await;
    }

    report(&failures, &before, &w.snapshot().await);
}

#[actix_web::test]
async fn an_agent_gets_the_same_answer_for_a_visitor_of_no_room_it_sees_as_for_a_missing_one() {
    let w = world().await;
    let before = w.snapshot().await;
    let mut failures = Vec::new();

    let info = |visitor: &str| {
        let path = format!("/api/v1/livechat/visitors.info?visitorId={visitor}");
        vec![Call::new("visitors.info", Method::GET, path, None).by(&w.y)]
    };
    for (what, token) in [("another agent's visitor", "tok-a"), ("a closed room's", "tok-c")] {
        let room = w.app.get(&format!("/api/v1/livechat/visitor/{token}")).await.ok();
        let id = room["visitor"]["_id"].as_str().expect("visitor id").to_owned();
        w.compare(what, info(&id), info("nobody"), &mut failures).await;
    }
    // The agent's own visitor is shown, without its token.
    let own = w.app.get("/api/v1/livechat/visitor/tok-b").await.ok();
    let id = own["visitor"]["_id"].as_str().expect("visitor id");
    let shown = info(id).remove(0).send(&w.app).await.ok();
    assert!(!shown.to_string().contains("tok-b"), "{shown}");

    report(&failures, &before, &w.snapshot().await);
}

#[actix_web::test]
async fn an_agent_gets_the_same_answer_for_any_message_not_in_its_room_as_for_a_missing_one() {
    let w = world().await;
    let before = w.snapshot().await;
    let mut failures = Vec::new();

    let foreign = [
        ("another agent's reply", &w.a.1),
        ("another agent's visitor's message", &w.a.0),
        ("another agent's reply in a closed room", &w.c.1),
    ];
    for (what, mid) in foreign {
        let calls = agent_message_calls(&w.y, &w.room_b, mid);
        let missing = agent_message_calls(&w.y, &w.room_b, MISSING_MESSAGE);
        w.compare(what, calls, missing, &mut failures).await;
    }

    report(&failures, &before, &w.snapshot().await);
}

#[actix_web::test]
async fn nobody_may_change_what_someone_else_wrote_in_their_own_room() {
    let w = world().await;
    let before = w.snapshot().await;
    let app = &w.app;
    let mut failures = Vec::new();

    // Visitor B on agent Y's reply in B's own room, agent Y on visitor B's message there.
    let mut calls: Vec<Call> = visitor_message_calls("tok-b", &w.room_b, &w.b.1)
        .into_iter()
        .filter(|call| call.name != "get message")
        .collect();
    calls.extend(agent_message_calls(&w.y, &w.room_b, &w.b.0));
    for call in &calls {
        let res = call.send(app).await;
        if res.json != json!({"success": false, "error": "error-action-not-allowed"}) {
            failures.push(format!("{}: {} {}", call.name, res.status, res.json));
        }
    }

    report(&failures, &before, &w.snapshot().await);
}

#[actix_web::test]
async fn an_agent_lists_only_the_rooms_it_serves() {
    let w = world().await;
    let app = &w.app;

    for query in ["", "?open=true", "?open=false"] {
        let path = format!("/api/v1/livechat/rooms{query}");
        let listed = app.get_with(&path, &w.y.headers()).await.ok();
        let ids: Vec<&str> = listed["rooms"]
            .as_array()
            .expect("rooms")
            .iter()
            .filter_map(|r| r["_id"].as_str())
            .collect();
        assert!(!ids.contains(&w.room_a.as_str()), "{query}: {ids:?}");
        assert!(!ids.contains(&w.room_c.as_str()), "{query}: {ids:?}");
        // The room list never carries a visitor's token.
        assert!(!listed.to_string().contains("tok-"), "{listed}");
    }
    let mine = app.get_with("/api/v1/livechat/rooms", &w.y.headers()).await.ok();
    assert_eq!(mine["total"], 1, "{mine}");
    assert_eq!(mine["rooms"][0]["_id"], w.room_b.as_str());
}

#[actix_web::test]
async fn unknown_tokens_and_credentials_reach_nothing() {
    let w = world().await;
    let before = w.snapshot().await;
    let app = &w.app;
    let mut failures = Vec::new();

    // An unknown token is refused before any id is looked at: the same answer whatever the
    // room is, foreign, closed or missing.
    for rid in [&w.room_a, &w.room_c, &MISSING_ROOM.to_owned()] {
        let calls = visitor_calls("tok-nobody", rid, &w.a.0);
        let reference = visitor_calls("tok-nobody", MISSING_ROOM, MISSING_MESSAGE);
        w.compare("an unknown token", calls, reference, &mut failures).await;
    }
    let unknown =
        json!({"success": false, "error": "[invalid-token]", "errorType": "invalid-token"});
    for method in [Method::GET, Method::DELETE] {
        let res = app.request(method.clone(), "/api/v1/livechat/visitor/tok-nobody", None).await;
        if res.status != 400 || res.json != unknown {
            failures.push(format!("{method} visitor/tok-nobody: {} {}", res.status, res.json));
        }
    }
    // Agent X's id with a wrong auth token reaches none of X's rooms.
    let stale = AgentSession { token: "0".repeat(64), ..w.x.clone() };
    for call in agent_calls(&stale, &w.room_a, &w.a.1) {
        let res = call.send(app).await;
        if res.status != 401 {
            failures.push(format!(
                "{} with a wrong auth token: {} {}",
                call.name, res.status, res.json
            ));
        }
    }

    report(&failures, &before, &w.snapshot().await);
}

/// The settings endpoints on setting `id`, each with a value of the right type.
fn settings_calls(id: &str) -> Vec<Call> {
    let value = if id == "Livechat_enabled" { json!(false) } else { json!("intruder") };
    vec![
        Call::new("get setting", Method::GET, format!("/api/v1/settings/{id}"), None),
        Call::new(
            "set setting",
            Method::POST,
            format!("/api/v1/settings/{id}"),
            Some(json!({"value": value})),
        ),
    ]
}

#[actix_web::test]
async fn only_admins_read_or_change_settings() {
    let w = world().await;
    let before = w.snapshot().await;
    let app = &w.app;
    let mut failures = Vec::new();
    let forbidden = json!({"success": false, "error": "unauthorized"});
    let not_logged_in = json!({"success": false, "error": "You must be logged in to do this."});
    let stale = AgentSession { token: "0".repeat(64), ..w.admin.clone() };

    // Each setting's calls, then the list of them all.
    let ids = SETTINGS.iter().chain(&["No_such_setting"]);
    let mut calls: Vec<(String, Call)> = ids
        .flat_map(|id| {
            settings_calls(id).into_iter().map(move |call| (format!("{} {id}", call.name), call))
        })
        .collect();
    let list = Call::new("list settings", Method::GET, "/api/v1/settings?count=100".into(), None);
    calls.push(("list settings".into(), list));
    for (name, call) in calls {
        for agent in [&w.x, &w.y] {
            let res = call_by(&call, agent).send(app).await;
            if (res.status, &res.json) != (403, &forbidden) {
                failures.push(format!("{name} by an agent: {} {}", res.status, res.json));
            }
        }
        for (who, call) in [("a stale token", call_by(&call, &stale)), ("nobody", call)] {
            let res = call.send(app).await;
            if (res.status, &res.json) != (401, &not_logged_in) {
                failures.push(format!("{name} by {who}: {} {}", res.status, res.json));
            }
        }
    }

    report(&failures, &before, &w.snapshot().await);
}

/// `call` with `agent`'s credentials.
fn call_by(call: &Call, agent: &AgentSession) -> Call {
    Call::new(call.name, call.method.clone(), call.path.clone(), call.body.clone()).by(agent)
}

#[actix_web::test]
async fn a_user_id_not_of_the_type_answers_like_a_missing_one_and_changes_nothing() {
    let w = world().await;
    let app = &w.app;
    let manager = app.agent("boss", "manager").await;
    let before = w.snapshot().await;
    let agents_before = app.get_with("/api/v1/livechat/users/agent", &manager.headers()).await;
    let mut failures = Vec::new();

    // Neither agent X nor the admin is a manager; a manager asks about them. A get answers
    // `{user: null}` for both, a remove refuses both alike.
    for (what, id) in [("an agent", &w.x.id), ("an admin", &w.admin.id)] {
        let path = |id: &str| format!("/api/v1/livechat/users/manager/{id}");
        let get = |id: &str| Call::new("get manager", Method::GET, path(id), None).by(&manager);
        let (got, expected) = (get(id).send(app).await, get(MISSING_ROOM).send(app).await);
        if (got.status, &got.json) != (expected.status, &expected.json) {
            failures.push(format!(
                "{what}, get: {} {} but a missing id gets {}",
                got.status, got.json, expected.json
            ));
        }
        let remove =
            |id: &str| vec![Call::new("remove", Method::DELETE, path(id), None).by(&manager)];
        w.compare(what, remove(id), remove(MISSING_ROOM), &mut failures).await;
    }
    // An agent reaches no user at all, whatever the id: 403 before any id is looked at.
    for id in [&w.y.id, &w.admin.id, &MISSING_ROOM.to_owned()] {
        let path = format!("/api/v1/livechat/users/agent/{id}");
        for method in [Method::GET, Method::DELETE] {
            let res =
                Call::new("agent", method.clone(), path.clone(), None).by(&w.x).send(app).await;
            if res.status != 403 {
                failures.push(format!("{method} {path} by an agent: {} {}", res.status, res.json));
            }
        }
    }

    report(&failures, &before, &w.snapshot().await);
    let agents_after = app.get_with("/api/v1/livechat/users/agent", &manager.headers()).await;
    assert_eq!(agents_before.json, agents_after.json);
}

/// Uploads into a room that is not the caller's are answered exactly as uploads into a room
/// that does not exist (403), and store nothing; a room's files download for its visitor,
/// its agent and admins only (403 for everyone else).
#[actix_web::test]
async fn files_reach_only_their_rooms_visitor_and_agents() {
    use crate::files::{form, link_of, png_header};

    let w = world().await;
    let png = || form("a.png", "image/png", png_header(4, 4), &[]);
    let by_visitor = w.app.visitor_upload("tok-a", &w.room_a, png()).await.ok();
    let by_agent = w.app.agent_upload(&w.x, &w.room_a, png()).await.ok()["message"].clone();
    let before = w.snapshot().await;
    let mut failures = Vec::new();

    for (token, rid) in
        [("tok-b", &w.room_a), ("tok-c", &w.room_a), ("tok-a", &w.room_b), ("tok-c", &w.room_c)]
    {
        let got = w.app.visitor_upload(token, rid, png()).await;
        let expected = w.app.visitor_upload(token, MISSING_ROOM, png()).await;
        if got.status != 403 || (got.status, &got.json) != (expected.status, &expected.json) {
            failures
                .push(format!("visitor {token} upload into {rid}: {} {}", got.status, got.json));
        }
    }
    for (agent, rid) in [(&w.y, &w.room_a), (&w.y, &w.room_c), (&w.x, &w.room_b)] {
        for path in ["rooms.upload", "rooms.media"] {
            let app = &w.app;
            let upload = |rid: String| {
                let path = format!("/api/v1/{path}/{rid}");
                async move { app.upload_form(&path, png(), &agent.headers()).await }
            };
            let (got, expected) = (upload(rid.clone()).await, upload(MISSING_ROOM.into()).await);
            if got.status != 403 || (got.status, &got.json) != (expected.status, &expected.json) {
                let who = &agent.username;
                failures.push(format!("{who} {path} into {rid}: {} {}", got.status, got.json));
            }
        }
    }
    for message in [&by_visitor, &by_agent] {
        let link = link_of(message);
        let refused = [
            ("anonymous", w.app.download(&link, &[]).await),
            ("visitor b", w.app.visitor_download(&link, &w.room_b, "tok-b").await),
            ("visitor b naming room a", w.app.visitor_download(&link, &w.room_a, "tok-b").await),
            ("visitor c", w.app.visitor_download(&link, &w.room_c, "tok-c").await),
            ("agent y", w.app.download(&link, &w.y.headers()).await),
        ];
        for (who, download) in refused {
            if download.status != 403 {
                failures.push(format!("{who} downloaded {link}: {}", download.status));
            }
        }
        let allowed = [
            ("visitor a", w.app.visitor_download(&link, &w.room_a, "tok-a").await),
            ("agent x", w.app.download(&link, &w.x.headers()).await),
            ("admin", w.app.download(&link, &w.admin.headers()).await),
        ];
        for (who, download) in allowed {
            if download.status != 200 {
                failures.push(format!("{who} could not download {link}: {}", download.status));
            }
        }
    }
    for rid in [&w.room_a, &w.room_b, &w.room_c] {
        let files = livechat_server::db::files::count_in_room(&mut w.app.database(), rid).ok();
        let expected = if *rid == w.room_a { 2 } else { 0 };
        if files != Some(expected) {
            failures.push(format!("room {rid} holds {files:?} files, not {expected}"));
        }
    }

    report(&failures, &before, &w.snapshot().await);
}
