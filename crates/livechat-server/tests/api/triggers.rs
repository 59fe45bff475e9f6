//! Triggers: managers define them, the widget gets the enabled ones in `livechat/config`, and
//! `livechat/agent.next` names the agent a triggered message is shown from.

use reqwest::Method;
use serde_json::{json, Value};

use super::agent::{get_as, not_logged_in, post_as, set_status};
use super::TestApp;

const TRIGGERS: &str = "/api/v1/livechat/triggers";

fn greeting(name: &str, enabled: bool) -> Value {
    json!({
        "name": name, "description": "Say hello", "enabled": enabled, "runOnce": true,
        "conditions": [{"name": "time-on-site", "value": 5}],
        "actions": [{"name": "send-message",
            "params": {"sender": "custom", "msg": "Need help?", "name": "Ann from Sales"}}],
    })
}

#[actix_web::test]
async fn managers_define_triggers_and_the_widget_gets_the_enabled_ones() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;

    let hello = post_as(&app, &admin, TRIGGERS, greeting("Hello", true)).await.ok()["_id"]
        .as_str()
        .expect("id")
        .to_owned();
    post_as(&app, &admin, TRIGGERS, greeting("Dormant", false)).await.ok();

    let list = get_as(&app, &admin, TRIGGERS).await.ok();
    assert_eq!(list["total"], 2);
    let names: Vec<&str> = list["triggers"]
        .as_array()
        .expect("triggers")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["Dormant", "Hello"]);
    let one = get_as(&app, &admin, &format!("{TRIGGERS}/{hello}")).await.ok();
    assert_eq!(one["trigger"]["conditions"], json!([{"name": "time-on-site", "value": 5}]));
    assert_eq!(one["trigger"]["runOnce"], true);

    let config = app.get("/api/v1/livechat/config").await.ok();
    assert_eq!(
        config["config"]["triggers"],
        json!([{"_id": hello, "runOnce": true,
            "conditions": [{"name": "time-on-site", "value": 5}],
            "actions": [{"name": "send-message",
                "params": {"sender": "custom", "msg": "Need help?", "name": "Ann from Sales"}}]}])
    );

    // A change through `_id`; an unknown `_id` is refused.
    let mut changed = greeting("Hello again", false);
    changed["_id"] = json!(hello);
    post_as(&app, &admin, TRIGGERS, changed).await.ok();
    let config = app.get("/api/v1/livechat/config").await.ok();
    assert_eq!(config["config"]["triggers"], json!([]));
    let mut unknown = greeting("X", true);
    unknown["_id"] = json!("nope");
    post_as(&app, &admin, TRIGGERS, unknown).await.assert_error("error-invalid-trigger");

    // Agents and strangers may not.
    let res = post_as(&app, &alice, TRIGGERS, greeting("Mine", true)).await;
    assert_eq!((res.status, res.json), (403, json!({"success": false, "error": "unauthorized"})));
    let res = app.get(TRIGGERS).await;
    assert_eq!((res.status, res.json), (401, not_logged_in()));

    let path = format!("{TRIGGERS}/{hello}");
    app.request_with(Method::DELETE, &path, None, &admin.headers()).await.ok();
    assert_eq!(get_as(&app, &admin, &path).await.ok()["trigger"], Value::Null);
    let res = app.request_with(Method::DELETE, &path, None, &admin.headers()).await;
    res.assert_error("error-invalid-trigger");
}

#[actix_web::test]
async fn trigger_conditions_and_actions_are_checked() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let with = |conditions: Value, actions: Value| json!({"name": "T", "enabled": true, "conditions": conditions, "actions": actions});
    let message = json!([{"name": "send-message", "params": {"sender": "queue", "msg": "Hi"}}]);
    let after_5s = json!([{"name": "time-on-site", "value": "5"}]);
    for bad in [
        with(json!([]), message.clone()),
        with(json!([{"name": "moon-phase", "value": "full"}]), message.clone()),
        with(json!([{"name": "time-on-site", "value": "soon"}]), message.clone()),
        with(json!([{"name": "page-url", "value": "([a-z"}]), message.clone()),
        with(after_5s.clone(), json!([])),
        with(
            after_5s.clone(),
            json!([{"name": "launch-rocket", "params": {"sender": "queue", "msg": "Hi"}}]),
        ),
        with(
            after_5s.clone(),
            json!([{"name": "send-message", "params": {"sender": "bot", "msg": "Hi"}}]),
        ),
        with(
            after_5s.clone(),
            json!([{"name": "send-message", "params": {"sender": "queue", "msg": ""}}]),
        ),
    ] {
        post_as(&app, &admin, TRIGGERS, bad).await.assert_invalid_params();
    }
    let page =
        json!([{"name": "page-url", "value": "/pricing$"}, {"name": "chat-opened-by-visitor"}]);
    post_as(&app, &admin, TRIGGERS, with(page, message)).await.ok();
    assert_eq!(get_as(&app, &admin, TRIGGERS).await.ok()["total"], 1);
}

#[actix_web::test]
async fn agent_next_names_the_agent_a_new_chat_would_get() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;

    // Nobody available: agent-not-found, for registered and unknown tokens alike.
    app.get("/api/v1/livechat/agent.next/never-registered").await.assert_error("agent-not-found");
    set_status(&app, &alice, "available").await;
    let next = app.get("/api/v1/livechat/agent.next/never-registered").await.ok();
    assert_eq!(next["agent"]["username"], "alice");
    assert_eq!(next["agent"]["_id"], alice.id.as_str());
    assert_eq!(next["agent"].get("token"), None);

    // A visitor with an open room gets nothing more.
    app.visitor_with_room("tok-a").await;
    let next = app.get("/api/v1/livechat/agent.next/tok-a").await.ok();
    assert_eq!(next, json!({"success": true}));

    // With a department, only its agents count.
    let admin = app.agent("root", "admin").await;
    let body = json!({"department": {"name": "Empty", "enabled": true, "showOnRegistration": true,
        "showOnOfflineForm": true, "email": ""}});
    let empty = post_as(&app, &admin, "/api/v1/livechat/department", body).await.ok()["department"]
        ["_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let path = format!("/api/v1/livechat/agent.next/tok-b?department={empty}");
    app.get(&path).await.assert_error("agent-not-found");
}
