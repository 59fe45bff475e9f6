//! Webhooks (SPEC section 18) against a real HTTP receiver: each event with its body and a
//! signature the SDK's verifier accepts, retries with one delivery id until a 2xx, a final
//! 4xx, a room's events in commit order while its earliest is retried, `webhook.test`.

use std::time::{Duration, SystemTime};

use livechat_sdk::webhook::{verify, DEFAULT_TOLERANCE};
use serde_json::{json, Value};

use super::agent::{post_as, reply, set_status};
use super::{metric, AgentSession, TestApp};
use crate::receiver::{Answer, Received, Receiver};

/// Longest a test waits for deliveries (a loaded machine included).
const WAIT: Duration = Duration::from_secs(60);
const SECRET: &str = "webhook-secret-of-the-tests";
const ALL_EVENTS: [&str; 8] = [
    "Livechat_webhook_on_start",
    "Livechat_webhook_on_chat_queued",
    "Livechat_webhook_on_chat_taken",
    "Livechat_webhook_on_forward",
    "Livechat_webhook_on_close",
    "Livechat_webhook_on_visitor_message",
    "Livechat_webhook_on_agent_message",
    "Livechat_webhook_on_offline_msg",
];

/// A server that retries after about 100 ms (the receiver is given 3 s: [`hook_up`]).
async fn app() -> TestApp {
    TestApp::with_config(|config| config.outbox_retry_base_ms = Some(100)).await
}

async fn set(app: &TestApp, admin: &AgentSession, id: &str, value: Value) {
    let res = post_as(app, admin, &format!("/api/v1/settings/{id}"), json!({"value": value})).await;
    assert_eq!(res.ok(), json!({"success": true}), "{id}");
}

/// Points webhooks at `receiver` with [`SECRET`] and switches `events` on.
async fn hook_up(app: &TestApp, admin: &AgentSession, receiver: &Receiver, events: &[&str]) {
    set(app, admin, "Livechat_webhookUrl", json!(receiver.url())).await;
    set(app, admin, "Livechat_secret_token", json!(SECRET)).await;
    set(app, admin, "Livechat_http_timeout", json!(3000)).await;
    for event in events {
        set(app, admin, event, json!(true)).await;
    }
}

/// Asserts the request's signature verifies, and that one changed body byte does not.
fn assert_signed(request: &Received) {
    let timestamp = request.header("x-livechat-timestamp").expect("timestamp");
    let signature = request.header("x-livechat-signature").expect("signature");
    assert_eq!(request.header("x-rocketchat-livechat-token"), Some(SECRET));
    let now = SystemTime::now();
    verify(SECRET, timestamp, signature, &request.body, now, DEFAULT_TOLERANCE)
        .unwrap_or_else(|err| panic!("signature refused: {err}"));
    let mut changed = request.body.clone();
    let last = changed.len() - 2;
    changed[last] ^= 0x01;
    assert!(verify(SECRET, timestamp, signature, &changed, now, DEFAULT_TOLERANCE).is_err());
}

#[actix_web::test]
async fn each_event_arrives_in_commit_order_signed_and_without_the_visitor_token() {
    let receiver = Receiver::start();
    let app = app().await;
    let admin = app.agent("root", "admin").await;
    let agent = app.agent("ann", "agent").await;
    set_status(&app, &agent, "available").await;
    hook_up(&app, &admin, &receiver, &ALL_EVENTS).await;

    let token = "webhook-visitor-token-1";
    let rid = app.visitor_with_room(token).await;
    let sent = app.send(token, &rid, "hello <b>there</b>").await.ok();
    let first = sent["message"]["_id"].as_str().expect("id").to_owned();
    reply(&app, &agent, &rid, "hi, how can I help?").await.ok();
    let edit = json!({"token": token, "rid": rid, "msg": "hello, edited"});
    app.put(&format!("/api/v1/livechat/message/{first}"), edit).await.ok();
    app.close(token, &rid).await.ok();
    // Refused: no event.
    app.send(token, &rid, "after the close").await.assert_error("room-closed");

    let requests = receiver.wait_for(6, WAIT).await;
    let bodies: Vec<Value> = requests.iter().map(Received::json).collect();
    let types: Vec<&str> = bodies.iter().map(|body| body["type"].as_str().expect("type")).collect();
    assert_eq!(
        types,
        [
            "LivechatSessionStart",
            "LivechatSessionTaken",
            "Message",
            "Message",
            "Message",
            "LivechatSession"
        ]
    );
    let mut ids = Vec::new();
    for (request, body) in requests.iter().zip(&bodies) {
        assert_eq!(request.method, "POST");
        assert_eq!(request.header("x-livechat-event"), body["type"].as_str());
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert_signed(request);
        ids.push(request.header("x-livechat-delivery").expect("delivery id").to_owned());
        assert_eq!(body["_id"], rid.as_str());
        assert_eq!(
            body["visitor"]["username"].as_str().map(|u| u.starts_with("guest")),
            Some(true)
        );
        assert!(body["visitor"].get("token").is_none(), "the token went out: {body}");
        assert!(!String::from_utf8_lossy(&request.body).contains(token), "{body}");
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6, "delivery ids are unique");

    assert_eq!(bodies[1]["servedBy"]["username"], "ann");
    assert_eq!(bodies[1]["agent"]["username"], "ann");
    assert_eq!(bodies[2]["messages"][0]["msg"], "hello <b>there</b>");
    assert_eq!(bodies[2]["messages"].as_array().map(Vec::len), Some(1));
    assert!(bodies[2]["messages"][0].get("agentId").is_none());
    assert_eq!(bodies[3]["messages"][0]["agentId"], agent.id.as_str());
    assert_eq!(bodies[4]["messages"][0]["_id"], first.as_str());
    assert_eq!(bodies[4]["messages"][0]["msg"], "hello, edited");
    assert!(bodies[4]["messages"][0]["editedAt"].is_string());
    let close = &bodies[5];
    assert_eq!(close["closer"], "visitor");
    assert_eq!(close["servedBy"]["username"], "ann");
    assert!(close["closedAt"].is_string());
    let texts: Vec<&Value> = close["messages"].as_array().expect("messages").iter().collect();
    assert_eq!(texts.len(), 3, "two messages and the closing one: {close}");
    assert_eq!(texts[0]["msg"], "hello, edited");
    assert_eq!(texts[2]["closingMessage"], true);

    // Nothing more comes (the refused send has no event).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.requests().len(), 6);
}

#[actix_web::test]
async fn a_queued_room_a_forward_and_an_offline_message_have_their_events() {
    let receiver = Receiver::start();
    let app = app().await;
    let admin = app.agent("root", "admin").await;
    let ann = app.agent("ann", "agent").await;
    let bob = app.agent("bob", "agent").await;
    hook_up(&app, &admin, &receiver, &ALL_EVENTS).await;

    // Nobody is available: the room waits.
    let token = "webhook-visitor-token-2";
    let rid = app.visitor_with_room(token).await;
    // Ann becomes available: the queue is drained, and she gets it.
    set_status(&app, &ann, "available").await;
    let deadline = std::time::Instant::now() + WAIT;
    while receiver.requests().len() < 3 {
        assert!(std::time::Instant::now() < deadline, "the room was not taken");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    set_status(&app, &bob, "available").await;
    let forward = json!({"roomId": rid, "userId": bob.id});
    post_as(&app, &ann, "/api/v1/livechat/room.forward", forward).await.ok();
    let offline = json!({"name": "Zoë", "email": "zoe@example.com", "message": "Call me"});
    app.post("/api/v1/livechat/offline.message", offline).await.ok();

    let requests = receiver.wait_for(5, WAIT).await;
    let bodies: Vec<Value> = requests.iter().map(Received::json).collect();
    let types: Vec<&str> = bodies.iter().map(|body| body["type"].as_str().expect("type")).collect();
    assert_eq!(
        types,
        [
            "LivechatSessionStart",
            "LivechatSessionQueued",
            "LivechatSessionTaken",
            "LivechatSessionForwarded",
            "LivechatOfflineMessage"
        ]
    );
    assert!(bodies[1].get("servedBy").is_none());
    assert_eq!(bodies[2]["servedBy"]["username"], "ann");
    assert_eq!(bodies[3]["servedBy"]["username"], "bob");
    assert_eq!(bodies[3]["oldServedBy"]["username"], "ann");
    assert_eq!(
        bodies[4],
        json!({
            "type": "LivechatOfflineMessage",
            "sentAt": bodies[4]["sentAt"],
            "visitor": {"name": "Zoë", "email": "zoe@example.com"},
            "message": "Call me"
        })
    );
    for request in &requests {
        assert_signed(request);
    }
}

#[actix_web::test]
async fn a_failing_receiver_gets_one_delivery_id_until_it_answers_2xx_and_a_4xx_is_final() {
    let receiver = Receiver::start();
    receiver.respond(vec![Answer::Status(500), Answer::Hang(Duration::from_secs(10))]);
    let app = app().await;
    let admin = app.agent("root", "admin").await;
    hook_up(&app, &admin, &receiver, &["Livechat_webhook_on_offline_msg"]).await;

    let offline = json!({"name": "Ann", "email": "ann@example.com", "message": "one"});
    app.post("/api/v1/livechat/offline.message", offline).await.ok();
    let requests = receiver.wait_for(3, WAIT).await;
    let answered: Vec<Option<u16>> = requests.iter().map(|request| request.answered).collect();
    assert_eq!(answered, [Some(500), None, Some(200)]);
    let ids: Vec<&str> =
        requests.iter().map(|r| r.header("x-livechat-delivery").expect("id")).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert!(requests[1].at - requests[0].at >= Duration::from_millis(70), "retried too soon");
    for request in &requests {
        assert_signed(request);
    }

    // A 404 is not retried: it is counted as failed.
    receiver.respond(vec![Answer::Status(404)]);
    let offline = json!({"name": "Ann", "email": "ann@example.com", "message": "two"});
    app.post("/api/v1/livechat/offline.message", offline).await.ok();
    receiver.wait_for(4, WAIT).await;
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let metrics = app.get_text("/metrics").await;
        if metric(&metrics, "livechat_outbox_failed_total{channel=\"webhook\"}") == 1.0 {
            assert_eq!(
                metric(&metrics, "livechat_outbox_delivered_total{channel=\"webhook\"}"),
                1.0
            );
            assert_eq!(metric(&metrics, "livechat_outbox_retried_total{channel=\"webhook\"}"), 2.0);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no failure counted:\n{metrics}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(receiver.requests().len(), 4, "a 404 was retried");
}

#[actix_web::test]
async fn a_rooms_later_events_wait_while_its_earliest_is_retried() {
    let receiver = Receiver::start();
    receiver.respond(vec![Answer::Status(503), Answer::Status(429)]);
    let app = app().await;
    let admin = app.agent("root", "admin").await;
    hook_up(&app, &admin, &receiver, &["Livechat_webhook_on_visitor_message"]).await;

    let token = "webhook-visitor-token-3";
    let rid = app.visitor_with_room(token).await;
    let mut sent = Vec::new();
    for text in ["first", "second", "third", "fourth"] {
        let body = app.send(token, &rid, text).await.ok();
        sent.push(body["message"]["_id"].as_str().expect("id").to_owned());
    }
    let requests = receiver.wait_for(6, WAIT).await;
    let order: Vec<String> = requests
        .iter()
        .map(|request| request.json()["messages"][0]["_id"].as_str().expect("id").to_owned())
        .collect();
    let expected = [&sent[0], &sent[0], &sent[0], &sent[1], &sent[2], &sent[3]];
    assert_eq!(order.iter().collect::<Vec<_>>(), expected);
    assert_eq!(receiver.max_in_flight(), 1, "a room's events went two at a time");
}

#[actix_web::test]
async fn without_a_secret_there_is_no_token_and_no_signature() {
    let receiver = Receiver::start();
    let app = app().await;
    let admin = app.agent("root", "admin").await;
    set(&app, &admin, "Livechat_webhookUrl", json!(receiver.url())).await;
    set(&app, &admin, "Livechat_webhook_on_offline_msg", json!(true)).await;
    let offline = json!({"name": "Ann", "email": "ann@example.com", "message": "hi"});
    app.post("/api/v1/livechat/offline.message", offline).await.ok();
    let requests = receiver.wait_for(1, WAIT).await;
    let request = &requests[0];
    assert!(request.header("x-rocketchat-livechat-token").is_none());
    assert!(request.header("x-livechat-signature").is_none());
    assert!(request.header("x-livechat-timestamp").is_some());
    assert_eq!(request.header("x-livechat-event"), Some("LivechatOfflineMessage"));
}

#[actix_web::test]
async fn webhook_test_sends_a_signed_sample_and_reports_the_receivers_answer() {
    let receiver = Receiver::start();
    let app = app().await;
    let admin = app.agent("root", "admin").await;
    let agent = app.agent("ann", "agent").await;
    let path = "/api/v1/livechat/webhook.test";

    post_as(&app, &admin, path, json!({})).await.assert_error("Webhook_URL_not_set");
    hook_up(&app, &admin, &receiver, &[]).await;
    assert_eq!(post_as(&app, &admin, path, json!({})).await.ok(), json!({"success": true}));
    let requests = receiver.wait_for(1, WAIT).await;
    assert_signed(&requests[0]);
    assert_eq!(requests[0].json()["type"], "LivechatSession");

    receiver.respond(vec![Answer::Status(500)]);
    post_as(&app, &admin, path, json!({})).await.assert_error("error-invalid-webhook-response");
    assert_eq!(post_as(&app, &agent, path, json!({})).await.status, 403);
    assert_eq!(receiver.requests().len(), 2, "an agent's test was sent");
}
