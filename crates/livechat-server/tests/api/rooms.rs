//! Rooms for managers: `livechat/rooms` with Rocket.Chat's filters, `livechat/rooms/filters`,
//! `livechat/room.saveInfo`, `livechat/{rid}/messages` and `livechat/visitors.info`.

use serde_json::{json, Value};

use super::agent::{get_as, post_as, reply, room_ids, set_status};
use super::{AgentSession, TestApp};

const SAVE: &str = "/api/v1/livechat/room.saveInfo";

/// Agent X serves visitors A and B (B's room closed), agent Y serves C; D waits in the
/// queue. A manager and an admin look on.
struct World {
    app: TestApp,
    x: AgentSession,
    y: AgentSession,
    manager: AgentSession,
    admin: AgentSession,
    a: String,
    b: String,
    c: String,
    d: String,
}

async fn world() -> World {
    let app = TestApp::new().await;
    let x = app.agent("agent-x", "agent").await;
    let y = app.agent("agent-y", "agent").await;
    let manager = app.agent("boss", "manager").await;
    let admin = app.agent("root", "admin").await;
    set_status(&app, &x, "available").await;
    let a = app.visitor_with_room("tok-a").await;
    let b = app.visitor_with_room("tok-b").await;
    app.close("tok-b", &b).await.ok();
    set_status(&app, &x, "not-available").await;
    set_status(&app, &y, "available").await;
    let c = app.visitor_with_room("tok-c").await;
    set_status(&app, &y, "not-available").await;
    let d = app.visitor_with_room("tok-d").await;
    World { app, x, y, manager, admin, a, b, c, d }
}

async fn list(app: &TestApp, who: &AgentSession, query: &str) -> Vec<String> {
    room_ids(&get_as(app, who, &format!("/api/v1/livechat/rooms?{query}")).await.ok())
}

fn ids(rooms: &[&String]) -> Vec<String> {
    rooms.iter().map(|rid| (*rid).clone()).collect()
}

fn visitor_id(room: &Value) -> String {
    room["v"]["_id"].as_str().expect("visitor id").to_owned()
}

async fn room_of(app: &TestApp, who: &AgentSession, rid: &str) -> Value {
    let listed = get_as(app, who, "/api/v1/livechat/rooms?count=100").await.ok();
    let rooms = listed["rooms"].as_array().expect("rooms").clone();
    rooms.into_iter().find(|room| room["_id"] == rid).expect("room listed")
}

async fn define(app: &TestApp, admin: &AgentSession, key: &str, scope: &str) {
    let data = json!({"field": key, "label": key, "scope": scope, "visibility": "visible"});
    let path = "/api/v1/livechat/custom-fields.save";
    post_as(app, admin, path, json!({"customFieldId": null, "customFieldData": data})).await.ok();
}

#[actix_web::test]
async fn filters_narrow_what_each_caller_may_see() {
    let w = world().await;
    let (app, m) = (&w.app, &w.manager);
    // Newest first by default; managers see every room, agents theirs and the queue.
    assert_eq!(list(app, m, "").await, ids(&[&w.d, &w.c, &w.b, &w.a]));
    assert_eq!(list(app, &w.x, "").await, ids(&[&w.d, &w.b, &w.a]));
    assert_eq!(list(app, &w.y, "").await, ids(&[&w.d, &w.c]));
    assert_eq!(list(app, m, "open=false").await, ids(&[&w.b]));
    assert_eq!(
        list(app, m, &format!("agents[]={}&agents[]={}", w.y.id, w.x.id)).await,
        ids(&[&w.c, &w.b, &w.a])
    );
    assert_eq!(list(app, m, &format!("agents={}", w.y.id)).await, ids(&[&w.c]));
    // An agent's filters narrow its own view, never widen it.
    assert_eq!(list(app, &w.x, &format!("agents[]={}", w.y.id)).await, Vec::<String>::new());
    assert_eq!(list(app, m, r#"sort={"ts":1}"#).await, ids(&[&w.a, &w.b, &w.c, &w.d]));
    assert_eq!(list(app, m, r#"sort={"closedAt":-1}"#).await[0], w.b);
    assert_eq!(list(app, m, "count=2&offset=1").await, ids(&[&w.c, &w.b]));

    // Tags (any of), topic and room custom fields through saveInfo.
    define(app, &w.admin, "order", "room").await;
    for (rid, tags, order) in
        [(&w.a, json!(["vip", "billing"]), "A-1"), (&w.c, json!(["vip"]), "C-1")]
    {
        let room = room_of(app, m, rid).await;
        let body = json!({"guestData": {"_id": visitor_id(&room)},
            "roomData": {"_id": rid, "tags": tags, "livechatData": {"order": order}}});
        post_as(app, m, SAVE, body).await.ok();
    }
    assert_eq!(list(app, m, "tags[]=vip").await, ids(&[&w.c, &w.a]));
    assert_eq!(list(app, m, "tags[]=billing&tags[]=nope").await, ids(&[&w.a]));
    // Exact tags only: neither a part of one nor a LIKE pattern matches.
    assert_eq!(list(app, m, "tags[]=vi").await, Vec::<String>::new());
    assert_eq!(list(app, m, "tags[]=%25").await, Vec::<String>::new());
    let fields = json!({"order": "C-1"}).to_string();
    assert_eq!(list(app, m, &format!("customFields={fields}")).await, ids(&[&w.c]));

    // Dates: every room was opened in the last hour, none is from the future.
    let hour_ago =
        livechat_types::Timestamp(livechat_types::Timestamp::now().as_millis() - 3_600_000);
    let since = json!({"start": hour_ago.to_string()}).to_string();
    assert_eq!(list(app, m, &format!("createdAt={since}")).await.len(), 4);
    assert_eq!(list(app, m, &format!("closedAt={since}")).await, ids(&[&w.b]));
    let future = json!({"start": "2999-01-01T00:00:00.000Z"}).to_string();
    assert_eq!(list(app, m, &format!("createdAt={future}")).await, Vec::<String>::new());

    // The visitor's name, ignoring case; a department nobody is in.
    let room_d = room_of(app, m, &w.d).await;
    let name = room_d["fname"].as_str().expect("fname").to_uppercase();
    assert_eq!(list(app, m, &format!("roomName={name}")).await, ids(&[&w.d]));
    assert_eq!(list(app, m, "departmentId=nobody").await, Vec::<String>::new());

    // Every bad filter is invalid-params.
    for query in [
        "createdAt={",
        r#"createdAt={"start":"yesterday"}"#,
        r#"closedAt=["x"]"#,
        r#"customFields={"order":1}"#,
        "customFields=[]",
        r#"sort={"v.token":1}"#,
        r#"sort={"ts":2}"#,
        "open=maybe",
        "agents[]=a%20b",
        "departmentId=a/b",
    ] {
        let res = get_as(app, m, &format!("/api/v1/livechat/rooms?{query}")).await;
        res.assert_invalid_params();
    }
}

#[actix_web::test]
async fn save_info_edits_the_room_and_its_visitor_within_the_callers_reach() {
    let w = world().await;
    let app = &w.app;
    define(app, &w.admin, "plan", "visitor").await;
    let room_a = room_of(app, &w.manager, &w.a).await;
    let visitor_a = visitor_id(&room_a);
    let body = json!({
        "guestData": {"_id": visitor_a, "name": "Ana Lopez", "email": "ana@example.com",
            "phone": "+34 600", "livechatData": {"plan": "pro", "undefined": "dropped"}},
        "roomData": {"_id": w.a, "topic": "Refund", "tags": [" vip ", "vip", "billing"]}
    });
    assert_eq!(post_as(app, &w.x, SAVE, body).await.ok(), json!({"success": true}));
    let room = room_of(app, &w.manager, &w.a).await;
    assert_eq!(room["topic"], "Refund");
    let visitor = app.get("/api/v1/livechat/visitor/tok-a").await.ok()["visitor"].clone();
    assert_eq!(visitor["name"], "Ana Lopez");
    assert_eq!(visitor["visitorEmails"], json!([{"address": "ana@example.com"}]));
    assert_eq!(visitor["phone"], json!([{"phoneNumber": "+34 600"}]));
    assert_eq!(visitor["livechatData"], json!({"plan": "pro"}));
    let tagged = get_as(app, &w.manager, "/api/v1/livechat/rooms?tags[]=vip").await.ok();
    assert_eq!(room_ids(&tagged), ids(&[&w.a]));

    // Agent Y does not reach A's room: as if it did not exist.
    let touch = |rid: &str, visitor: &str| json!({"guestData": {"_id": visitor}, "roomData": {"_id": rid, "topic": "mine"}});
    let denied = post_as(app, &w.y, SAVE, touch(&w.a, &visitor_a)).await;
    denied.assert_error("error-invalid-room");
    post_as(app, &w.y, SAVE, touch("ZZZZZZZZZZZZZZZZZ", &visitor_a))
        .await
        .assert_error("error-invalid-room");
    // Another visitor's id with the room is refused too.
    let room_c = room_of(app, &w.manager, &w.c).await;
    post_as(app, &w.x, SAVE, touch(&w.a, &visitor_id(&room_c)))
        .await
        .assert_error("error-invalid-room");
    // A queued room the agent sees but does not serve needs save-others-livechat-room-info.
    let room_d = room_of(app, &w.manager, &w.d).await;
    let res = post_as(app, &w.x, SAVE, touch(&w.d, &visitor_id(&room_d))).await;
    assert_eq!((res.status, res.json), (403, json!({"success": false, "error": "unauthorized"})));
    post_as(app, &w.manager, SAVE, touch(&w.d, &visitor_id(&room_d))).await.ok();
    assert_eq!(room_of(app, &w.manager, &w.d).await["topic"], "mine");
    assert_eq!(room_of(app, &w.manager, &w.a).await["topic"], "Refund");

    // Without edit-omnichannel-contact the visitor stays as it is; the room may change.
    let body = json!({"permissions": [{"_id": "edit-omnichannel-contact", "roles": ["admin"]}]});
    post_as(app, &w.admin, "/api/v1/permissions.update", body).await.ok();
    let rename = json!({"guestData": {"_id": visitor_a, "name": "Eve"}, "roomData": {"_id": w.a}});
    assert_eq!(post_as(app, &w.x, SAVE, rename).await.status, 403);
    let visitor = app.get("/api/v1/livechat/visitor/tok-a").await.ok()["visitor"].clone();
    assert_eq!(visitor["name"], "Ana Lopez");
    post_as(app, &w.x, SAVE, touch(&w.a, &visitor_a)).await.ok();

    // Bounds: tags, e-mail, unknown fields, wrong types.
    for room_data in [
        json!({"_id": w.a, "tags": [""]}),
        json!({"_id": w.a, "tags": ["x".repeat(101)]}),
        json!({"_id": w.a, "tags": (0..21).map(|n| format!("t{n}")).collect::<Vec<_>>()}),
        json!({"_id": w.a, "tags": "vip"}),
        json!({"_id": w.a, "topic": null}),
        json!({"_id": w.a, "livechatData": {"order": 1}}),
        json!({"_id": w.a, "owner": "me"}),
    ] {
        let body = json!({"guestData": {"_id": visitor_a}, "roomData": room_data});
        post_as(app, &w.x, SAVE, body).await.assert_invalid_params();
    }
    let body = json!({"guestData": {"_id": visitor_a, "email": "not an address"},
        "roomData": {"_id": w.a}});
    post_as(app, &w.manager, SAVE, body).await.assert_invalid_params();
    post_as(app, &w.manager, SAVE, json!({"roomData": {"_id": w.a}})).await.assert_invalid_params();
}

#[actix_web::test]
async fn room_messages_are_searched_within_reach() {
    let w = world().await;
    let app = &w.app;
    app.send_with_id("tok-a", &w.a, "m-1", "My ORDER is late").await.ok();
    reply(app, &w.x, &w.a, "Which order?").await.ok();
    app.send_with_id("tok-a", &w.a, "m-3", "order 42, secret").await.ok();
    app.delete("/api/v1/livechat/message/m-3", Some(json!({"token": "tok-a", "rid": w.a})))
        .await
        .ok();
    let rid = &w.a;
    let search = |who: &AgentSession, query: String| {
        let who = who.clone();
        async move { get_as(app, &who, &format!("/api/v1/livechat/{rid}/messages?{query}")).await }
    };
    let found = search(&w.x, "searchTerm=order".into()).await.ok();
    let texts: Vec<&str> = found["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["msg"].as_str())
        .collect();
    assert_eq!(texts, ["Which order?", "My ORDER is late"]);
    assert_eq!((found["total"].clone(), found["count"].clone()), (json!(2), json!(2)));
    let oldest = search(&w.manager, r#"searchTerm=order&sort={"ts":1}&count=1"#.into()).await.ok();
    assert_eq!(oldest["messages"][0]["msg"], "My ORDER is late");
    assert_eq!((oldest["total"].clone(), oldest["count"].clone()), (json!(2), json!(1)));
    // A LIKE pattern is plain text.
    let none = search(&w.manager, "searchTerm=%25".into()).await.ok();
    assert_eq!(none["total"], 0);
    // Everything, system messages included, without a term.
    let all = search(&w.manager, String::new()).await.ok();
    assert!(all["total"].as_i64().unwrap_or_default() >= 3, "{all}");
    // Agent Y does not reach the room: invalid-room, as a missing one.
    search(&w.y, String::new()).await.assert_error("invalid-room");
    let missing = get_as(app, &w.y, "/api/v1/livechat/ZZZZZZZZZZZZZZZZZ/messages").await;
    missing.assert_error("invalid-room");
    search(&w.manager, r#"sort={"msg":1}"#.into()).await.assert_invalid_params();
}

#[actix_web::test]
async fn visitor_info_shows_the_visitor_without_its_token() {
    let w = world().await;
    let app = &w.app;
    let room_a = room_of(app, &w.manager, &w.a).await;
    let id = visitor_id(&room_a);
    let path = format!("/api/v1/livechat/visitors.info?visitorId={id}");
    let info = get_as(app, &w.x, &path).await.ok();
    assert_eq!(info["visitor"]["_id"], id.as_str());
    assert_eq!(info["visitor"]["username"], room_a["v"]["username"]);
    assert!(!info.to_string().contains("tok-a"), "{info}");
    get_as(app, &w.manager, &path).await.ok();
    // Agent Y serves none of the visitor's rooms: the same answer as for nobody.
    let expected = json!({"success": false, "error": "visitor-not-found"});
    for path in [path.clone(), "/api/v1/livechat/visitors.info?visitorId=nobody".into()] {
        let res = get_as(app, &w.y, &path).await;
        assert_eq!((res.status, res.json), (400, expected.clone()));
    }
    // A queued visitor is in every agent's reach.
    let room_d = room_of(app, &w.manager, &w.d).await;
    let queued = format!("/api/v1/livechat/visitors.info?visitorId={}", visitor_id(&room_d));
    get_as(app, &w.y, &queued).await.ok();
    get_as(app, &w.y, "/api/v1/livechat/visitors.info").await.assert_invalid_params();
}

#[actix_web::test]
async fn room_filters_list_the_sources_in_use() {
    let w = world().await;
    let filters = get_as(&w.app, &w.x, "/api/v1/livechat/rooms/filters").await.ok();
    assert_eq!(filters, json!({"filters": [{"type": "api"}], "success": true}));
    let res = w.app.get("/api/v1/livechat/rooms/filters").await;
    assert_eq!(res.status, 401);
}
