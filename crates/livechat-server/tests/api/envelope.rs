//! The envelope of SPEC section 1: framework errors, media types, body limits, strict
//! parameters, content type and request ids.

use reqwest::Method;
use serde_json::json;

use crate::{Res, TestApp};

const SEND: &str = "/api/v1/livechat/message";

#[track_caller]
fn assert_described(res: &Res, status: u16, code: &str) {
    assert_eq!(res.status, status, "{}", res.json);
    assert_eq!(res.json["success"], false, "{}", res.json);
    assert_eq!(res.json["errorType"], code, "{}", res.json);
    let error = res.json["error"].as_str().unwrap_or_default();
    assert!(error.ends_with(&format!(" [{code}]")), "{error}");
    assert_eq!(res.json.as_object().map(|o| o.len()), Some(3), "{}", res.json);
}

fn content_type(res: &Res) -> Option<&str> {
    res.headers.get("content-type").and_then(|value| value.to_str().ok())
}

#[actix_web::test]
async fn an_unknown_route_is_404() {
    let app = TestApp::new().await;

    for (method, path) in [
        (Method::GET, "/api/v1/nope"),
        (Method::POST, "/api/v1/livechat/nothing"),
        (Method::GET, "/"),
        (Method::DELETE, "/api/v2/livechat/room"),
    ] {
        let res = app.request(method, path, None).await;
        assert_eq!(res.status, 404, "{path}");
        assert_eq!(res.json, json!({"success": false, "error": "Resource not found"}));
    }
}

#[actix_web::test]
async fn a_wrong_method_is_405() {
    let app = TestApp::new().await;

    for (method, path) in [
        (Method::PATCH, "/api/v1/livechat/message/abc"),
        (Method::GET, SEND),
        (Method::POST, "/api/v1/livechat/room"),
        (Method::DELETE, "/api/v1/livechat/config"),
        (Method::PUT, "/api/v1/livechat/visitor/tok-a"),
    ] {
        let res = app.request(method, path, None).await;
        assert_eq!(res.status, 405, "{path}");
        assert_eq!(res.json, json!({"success": false, "error": "Method not allowed"}));
    }
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_415() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let body = json!({"token": "tok-a", "rid": rid, "msg": "hi"}).to_string().into_bytes();

    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let res = app.raw(Method::POST, SEND, content_type, body.clone()).await;
        assert_described(&res, 415, "error-unsupported-media-type");
    }
    assert_eq!(app.history("tok-a", &rid).await.len(), 1);
    // Parameters on the media type are fine.
    let res = app.raw(Method::POST, SEND, "application/json; charset=utf-8", body).await;
    res.ok();
}

#[actix_web::test]
async fn a_body_over_64_kib_is_413() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let json = json!({"token": "tok-a", "rid": rid, "msg": "hi"}).to_string();
    let padded = |size: usize| {
        let mut bytes = json.clone().into_bytes();
        bytes.resize(size, b' ');
        bytes
    };

    let res = app.raw(Method::POST, SEND, "application/json", padded(64 * 1024 + 1)).await;

    assert_described(&res, 413, "error-payload-too-large");
    assert_eq!(app.history("tok-a", &rid).await.len(), 1);
    // Exactly at the limit is accepted.
    app.raw(Method::POST, SEND, "application/json", padded(64 * 1024)).await.ok();
}

#[actix_web::test]
async fn malformed_json_is_invalid_params() {
    let app = TestApp::new().await;
    app.visitor_with_room("tok-a").await;

    for body in
        [&b"{\"token\":"[..], b"[1,2]", b"\"text\"", b"{\"token\":\"tok-a\"} {}", b"{,}", b"null"]
    {
        app.raw(Method::POST, SEND, "application/json", body.to_vec())
            .await
            .assert_invalid_params();
    }
}

#[actix_web::test]
async fn business_errors_take_the_style_their_endpoint_declares() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let visitor = "/api/v1/livechat/visitor";

    // The `livechat/visitor*` endpoints are bracketed...
    app.get(&format!("{visitor}/nope")).await.assert_visitor_error("invalid-token");
    app.delete(&format!("{visitor}/nope"), None).await.assert_visitor_error("invalid-token");
    app.post(&format!("{visitor}.status"), json!({"token": "nope", "status": "away"}))
        .await
        .assert_visitor_error("invalid-token");
    // ... every other endpoint is plain.
    app.send("nope", &rid, "hi").await.assert_error("invalid-token");
    app.get(&format!("/api/v1/livechat/message/m1?token=nope&rid={rid}"))
        .await
        .assert_error("invalid-token");
    app.get("/api/v1/livechat/room?token=nope").await.assert_error("invalid-token");
    // Described errors read the same on both.
    app.post(visitor, json!({"visitor": {}})).await.assert_invalid_params();
    let res = app.raw(Method::POST, visitor, "text/plain", b"{}".to_vec()).await;
    assert_described(&res, 415, "error-unsupported-media-type");
    let res = app.delete(&format!("{visitor}/tok-a"), None).await;
    assert_described(&res, 400, "visitor-has-open-rooms");
}

#[actix_web::test]
async fn a_request_without_a_body_is_invalid_params_not_415() {
    let app = TestApp::new().await;
    app.visitor_with_room("tok-a").await;

    for (method, path) in [
        (Method::POST, SEND),
        (Method::POST, "/api/v1/livechat/room.close"),
        (Method::POST, "/api/v1/livechat/visitor"),
        (Method::PUT, "/api/v1/livechat/message/abc"),
        (Method::DELETE, "/api/v1/livechat/message/abc"),
    ] {
        let res = app.request(method, path, None).await;
        assert_eq!(res.status, 400, "{path}: {}", res.json);
        res.assert_invalid_params();
    }
}

#[actix_web::test]
async fn an_object_where_a_string_belongs_is_invalid_params() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let regex = json!({"$regex": ".*"});

    app.post(SEND, json!({"token": regex, "rid": rid, "msg": "hi"})).await.assert_invalid_params();
    app.post(SEND, json!({"token": "tok-a", "rid": regex, "msg": "hi"}))
        .await
        .assert_invalid_params();
    app.post(SEND, json!({"token": "tok-a", "rid": rid, "msg": ["hi"]}))
        .await
        .assert_invalid_params();
    app.post("/api/v1/livechat/room.close", json!({"token": regex, "rid": rid}))
        .await
        .assert_invalid_params();
    // In a query string the operator is just an unknown parameter, so the token is missing.
    app.get("/api/v1/livechat/room?token[$regex]=.*").await.assert_invalid_params();
    assert_eq!(app.history("tok-a", &rid).await.len(), 1);
}

#[actix_web::test]
async fn an_unknown_top_level_field_is_invalid_params() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let mid = app.history("tok-a", &rid).await[0]["_id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/livechat/message/{mid}");

    app.post(SEND, json!({"token": "tok-a", "rid": rid, "msg": "hi", "extra": 1}))
        .await
        .assert_invalid_params();
    app.put(&path, json!({"token": "tok-a", "rid": rid, "msg": "hi", "extra": 1}))
        .await
        .assert_invalid_params();
    app.delete(&path, Some(json!({"token": "tok-a", "rid": rid, "extra": 1})))
        .await
        .assert_invalid_params();
    app.post("/api/v1/livechat/room.close", json!({"token": "tok-a", "rid": rid, "extra": 1}))
        .await
        .assert_invalid_params();
    // Unknown query parameters are ignored.
    app.get("/api/v1/livechat/room?token=tok-a&count=5").await.ok();
    assert_eq!(app.history("tok-a", &rid).await.len(), 1);
}

#[actix_web::test]
async fn a_nul_character_is_invalid_params() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let nul = |body: String| body.into_bytes();

    let body = nul(format!(r#"{{"token":"tok-a","rid":"{rid}","msg":"a\u0000b"}}"#));
    app.raw(Method::POST, SEND, "application/json", body).await.assert_invalid_params();
    let body = nul(format!(r#"{{"token":"tok-a\u0000","rid":"{rid}","msg":"hi"}}"#));
    app.raw(Method::POST, SEND, "application/json", body).await.assert_invalid_params();
    let body = nul(r#"{"visitor":{"token":"tok-b","name":"\u0000"}}"#.to_owned());
    let res = app.raw(Method::POST, "/api/v1/livechat/visitor", "application/json", body).await;
    res.assert_invalid_params();
    app.get("/api/v1/livechat/room?token=tok-a%00").await.assert_invalid_params();
    app.get(&format!("/api/v1/livechat/messages.history/{rid}?token=tok-a&ls=%00"))
        .await
        .assert_invalid_params();
    app.get("/api/v1/livechat/visitor/tok-a%00").await.assert_invalid_params();
    app.get(&format!("/api/v1/livechat/message/ab%00c?token=tok-a&rid={rid}"))
        .await
        .assert_invalid_params();

    assert_eq!(app.history("tok-a", &rid).await.len(), 1);
    app.get("/api/v1/livechat/visitor/tok-b").await.assert_visitor_error("invalid-token");
}

#[actix_web::test]
async fn replies_carry_exactly_application_json() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let text = b"hi".to_vec();

    let replies = [
        app.post("/api/v1/livechat/visitor", json!({"visitor": {"token": "tok-b"}})).await,
        app.get("/api/v1/livechat/room?token=tok-a").await,
        app.get("/api/v1/livechat/config").await,
        app.get(&format!("/api/v1/livechat/messages.history/{rid}?token=tok-a")).await,
        app.send("tok-a", &rid, "hi").await,
        app.send("nope", &rid, "hi").await,
        app.get("/api/v1/livechat/visitor/nope").await,
        app.post(SEND, json!({})).await,
        app.get("/api/v1/nope").await,
        app.get(SEND).await,
        app.raw(Method::POST, SEND, "text/plain", text).await,
    ];

    for res in &replies {
        assert_eq!(content_type(res), Some("application/json"), "{}", res.json);
    }
    assert_eq!(replies.iter().filter(|res| res.status == 200).count(), 5);
}

#[actix_web::test]
async fn replies_carry_a_request_id() {
    let app = TestApp::new().await;
    let request_id = |res: &Res| {
        let value = res.headers.get("x-request-id").expect("an X-Request-Id header");
        value.to_str().expect("an ASCII request id").to_owned()
    };

    let fresh = app.get("/api/v1/livechat/config").await;
    assert!(!request_id(&fresh).is_empty());

    for sent in ["req-123_ABC", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"] {
        let res = app.get_with("/api/v1/livechat/config", &[("x-request-id", sent)]).await;
        assert_eq!(request_id(&res), sent);
        let error = app.get_with("/api/v1/nope", &[("x-request-id", sent)]).await;
        assert_eq!(request_id(&error), sent);
    }
    let long = "a".repeat(200);
    for implausible in ["has space", "quote\"", long.as_str()] {
        let res = app.get_with("/api/v1/livechat/config", &[("x-request-id", implausible)]).await;
        let id = request_id(&res);
        assert!(!id.is_empty() && id != implausible, "{id}");
    }
}

#[actix_web::test]
async fn a_get_with_a_json_content_type_still_works() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;

    for path in [
        "/api/v1/livechat/room?token=tok-a".to_owned(),
        "/api/v1/livechat/config?token=tok-a".to_owned(),
        "/api/v1/livechat/visitor/tok-a".to_owned(),
        format!("/api/v1/livechat/messages.history/{rid}?token=tok-a"),
    ] {
        app.raw(Method::GET, &path, "application/json", Vec::new()).await.ok();
    }
}
