//! Simultaneous requests: one open room per visitor, retry-safe sends and strictly
//! increasing `ts` hold however the requests interleave.

use std::collections::HashSet;

use futures_util::future::join_all;
use serde_json::Value;

use crate::TestApp;

fn text(value: &Value) -> String {
    value.as_str().expect("a string").to_owned()
}

#[actix_web::test]
async fn simultaneous_room_gets_open_exactly_one_room() {
    let app = TestApp::new().await;
    app.register("tok-a").await;

    let replies = join_all((0..20).map(|_| app.get("/api/v1/livechat/room?token=tok-a"))).await;

    let bodies: Vec<Value> = replies.into_iter().map(|res| res.ok()).collect();
    let rooms: HashSet<String> = bodies.iter().map(|body| text(&body["room"]["_id"])).collect();
    assert_eq!(rooms.len(), 1, "{rooms:?}");
    let opened = bodies.iter().filter(|body| body["newRoom"] == true).count();
    assert_eq!(opened, 1);
    let rid = rooms.into_iter().next().expect("a room");
    let history = app.history("tok-a", &rid).await;
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["t"], "livechat-started");
}

#[actix_web::test]
async fn simultaneous_registrations_of_one_token_make_one_visitor() {
    let app = TestApp::new().await;

    let visitors = join_all((0..10).map(|_| app.register("tok-a"))).await;

    let ids: HashSet<String> = visitors.iter().map(|visitor| text(&visitor["_id"])).collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
}

#[actix_web::test]
async fn simultaneous_retries_of_one_id_store_one_message() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;

    let replies = join_all((0..10).map(|_| app.send_with_id("tok-a", &rid, "once", "hello"))).await;

    let bodies: Vec<Value> = replies.into_iter().map(|res| res.ok()).collect();
    assert!(bodies.iter().all(|body| *body == bodies[0]), "{bodies:?}");
    assert_eq!(bodies[0]["message"]["_id"], "once");
    let history = app.history("tok-a", &rid).await;
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0], bodies[0]["message"]);
}

#[actix_web::test]
async fn simultaneous_sends_get_distinct_increasing_ts() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let texts: Vec<String> = (0..40).map(|n| format!("m{n}")).collect();

    let replies = join_all(texts.iter().map(|msg| app.send("tok-a", &rid, msg))).await;

    let sent: Vec<Value> = replies.into_iter().map(|res| res.ok()["message"].clone()).collect();
    let stamps: HashSet<String> = sent.iter().map(|message| text(&message["ts"])).collect();
    assert_eq!(stamps.len(), 40, "two sends share a ts");
    let history = app.history("tok-a", &rid).await;
    assert_eq!(history.len(), 41);
    assert!(history.windows(2).all(|pair| text(&pair[0]["ts"]) > text(&pair[1]["ts"])));
    for message in &sent {
        assert!(history.contains(message), "{message} is not in the history as sent");
    }
}

#[actix_web::test]
async fn simultaneous_closes_close_once() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;

    let replies = join_all((0..5).map(|_| app.close("tok-a", &rid))).await;

    let closed = replies.iter().filter(|res| res.status == 200).count();
    assert_eq!(closed, 1);
    for res in replies.iter().filter(|res| res.status != 200) {
        res.assert_error("room-closed");
    }
    let history = app.history("tok-a", &rid).await;
    assert_eq!(history.iter().filter(|m| m["t"] == "livechat-close").count(), 1);
}
