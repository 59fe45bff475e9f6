//! One function stores every message: the same script of sends and refusals (visitor and
//! agent sends, retries, foreign ids, closed rooms, long texts) gives the same outcomes on
//! SQLite and on PostgreSQL, where a visitor's send is one statement of its own.
//!
//! Runs in the PostgreSQL pass of the suite (`LIVECHAT_TEST_BACKEND=postgres`), which has
//! both databases at hand.

use serde_json::{json, Value};

use crate::{AgentSession, TestApp, TestBackend};

#[actix_web::test]
async fn the_same_sends_give_the_same_outcomes_on_both_backends() {
    if TestBackend::configured() != TestBackend::Postgres {
        eprintln!("store: the comparison runs in the PostgreSQL pass of the suite");
        return;
    }
    let on_sqlite = script(&TestApp::on(TestBackend::Sqlite, |_| {}).await).await;
    let on_postgres = script(&TestApp::on(TestBackend::Postgres, |_| {}).await).await;
    let expected = [
        "ok visitor plain",
        "ok visitor c-1 first",
        "ok visitor c-1 first (replayed)",
        "duplicate-message-id",
        "invalid-room",
        "invalid-token",
        "error-message-size-exceeded",
        "invalid-params",
        "ok agent a-1 reply",
        "ok agent a-1 reply (replayed)",
        "duplicate-message-id",
        "duplicate-message-id",
        "invalid-room",
        "ok visitor c-2 to be deleted",
        "ok deleted",
        "duplicate-message-id",
        "ok closed",
        "room-closed",
        "room-closed",
        "ok visitor c-1 first (replayed)",
        "room-closed",
        "ok agent a-1 reply (replayed)",
    ];
    assert_eq!(on_sqlite, expected, "SQLite");
    assert_eq!(on_postgres, on_sqlite, "PostgreSQL differs from SQLite");
}

/// Runs the script on `app`; one line per step.
async fn script(app: &TestApp) -> Vec<String> {
    let agent = app.agent("store-agent", "agent").await;
    let available = json!({"status": "available"});
    app.request_with(
        reqwest::Method::POST,
        "/api/v1/livechat/agent.status",
        Some(available),
        &agent.headers(),
    )
    .await
    .ok();
    let ann = app.visitor_with_room("store-ann").await;
    let bob = app.visitor_with_room("store-bob").await;
    let long = "x".repeat(5001);
    let mut first_ts = None;
    let mut out = Vec::new();
    let mut step = |res: crate::Res, out: &mut Vec<String>| out.push(outcome(res, &mut first_ts));

    step(app.send("store-ann", &ann, "plain").await, &mut out);
    step(app.send_with_id("store-ann", &ann, "c-1", "first").await, &mut out);
    step(app.send_with_id("store-ann", &ann, "c-1", "first again").await, &mut out);
    // Someone else's id, someone else's room, nobody's token, too long, empty.
    step(app.send_with_id("store-bob", &bob, "c-1", "taken").await, &mut out);
    step(app.send("store-ann", &bob, "not mine").await, &mut out);
    step(app.send("store-nobody", &ann, "who").await, &mut out);
    step(app.send("store-ann", &ann, &long).await, &mut out);
    step(app.send("store-ann", &ann, "").await, &mut out);
    // The agent serving Ann's room.
    step(reply(app, &agent, &ann, Some("a-1"), "reply").await, &mut out);
    step(reply(app, &agent, &ann, Some("a-1"), "reply again").await, &mut out);
    step(reply(app, &agent, &ann, Some("c-1"), "a visitor's id").await, &mut out);
    step(app.send_with_id("store-ann", &ann, "a-1", "an agent's id").await, &mut out);
    // A room that does not exist is answered as one the agent does not serve.
    step(reply(app, &agent, &"nonexistent-room".to_owned(), None, "nowhere").await, &mut out);
    // A deleted message keeps its id.
    step(app.send_with_id("store-ann", &ann, "c-2", "to be deleted").await, &mut out);
    let deleted = app
        .delete("/api/v1/livechat/message/c-2", Some(json!({"token": "store-ann", "rid": ann})))
        .await;
    out.push(if deleted.status == 200 { "ok deleted".into() } else { format!("{}", deleted.json) });
    step(app.send_with_id("store-ann", &ann, "c-2", "again").await, &mut out);
    // A closed room: closed before too long; a retry still replays.
    let closed = app.close("store-ann", &ann).await;
    out.push(if closed.status == 200 { "ok closed".into() } else { format!("{}", closed.json) });
    step(app.send("store-ann", &ann, "after close").await, &mut out);
    step(app.send("store-ann", &ann, &long).await, &mut out);
    step(app.send_with_id("store-ann", &ann, "c-1", "first").await, &mut out);
    step(reply(app, &agent, &ann, None, "after close").await, &mut out);
    step(reply(app, &agent, &ann, Some("a-1"), "reply").await, &mut out);
    // Every stored message of Ann's room, in order, with increasing ts.
    let history = app.history("store-ann", &ann).await;
    let ts: Vec<&str> = history.iter().filter_map(|m| m["ts"].as_str()).collect();
    assert!(ts.windows(2).all(|pair| pair[0] > pair[1]), "ts strictly increasing: {ts:?}");
    out
}

async fn reply(
    app: &TestApp,
    agent: &AgentSession,
    rid: &String,
    id: Option<&str>,
    msg: &str,
) -> crate::Res {
    let mut message = json!({"rid": rid, "msg": msg});
    if let Some(id) = id {
        message["_id"] = json!(id);
    }
    app.request_with(
        reqwest::Method::POST,
        "/api/v1/chat.sendMessage",
        Some(json!({"message": message})),
        &agent.headers(),
    )
    .await
}

/// A step's outcome without what differs between runs (server ids, times): `ok <author>
/// <client id> <text>`, `(replayed)` when the reply carries a `ts` seen before, else the
/// error code.
fn outcome(res: crate::Res, seen: &mut Option<Vec<String>>) -> String {
    if res.status != 200 {
        let code = res.json["errorType"].as_str().or(res.json["error"].as_str());
        return code.unwrap_or("?").to_owned();
    }
    let message: &Value = &res.json["message"];
    let author = if message["u"]["username"].as_str().is_some_and(|name| name.starts_with("guest-"))
    {
        "visitor"
    } else {
        "agent"
    };
    let id = message["_id"].as_str().unwrap_or_default();
    let id = if id.len() == 17 { String::new() } else { format!(" {id}") };
    let ts = message["ts"].as_str().unwrap_or_default().to_owned();
    let seen = seen.get_or_insert_with(Vec::new);
    let replayed = if seen.contains(&ts) { " (replayed)" } else { "" };
    seen.push(ts);
    format!("ok {author}{id} {}{replayed}", message["msg"].as_str().unwrap_or_default())
}
