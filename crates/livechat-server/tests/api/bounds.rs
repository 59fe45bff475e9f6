//! Bounds on what clients store (README, Limits): custom fields, registration details, offline
//! messages and page views. Each is refused with `invalid-params` (an offline message's
//! address with `error-invalid-email`), and a refused request stores nothing.

use livechat_server::db::{self, Backend, DbConn, DbManager};
use livechat_server::validate::bounds;
use serde_json::{json, Value};

use super::agent::get_as;
use super::{Res, TestApp};

const REGISTER: &str = "/api/v1/livechat/visitor";
const FIELD: &str = "/api/v1/livechat/custom.field";
const OFFLINE: &str = "/api/v1/livechat/offline.message";
const PAGE: &str = "/api/v1/livechat/page.visited";

async fn set_field(app: &TestApp, token: &str, key: &str, value: &str, overwrite: bool) -> Res {
    let body = json!({"token": token, "key": key, "value": value, "overwrite": overwrite});
    app.post(FIELD, body).await
}

async fn fields_of(app: &TestApp, token: &str) -> Value {
    let body = app.get(&format!("/api/v1/livechat/visitor/{token}")).await.ok();
    body["visitor"]["livechatData"].clone()
}

fn connect(app: &TestApp) -> DbConn {
    let backend = Backend::from_url(&app.database_url);
    DbManager::new(backend, std::time::Duration::from_secs(5)).connect().expect("database")
}

#[actix_web::test]
async fn custom_fields_are_bounded_in_length_and_count() {
    let app = TestApp::new().await;
    app.register("tok-a").await;
    let key = "k".repeat(bounds::FIELD_KEY);
    let mut keys: Vec<String> = (1..=60).map(|n| format!("field-{n}")).collect();
    keys.extend([key.clone(), "plan".into(), "one-too-many".into(), "new-1".into()]);
    app.define_fields(&keys.iter().map(String::as_str).collect::<Vec<_>>());

    let long_key = "k".repeat(bounds::FIELD_KEY + 1);
    set_field(&app, "tok-a", &long_key, "x", true).await.assert_invalid_params();
    let long_value = "é".repeat(bounds::FIELD_VALUE + 1);
    set_field(&app, "tok-a", "plan", &long_value, true).await.assert_invalid_params();
    assert_eq!(fields_of(&app, "tok-a").await, Value::Null);

    // Exactly at the bounds is fine.
    let value = "é".repeat(bounds::FIELD_VALUE);
    set_field(&app, "tok-a", &key, &value, true).await.ok();
    for n in 1..bounds::FIELDS_PER_VISITOR {
        set_field(&app, "tok-a", &format!("field-{n}"), "v", false).await.ok();
    }
    let stored = fields_of(&app, "tok-a").await;
    assert_eq!(stored.as_object().map(|fields| fields.len()), Some(bounds::FIELDS_PER_VISITOR));
    assert_eq!(stored[&key], json!(value));

    // One more field is refused, and not stored; the ones it has can still change.
    let res = set_field(&app, "tok-a", "one-too-many", "v", true).await;
    res.assert_invalid_params();
    assert!(
        res.json["error"].as_str().is_some_and(|error| error.contains("at most 50")),
        "{res:?}"
    );
    set_field(&app, "tok-a", "field-1", "changed", true).await.ok();
    let stored = fields_of(&app, "tok-a").await;
    assert_eq!(stored["field-1"], "changed");
    assert_eq!(stored.get("one-too-many"), None);
    assert_eq!(stored.as_object().map(|fields| fields.len()), Some(bounds::FIELDS_PER_VISITOR));

    // Registration is held to the same count: a refused one changes nothing.
    let more = [json!({"key": "new-1", "value": "a", "overwrite": false})];
    let body = json!({"visitor": {"token": "tok-a", "name": "Renamed", "customFields": more}});
    app.post(REGISTER, body).await.assert_invalid_params();
    let visitor = app.get("/api/v1/livechat/visitor/tok-a").await.ok();
    assert_eq!(visitor["visitor"].get("name"), None, "{visitor}");
}

#[actix_web::test]
async fn a_registration_with_too_many_or_too_long_fields_creates_no_visitor() {
    let app = TestApp::new().await;
    let keys: Vec<String> = (0..=bounds::FIELDS_PER_VISITOR).map(|n| format!("f{n}")).collect();
    app.define_fields(&keys.iter().map(String::as_str).collect::<Vec<_>>());
    let field = |n: usize| json!({"key": format!("f{n}"), "value": "v", "overwrite": true});
    let too_many: Vec<Value> = (0..=bounds::FIELDS_PER_VISITOR).map(field).collect();
    let long_value = json!([{"key": "plan", "value": "v".repeat(bounds::FIELD_VALUE + 1)}]);
    let blank_key = json!([{"key": " ", "value": "v"}]);
    for fields in [json!(too_many), long_value, blank_key] {
        let body = json!({"visitor": {"token": "tok-new", "customFields": fields}});
        app.post(REGISTER, body).await.assert_invalid_params();
        app.get("/api/v1/livechat/visitor/tok-new").await.assert_visitor_error("invalid-token");
    }
    let at_limit: Vec<Value> = (0..bounds::FIELDS_PER_VISITOR).map(field).collect();
    let body = json!({"visitor": {"token": "tok-new", "customFields": at_limit}});
    let visitor = app.post(REGISTER, body).await.ok();
    let stored = visitor["visitor"]["livechatData"].as_object().map(|fields| fields.len());
    assert_eq!(stored, Some(bounds::FIELDS_PER_VISITOR));
}

#[actix_web::test]
async fn registration_details_are_bounded_and_the_email_is_an_address() {
    let app = TestApp::new().await;
    let cases = [
        ("name", json!("n".repeat(bounds::NAME + 1))),
        ("phone", json!("1".repeat(bounds::PHONE + 1))),
        ("department", json!("d".repeat(bounds::DEPARTMENT + 1))),
        ("email", json!(format!("{}@example.com", "a".repeat(20_000)))),
        ("email", json!("not an address")),
        ("email", json!("Ann <ann@example.com>")),
        ("email", json!("ann@example.com\r\nBcc: all@example.com")),
    ];
    for (field, value) in cases {
        let mut visitor = json!({"token": "tok-b"});
        visitor[field] = value;
        app.post(REGISTER, json!({"visitor": visitor})).await.assert_invalid_params();
    }
    app.get("/api/v1/livechat/visitor/tok-b").await.assert_visitor_error("invalid-token");

    let visitor = json!({"token": "tok-b", "name": "n".repeat(bounds::NAME),
        "email": " Ann@Example.com ", "phone": "1".repeat(bounds::PHONE)});
    let body = app.post(REGISTER, json!({"visitor": visitor})).await.ok();
    assert_eq!(body["visitor"]["visitorEmails"], json!([{"address": "ann@example.com"}]));
}

#[actix_web::test]
async fn offline_messages_are_bounded_per_field_and_per_address() {
    let app = TestApp::new().await;
    let alice = app.agent("alice", "agent").await;
    let message = |name: &str, email: &str| json!({"name": name, "email": email, "message": "Hi"});

    for email in ["not an address", "ann@example", "Ann <ann@example.com>", "ann@[127.0.0.1]"] {
        app.post(OFFLINE, message("Ann", email)).await.assert_error("error-invalid-email");
    }
    let long_email = format!("{}@example.com", "a".repeat(20_000));
    app.post(OFFLINE, message("Ann", &long_email)).await.assert_error("error-invalid-email");
    let long_name = "n".repeat(bounds::NAME + 1);
    app.post(OFFLINE, message(&long_name, "ann@example.com")).await.assert_invalid_params();
    let mut with_department = message("Ann", "ann@example.com");
    with_department["department"] = json!("d".repeat(bounds::DEPARTMENT + 1));
    app.post(OFFLINE, with_department).await.assert_invalid_params();

    // An address leaves a few an hour, however it spells itself; others are not held up.
    for n in 0..bounds::OFFLINE_PER_ADDRESS_PER_HOUR {
        let email = if n % 2 == 0 { "ann@example.com" } else { "ANN@Example.COM" };
        app.post(OFFLINE, message("Ann", email)).await.ok();
    }
    let res = app.post(OFFLINE, message("Ann", "Ann@example.com")).await;
    res.assert_invalid_params();
    app.post(OFFLINE, message("Bo", "bo@example.com")).await.ok();

    let list = get_as(&app, &alice, "/api/v1/livechat/offline.messages").await.ok();
    assert_eq!(list["total"], bounds::OFFLINE_PER_ADDRESS_PER_HOUR + 1, "{list}");
    let stored: Vec<&str> = list["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|message| message["email"].as_str())
        .collect();
    assert!(stored.iter().all(|email| ["ann@example.com", "bo@example.com"].contains(email)));
}

#[actix_web::test]
async fn a_room_keeps_its_newest_page_views_only() {
    let app = TestApp::new().await;
    let rid = app.visitor_with_room("tok-a").await;
    let other_rid = app.visitor_with_room("tok-b").await;
    let page = |n: usize| {
        let href = format!("https://example.com/page/{n}");
        json!({"change": "url", "title": format!("Page {n}"), "location": {"href": href}})
    };
    let views = usize::try_from(bounds::PAGES_PER_ROOM).expect("small") + 10;
    for n in 0..views {
        app.post(PAGE, json!({"token": "tok-a", "rid": rid, "pageInfo": page(n)})).await.ok();
    }
    // Another visitor's room is not this visitor's to write on: acknowledged, not kept.
    app.post(PAGE, json!({"token": "tok-a", "rid": other_rid, "pageInfo": page(0)})).await.ok();

    let too_long = [
        json!({"change": "url", "title": "t".repeat(bounds::PAGE_TITLE + 1), "location": {"href": "h"}}),
        json!({"change": "url", "title": "t", "location": {"href": "h".repeat(bounds::PAGE_HREF + 1)}}),
        json!({"change": "c".repeat(bounds::PAGE_CHANGE + 1), "title": "t", "location": {"href": "h"}}),
        json!({"change": "url", "title": "t"}),
        json!({"change": "url", "title": "t", "location": {"href": 5}}),
        json!("https://example.com"),
    ];
    for page_info in too_long {
        let body = json!({"token": "tok-a", "rid": rid, "pageInfo": page_info});
        app.post(PAGE, body).await.assert_invalid_params();
    }

    let mut conn = connect(&app);
    let kept = db::rooms::pages(&mut conn, &rid).expect("pages");
    let titles: Vec<String> = kept.iter().map(|page| page.title.clone()).collect();
    let newest: Vec<String> = (10..views).map(|n| format!("Page {n}")).collect();
    assert_eq!(titles, newest);
    assert_eq!(kept[0].href, "https://example.com/page/10");
    assert!(db::rooms::pages(&mut conn, &other_rid).expect("pages").is_empty());
}

/// Each custom field is a row of its own: concurrent updates of different fields through two
/// instances all stay (rewriting one stored blob would lose some).
#[actix_web::test]
async fn concurrent_field_updates_through_two_instances_all_stay() {
    let app = TestApp::new().await;
    app.register("tok-a").await;
    let keys: Vec<String> = (0..20).map(|n| format!("f{n}")).collect();
    app.define_fields(&keys.iter().map(String::as_str).collect::<Vec<_>>());
    let postgres = matches!(Backend::from_url(&app.database_url), Backend::Postgres(_));
    let (second_base, second) = if postgres {
        let (base, handle) = super::realtime::support::second_instance(&app.database_url);
        (Some(base), Some(handle))
    } else {
        (None, None)
    };
    let client = reqwest::Client::new();
    let sets = (0..20).map(|n| {
        let base = match (&second_base, n % 2) {
            (Some(second), 1) => second.clone(),
            _ => app.base.clone(),
        };
        let client = client.clone();
        async move {
            let body =
                json!({"token": "tok-a", "key": format!("f{n}"), "value": "v", "overwrite": true});
            let res = client.post(format!("{base}{FIELD}")).json(&body).send().await.expect("send");
            assert_eq!(res.status(), 200, "{:?}", res.text().await);
        }
    });
    futures_util::future::join_all(sets).await;
    let stored = fields_of(&app, "tok-a").await;
    assert_eq!(stored.as_object().map(|fields| fields.len()), Some(20), "{stored}");
    if let Some(second) = second {
        second.stop(true).await;
    }
}
