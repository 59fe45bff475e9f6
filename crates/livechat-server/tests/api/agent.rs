//! Agent endpoints (SPEC section 6): login and logout, availability, the room list, replies,
//! edits, deletes, closing, and the history read with agent credentials.

use reqwest::Method;
use serde_json::{json, Value};

use super::{AgentSession, Res, TestApp, AGENT_PASSWORD};

/// The exact 401 envelope.
pub fn not_logged_in() -> Value {
    json!({"success": false, "error": "You must be logged in to do this."})
}

/// A POST with the agent's credentials.
pub async fn post_as(app: &TestApp, agent: &AgentSession, path: &str, body: Value) -> Res {
    app.request_with(Method::POST, path, Some(body), &agent.headers()).await
}

/// A GET with the agent's credentials.
pub async fn get_as(app: &TestApp, agent: &AgentSession, path: &str) -> Res {
    app.request_with(Method::GET, path, None, &agent.headers()).await
}

/// Sets the agent's availability, asserting the reply.
pub async fn set_status(app: &TestApp, agent: &AgentSession, status: &str) {
    let res = post_as(app, agent, "/api/v1/livechat/agent.status", json!({"status": status})).await;
    assert_eq!(res.ok(), json!({"status": status, "success": true}));
}

/// An agent reply; returns the reply.
pub async fn reply(app: &TestApp, agent: &AgentSession, rid: &str, msg: &str) -> Res {
    post_as(app, agent, "/api/v1/chat.sendMessage", json!({"message": {"rid": rid, "msg": msg}}))
        .await
}

/// The room list as the agent sees it (`query` without the `?`).
pub async fn rooms(app: &TestApp, agent: &AgentSession, query: &str) -> Value {
    get_as(app, agent, &format!("/api/v1/livechat/rooms?{query}")).await.ok()
}

/// The ids of a room list, in order.
pub fn room_ids(list: &Value) -> Vec<String> {
    let rooms = list["rooms"].as_array().expect("rooms");
    rooms.iter().map(|room| room["_id"].as_str().expect("room id").to_owned()).collect()
}

/// The ids of a history, newest first.
fn message_ids(messages: &[Value]) -> Vec<String> {
    messages.iter().map(|message| message["_id"].as_str().expect("id").to_owned()).collect()
}

#[actix_web::test]
async fn login_with_the_right_password_returns_credentials() {
    let app = TestApp::new().await;
    let id = app.add_user("alice", AGENT_PASSWORD, "agent");

    let body = login(&app, "alice", AGENT_PASSWORD).await.ok();
    assert_eq!(body["status"], "success");
    let data = &body["data"];
    assert_eq!(data["userId"], id.as_str());
    assert!(data["authToken"].as_str().is_some_and(|token| token.len() >= 32), "{body}");
    let me = &data["me"];
    assert_eq!(me["_id"], id.as_str());
    assert_eq!(me["username"], "alice");
    let roles = me["roles"].as_array().expect("roles");
    assert!(roles.contains(&json!("livechat-agent")), "{me}");
    assert!(!roles.contains(&json!("admin")), "{me}");

    // An admin carries the admin role.
    app.add_user("root", AGENT_PASSWORD, "admin");
    let body = login(&app, "root", AGENT_PASSWORD).await;
    assert!(body.ok()["data"]["me"]["roles"].as_array().expect("roles").contains(&json!("admin")));
}

#[actix_web::test]
async fn a_wrong_password_or_an_unknown_user_is_401() {
    let app = TestApp::new().await;
    app.add_user("alice", AGENT_PASSWORD, "agent");

    for (user, password) in [("alice", "password-124"), ("alice", ""), ("nobody", AGENT_PASSWORD)] {
        let res = login(&app, user, password).await;
        assert_eq!(res.status, 401, "{user}/{password}: {}", res.json);
        assert_eq!(res.json, not_logged_in(), "{user}/{password}");
    }
}

#[actix_web::test]
async fn logout_revokes_only_that_token() {
    let app = TestApp::new().await;
    let first = app.agent("alice", "agent").await;
    // A second session of the same user.
    let body = login(&app, "alice", AGENT_PASSWORD).await;
    let second = AgentSession {
        token: body.ok()["data"]["authToken"].as_str().expect("token").to_owned(),
        ..first.clone()
    };
    assert_ne!(first.token, second.token);

    let body = post_as(&app, &first, "/api/v1/logout", json!({})).await.ok();
    assert_eq!(body["status"], "success", "{body}");

    for res in [
        get_as(&app, &first, "/api/v1/livechat/rooms").await,
        post_as(&app, &first, "/api/v1/livechat/agent.status", json!({"status": "available"}))
            .await,
        post_as(&app, &first, "/api/v1/logout", json!({})).await,
    ] {
        assert_eq!(res.status, 401, "{}", res.json);
        assert_eq!(res.json, not_logged_in());
    }
    rooms(&app, &second, "").await;
}

#[actix_web::test]
async fn every_agent_endpoint_needs_valid_credentials() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    set_status(&app, &alice, "available").await;
    let rid = app.visitor_with_room("tok-a").await;
    let sent = reply(&app, &alice, &rid, "hello").await.ok();
    let msg_id = sent["message"]["_id"].as_str().expect("id").to_owned();

    let endpoints: Vec<(Method, String, Option<Value>)> = vec![
        (Method::POST, "/api/v1/logout".into(), Some(json!({}))),
        (
            Method::POST,
            "/api/v1/livechat/agent.status".into(),
            Some(json!({"status": "available"})),
        ),
        (Method::GET, "/api/v1/livechat/rooms".into(), None),
        (Method::GET, "/api/v1/livechat/rooms?open=true&count=5&offset=0".into(), None),
        (
            Method::POST,
            "/api/v1/chat.sendMessage".into(),
            Some(json!({"message": {"rid": rid, "msg": "hi"}})),
        ),
        (
            Method::POST,
            "/api/v1/chat.update".into(),
            Some(json!({"roomId": rid, "msgId": msg_id, "text": "edited"})),
        ),
        (Method::POST, "/api/v1/chat.delete".into(), Some(json!({"roomId": rid, "msgId": msg_id}))),
        (Method::POST, "/api/v1/livechat/room.closeByUser".into(), Some(json!({"rid": rid}))),
        (Method::GET, "/api/v1/livechat/offline.messages".into(), None),
    ];
    let credentials: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("none", vec![]),
        ("user id only", vec![("X-User-Id", &alice.id)]),
        ("token only", vec![("X-Auth-Token", &alice.token)]),
        ("wrong token", vec![("X-User-Id", &alice.id), ("X-Auth-Token", "0123456789abcdef")]),
        ("empty token", vec![("X-User-Id", &alice.id), ("X-Auth-Token", "")]),
        ("someone else's token", vec![("X-User-Id", &alice.id), ("X-Auth-Token", &bob.token)]),
        ("unknown user", vec![("X-User-Id", "nobody"), ("X-Auth-Token", &alice.token)]),
    ];
    for (method, path, body) in &endpoints {
        for (label, headers) in &credentials {
            let res = app.request_with(method.clone(), path, body.clone(), headers).await;
            assert_eq!(res.status, 401, "{method} {path} with {label}: {}", res.json);
            assert_eq!(res.json, not_logged_in(), "{method} {path} with {label}");
        }
        // Without any credentials, an invalid body is still 401.
        let invalid = body.as_ref().map(|_| json!({"bogus": 1}));
        let res = app.request_with(method.clone(), path, invalid, &[]).await;
        assert_eq!((res.status, &res.json), (401, &not_logged_in()), "{method} {path}");
    }

    // Nothing above changed anything.
    let history = app.history("tok-a", &rid).await;
    assert_eq!(history[0]["msg"], "hello");
    assert!(history[0].get("editedAt").is_none(), "{}", history[0]);
    let room = app.get("/api/v1/livechat/room?token=tok-a").await.ok()["room"].clone();
    assert_eq!((&room["_id"], &room["open"]), (&json!(rid), &json!(true)));
}

#[actix_web::test]
async fn the_auth_token_appears_in_no_other_reply() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let hash = livechat_server::auth::hash_token(&alice.token);
    let mut replies = Vec::new();

    replies.push(
        post_as(&app, &alice, "/api/v1/livechat/agent.status", json!({"status": "available"}))
            .await,
    );
    app.register("tok-a").await;
    replies.push(app.get("/api/v1/livechat/room?token=tok-a").await);
    let rid = replies[1].json["room"]["_id"].as_str().expect("rid").to_owned();
    replies.push(reply(&app, &alice, &rid, "hello").await);
    let msg_id = replies[2].json["message"]["_id"].as_str().expect("id").to_owned();
    let edit = json!({"roomId": rid, "msgId": msg_id, "text": "edited"});
    replies.push(post_as(&app, &alice, "/api/v1/chat.update", edit).await);
    replies.push(get_as(&app, &alice, "/api/v1/livechat/rooms").await);
    replies.push(get_as(&app, &alice, &format!("/api/v1/livechat/messages.history/{rid}")).await);
    replies.push(app.get(&format!("/api/v1/livechat/messages.history/{rid}?token=tok-a")).await);
    replies.push(app.get("/api/v1/livechat/config?token=tok-a").await);
    replies.push(app.get(&format!("/api/v1/livechat/agent.info/{rid}/tok-a")).await);
    replies.push(get_as(&app, &alice, "/api/v1/livechat/offline.messages").await);
    let delete = json!({"roomId": rid, "msgId": msg_id});
    replies.push(post_as(&app, &alice, "/api/v1/chat.delete", delete).await);
    let close = json!({"rid": rid, "comment": "bye"});
    replies.push(post_as(&app, &alice, "/api/v1/livechat/room.closeByUser", close).await);
    replies.push(post_as(&app, &alice, "/api/v1/logout", json!({})).await);
    replies.push(post_as(&app, &alice, "/api/v1/logout", json!({})).await);

    for res in &replies {
        let text = res.json.to_string();
        assert!(res.status == 200 || res.status == 401, "{text}");
        assert!(!text.contains(&alice.token), "the auth token leaked: {text}");
        assert!(!text.contains(&hash), "the token hash leaked: {text}");
    }
}

#[actix_web::test]
async fn agent_status_switches_availability_and_config_online() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let online =
        || async { app.get("/api/v1/livechat/config").await.ok()["config"]["online"].clone() };
    assert_eq!(online().await, false);

    set_status(&app, &alice, "available").await;
    assert_eq!(online().await, true);
    // Setting the same status again is fine.
    set_status(&app, &alice, "available").await;
    assert_eq!(online().await, true);

    set_status(&app, &alice, "not-available").await;
    assert_eq!(online().await, false);
}

#[actix_web::test]
async fn a_bad_status_is_invalid_params() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;

    for body in [
        json!({"status": "busy"}),
        json!({"status": ""}),
        json!({"status": "Available"}),
        json!({"status": 1}),
        json!({"status": null}),
        json!({}),
        json!({"status": "available", "extra": true}),
    ] {
        let res = post_as(&app, &alice, "/api/v1/livechat/agent.status", body.clone()).await;
        res.assert_invalid_params();
    }
    // Still not available.
    assert_eq!(app.get("/api/v1/livechat/config").await.ok()["config"]["online"], false);
}

#[actix_web::test]
async fn an_agent_lists_its_rooms_and_the_queue_and_an_admin_lists_all() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    let admin = app.agent("root", "admin").await;

    set_status(&app, &alice, "available").await;
    let room_a = app.visitor_with_room("tok-a").await;
    set_status(&app, &alice, "not-available").await;
    set_status(&app, &bob, "available").await;
    let room_b = app.visitor_with_room("tok-b").await;
    set_status(&app, &bob, "not-available").await;
    let queued = app.visitor_with_room("tok-q").await;

    // Newest first: the queued room was opened last.
    let list = rooms(&app, &alice, "").await;
    assert_eq!(room_ids(&list), [queued.clone(), room_a.clone()], "{list}");
    assert_eq!(list["total"], 2);
    assert_eq!(list["count"], 2);
    assert_eq!(list["offset"], 0);
    assert_eq!(list["rooms"][1]["servedBy"]["_id"], alice.id.as_str());
    assert!(list["rooms"][0].get("servedBy").is_none(), "{list}");
    for room in list["rooms"].as_array().expect("rooms") {
        // The visitor token is a secret of the visitor.
        assert!(room["v"].get("token").is_none(), "{room}");
    }

    let list = rooms(&app, &bob, "").await;
    assert_eq!(room_ids(&list), [queued.clone(), room_b.clone()], "{list}");

    let list = rooms(&app, &admin, "").await;
    assert_eq!(room_ids(&list), [queued.clone(), room_b.clone(), room_a], "{list}");
    assert_eq!(list["total"], 3);

    // A room closed while queued belongs to nobody: only the admin lists it.
    let dropped = app.visitor_with_room("tok-d").await;
    app.close("tok-d", &dropped).await.ok();
    assert_eq!(room_ids(&rooms(&app, &bob, "").await), [queued, room_b]);
    let list = rooms(&app, &admin, "open=false").await;
    assert_eq!(room_ids(&list), [dropped]);
}

#[actix_web::test]
async fn the_room_list_filters_by_open_and_pages() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let admin = app.agent("root", "admin").await;
    set_status(&app, &alice, "available").await;
    let first = app.visitor_with_room("tok-1").await;
    let second = app.visitor_with_room("tok-2").await;
    let third = app.visitor_with_room("tok-3").await;
    app.close("tok-1", &first).await.ok();

    let open = rooms(&app, &alice, "open=true").await;
    assert_eq!(room_ids(&open), [third.clone(), second.clone()]);
    assert_eq!(open["total"], 2);
    let closed = rooms(&app, &alice, "open=false").await;
    assert_eq!(room_ids(&closed), vec![first.clone()]);
    assert_eq!(closed["rooms"][0]["open"], false);
    assert_eq!(closed["total"], 1);

    let page = rooms(&app, &admin, "count=2").await;
    assert_eq!(room_ids(&page), [third.clone(), second.clone()]);
    assert_eq!(
        (&page["count"], &page["offset"], &page["total"]),
        (&json!(2), &json!(0), &json!(3))
    );
    let page = rooms(&app, &admin, "count=2&offset=2").await;
    assert_eq!(room_ids(&page), vec![first]);
    assert_eq!(
        (&page["count"], &page["offset"], &page["total"]),
        (&json!(1), &json!(2), &json!(3))
    );
    let page = rooms(&app, &admin, "count=2&offset=5").await;
    assert_eq!(room_ids(&page), Vec::<String>::new());
    assert_eq!((&page["count"], &page["total"]), (&json!(0), &json!(3)));
    let page = rooms(&app, &alice, "open=true&count=1&offset=1").await;
    assert_eq!(room_ids(&page), [second]);
    assert_eq!(page["total"], 2);
}

#[actix_web::test]
async fn the_serving_agent_replies_and_the_visitor_sees_it() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    set_status(&app, &alice, "available").await;
    let rid = app.visitor_with_room("tok-a").await;

    let message = reply(&app, &alice, &rid, "How can I help?").await.ok()["message"].clone();

    assert_eq!(message["rid"], rid.as_str());
    assert_eq!(message["msg"], "How can I help?");
    assert_eq!(message["u"]["_id"], alice.id.as_str());
    assert_eq!(message["u"]["username"], "alice");
    assert!(message.get("t").is_none(), "{message}");
    let history = app.history("tok-a", &rid).await;
    assert_eq!(history[0], message);
}

#[actix_web::test]
async fn a_retried_reply_id_returns_the_stored_message() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let admin = app.agent("root", "admin").await;
    set_status(&app, &alice, "available").await;
    let rid = app.visitor_with_room("tok-a").await;
    let body = json!({"message": {"rid": rid, "msg": "once", "_id": "agent-msg-1"}});

    let first = post_as(&app, &alice, "/api/v1/chat.sendMessage", body.clone()).await.ok();
    let again = post_as(&app, &alice, "/api/v1/chat.sendMessage", body.clone()).await.ok();

    assert_eq!(first["message"]["_id"], "agent-msg-1");
    assert_eq!(first, again);
    let history = app.history("tok-a", &rid).await;
    assert_eq!(history.iter().filter(|m| m["_id"] == "agent-msg-1").count(), 1);

    // The same id from another author is refused.
    let res = post_as(&app, &admin, "/api/v1/chat.sendMessage", body).await;
    res.assert_error("duplicate-message-id");
    app.send_with_id("tok-a", &rid, "agent-msg-1", "mine")
        .await
        .assert_error("duplicate-message-id");
    // Nor may the agent reuse it in another room it serves.
    let other = app.visitor_with_room("tok-b").await;
    let body = json!({"message": {"rid": other, "msg": "once", "_id": "agent-msg-1"}});
    post_as(&app, &alice, "/api/v1/chat.sendMessage", body)
        .await
        .assert_error("duplicate-message-id");
    // And the other way round: a visitor's id is not the agent's.
    app.send_with_id("tok-a", &rid, "visitor-msg-1", "hi").await.ok();
    let body = json!({"message": {"rid": rid, "msg": "x", "_id": "visitor-msg-1"}});
    post_as(&app, &alice, "/api/v1/chat.sendMessage", body)
        .await
        .assert_error("duplicate-message-id");
    assert_eq!(app.history("tok-a", &rid).await.len(), history.len() + 1);
}

#[actix_web::test]
async fn an_agent_who_does_not_serve_the_room_cannot_reply() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    set_status(&app, &alice, "available").await;
    let rid = app.visitor_with_room("tok-a").await;
    set_status(&app, &alice, "not-available").await;
    let queued = app.visitor_with_room("tok-q").await;
    let before = app.history("tok-a", &rid).await;

    reply(&app, &bob, &rid, "mine now").await.assert_error("invalid-room");
    // Neither a queued room nor an unknown one.
    reply(&app, &bob, &queued, "hi").await.assert_error("invalid-room");
    reply(&app, &bob, "no-such-room", "hi").await.assert_error("invalid-room");
    let body = json!({"message": {"rid": rid, "msg": "hi", "_id": "bob-1"}});
    post_as(&app, &bob, "/api/v1/chat.sendMessage", body).await.assert_error("invalid-room");

    assert_eq!(app.history("tok-a", &rid).await, before);
    assert_eq!(app.history("tok-q", &queued).await.len(), 1);
    // The id was not taken either.
    app.send_with_id("tok-a", &rid, "bob-1", "visitor").await.ok();
}

#[actix_web::test]
async fn an_admin_may_reply_in_any_room() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let admin = app.agent("root", "admin").await;
    set_status(&app, &alice, "available").await;
    let rid = app.visitor_with_room("tok-a").await;
    set_status(&app, &alice, "not-available").await;
    let queued = app.visitor_with_room("tok-q").await;

    let message = reply(&app, &admin, &rid, "admin here").await.ok()["message"].clone();
    assert_eq!(message["u"]["_id"], admin.id.as_str());
    assert_eq!(app.history("tok-a", &rid).await[0], message);
    let message =
        reply(&app, &admin, &queued, "queued, still answered").await.ok()["message"].clone();
    assert_eq!(app.history("tok-q", &queued).await[0], message);
}

#[actix_web::test]
async fn a_reply_in_a_closed_room_is_room_closed() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    set_status(&app, &alice, "available").await;
    let rid = app.visitor_with_room("tok-a").await;
    let body = json!({"message": {"rid": rid, "msg": "before", "_id": "before-close"}});
    let sent = post_as(&app, &alice, "/api/v1/chat.sendMessage", body.clone()).await.ok();
    app.close("tok-a", &rid).await.ok();
    let before = app.history("tok-a", &rid).await;

    reply(&app, &alice, &rid, "too late").await.assert_error("room-closed");
    // A retry of a message stored before the close still gets its stored reply.
    assert_eq!(post_as(&app, &alice, "/api/v1/chat.sendMessage", body).await.ok(), sent);
    assert_eq!(app.history("tok-a", &rid).await, before);
}

#[actix_web::test]
async fn a_reply_is_validated() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    set_status(&app, &alice, "available").await;
    let rid = app.visitor_with_room("tok-a").await;

    for body in [
        json!({"message": {"rid": rid, "msg": ""}}),
        json!({"message": {"rid": rid}}),
        json!({"message": {"msg": "hi"}}),
        json!({"message": {"rid": rid, "msg": {"$ne": ""}}}),
        json!({"message": {"rid": rid, "msg": "hi", "_id": "bad id!"}}),
        json!({"rid": rid, "msg": "hi"}),
        json!({}),
    ] {
        post_as(&app, &alice, "/api/v1/chat.sendMessage", body).await.assert_invalid_params();
    }
    assert_eq!(app.history("tok-a", &rid).await.len(), 2);
}

#[actix_web::test]
async fn an_agent_edits_and_deletes_its_own_message() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    set_status(&app, &alice, "available").await;
    let rid = app.visitor_with_room("tok-a").await;
    let sent = reply(&app, &alice, &rid, "helo").await.ok()["message"].clone();
    let id = sent["_id"].as_str().expect("id").to_owned();

    let edit = json!({"roomId": rid, "msgId": id, "text": "hello"});
    let edited = post_as(&app, &alice, "/api/v1/chat.update", edit).await.ok()["message"].clone();

    assert_eq!(edited["_id"], id.as_str());
    assert_eq!(edited["msg"], "hello");
    assert_eq!(edited["ts"], sent["ts"]);
    assert!(edited["editedAt"].is_string(), "{edited}");
    assert_eq!(edited["editedBy"], json!({"_id": alice.id, "username": "alice"}));
    let seen = app.get(&format!("/api/v1/livechat/message/{id}?token=tok-a&rid={rid}")).await.ok();
    assert_eq!(seen["message"]["msg"], "hello");
    assert_eq!(app.history("tok-a", &rid).await[0], edited);

    let delete = json!({"roomId": rid, "msgId": id});
    let deleted = post_as(&app, &alice, "/api/v1/chat.delete", delete.clone()).await.ok();

    assert_eq!(deleted["_id"], id.as_str());
    assert!(deleted["ts"].is_string(), "{deleted}");
    let history = app.history("tok-a", &rid).await;
    assert!(!message_ids(&history).contains(&id), "{history:?}");
    app.get(&format!("/api/v1/livechat/message/{id}?token=tok-a&rid={rid}"))
        .await
        .assert_error("invalid-message");
    // Deleting or editing it again finds nothing; its id stays taken.
    post_as(&app, &alice, "/api/v1/chat.delete", delete).await.assert_error("invalid-message");
    let edit = json!({"roomId": rid, "msgId": id, "text": "back"});
    post_as(&app, &alice, "/api/v1/chat.update", edit).await.assert_error("invalid-message");
    let again = json!({"message": {"rid": rid, "msg": "again", "_id": id}});
    post_as(&app, &alice, "/api/v1/chat.sendMessage", again)
        .await
        .assert_error("duplicate-message-id");
}

#[actix_web::test]
async fn an_agent_cannot_edit_or_delete_what_others_wrote() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let admin = app.agent("root", "admin").await;
    set_status(&app, &alice, "available").await;
    let rid = app.visitor_with_room("tok-a").await;
    let visitor_msg =
        app.send("tok-a", &rid, "from the visitor").await.ok()["message"]["_id"].clone();
    let admin_msg =
        reply(&app, &admin, &rid, "from the admin").await.ok()["message"]["_id"].clone();
    let history = app.history("tok-a", &rid).await;
    // The system messages (`uj`, `livechat-started`) are nobody's to edit.
    let joined = history.iter().find(|m| m["t"] == "uj").expect("uj")["_id"].clone();
    let started =
        history.iter().find(|m| m["t"] == "livechat-started").expect("started")["_id"].clone();

    for msg_id in [&visitor_msg, &admin_msg, &joined, &started] {
        let edit = json!({"roomId": rid, "msgId": msg_id, "text": "changed"});
        let res = post_as(&app, &alice, "/api/v1/chat.update", edit).await;
        res.assert_error("error-action-not-allowed");
        let delete = json!({"roomId": rid, "msgId": msg_id});
        let res = post_as(&app, &alice, "/api/v1/chat.delete", delete).await;
        res.assert_error("error-action-not-allowed");
    }
    // Not even an admin edits a visitor's message.
    let edit = json!({"roomId": rid, "msgId": visitor_msg, "text": "changed"});
    post_as(&app, &admin, "/api/v1/chat.update", edit)
        .await
        .assert_error("error-action-not-allowed");
    assert_eq!(app.history("tok-a", &rid).await, history);
}

#[actix_web::test]
async fn editing_or_deleting_in_a_room_not_served_is_invalid_room() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    set_status(&app, &alice, "available").await;
    let rid = app.visitor_with_room("tok-a").await;
    let id = reply(&app, &alice, &rid, "alice's").await.ok()["message"]["_id"].clone();
    let before = app.history("tok-a", &rid).await;

    let edit = json!({"roomId": rid, "msgId": id, "text": "bob's"});
    post_as(&app, &bob, "/api/v1/chat.update", edit).await.assert_error("invalid-room");
    let delete = json!({"roomId": rid, "msgId": id});
    post_as(&app, &bob, "/api/v1/chat.delete", delete).await.assert_error("invalid-room");
    // A message looked up in another room is not found there.
    let other = app.visitor_with_room("tok-b").await;
    let edit = json!({"roomId": other, "msgId": id, "text": "x"});
    post_as(&app, &alice, "/api/v1/chat.update", edit).await.assert_error("invalid-message");

    assert_eq!(app.history("tok-a", &rid).await, before);
}

#[actix_web::test]
async fn an_agent_closes_a_room_it_serves() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    set_status(&app, &alice, "available").await;
    let rid = app.visitor_with_room("tok-a").await;

    let close = json!({"rid": rid, "comment": "Solved, thanks"});
    let res = post_as(&app, &alice, "/api/v1/livechat/room.closeByUser", close.clone()).await;
    assert_eq!(res.ok(), json!({"success": true}));

    let closed = rooms(&app, &alice, "open=false").await;
    let room = &closed["rooms"][0];
    assert_eq!(room["_id"], rid.as_str(), "{closed}");
    assert_eq!(room["open"], false);
    assert_eq!(room["closer"], "user");
    assert_eq!(room["closedBy"], json!({"_id": alice.id, "username": "alice"}));
    assert!(room["closedAt"].is_string(), "{room}");
    let last = app.history("tok-a", &rid).await[0].clone();
    assert_eq!(last["t"], "livechat-close");
    assert_eq!(last["msg"], "Solved, thanks");
    assert_eq!(last["u"]["_id"], alice.id.as_str());

    post_as(&app, &alice, "/api/v1/livechat/room.closeByUser", close)
        .await
        .assert_error("room-closed");
    app.send("tok-a", &rid, "still there?").await.assert_error("room-closed");
    app.get(&format!("/api/v1/livechat/room?token=tok-a&rid={rid}"))
        .await
        .assert_error("invalid-room");
    let reopened = app.get("/api/v1/livechat/room?token=tok-a").await.ok();
    assert_eq!(reopened["newRoom"], true);
    assert_ne!(reopened["room"]["_id"], rid.as_str());
    assert_eq!(reopened["room"]["open"], true);
}

#[actix_web::test]
async fn closing_without_a_comment_or_a_room_not_served() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    set_status(&app, &alice, "available").await;
    let rid = app.visitor_with_room("tok-a").await;

    let res = post_as(&app, &bob, "/api/v1/livechat/room.closeByUser", json!({"rid": rid})).await;
    res.assert_error("invalid-room");
    let res =
        post_as(&app, &bob, "/api/v1/livechat/room.closeByUser", json!({"rid": "nope"})).await;
    res.assert_error("invalid-room");
    assert_eq!(
        app.get("/api/v1/livechat/room?token=tok-a").await.ok()["room"]["_id"],
        rid.as_str()
    );
    post_as(&app, &alice, "/api/v1/livechat/room.closeByUser", json!({}))
        .await
        .assert_invalid_params();

    // Livechat_request_comment_when_closing_conversation is on, as in Rocket.Chat.
    post_as(&app, &alice, "/api/v1/livechat/room.closeByUser", json!({"rid": rid}))
        .await
        .assert_error("error-comment-is-required");
    let close = json!({"rid": rid, "comment": "done"});
    post_as(&app, &alice, "/api/v1/livechat/room.closeByUser", close).await.ok();
    assert_eq!(app.history("tok-a", &rid).await[0]["t"], "livechat-close");
}

#[actix_web::test]
async fn the_history_reads_with_agent_credentials() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    let admin = app.agent("root", "admin").await;
    set_status(&app, &alice, "available").await;
    let rid = app.visitor_with_room("tok-a").await;
    app.send("tok-a", &rid, "hi").await.ok();
    reply(&app, &alice, &rid, "hello").await.ok();
    let visitors = app.history("tok-a", &rid).await;
    let path = format!("/api/v1/livechat/messages.history/{rid}?limit=100");

    let served = get_as(&app, &alice, &path).await.ok();
    assert_eq!(served["messages"].as_array().expect("messages"), &visitors);
    let paged =
        get_as(&app, &alice, &format!("/api/v1/livechat/messages.history/{rid}?limit=1&offset=1"))
            .await
            .ok();
    assert_eq!(paged["messages"], json!([visitors[1]]));
    assert_eq!(get_as(&app, &admin, &path).await.ok()["messages"], served["messages"]);

    get_as(&app, &bob, &path).await.assert_error("invalid-room");
    get_as(&app, &alice, "/api/v1/livechat/messages.history/nope")
        .await
        .assert_error("invalid-room");
    app.get(&path).await.assert_invalid_params();
    // Wrong credentials read nothing.
    let wrong = [("X-User-Id", alice.id.as_str()), ("X-Auth-Token", "wrong")];
    let res = app.get_with(&path, &wrong).await;
    assert!(res.status == 400 || res.status == 401, "{}", res.json);
    assert_eq!(res.json["success"], false);
}

/// Logs in over REST.
async fn login(app: &TestApp, user: &str, password: &str) -> Res {
    app.post("/api/v1/login", json!({"user": user, "password": password})).await
}

/// Runs `livechat-server user ...` against the test's database, `stdin` on standard input.
pub fn user_command(app: &TestApp, args: &[&str], stdin: &str) -> (bool, String, String) {
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_livechat-server"))
        .arg("user")
        .args(args)
        .env("LIVECHAT_DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("livechat-server");
    // A command refused by its argument parser exits without reading: ignore a broken pipe.
    let _ = child.stdin.take().expect("stdin").write_all(stdin.as_bytes());
    let output = child.wait_with_output().expect("output");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.success(), text(&output.stdout), text(&output.stderr))
}

#[actix_web::test]
async fn the_user_subcommands_add_list_and_remove() {
    let app = TestApp::new().await;
    let (ok, out, err) =
        user_command(&app, &["add", "--username", "alice", "--password-stdin"], "s3cret-pass-1\n");
    assert!(ok, "{out}{err}");
    assert!(!out.contains("s3cret-pass-1") && !err.contains("s3cret-pass-1"), "{out}{err}");
    let args = ["add", "--username", "root", "--password-stdin", "--role", "admin"];
    assert!(user_command(&app, &args, "admin-pass-1\n").0);
    let session = login(&app, "alice", "s3cret-pass-1").await.ok();
    assert_eq!(session["data"]["me"]["username"], "alice");
    let roles = login(&app, "root", "admin-pass-1").await.ok()["data"]["me"]["roles"].clone();
    assert!(roles.as_array().expect("roles").contains(&json!("admin")), "{roles}");

    // A short password, a taken name and a missing --password-stdin are refused.
    let (ok, out, err) =
        user_command(&app, &["add", "--username", "bob", "--password-stdin"], "short\n");
    assert!(!ok, "{out}{err}");
    assert!(err.contains("12 characters"), "{err}");
    let (ok, _, err) =
        user_command(&app, &["add", "--username", "alice", "--password-stdin"], "other-pass-123\n");
    assert!(!ok, "{err}");
    assert!(!user_command(&app, &["add", "--username", "carl"], "carl-pass-123\n").0);
    assert_eq!(login(&app, "bob", "short").await.status, 401);
    assert_eq!(login(&app, "alice", "other-pass-123").await.status, 401);

    let (ok, out, err) = user_command(&app, &["list"], "");
    assert!(ok, "{err}");
    assert!(out.contains("alice") && out.contains("root") && out.contains("admin"), "{out}");
    assert!(!out.contains("bob") && !out.contains("carl"), "{out}");
    assert!(!out.contains("$argon2") && !out.contains("s3cret-pass-1"), "{out}");

    // Removing a user ends its sessions too.
    let token = session["data"]["authToken"].as_str().expect("token");
    let headers =
        [("X-User-Id", session["data"]["userId"].as_str().expect("id")), ("X-Auth-Token", token)];
    app.request_with(Method::GET, "/api/v1/livechat/rooms", None, &headers).await.ok();
    let (ok, _, err) = user_command(&app, &["remove", "--username", "alice"], "");
    assert!(ok, "{err}");
    let res = app.request_with(Method::GET, "/api/v1/livechat/rooms", None, &headers).await;
    assert_eq!((res.status, res.json), (401, not_logged_in()));
    assert_eq!(login(&app, "alice", "s3cret-pass-1").await.status, 401);
    assert!(!user_command(&app, &["list"], "").1.contains("alice"));
    assert!(!user_command(&app, &["remove", "--username", "alice"], "").0);
}

#[actix_web::test]
async fn wrong_credentials_are_401_before_the_body_is_validated() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let wrong = [("X-User-Id", alice.id.as_str()), ("X-Auth-Token", "0123456789abcdef")];
    let invalid = Some(json!({"bogus": 1}));
    let mut answers = Vec::new();
    // Which extractor fails first varies: ask each endpoint a few times.
    for path in [
        "/api/v1/logout",
        "/api/v1/livechat/agent.status",
        "/api/v1/chat.sendMessage",
        "/api/v1/chat.update",
        "/api/v1/chat.delete",
        "/api/v1/livechat/room.closeByUser",
    ] {
        for _ in 0..3 {
            let res = app.request_with(Method::POST, path, invalid.clone(), &wrong).await;
            answers.push((path, res.status, res.json));
        }
    }
    for path in ["/api/v1/livechat/rooms?open=maybe", "/api/v1/livechat/offline.messages?count=x"] {
        for _ in 0..3 {
            let res = app.request_with(Method::GET, path, None, &wrong).await;
            answers.push((path, res.status, res.json));
        }
    }
    let wrong_answers: Vec<_> = answers
        .iter()
        .filter(|(_, status, json)| *status != 401 || *json != not_logged_in())
        .collect();
    assert!(wrong_answers.is_empty(), "{wrong_answers:#?}");
}
