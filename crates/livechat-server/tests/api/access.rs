//! One visitor cannot reach another's rooms or messages: every endpoint answers a foreign
//! id exactly as it answers an id that does not exist (SPEC section 5), and changes nothing.

use serde_json::{json, Value};

use crate::{Res, TestApp};

/// An id no room or message has.
const MISSING: &str = "ZZZZZZZZZZZZZZZZZ";

/// Visitor A with a room and a message, visitor B with a room of its own.
struct Setup {
    app: TestApp,
    room_a: String,
    message_a: String,
    room_b: String,
    history_a: Vec<Value>,
}

async fn setup() -> Setup {
    let app = TestApp::new().await;
    let room_a = app.visitor_with_room("tok-a").await;
    let sent = app.send_with_id("tok-a", &room_a, "msg-of-a", "secret of a").await.ok();
    let message_a = sent["message"]["_id"].as_str().expect("message id").to_owned();
    let room_b = app.visitor_with_room("tok-b").await;
    let history_a = app.history("tok-a", &room_a).await;
    Setup { app, room_a, message_a, room_b, history_a }
}

impl Setup {
    /// Every endpoint as visitor `token`, on room `rid` and message `mid`.
    async fn every_endpoint(&self, token: &str, rid: &str, mid: &str) -> Vec<(&'static str, Res)> {
        let app = &self.app;
        let path = format!("/api/v1/livechat/message/{mid}");
        let ids = json!({"token": token, "rid": rid});
        vec![
            ("send", app.send(token, rid, "intruder").await),
            ("send with _id", app.send_with_id(token, rid, "intruder-id", "intruder").await),
            ("get message", app.get(&format!("{path}?token={token}&rid={rid}")).await),
            ("edit", app.put(&path, json!({"token": token, "rid": rid, "msg": "changed"})).await),
            ("delete", app.delete(&path, Some(ids.clone())).await),
            ("delete by query", app.delete(&format!("{path}?token={token}&rid={rid}"), None).await),
            (
                "history",
                app.get(&format!("/api/v1/livechat/messages.history/{rid}?token={token}")).await,
            ),
            ("room.close", app.post("/api/v1/livechat/room.close", ids).await),
            ("get room", app.get(&format!("/api/v1/livechat/room?token={token}&rid={rid}")).await),
        ]
    }

    /// A's room, its history and its message are as they were.
    async fn assert_a_unchanged(&self) {
        let app = &self.app;
        assert_eq!(app.history("tok-a", &self.room_a).await, self.history_a);
        let path =
            format!("/api/v1/livechat/message/{}?token=tok-a&rid={}", self.message_a, self.room_a);
        let fetched = app.get(&path).await.ok();
        assert_eq!(fetched["message"]["msg"], "secret of a");
        assert!(fetched["message"].get("editedAt").is_none(), "{fetched}");
        let room = app.get("/api/v1/livechat/room?token=tok-a").await.ok();
        assert_eq!(room["newRoom"], false);
        assert_eq!(room["room"]["_id"], self.room_a.as_str());
        assert_eq!(room["room"]["open"], true);
    }
}

#[actix_web::test]
async fn a_foreign_room_is_answered_like_a_missing_one() {
    let s = setup().await;

    let foreign = s.every_endpoint("tok-b", &s.room_a, &s.message_a).await;
    let missing = s.every_endpoint("tok-b", MISSING, &s.message_a).await;

    for ((endpoint, foreign), (_, missing)) in foreign.iter().zip(&missing) {
        assert_eq!(foreign.status, missing.status, "{endpoint}");
        assert_eq!(foreign.json, missing.json, "{endpoint}");
        assert_eq!(foreign.json, json!({"success": false, "error": "invalid-room"}), "{endpoint}");
    }
    s.assert_a_unchanged().await;
}

#[actix_web::test]
async fn a_foreign_message_is_answered_like_a_missing_one() {
    let s = setup().await;
    let app = &s.app;
    let (room_b, message_a) = (s.room_b.as_str(), s.message_a.as_str());

    for mid in [message_a, MISSING] {
        let path = format!("/api/v1/livechat/message/{mid}");
        let ids = json!({"token": "tok-b", "rid": room_b});
        let get = app.get(&format!("{path}?token=tok-b&rid={room_b}")).await;
        get.assert_error("invalid-message");
        let edit = app.put(&path, json!({"token": "tok-b", "rid": room_b, "msg": "x"})).await;
        edit.assert_error("invalid-message");
        app.delete(&path, Some(ids)).await.assert_error("invalid-message");
        app.delete(&format!("{path}?token=tok-b&rid={room_b}"), None)
            .await
            .assert_error("invalid-message");
    }
    s.assert_a_unchanged().await;
}

#[actix_web::test]
async fn a_foreign_message_id_is_a_duplicate_and_reveals_nothing() {
    let s = setup().await;

    let res = s.app.send_with_id("tok-b", &s.room_b, &s.message_a, "taking it over").await;

    res.assert_error("duplicate-message-id");
    assert_eq!(s.app.history("tok-b", &s.room_b).await.len(), 1);
    s.assert_a_unchanged().await;
}

#[actix_web::test]
async fn an_unknown_token_is_refused_before_the_room() {
    let s = setup().await;

    let results = s.every_endpoint("nope", &s.room_a, &s.message_a).await;

    for (endpoint, res) in &results {
        assert_eq!(res.json, json!({"success": false, "error": "invalid-token"}), "{endpoint}");
    }
    s.assert_a_unchanged().await;
}

#[actix_web::test]
async fn b_still_works_in_its_own_room() {
    let s = setup().await;

    let sent = s.app.send("tok-b", &s.room_b, "hello from b").await.ok();

    assert_eq!(sent["message"]["rid"], s.room_b.as_str());
    assert!(!sent.to_string().contains("tok-a"), "{sent}");
    let history = s.app.history("tok-b", &s.room_b).await;
    assert!(history.iter().all(|m| m["rid"] == s.room_b.as_str()), "{history:?}");
    s.assert_a_unchanged().await;
}
