//! `GET livechat/room`, `POST livechat/room.close` and `GET livechat/config`.

use serde_json::{json, Value};

use crate::TestApp;

const METEOR_ALPHABET: &str = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";

fn assert_server_id(id: &Value) {
    let id = id.as_str().expect("an id string");
    assert_eq!(id.len(), 17, "{id}");
    assert!(id.chars().all(|c| METEOR_ALPHABET.contains(c)), "{id}");
}

#[actix_web::test]
async fn the_first_get_opens_a_room_with_a_started_message() {
    let app = TestApp::new().await;
    let visitor = app.register("tok-a").await;

    let body = app.get("/api/v1/livechat/room?token=tok-a").await.ok();

    assert_eq!(body["newRoom"], true);
    let room = &body["room"];
    assert_server_id(&room["_id"]);
    assert_eq!(room["t"], "l");
    assert_eq!(room["open"], true);
    assert_eq!(room["v"]["_id"], visitor["_id"]);
    assert_eq!(room["v"]["username"], visitor["username"]);
    assert_eq!(room["v"]["token"], "tok-a");
    assert_eq!(room["source"], json!({"type": "api"}));
    assert!(room["ts"].is_string(), "{room}");
    let rid = room["_id"].as_str().expect("room id");
    let history = app.history("tok-a", rid).await;
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["t"], "livechat-started");
    assert_eq!(history[0]["rid"], rid);
}

#[actix_web::test]
async fn the_second_get_returns_the_same_room() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;

    let body = app.get("/api/v1/livechat/room?token=tok-a").await.ok();

    assert_eq!(body["newRoom"], false);
    assert_eq!(body["room"]["_id"], rid.as_str());
    assert_eq!(body["room"]["v"]["token"], "tok-a");
    assert_eq!(app.history("tok-a", &rid).await.len(), 1);
}

#[actix_web::test]
async fn get_with_the_rid_of_the_own_open_room_returns_it() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;

    let body = app.get(&format!("/api/v1/livechat/room?token=tok-a&rid={rid}")).await.ok();

    assert_eq!(body["newRoom"], false);
    assert_eq!(body["room"]["_id"], rid.as_str());
}

#[actix_web::test]
async fn get_with_a_foreign_unknown_or_closed_rid_is_invalid_room() {
    let app = TestApp::new().await;
    let foreign = app.visitor_with_room("tok-a").await;
    let closed = app.visitor_with_room("tok-b").await;
    app.close("tok-b", &closed).await.ok();

    for rid in [foreign.as_str(), "ZZZZZZZZZZZZZZZZZ", closed.as_str()] {
        let res = app.get(&format!("/api/v1/livechat/room?token=tok-b&rid={rid}")).await;
        res.assert_error("invalid-room");
    }
}

#[actix_web::test]
async fn get_with_an_unknown_token_is_invalid_token() {
    let app = TestApp::new().await;
    app.visitor_with_room("tok-a").await;

    app.get("/api/v1/livechat/room?token=nope").await.assert_error("invalid-token");
    app.get("/api/v1/livechat/room").await.assert_invalid_params();
}

#[actix_web::test]
async fn get_after_closing_opens_a_new_room() {
    let app = TestApp::new().await;
    let old = app.visitor_with_room("tok-a").await;
    app.close("tok-a", &old).await.ok();

    let body = app.get("/api/v1/livechat/room?token=tok-a").await.ok();

    assert_eq!(body["newRoom"], true);
    assert_eq!(body["room"]["open"], true);
    let rid = body["room"]["_id"].as_str().expect("room id");
    assert_ne!(rid, old);
    let history = app.history("tok-a", rid).await;
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["t"], "livechat-started");
}

#[actix_web::test]
async fn the_widget_cookies_make_the_source_widget() {
    let app = TestApp::new().await;
    app.register("tok-w").await;
    app.register("tok-half").await;

    let cookies = [("cookie", "rc_room_type=l; rc_is_widget=t")];
    let widget = app.get_with("/api/v1/livechat/room?token=tok-w", &cookies).await.ok();
    let half = [("cookie", "rc_is_widget=t")];
    let api = app.get_with("/api/v1/livechat/room?token=tok-half", &half).await.ok();

    assert_eq!(widget["room"]["source"], json!({"type": "widget"}));
    assert_eq!(api["room"]["source"], json!({"type": "api"}));
}

#[actix_web::test]
async fn close_replies_with_rid_and_comment_and_stores_a_close_message() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;

    let body = app.close("tok-a", &rid).await.ok();

    let comment = body["comment"].as_str().expect("a comment string").to_owned();
    assert_eq!(body, json!({"success": true, "rid": rid, "comment": comment}));
    let history = app.history("tok-a", &rid).await;
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0]["t"], "livechat-close");
    assert_eq!(history[0]["msg"], comment.as_str());
    assert_eq!(history[1]["t"], "livechat-started");
}

#[actix_web::test]
async fn closing_twice_is_room_closed() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    app.close("tok-a", &rid).await.ok();

    app.close("tok-a", &rid).await.assert_error("room-closed");

    assert_eq!(app.history("tok-a", &rid).await.len(), 2);
}

#[actix_web::test]
async fn close_errors() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let other = app.visitor_with_room("tok-b").await;

    app.close("nope", &rid).await.assert_error("invalid-token");
    app.close("tok-a", "ZZZZZZZZZZZZZZZZZ").await.assert_error("invalid-room");
    app.close("tok-a", &other).await.assert_error("invalid-room");
    let res = app.post("/api/v1/livechat/room.close", json!({"token": "tok-a"})).await;
    res.assert_invalid_params();

    // Nothing was closed along the way.
    let body = app.get("/api/v1/livechat/room?token=tok-a").await.ok();
    assert_eq!(body["room"]["_id"], rid.as_str());
    assert_eq!(body["room"]["open"], true);
}

fn assert_config_shape(body: &Value) {
    let config = &body["config"];
    assert!(config["settings"].is_object(), "{body}");
    assert!(config["departments"].is_array(), "{body}");
}

#[actix_web::test]
async fn config_answers_without_a_token_and_for_unknown_tokens() {
    let app = TestApp::new().await;

    for path in ["/api/v1/livechat/config", "/api/v1/livechat/config?token=nope"] {
        let body = app.get(path).await.ok();
        assert_config_shape(&body);
        assert!(body["config"].get("guest").is_none(), "{body}");
        assert!(body["config"].get("room").is_none(), "{body}");
    }
}

#[actix_web::test]
async fn config_with_a_known_token_adds_guest_and_room() {
    let app = TestApp::new().await;
    let visitor = app.register("tok-a").await;

    let before = app.get("/api/v1/livechat/config?token=tok-a").await.ok();
    assert_config_shape(&before);
    assert_eq!(before["config"]["guest"]["_id"], visitor["_id"]);
    assert!(before["config"].get("room").is_none(), "{before}");

    let rid = app.visitor_with_room("tok-a").await;
    let after = app.get("/api/v1/livechat/config?token=tok-a").await.ok();
    assert_config_shape(&after);
    assert_eq!(after["config"]["guest"]["_id"], visitor["_id"]);
    assert_eq!(after["config"]["room"]["_id"], rid.as_str());
}
