//! Custom fields as Rocket.Chat defines them: managers define fields; visitors and rooms keep
//! values for defined fields only.

use serde_json::{json, Value};

use super::agent::{get_as, not_logged_in, post_as, rooms, set_status};
use super::{AgentSession, TestApp};

const SAVE: &str = "/api/v1/livechat/custom-fields.save";

async fn define(app: &TestApp, admin: &AgentSession, data: Value) -> Value {
    post_as(app, admin, SAVE, json!({"customFieldId": null, "customFieldData": data})).await.ok()
}

fn field(key: &str, scope: &str, visibility: &str) -> Value {
    json!({"field": key, "label": format!("The {key}"), "scope": scope, "visibility": visibility})
}

async fn livechat_data(app: &TestApp, token: &str) -> Value {
    app.get(&format!("/api/v1/livechat/visitor/{token}")).await.ok()["visitor"]["livechatData"]
        .clone()
}

#[actix_web::test]
async fn managers_define_fields_and_agents_read_them() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;

    let mut plan = field("plan", "visitor", "visible");
    plan["type"] = json!("select");
    plan["options"] = json!("free, pro");
    plan["defaultValue"] = json!("free");
    plan["required"] = json!(true);
    let saved = define(&app, &admin, plan).await;
    let stored = &saved["customField"];
    assert_eq!(stored["_id"], "plan");
    assert_eq!(stored["label"], "The plan");
    assert_eq!(
        (stored["type"].clone(), stored["options"].clone()),
        (json!("select"), json!("free, pro"))
    );
    define(&app, &admin, field("orderId", "room", "visible")).await;
    define(&app, &admin, field("internal", "visitor", "hidden")).await;

    let list = get_as(&app, &alice, "/api/v1/livechat/custom-fields").await.ok();
    assert_eq!(list["total"], 3);
    let keys: Vec<&str> = list["customFields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|field| field["_id"].as_str())
        .collect();
    assert_eq!(keys, ["internal", "orderId", "plan"]);
    let found = get_as(&app, &alice, "/api/v1/livechat/custom-fields?text=ORDER").await.ok();
    assert_eq!(found["total"], 1);
    let one = get_as(&app, &alice, "/api/v1/livechat/custom-fields/plan").await.ok();
    assert_eq!(one["customField"], saved["customField"]);
    let none = get_as(&app, &alice, "/api/v1/livechat/custom-fields/nope").await.ok();
    assert_eq!(none["customField"], Value::Null);

    // The registration form gets the visible visitor fields, with a select's options.
    let config = app.get("/api/v1/livechat/config").await.ok();
    assert_eq!(
        config["config"]["customFields"],
        json!([{"_id": "plan", "label": "The plan", "regexp": "", "required": true,
            "type": "select", "defaultValue": "free", "options": ["free", "pro"]}])
    );

    // Agents may not define; nobody without credentials reads.
    let res =
        post_as(&app, &alice, SAVE, json!({"customFieldData": field("x", "visitor", "visible")}))
            .await;
    assert_eq!((res.status, res.json), (403, json!({"success": false, "error": "unauthorized"})));
    let res = app.get("/api/v1/livechat/custom-fields").await;
    assert_eq!((res.status, res.json), (401, not_logged_in()));

    // A change keeps the key; a new field under a taken key, or a change of a missing one,
    // is refused in Rocket.Chat's words.
    let body =
        json!({"customFieldId": "plan", "customFieldData": field("ignored", "visitor", "hidden")});
    let changed = post_as(&app, &admin, SAVE, body).await.ok();
    assert_eq!(
        (changed["customField"]["_id"].clone(), changed["customField"]["visibility"].clone()),
        (json!("plan"), json!("hidden"))
    );
    let res = post_as(
        &app,
        &admin,
        SAVE,
        json!({"customFieldData": field("plan", "visitor", "visible")}),
    )
    .await;
    assert_eq!(res.json["errorType"], "error-custom-field-name-already-exists", "{}", res.json);
    let body =
        json!({"customFieldId": "nope", "customFieldData": field("nope", "visitor", "visible")});
    let res = post_as(&app, &admin, SAVE, body).await;
    assert_eq!(res.json["errorType"], "error-invalid-custom-field", "{}", res.json);
    for bad in [
        field("bad key", "visitor", "visible"),
        field("k", "everyone", "visible"),
        field("k", "visitor", "sometimes"),
        {
            let mut bad = field("k", "visitor", "visible");
            bad["regexp"] = json!("([a-z");
            bad
        },
    ] {
        post_as(&app, &admin, SAVE, json!({"customFieldData": bad})).await.assert_invalid_params();
    }
}

#[actix_web::test]
async fn only_defined_fields_are_kept_and_values_must_match() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let mut zip = field("zip", "visitor", "visible");
    zip["regexp"] = json!("^[0-9]{5}$");
    define(&app, &admin, zip).await;
    define(&app, &admin, field("plan", "visitor", "hidden")).await;

    // Registration keeps the defined one; the undefined one is dropped.
    let fields = json!([{"key": "plan", "value": "pro", "overwrite": true},
        {"key": "shoeSize", "value": "44", "overwrite": true}]);
    let body = json!({"visitor": {"token": "tok-a", "customFields": fields}});
    let visitor = app.post("/api/v1/livechat/visitor", body).await.ok();
    assert_eq!(visitor["visitor"]["livechatData"], json!({"plan": "pro"}));

    // custom.field answers for any key, and stores defined ones only.
    let set = json!({"token": "tok-a", "key": "color", "value": "red", "overwrite": true});
    let res = app.post("/api/v1/livechat/custom.field", set).await.ok();
    assert_eq!(res["field"]["key"], "color");
    assert_eq!(livechat_data(&app, "tok-a").await, json!({"plan": "pro"}));

    let bad_zip = json!({"token": "tok-a", "key": "zip", "value": "12a45", "overwrite": true});
    app.post("/api/v1/livechat/custom.field", bad_zip).await.assert_invalid_params();
    let body = json!({"token": "tok-a", "customFields": [
        {"key": "zip", "value": "12345", "overwrite": true},
        {"key": "plan", "value": "free", "overwrite": false}]});
    let res = app.post("/api/v1/livechat/custom.fields", body).await.ok();
    assert_eq!(
        res["fields"],
        json!([{"Key": "zip", "value": "12345", "overwrite": true},
            {"Key": "plan", "value": "free", "overwrite": false}])
    );
    assert_eq!(livechat_data(&app, "tok-a").await, json!({"plan": "pro", "zip": "12345"}));
    let unknown = json!({"token": "nobody", "customFields": []});
    app.post("/api/v1/livechat/custom.fields", unknown).await.assert_error("invalid-token");

    // Removing a definition removes its values.
    post_as(&app, &admin, "/api/v1/livechat/custom-fields.remove", json!({"_id": "zip"}))
        .await
        .ok();
    assert_eq!(livechat_data(&app, "tok-a").await, json!({"plan": "pro"}));
    let res =
        post_as(&app, &admin, "/api/v1/livechat/custom-fields.remove", json!({"_id": "zip"})).await;
    res.assert_error("custom-field-not-found");
}

#[actix_web::test]
async fn room_fields_go_to_the_visitors_open_room() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    define(&app, &admin, field("orderId", "room", "hidden")).await;
    app.register("tok-a").await;
    let set = |value: &str| json!({"token": "tok-a", "key": "orderId", "value": value, "overwrite": true});

    // No open room yet: nothing to keep it on.
    app.post("/api/v1/livechat/custom.field", set("A-1")).await.ok();
    let rid = app.visitor_with_room("tok-a").await;
    set_status(&app, &admin, "available").await;
    let listed = rooms(&app, &admin, "open=true").await;
    assert_eq!(listed["rooms"][0]["_id"], rid.as_str());
    assert_eq!(listed["rooms"][0].get("livechatData"), None, "{listed}");

    app.post("/api/v1/livechat/custom.field", set("A-2")).await.ok();
    let listed = rooms(&app, &admin, "open=true").await;
    assert_eq!(listed["rooms"][0]["livechatData"], json!({"orderId": "A-2"}));
    // Not a visitor field.
    assert_eq!(livechat_data(&app, "tok-a").await, Value::Null);
}
