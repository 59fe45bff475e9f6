//! Rocket.Chat's method bridge: `method.call/:method` and `method.callAnon/:method` with the
//! call and its outcome as EJSON text.

use serde_json::{json, Value};

use super::agent::{get_as, post_as};
use super::{AgentSession, Res, TestApp};

fn message(method: &str, params: Value) -> Value {
    let call = json!({"msg": "method", "id": "7", "method": method, "params": params});
    json!({"message": call.to_string()})
}

/// The outcome inside a bridge reply.
fn outcome(res: Res) -> Value {
    let body = res.ok();
    serde_json::from_str(body["message"].as_str().expect("message")).expect("EJSON outcome")
}

async fn call(app: &TestApp, user: &AgentSession, method: &str, params: Value) -> Res {
    post_as(app, user, &format!("/api/v1/method.call/{method}"), message(method, params)).await
}

fn department(name: &str) -> Value {
    json!({"name": name, "enabled": true, "showOnRegistration": true, "showOnOfflineForm": true,
        "email": ""})
}

#[actix_web::test]
async fn a_manager_saves_departments_and_triggers_through_the_bridge() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;

    let agents = json!([{"agentId": alice.id, "count": 0, "order": 0}]);
    let saved = outcome(
        call(&app, &admin, "livechat:saveDepartment", json!([null, department("Sales"), agents]))
            .await,
    );
    assert_eq!((saved["msg"].clone(), saved["id"].clone()), (json!("result"), json!("7")));
    let id = saved["result"]["_id"].as_str().expect("department id").to_owned();
    assert_eq!(saved["result"]["name"], "Sales");
    assert_eq!(saved["result"]["numAgents"], 1);

    let renamed = outcome(
        call(&app, &admin, "livechat:saveDepartment", json!([id, department("Sales EMEA")])).await,
    );
    assert_eq!(renamed["result"]["name"], "Sales EMEA");
    let got = get_as(&app, &admin, &format!("/api/v1/livechat/department/{id}")).await.ok();
    assert_eq!(got["department"]["name"], "Sales EMEA");

    let trigger = json!({"name": "Hello", "description": "", "enabled": true, "runOnce": false,
        "conditions": [{"name": "time-on-site", "value": 3}],
        "actions": [{"name": "send-message", "params": {"sender": "queue", "msg": "Hi"}}]});
    let saved = outcome(call(&app, &admin, "livechat:saveTrigger", json!([trigger])).await);
    assert_eq!(saved["result"], true);
    let list = get_as(&app, &admin, "/api/v1/livechat/triggers").await.ok();
    assert_eq!(list["total"], 1);
}

#[actix_web::test]
async fn refusals_come_back_as_meteor_errors_and_unknown_methods_are_404() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;

    // An agent may not; nor may nobody.
    let refused = outcome(
        call(&app, &alice, "livechat:saveDepartment", json!([null, department("X")])).await,
    );
    assert_eq!(refused["error"]["error"], "error-not-allowed", "{refused}");
    assert_eq!(refused["error"]["errorType"], "Meteor.Error");
    assert_eq!(refused.get("result"), None);
    let anon = app
        .post(
            "/api/v1/method.callAnon/livechat:saveTrigger",
            message("livechat:saveTrigger", json!([{}])),
        )
        .await;
    assert_eq!(outcome(anon)["error"]["error"], "error-not-allowed");
    let list = get_as(&app, &admin, "/api/v1/livechat/department").await.ok();
    assert_eq!(list["total"], 0);

    // Bad arguments are the method's failure; a bad envelope is the request's.
    let bad =
        outcome(call(&app, &admin, "livechat:saveDepartment", json!([null, {"name": 5}])).await);
    assert_eq!(bad["error"]["error"], "invalid-params", "{bad}");
    let res = post_as(
        &app,
        &admin,
        "/api/v1/method.call/livechat:saveTrigger",
        json!({"message": "not json"}),
    )
    .await;
    res.assert_invalid_params();
    let other = message("livechat:saveDepartment", json!([]));
    post_as(&app, &admin, "/api/v1/method.call/livechat:saveTrigger", other)
        .await
        .assert_invalid_params();

    let res = call(&app, &admin, "livechat:removeEverything", json!([])).await;
    assert_eq!(res.status, 404, "{}", res.json);
    let res = app
        .post(
            "/api/v1/method.call/livechat:saveTrigger",
            message("livechat:saveTrigger", json!([])),
        )
        .await;
    assert_eq!(res.status, 401, "{}", res.json);
}
