//! `livechat/message` and `livechat/messages.history`.

use std::collections::HashSet;
use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::{Res, TestApp};

fn path(id: &str) -> String {
    format!("/api/v1/livechat/message/{id}")
}

fn ts(message: &Value) -> String {
    message["ts"].as_str().expect("a ts string").to_owned()
}

fn id(message: &Value) -> String {
    message["_id"].as_str().expect("an _id string").to_owned()
}

async fn history_page(app: &TestApp, rid: &str, query: &str) -> Res {
    app.get(&format!("/api/v1/livechat/messages.history/{rid}?token=tok-a{query}")).await
}

async fn page(app: &TestApp, rid: &str, query: &str) -> Vec<Value> {
    let body = history_page(app, rid, query).await.ok();
    body["messages"].as_array().cloned().expect("a messages array")
}

/// The id of the room's `livechat-started` message.
async fn started_id(app: &TestApp, token: &str, rid: &str) -> String {
    let history = app.history(token, rid).await;
    let started = history.iter().find(|m| m["t"] == "livechat-started").expect("started");
    id(started)
}

#[actix_web::test]
async fn send_stores_and_returns_the_message() {
    let app = TestApp::new().await;
    let visitor = app.register("tok-a").await;
    let rid = app.visitor_with_room("tok-a").await;

    let body = app.send("tok-a", &rid, "hello").await.ok();

    let message = &body["message"];
    assert_eq!(message["msg"], "hello");
    assert_eq!(message["rid"], rid.as_str());
    assert_eq!(message["u"]["_id"], visitor["_id"]);
    assert_eq!(message["u"]["username"], visitor["username"]);
    assert_eq!(message["ts"], message["ls"]);
    assert!(message.get("token").is_none());
    assert!(message.get("t").is_none());
    let history = app.history("tok-a", &rid).await;
    assert_eq!(history[0], *message);
}

#[actix_web::test]
async fn send_with_unknown_token_is_rejected() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;

    let res = app
        .post("/api/v1/livechat/message", json!({"token": "nope", "rid": rid, "msg": "hi"}))
        .await;

    res.assert_error("invalid-token");
    app.send("tok-a", "ZZZZZZZZZZZZZZZZZ", "hi").await.assert_error("invalid-room");
}

#[actix_web::test]
async fn the_seed_fields_are_present_and_agent_is_ignored() {
    let app = TestApp::new().await;
    app.post("/api/v1/livechat/visitor", json!({"visitor": {"token": "tok-a", "name": "Ann"}}))
        .await
        .ok();
    let rid = app.visitor_with_room("tok-a").await;
    let agent = json!({"agentId": "someone", "username": "agent-1"});

    let body = app
        .post(
            "/api/v1/livechat/message",
            json!({"token": "tok-a", "rid": rid, "msg": "hi", "agent": agent}),
        )
        .await
        .ok();

    let message = &body["message"];
    for field in ["_id", "msg", "ls", "ts", "rid", "_updatedAt"] {
        assert!(message[field].is_string(), "{field}: {message}");
    }
    assert_eq!(message["u"]["name"], "Ann");
    assert!(message["u"]["_id"].is_string() && message["u"]["username"].is_string());
    let ls = message["ls"].as_str().expect("ls");
    assert!(ls.len() == 24 && ls.ends_with('Z') && ls.as_bytes()[19] == b'.', "{ls}");
}

#[actix_web::test]
async fn a_null_id_is_invalid_params() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;

    let res = app
        .post(
            "/api/v1/livechat/message",
            json!({"token": "tok-a", "rid": rid, "msg": "hi", "_id": null}),
        )
        .await;

    res.assert_invalid_params();
    assert_eq!(app.history("tok-a", &rid).await.len(), 1);
}

#[actix_web::test]
async fn a_retry_with_the_same_id_replays_the_stored_message() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;

    let first = app.send_with_id("tok-a", &rid, "client-1_A", "hello").await.ok();
    let retry = app.send_with_id("tok-a", &rid, "client-1_A", "hello").await.ok();
    let changed = app.send_with_id("tok-a", &rid, "client-1_A", "other text").await.ok();

    assert_eq!(first["message"]["_id"], "client-1_A");
    assert_eq!(retry, first);
    assert_eq!(changed, first);
    // The room is checked before the stored message.
    app.send_with_id("tok-a", "ZZZZZZZZZZZZZZZZZ", "client-1_A", "hello")
        .await
        .assert_error("invalid-room");
    let history = app.history("tok-a", &rid).await;
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0], first["message"]);
}

#[actix_web::test]
async fn the_same_id_in_another_context_is_a_duplicate() {
    let app = TestApp::new().await;
    let rid_a = app.visitor_with_room("tok-a").await;
    let rid_b = app.visitor_with_room("tok-b").await;
    app.send_with_id("tok-a", &rid_a, "shared", "from a").await.ok();

    app.send_with_id("tok-b", &rid_b, "shared", "from b")
        .await
        .assert_error("duplicate-message-id");
    app.close("tok-a", &rid_a).await.ok();
    let new_a = app.visitor_with_room("tok-a").await;
    app.send_with_id("tok-a", &new_a, "shared", "again").await.assert_error("duplicate-message-id");

    assert_eq!(app.history("tok-b", &rid_b).await.len(), 1);
    assert_eq!(app.history("tok-a", &new_a).await.len(), 1);
}

#[actix_web::test]
async fn the_id_of_a_deleted_message_stays_reserved() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    app.send_with_id("tok-a", &rid, "gone", "hello").await.ok();
    app.delete(&path("gone"), Some(json!({"token": "tok-a", "rid": rid}))).await.ok();

    let res = app.send_with_id("tok-a", &rid, "gone", "hello").await;

    res.assert_error("duplicate-message-id");
    assert_eq!(app.history("tok-a", &rid).await.len(), 1);
}

#[actix_web::test]
async fn a_retry_after_the_room_closed_still_replays() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let first = app.send_with_id("tok-a", &rid, "late-retry", "hello").await.ok();
    app.close("tok-a", &rid).await.ok();

    let retry = app.send_with_id("tok-a", &rid, "late-retry", "hello").await.ok();

    assert_eq!(retry, first);
    app.send("tok-a", &rid, "new").await.assert_error("room-closed");
    app.send_with_id("tok-a", &rid, "fresh", "new").await.assert_error("room-closed");
    // room-closed comes before the size check.
    app.send("tok-a", &rid, &"a".repeat(5001)).await.assert_error("room-closed");
    assert_eq!(app.history("tok-a", &rid).await.len(), 3);
}

#[actix_web::test]
async fn the_size_limit_counts_unicode_characters() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;

    for text in ["a".repeat(5000), "é".repeat(5000), "😀".repeat(5000)] {
        let body = app.send("tok-a", &rid, &text).await.ok();
        assert_eq!(body["message"]["msg"], text.as_str());
    }
    for text in ["a".repeat(5001), "é".repeat(5001)] {
        app.send("tok-a", &rid, &text).await.assert_error("error-message-size-exceeded");
    }
    assert_eq!(app.history("tok-a", &rid).await.len(), 4);
}

#[actix_web::test]
async fn malformed_sends_are_invalid_params() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;

    app.send("tok-a", &rid, "").await.assert_invalid_params();
    app.post("/api/v1/livechat/message", json!({"token": "tok-a", "rid": rid}))
        .await
        .assert_invalid_params();
    for bad in ["has space", "ä", "a/b", "", &"a".repeat(65)] {
        app.send_with_id("tok-a", &rid, bad, "hi").await.assert_invalid_params();
    }
    // Parameters are checked before the token.
    app.send_with_id("nope", &rid, "bad id", "hi").await.assert_invalid_params();
    app.send_with_id("tok-a", &rid, &"a".repeat(64), "hi").await.ok();
    assert_eq!(app.history("tok-a", &rid).await.len(), 2);
}

#[actix_web::test]
async fn ts_is_strictly_increasing_over_a_burst() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;

    let mut sent = Vec::new();
    for n in 0..30 {
        sent.push(ts(&app.send("tok-a", &rid, &format!("m{n}")).await.ok()["message"]));
    }

    assert!(sent.windows(2).all(|pair| pair[0] < pair[1]), "{sent:?}");
    let history: Vec<String> = app.history("tok-a", &rid).await.iter().map(ts).collect();
    assert!(history.windows(2).all(|pair| pair[0] > pair[1]), "{history:?}");
}

#[actix_web::test]
async fn get_returns_the_message_of_the_room() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let sent = app.send("tok-a", &rid, "hello").await.ok();
    let mid = id(&sent["message"]);

    let body = app.get(&format!("{}?token=tok-a&rid={rid}", path(&mid))).await.ok();

    assert_eq!(body["message"], sent["message"]);
    let unknown = app.get(&format!("{}?token=tok-a&rid={rid}", path("unknown"))).await;
    unknown.assert_error("invalid-message");
    app.get(&format!("{}?token=nope&rid={rid}", path(&mid))).await.assert_error("invalid-token");
    app.get(&format!("{}?token=tok-a", path(&mid))).await.assert_invalid_params();
}

#[actix_web::test]
async fn get_with_the_id_of_another_room_is_invalid_message() {
    let app = TestApp::new().await;
    let old = app.visitor_with_room("tok-a").await;
    let mid = id(&app.send("tok-a", &old, "hello").await.ok()["message"]);
    app.close("tok-a", &old).await.ok();
    let new = app.visitor_with_room("tok-a").await;

    let res = app.get(&format!("{}?token=tok-a&rid={new}", path(&mid))).await;

    res.assert_error("invalid-message");
    // Messages of a closed room can still be fetched there.
    app.get(&format!("{}?token=tok-a&rid={old}", path(&mid))).await.ok();
}

#[actix_web::test]
async fn edit_changes_the_text_and_records_the_edit() {
    let app = TestApp::new().await;
    let visitor = app.register("tok-a").await;
    let rid = app.visitor_with_room("tok-a").await;
    let sent = app.send("tok-a", &rid, "hello").await.ok()["message"].clone();
    // Lets the clock move on, so the edit time differs from the send time.
    actix_web::rt::time::sleep(Duration::from_millis(10)).await;

    let body = json!({"token": "tok-a", "rid": rid, "msg": "edited"});
    let edited = app.put(&path(&id(&sent)), body).await.ok()["message"].clone();

    assert_eq!(edited["_id"], sent["_id"]);
    assert_eq!(edited["msg"], "edited");
    assert_eq!(edited["ts"], sent["ts"]);
    assert_eq!(edited["ls"], edited["editedAt"]);
    let edited_ls = edited["ls"].as_str().expect("an ls string");
    assert!(edited_ls > sent["ls"].as_str().expect("an ls string"), "{edited} {sent}");
    assert_eq!(edited["editedBy"]["_id"], visitor["_id"]);
    assert_eq!(edited["editedBy"]["username"], visitor["username"]);
    let fetched = app.get(&format!("{}?token=tok-a&rid={rid}", path(&id(&sent)))).await.ok();
    assert_eq!(fetched["message"], edited);
    assert_eq!(app.history("tok-a", &rid).await[0], edited);
}

#[actix_web::test]
async fn edit_errors() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let mid = id(&app.send("tok-a", &rid, "hello").await.ok()["message"]);
    let started = started_id(&app, "tok-a", &rid).await;
    let app = &app;
    let edit = |id: &str, msg: &str| {
        let (path, body) = (path(id), json!({"token": "tok-a", "rid": rid, "msg": msg}));
        async move { app.put(&path, body).await }
    };

    edit("unknown", "x").await.assert_error("invalid-message");
    edit(&started, "x").await.assert_error("error-action-not-allowed");
    edit(&mid, &"a".repeat(5001)).await.assert_error("error-message-size-exceeded");
    edit(&mid, "").await.assert_invalid_params();
    edit(&mid, &"é".repeat(5000)).await.ok();
    app.put(&path(&mid), json!({"token": "nope", "rid": rid, "msg": "x"}))
        .await
        .assert_error("invalid-token");
    // Parameters come first, then the token.
    app.put(&path(&mid), json!({"token": "nope", "rid": rid, "msg": ""}))
        .await
        .assert_invalid_params();
    app.close("tok-a", &rid).await.ok();
    edit(&mid, "x").await.assert_error("room-closed");
    edit(&mid, &"a".repeat(5001)).await.assert_error("room-closed");
    // Not allowed comes before room-closed.
    edit(&started, "x").await.assert_error("error-action-not-allowed");
    let history = app.history("tok-a", &rid).await;
    assert_eq!(history[1]["msg"], "é".repeat(5000));
}

#[actix_web::test]
async fn edit_is_refused_when_editing_is_disabled() {
    let app = TestApp::with_config(|c| c.allow_edit = false).await;
    let rid = app.visitor_with_room("tok-a").await;
    let mid = id(&app.send("tok-a", &rid, "hello").await.ok()["message"]);

    let res = app.put(&path(&mid), json!({"token": "tok-a", "rid": rid, "msg": "edited"})).await;

    res.assert_error("error-action-not-allowed");
    assert_eq!(app.history("tok-a", &rid).await[0]["msg"], "hello");
}

#[actix_web::test]
async fn delete_with_a_body_removes_the_message() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let mid = id(&app.send("tok-a", &rid, "hello").await.ok()["message"]);

    let body = app.delete(&path(&mid), Some(json!({"token": "tok-a", "rid": rid}))).await.ok();

    let deleted = &body["message"];
    assert_eq!(deleted["_id"], mid.as_str());
    assert_eq!(deleted["ts"], deleted["ls"]);
    assert!(deleted["ls"].is_string(), "{body}");
    let history = app.history("tok-a", &rid).await;
    assert!(history.iter().all(|m| m["_id"] != mid.as_str()), "{history:?}");
    let fetched = app.get(&format!("{}?token=tok-a&rid={rid}", path(&mid))).await;
    fetched.assert_error("invalid-message");
    let again = app.delete(&path(&mid), Some(json!({"token": "tok-a", "rid": rid}))).await;
    again.assert_error("invalid-message");
}

#[actix_web::test]
async fn delete_takes_token_and_rid_from_the_query_string() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let mid = id(&app.send("tok-a", &rid, "hello").await.ok()["message"]);

    let body = app.delete(&format!("{}?token=tok-a&rid={rid}", path(&mid)), None).await.ok();

    assert_eq!(body["message"]["_id"], mid.as_str());
    assert_eq!(app.history("tok-a", &rid).await.len(), 1);
}

#[actix_web::test]
async fn delete_reads_the_body_first_then_the_query_string() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let mid = id(&app.send("tok-a", &rid, "hello").await.ok()["message"]);
    let query = |query: &str| format!("{}?{query}", path(&mid));

    // The body's token wins over the query string's.
    let body = json!({"token": "nope", "rid": rid});
    app.delete(&query("token=tok-a"), Some(body)).await.assert_error("invalid-token");
    // Unknown body fields are refused, unknown query parameters ignored.
    let body = json!({"token": "tok-a", "extra": 1});
    app.delete(&query(&format!("rid={rid}")), Some(body)).await.assert_invalid_params();
    assert_eq!(app.history("tok-a", &rid).await.len(), 2);
    let body = json!({"token": "tok-a"});
    let deleted = app.delete(&query(&format!("rid={rid}&count=5")), Some(body)).await.ok();

    assert_eq!(deleted["message"]["_id"], mid.as_str());
    assert_eq!(app.history("tok-a", &rid).await.len(), 1);
}

#[actix_web::test]
async fn delete_must_prove_ownership() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let mid = id(&app.send("tok-a", &rid, "hello").await.ok()["message"]);
    let started = started_id(&app, "tok-a", &rid).await;

    let missing = |res: Res, field: &str| {
        res.assert_invalid_params();
        let expected = format!("must have required property '{field}' [invalid-params]");
        assert_eq!(res.json["error"], expected);
    };
    missing(app.delete(&path(&mid), None).await, "token");
    missing(app.delete(&path(&mid), Some(json!({"rid": rid}))).await, "token");
    missing(app.delete(&format!("{}?rid={rid}", path(&mid)), None).await, "token");
    missing(app.delete(&path(&mid), Some(json!({"token": "tok-a"}))).await, "rid");
    missing(app.delete(&format!("{}?token=tok-a", path(&mid)), None).await, "rid");
    let body = json!({"token": "nope", "rid": rid});
    app.delete(&path(&mid), Some(body)).await.assert_error("invalid-token");
    let body = json!({"token": "tok-a", "rid": rid});
    app.delete(&path(&started), Some(body.clone())).await.assert_error("error-action-not-allowed");
    app.close("tok-a", &rid).await.ok();
    app.delete(&path(&mid), Some(body)).await.assert_error("room-closed");

    assert_eq!(app.history("tok-a", &rid).await[1]["msg"], "hello");
}

#[actix_web::test]
async fn delete_is_refused_when_deleting_is_disabled() {
    let app = TestApp::with_config(|c| c.allow_delete = false).await;
    let rid = app.visitor_with_room("tok-a").await;
    let mid = id(&app.send("tok-a", &rid, "hello").await.ok()["message"]);

    let res = app.delete(&path(&mid), Some(json!({"token": "tok-a", "rid": rid}))).await;

    res.assert_error("error-action-not-allowed");
    assert_eq!(app.history("tok-a", &rid).await[0]["msg"], "hello");
}

#[actix_web::test]
async fn history_pages_newest_first() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    for n in 0..24 {
        app.send("tok-a", &rid, &format!("m{n}")).await.ok();
    }
    let all = page(&app, &rid, "&limit=100").await;
    assert_eq!(all.len(), 25);
    assert_eq!(all[0]["msg"], "m23");
    assert_eq!(all[24]["t"], "livechat-started");
    assert!(all.windows(2).all(|pair| ts(&pair[0]) > ts(&pair[1])));

    assert_eq!(page(&app, &rid, "").await, all[..20]);
    assert_eq!(page(&app, &rid, "&limit=0").await, all[..20]);
    assert_eq!(page(&app, &rid, "&limit=-3").await, all[..20]);
    assert_eq!(page(&app, &rid, "&offset=5&limit=3").await, all[5..8]);
    let end = ts(&all[3]);
    assert_eq!(page(&app, &rid, &format!("&end={end}&limit=2")).await, all[4..6]);
    let ls = ts(&all[0]);
    assert_eq!(page(&app, &rid, &format!("&ls={ls}")).await, all[..20]);
    assert_eq!(page(&app, &rid, "&count=5").await, all[..20]);
}

#[actix_web::test]
async fn history_errors() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let other = app.visitor_with_room("tok-b").await;

    for query in ["&limit=abc", "&limit=1.5", "&offset=x", "&end=yesterday", "&end=12345"] {
        history_page(&app, &rid, query).await.assert_invalid_params();
    }
    history_page(&app, &other, "").await.assert_error("invalid-room");
    history_page(&app, "ZZZZZZZZZZZZZZZZZ", "").await.assert_error("invalid-room");
    let res = app.get(&format!("/api/v1/livechat/messages.history/{rid}?token=nope")).await;
    res.assert_error("invalid-token");
}

#[actix_web::test]
async fn a_limit_beyond_64_bits_is_clamped() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;

    let huge = page(&app, &rid, "&limit=99999999999999999999").await;
    let negative = page(&app, &rid, "&limit=-99999999999999999999").await;

    assert_eq!(huge.len(), 1);
    assert_eq!(negative.len(), 1);
}

#[actix_web::test]
async fn paging_by_end_sees_every_message_exactly_once() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    for chunk in 0..5 {
        let texts: Vec<String> = (0..50).map(|n| format!("m{chunk}-{n}")).collect();
        let replies = join_all(texts.iter().map(|text| app.send("tok-a", &rid, text))).await;
        for res in replies {
            res.ok();
        }
    }

    // A huge limit is clamped to 100.
    let mut messages = page(&app, &rid, "&limit=1000").await;
    assert_eq!(messages.len(), 100);
    loop {
        let end = ts(messages.last().expect("a message"));
        let next = page(&app, &rid, &format!("&end={end}&limit=100")).await;
        if next.is_empty() {
            break;
        }
        messages.extend(next);
    }

    assert_eq!(messages.len(), 251);
    let ids: HashSet<String> = messages.iter().map(id).collect();
    assert_eq!(ids.len(), 251);
    assert!(messages.windows(2).all(|pair| ts(&pair[0]) > ts(&pair[1])));
}
