//! `livechat/message` and `livechat/messages.history`.

use serde_json::json;

use crate::TestApp;

#[actix_web::test]
async fn send_stores_and_returns_the_message() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;

    let body = app.send("tok-a", &rid, "hello").await.ok();

    let message = &body["message"];
    assert_eq!(message["msg"], "hello");
    assert_eq!(message["rid"], rid.as_str());
    assert_eq!(message["u"]["username"].as_str().map(|u| u.starts_with("guest-")), Some(true));
    assert_eq!(message["ts"], message["ls"]);
    assert!(message.get("token").is_none());
    let history = app.history("tok-a", &rid).await;
    assert_eq!(history[0]["_id"], message["_id"]);
}

#[actix_web::test]
async fn send_with_unknown_token_is_rejected() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;

    let res = app
        .post("/api/v1/livechat/message", json!({"token": "nope", "rid": rid, "msg": "hi"}))
        .await;

    res.assert_error("invalid-token");
}
