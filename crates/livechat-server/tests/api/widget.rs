//! What the widget reports besides messages (SPEC section 4): offline messages, page views,
//! visitor status and custom fields; and the page it is served in, which only ever points
//! at this server.

use serde_json::json;

use super::agent::{get_as, not_logged_in};
use super::{Res, TestApp};

/// Sets a custom field of the visitor `tok-a`.
async fn set_field(app: &TestApp, key: &str, value: &str, overwrite: bool) -> Res {
    let body = json!({"token": "tok-a", "key": key, "value": value, "overwrite": overwrite});
    app.post("/api/v1/livechat/custom.field", body).await
}

#[actix_web::test]
async fn an_offline_message_is_stored_for_agents() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let admin = app.agent("root", "admin").await;
    let body = json!({"name": "Ann", "email": "ann@example.com", "message": "Call me back"});

    let res = app.post("/api/v1/livechat/offline.message", body).await.ok();

    assert!(res["message"].is_string(), "{res}");
    let list = get_as(&app, &alice, "/api/v1/livechat/offline.messages").await.ok();
    assert_eq!(list["total"], 1, "{list}");
    let stored = &list["messages"][0];
    assert_eq!(stored["name"], "Ann");
    assert_eq!(stored["email"], "ann@example.com");
    assert_eq!(stored["message"], "Call me back");
    assert!(stored["_id"].is_string() && stored["ts"].is_string(), "{stored}");
    assert_eq!(get_as(&app, &admin, "/api/v1/livechat/offline.messages").await.ok(), list);

    // With a department, and a second page.
    let body =
        json!({"name": "Bo", "email": "bo@example.com", "message": "Hi", "department": "sales"});
    app.post("/api/v1/livechat/offline.message", body).await.ok();
    let list = get_as(&app, &alice, "/api/v1/livechat/offline.messages").await.ok();
    assert_eq!(list["total"], 2);
    let names: Vec<_> =
        list["messages"].as_array().expect("messages").iter().map(|m| m["name"].clone()).collect();
    assert!(names.contains(&json!("Ann")) && names.contains(&json!("Bo")), "{list}");
    let page =
        get_as(&app, &alice, "/api/v1/livechat/offline.messages?count=1&offset=1").await.ok();
    assert_eq!(page["total"], 2);
    assert_eq!(page["messages"].as_array().expect("messages").len(), 1);
}

#[actix_web::test]
async fn offline_messages_need_agent_credentials() {
    let app = TestApp::new().await;
    let body = json!({"name": "Ann", "email": "ann@example.com", "message": "Call me back"});
    app.post("/api/v1/livechat/offline.message", body).await.ok();

    let res = app.get("/api/v1/livechat/offline.messages").await;
    assert_eq!(res.status, 401, "{}", res.json);
    assert_eq!(res.json, not_logged_in());
    let res = app
        .get_with("/api/v1/livechat/offline.messages", &[("X-User-Id", "x"), ("X-Auth-Token", "y")])
        .await;
    assert_eq!(res.status, 401, "{}", res.json);
    assert_eq!(res.json, not_logged_in());
}

#[actix_web::test]
async fn an_offline_message_without_email_is_invalid_params() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;

    for body in [
        json!({"name": "Ann", "message": "Call me back"}),
        json!({"name": "Ann", "email": "", "message": "Call me back"}),
        json!({"name": "Ann", "email": "   ", "message": "Call me back"}),
        json!({"name": "Ann", "email": null, "message": "Call me back"}),
        json!({"name": "Ann", "email": ["ann@example.com"], "message": "Call me back"}),
        json!({"email": "ann@example.com", "message": "Call me back"}),
        json!({"name": "Ann", "email": "ann@example.com"}),
        json!({"name": "Ann", "email": "ann@example.com", "message": ""}),
        json!({"name": "Ann", "email": "ann@example.com", "message": "x", "extra": 1}),
    ] {
        let res = app.post("/api/v1/livechat/offline.message", body.clone()).await;
        res.assert_invalid_params();
    }
    let body = json!({"name": "Ann", "email": "not an address", "message": "Call me back"});
    let res = app.post("/api/v1/livechat/offline.message", body).await;
    res.assert_error("error-invalid-email");
    let list = get_as(&app, &alice, "/api/v1/livechat/offline.messages").await.ok();
    assert_eq!(list, json!({"messages": [], "total": 0, "success": true}));
}

#[actix_web::test]
async fn page_visited_is_acknowledged_also_for_an_unknown_room() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let page_info = json!({"change": "url", "title": "Pricing", "location": {"href": "https://example.com/pricing"}});

    for body in [
        json!({"token": "tok-a", "rid": rid, "pageInfo": page_info}),
        json!({"token": "tok-a", "rid": "no-such-room", "pageInfo": page_info}),
        json!({"token": "tok-a", "pageInfo": page_info}),
    ] {
        let res = app.post("/api/v1/livechat/page.visited", body.clone()).await;
        assert_eq!(res.status, 200, "{body}: {}", res.json);
        assert_eq!(res.json["success"], true, "{}", res.json);
    }
    app.post("/api/v1/livechat/page.visited", json!({"pageInfo": page_info}))
        .await
        .assert_invalid_params();
    // The room's history is unchanged by page views.
    assert_eq!(app.history("tok-a", &rid).await.len(), 1);
}

#[actix_web::test]
async fn visitor_status_answers_for_a_known_token() {
    let app = TestApp::new().await;
    app.register("tok-a").await;

    let body = json!({"token": "tok-a", "status": "away"});
    let res = app.post("/api/v1/livechat/visitor.status", body).await.ok();
    assert_eq!(res, json!({"token": "tok-a", "status": "away", "success": true}));

    let res = app
        .post("/api/v1/livechat/visitor.status", json!({"token": "nobody", "status": "online"}))
        .await;
    res.assert_visitor_error("invalid-token");
    app.post("/api/v1/livechat/visitor.status", json!({"status": "online"}))
        .await
        .assert_invalid_params();
}

#[actix_web::test]
async fn custom_fields_reach_the_visitor_with_overwrite_semantics() {
    let app = TestApp::new().await;
    app.register("tok-a").await;
    app.define_fields(&["plan", "company"]);
    let fields = || async {
        let body = app.get("/api/v1/livechat/visitor/tok-a").await.ok();
        body["visitor"]["livechatData"].clone()
    };

    let res = set_field(&app, "plan", "gold", false).await.ok();
    assert_eq!(
        res,
        json!({"field": {"key": "plan", "value": "gold", "overwrite": false}, "success": true})
    );
    assert_eq!(fields().await, json!({"plan": "gold"}));

    // Without overwrite an existing value stays; the reply still echoes the field.
    let res = set_field(&app, "plan", "silver", false).await.ok();
    assert_eq!(res["field"], json!({"key": "plan", "value": "silver", "overwrite": false}));
    assert_eq!(fields().await, json!({"plan": "gold"}));

    set_field(&app, "plan", "silver", true).await.ok();
    set_field(&app, "company", "ACME", false).await.ok();
    assert_eq!(fields().await, json!({"plan": "silver", "company": "ACME"}));

    let unknown = json!({"token": "nobody", "key": "plan", "value": "x", "overwrite": true});
    app.post("/api/v1/livechat/custom.field", unknown).await.assert_error("invalid-token");
    set_field(&app, "", "x", true).await.assert_invalid_params();
    let not_a_string = json!({"token": "tok-a", "key": "plan", "value": 5, "overwrite": true});
    app.post("/api/v1/livechat/custom.field", not_a_string).await.assert_invalid_params();
    assert_eq!(fields().await, json!({"plan": "silver", "company": "ACME"}));
}

#[actix_web::test]
async fn the_page_never_points_the_widget_at_another_server() {
    let folder = tempfile::tempdir().expect("widget folder");
    let page =
        "<!doctype html><html><body><script src=\"livechat/bundle.js\"></script></body></html>";
    std::fs::write(folder.path().join("index.html"), page).expect("index.html");
    let dir = folder.path().to_owned();
    let app = TestApp::with_config(|config| config.widget_dir = Some(dir)).await;
    let ours = format!("SERVER_URL = '{}';", app.base);
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");

    // A foreign serverUrl is taken out of the address, the other parameters kept.
    let url = format!("{}/livechat?serverUrl=https://evil.example&mode=popout", app.base);
    let res = no_redirects.get(&url).send().await.expect("GET");
    assert_eq!(res.status(), 302);
    let location = res.headers().get("location").and_then(|value| value.to_str().ok());
    assert_eq!(location, Some(format!("{}/livechat?mode=popout", app.base).as_str()));
    for path in [
        "/livechat?serverUrl=https://evil.example",
        "/livechat?serverUrl=https%3A%2F%2Fevil.example",
        "/livechat?server%55rl=https://evil.example",
        "/livechat/index.html?serverUrl=https://evil.example",
        "/livechat/?mode=popout&serverUrl=https://evil.example",
    ] {
        let res = reqwest::get(format!("{}{path}", app.base)).await.expect("GET");
        assert_eq!(res.status(), 200, "{path}");
        assert!(!res.url().as_str().contains("evil"), "{path}: ended at {}", res.url());
        let html = res.text().await.expect("page");
        assert!(html.contains(&ours) && !html.contains("evil"), "{path}: {html}");
    }

    // Our own URL may stay.
    let url = format!("{}/livechat?serverUrl={}/", app.base, app.base);
    let res = no_redirects.get(&url).send().await.expect("GET");
    assert_eq!(res.status(), 200);
    assert!(res.text().await.expect("page").contains(&ours));
}
