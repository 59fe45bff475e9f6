//! `POST livechat/visitor`, `GET livechat/visitor/:token` and `DELETE livechat/visitor/:token`.

use serde_json::{json, Value};

use crate::realtime::support::Ddp;
use crate::TestApp;

const REGISTER: &str = "/api/v1/livechat/visitor";

fn is_guest_name(username: &Value) -> bool {
    username
        .as_str()
        .and_then(|name| name.strip_prefix("guest-"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

#[actix_web::test]
async fn register_creates_a_visitor() {
    let app = TestApp::new().await;

    let body = app
        .post(
            REGISTER,
            json!({"visitor": {"token": "tok-v", "name": "Ann", "email": "ann@example.com"}}),
        )
        .await
        .ok();

    let visitor = &body["visitor"];
    assert_eq!(visitor["token"], "tok-v");
    assert_eq!(visitor["name"], "Ann");
    assert_eq!(visitor["status"], "online");
    assert_eq!(visitor["visitorEmails"], json!([{"address": "ann@example.com"}]));
    assert_eq!(visitor["_id"].as_str().map(str::len), Some(17), "{visitor}");
    assert!(is_guest_name(&visitor["username"]), "{visitor}");
    assert!(visitor["ts"].is_string() && visitor["_updatedAt"].is_string(), "{visitor}");
}

#[actix_web::test]
async fn registering_the_same_token_again_updates_that_visitor() {
    let app = TestApp::new().await;
    let first =
        app.post(REGISTER, json!({"visitor": {"token": "tok-v", "name": "Ann"}})).await.ok();

    let second =
        app.post(REGISTER, json!({"visitor": {"token": "tok-v", "name": "Anna"}})).await.ok();

    assert_eq!(second["visitor"]["_id"], first["visitor"]["_id"]);
    assert_eq!(second["visitor"]["username"], first["visitor"]["username"]);
    assert_eq!(second["visitor"]["name"], "Anna");
    let fetched = app.get("/api/v1/livechat/visitor/tok-v").await.ok();
    assert_eq!(fetched["visitor"]["name"], "Anna");
}

#[actix_web::test]
async fn a_new_token_with_the_same_email_is_a_visitor_of_its_own() {
    let app = TestApp::new().await;
    let email = "same@example.com";
    let first = app.post(REGISTER, json!({"visitor": {"token": "tok-1", "email": email}})).await;
    let first = first.ok();

    let second = app
        .post(REGISTER, json!({"visitor": {"token": "tok-2", "email": email, "name": "Bob"}}))
        .await
        .ok();

    assert_ne!(second["visitor"]["_id"], first["visitor"]["_id"]);
    assert_eq!(second["visitor"]["token"], "tok-2");
    let original = app.get("/api/v1/livechat/visitor/tok-1").await.ok();
    assert_eq!(original["visitor"]["_id"], first["visitor"]["_id"]);
    assert_eq!(original["visitor"]["token"], "tok-1");
    assert!(original["visitor"].get("name").is_none(), "{original}");
}

#[actix_web::test]
async fn a_given_username_is_ignored_and_the_phone_kept() {
    let app = TestApp::new().await;

    let body = app
        .post(
            REGISTER,
            json!({"visitor": {"token": "tok-v", "username": "ann", "phone": "+4912345"}}),
        )
        .await
        .ok();

    assert!(is_guest_name(&body["visitor"]["username"]), "{body}");
    assert_eq!(body["visitor"]["phone"], json!([{"phoneNumber": "+4912345"}]));
    // Nor does registering again rename it.
    let again = json!({"visitor": {"token": "tok-v", "username": "ann"}});
    let again = app.post(REGISTER, again).await.ok();
    assert_eq!(again["visitor"]["username"], body["visitor"]["username"]);
}

#[actix_web::test]
async fn a_visitor_cannot_take_an_agents_username() {
    let app = TestApp::new().await;
    app.agent("alice", "agent").await;

    let body = json!({"visitor": {"token": "tok-v", "username": "alice", "name": "Alice"}});
    let visitor = app.post(REGISTER, body).await.ok()["visitor"].clone();

    assert!(is_guest_name(&visitor["username"]), "{visitor}");
    let rid = app.visitor_with_room("tok-v").await;
    let sent = app.send("tok-v", &rid, "I am alice").await.ok();
    assert_eq!(sent["message"]["u"]["username"], visitor["username"], "{sent}");
    let history = app.history("tok-v", &rid).await;
    assert_eq!(history[0]["u"]["username"], visitor["username"], "{history:?}");
    let room = app.get("/api/v1/livechat/room?token=tok-v").await.ok();
    assert_eq!(room["room"]["v"]["username"], visitor["username"], "{room}");
    // Typing, too, goes out under the guest name, whatever name the caller gives.
    let mut watcher = Ddp::connect(&app.base).await;
    watcher.watch_room(&rid, Some("tok-v")).await;
    let mut typist = Ddp::connect(&app.base).await;
    let event = format!("{rid}/typing");
    typist.call("1", "stream-notify-room", json!([event, "alice", true, {"token": "tok-v"}])).await;
    let typing = watcher.event("stream-notify-room", &event).await;
    assert_eq!(typing["fields"]["args"], json!([visitor["username"], true]));
}

#[actix_web::test]
async fn new_visitors_get_distinct_guest_usernames() {
    let app = TestApp::new().await;

    let a = app.register("tok-a").await;
    let b = app.register("tok-b").await;

    assert!(is_guest_name(&a["username"]), "{a}");
    assert!(is_guest_name(&b["username"]), "{b}");
    assert_ne!(a["username"], b["username"]);
}

#[actix_web::test]
async fn a_blank_or_missing_token_is_invalid_params() {
    let app = TestApp::new().await;
    let long = "t".repeat(257);

    for body in [
        json!({"visitor": {"token": ""}}),
        json!({"visitor": {"token": "   "}}),
        json!({"visitor": {"name": "Ann"}}),
        json!({"visitor": {"token": long}}),
        json!({}),
    ] {
        let res = app.post(REGISTER, body.clone()).await;
        assert_eq!(res.status, 400, "{body}");
        res.assert_invalid_params();
        // The token is a secret: error descriptions never repeat it.
        assert!(!res.json.to_string().contains(&"t".repeat(257)), "{}", res.json);
    }
    // The longest token is still fine.
    app.register(&"t".repeat(256)).await;
}

#[actix_web::test]
async fn wrong_types_are_invalid_params() {
    let app = TestApp::new().await;

    for body in [
        json!({"visitor": {"token": 5}}),
        json!({"visitor": {"token": null}}),
        json!({"visitor": {"token": {"$regex": ".*"}}}),
        json!({"visitor": {"token": ["a"]}}),
        json!({"visitor": {"token": "tok-v", "name": 5}}),
        json!({"visitor": {"token": "tok-v", "email": ["a@example.com"]}}),
        json!({"visitor": "tok-v"}),
        json!({"visitor": {"token": "tok-v"}, "extra": true}),
    ] {
        let res = app.post(REGISTER, body.clone()).await;
        assert_eq!(res.status, 400, "{body}");
        res.assert_invalid_params();
    }
    // Nothing was stored along the way.
    app.get("/api/v1/livechat/visitor/tok-v").await.assert_visitor_error("invalid-token");
}

#[actix_web::test]
async fn null_where_a_string_belongs_is_invalid_params() {
    let app = TestApp::new().await;

    for field in ["name", "email", "phone", "username", "department"] {
        let res = app.post(REGISTER, json!({"visitor": {"token": "tok-v", field: null}})).await;
        assert_eq!(res.status, 400, "{field}: {}", res.json);
        res.assert_invalid_params();
    }
}

#[actix_web::test]
async fn get_returns_the_visitor() {
    let app = TestApp::new().await;
    let registered = app.register("tok-v").await;

    let body = app.get("/api/v1/livechat/visitor/tok-v").await.ok();

    assert_eq!(body["visitor"], registered);
}

#[actix_web::test]
async fn get_with_an_unknown_token_is_a_bracketed_invalid_token() {
    let app = TestApp::new().await;
    app.register("tok-v").await;

    app.get("/api/v1/livechat/visitor/nope").await.assert_visitor_error("invalid-token");
}

#[actix_web::test]
async fn delete_is_refused_while_a_room_is_open() {
    let app = TestApp::new().await;
    app.visitor_with_room("tok-v").await;

    let res = app.delete("/api/v1/livechat/visitor/tok-v", None).await;

    assert_eq!(res.status, 400, "{}", res.json);
    assert_eq!(
        res.json,
        json!({
            "success": false,
            "error": "Cannot remove visitors with opened rooms [visitor-has-open-rooms]",
            "errorType": "visitor-has-open-rooms"
        })
    );
    app.get("/api/v1/livechat/visitor/tok-v").await.ok();
}

#[actix_web::test]
async fn delete_after_closing_removes_the_visitor_its_rooms_and_messages() {
    let app = TestApp::new().await;
    let visitor = app.register("tok-v").await;
    let rid = app.visitor_with_room("tok-v").await;
    app.send_with_id("tok-v", &rid, "kept-id", "hello").await.ok();
    app.close("tok-v", &rid).await.ok();

    let body = app.delete("/api/v1/livechat/visitor/tok-v", None).await.ok();

    assert_eq!(body["visitor"]["_id"], visitor["_id"]);
    assert!(body["visitor"]["ts"].is_string(), "{body}");
    app.get("/api/v1/livechat/visitor/tok-v").await.assert_visitor_error("invalid-token");
    let history = app.get(&format!("/api/v1/livechat/messages.history/{rid}?token=tok-v")).await;
    history.assert_error("invalid-token");
    // The same token later is a new visitor that sees nothing of the old one.
    let again = app.register("tok-v").await;
    assert_ne!(again["_id"], visitor["_id"]);
    let old_room = app.get(&format!("/api/v1/livechat/room?token=tok-v&rid={rid}")).await;
    old_room.assert_error("invalid-room");
    let history = app.get(&format!("/api/v1/livechat/messages.history/{rid}?token=tok-v")).await;
    history.assert_error("invalid-room");
    // The old messages are gone with their room, so their ids are free again.
    let new_rid = app.visitor_with_room("tok-v").await;
    assert_ne!(new_rid, rid);
    app.send_with_id("tok-v", &new_rid, "kept-id", "hello again").await.ok();
}

#[actix_web::test]
async fn delete_with_an_unknown_token_is_a_bracketed_invalid_token() {
    let app = TestApp::new().await;
    app.register("tok-v").await;

    app.delete("/api/v1/livechat/visitor/nope", None).await.assert_visitor_error("invalid-token");

    app.delete("/api/v1/livechat/visitor/tok-v", None).await.ok();
    let again = app.delete("/api/v1/livechat/visitor/tok-v", None).await;
    again.assert_visitor_error("invalid-token");
}
