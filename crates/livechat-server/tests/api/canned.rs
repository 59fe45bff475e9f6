//! Canned responses, tags and closing with tags (SPEC section 19), on the configured
//! database: who sees and writes which canned response, the placeholders of agents'
//! messages, the tags a chat is closed with, and `stream-canned-responses`.

use reqwest::Method;
use serde_json::{json, Value};

use super::realtime::support::{add_agent, Ddp, WAIT};
use super::{AgentSession, Res, TestApp};

const CANNED: &str = "/api/v1/canned-responses";
const TAGS: &str = "/api/v1/livechat/tags";

/// A request as `user`, on a connection of its own: the pooled one of [`TestApp`] may have
/// been closed by the server while the test made its users.
async fn call(
    app: &TestApp,
    user: &AgentSession,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Res {
    let mut req = reqwest::Client::new()
        .request(method, format!("{}{path}", app.base))
        .header("x-user-id", &user.id)
        .header("x-auth-token", &user.token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("request");
    let (status, headers) = (res.status().as_u16(), res.headers().clone());
    let json = res.json().await.unwrap_or(Value::Null);
    Res { status, json, headers }
}

async fn post_as(app: &TestApp, user: &AgentSession, path: &str, body: Value) -> Res {
    call(app, user, Method::POST, path, Some(body)).await
}

async fn get_as(app: &TestApp, user: &AgentSession, path: &str) -> Res {
    call(app, user, Method::GET, path, None).await
}

async fn delete_as(app: &TestApp, user: &AgentSession, body: Value) -> Res {
    call(app, user, Method::DELETE, CANNED, Some(body)).await
}

async fn set_status(app: &TestApp, user: &AgentSession, status: &str) {
    post_as(app, user, "/api/v1/livechat/agent.status", json!({"status": status})).await.ok();
}

async fn reply(app: &TestApp, user: &AgentSession, rid: &str, msg: &str) -> Res {
    post_as(app, user, "/api/v1/chat.sendMessage", json!({"message": {"rid": rid, "msg": msg}}))
        .await
}

/// A user made in the database with a token (no password hashing: the tests run many at
/// once).
fn user(app: &TestApp, username: &str, role: &str) -> AgentSession {
    let made = add_agent(app, username, role, "not-available");
    AgentSession { id: made.id, username: made.username, token: made.token }
}

/// Department `name` with `agents` (user ids); returns its id.
async fn department(app: &TestApp, admin: &AgentSession, name: &str, agents: &[&str]) -> String {
    department_with(app, admin, json!({"name": name}), agents).await
}

async fn department_with(
    app: &TestApp,
    admin: &AgentSession,
    details: Value,
    agents: &[&str],
) -> String {
    let mut department = json!({"enabled": true, "showOnRegistration": true,
        "showOnOfflineForm": false, "email": ""});
    for (key, value) in details.as_object().expect("details") {
        department[key] = value.clone();
    }
    let agents: Vec<Value> = agents.iter().map(|id| json!({"agentId": id})).collect();
    let body = json!({"department": department, "agents": agents});
    let res = post_as(app, admin, "/api/v1/livechat/department", body).await.ok();
    res["department"]["_id"].as_str().expect("department id").to_owned()
}

fn shortcuts(list: &Value, field: &str) -> Vec<String> {
    let items = list[field].as_array().unwrap_or_else(|| panic!("{field}: {list}"));
    items.iter().map(|item| item["shortcut"].as_str().expect("shortcut").to_owned()).collect()
}

/// The id of the canned response `shortcut`, as `user` sees it.
async fn id_of(app: &TestApp, user: &AgentSession, shortcut: &str) -> String {
    let list = get_as(app, user, &format!("{CANNED}?shortcut={shortcut}")).await.ok();
    list["cannedResponses"][0]["_id"].as_str().expect("id").to_owned()
}

#[actix_web::test]
async fn each_user_sees_and_writes_the_canned_responses_of_its_reach() {
    let app = TestApp::new().await;
    let admin = user(&app, "root", "admin");
    let alice = user(&app, "alice", "agent");
    let bob = user(&app, "bob", "agent");
    let sales = department(&app, &admin, "Sales", &[&alice.id]).await;

    let mine = json!({"shortcut": "hi", "text": "Hello {{contact.name}}", "scope": "user",
        "tags": ["greeting", "greeting", "intro"]});
    assert_eq!(post_as(&app, &alice, CANNED, mine).await.ok(), json!({"success": true}));
    let global = json!({"shortcut": "bye", "text": "Goodbye", "scope": "global"});
    post_as(&app, &admin, CANNED, global.clone()).await.ok();
    let shared = json!({"shortcut": "price", "text": "It costs 5", "scope": "department",
        "departmentId": sales});
    post_as(&app, &admin, CANNED, shared).await.ok();

    // Alice: her own, the global one and her department's; Bob: the global one only.
    let all = get_as(&app, &alice, "/api/v1/canned-responses.get").await.ok();
    assert_eq!(shortcuts(&all, "responses"), ["bye", "hi", "price"]);
    let hi = &all["responses"][1];
    assert_eq!(hi["tags"], json!(["greeting", "intro"]));
    assert_eq!(hi["userId"], alice.id.as_str());
    assert_eq!(hi["createdBy"], json!({"_id": alice.id, "username": "alice"}));
    let bobs = get_as(&app, &bob, "/api/v1/canned-responses.get").await.ok();
    assert_eq!(shortcuts(&bobs, "responses"), ["bye"]);
    let admins = get_as(&app, &admin, CANNED).await.ok();
    assert_eq!((admins["total"].clone(), admins["count"].clone()), (json!(3), json!(3)));

    // Filters and pages.
    let page = get_as(&app, &alice, &format!("{CANNED}?count=1&offset=1")).await.ok();
    assert_eq!(
        (shortcuts(&page, "cannedResponses"), page["total"].clone()),
        (vec!["hi".into()], json!(3))
    );
    let tagged = get_as(&app, &alice, &format!("{CANNED}?tags[]=intro")).await.ok();
    assert_eq!(shortcuts(&tagged, "cannedResponses"), ["hi"]);
    let scoped = get_as(&app, &alice, &format!("{CANNED}?scope=department&text=COSTS")).await.ok();
    assert_eq!(shortcuts(&scoped, "cannedResponses"), ["price"]);
    get_as(&app, &alice, &format!("{CANNED}?scope=team")).await.assert_invalid_params();

    // One by id: a colleague's private one is missing.
    let hi_id = id_of(&app, &alice, "hi").await;
    let one = get_as(&app, &alice, &format!("{CANNED}/{hi_id}")).await.ok();
    assert_eq!(one["cannedResponse"]["text"], "Hello {{contact.name}}");
    let hidden = get_as(&app, &bob, &format!("{CANNED}/{hi_id}")).await;
    assert_eq!(
        (hidden.status, hidden.json),
        (404, json!({"success": false, "error": "Resource not found"}))
    );

    // Agents write only their own private ones.
    let res =
        post_as(&app, &bob, CANNED, json!({"shortcut": "x", "text": "x", "scope": "global"})).await;
    assert_eq!(res.status, 400, "{}", res.json);
    assert_eq!(res.json["errorType"], "error-not-allowed");
    let bye_id = id_of(&app, &admin, "bye").await;
    let mut changed = global.clone();
    changed["_id"] = json!(bye_id);
    changed["scope"] = json!("user");
    let res = post_as(&app, &bob, CANNED, changed).await;
    assert_eq!(res.json["errorType"], "error-not-allowed", "{}", res.json);
    let theft = json!({"_id": hi_id, "shortcut": "hi", "text": "mine now", "scope": "user"});
    let res = post_as(&app, &bob, CANNED, theft).await;
    assert_eq!(res.json["errorType"], "error-canned-response-not-found", "{}", res.json);
    assert_eq!(
        delete_as(&app, &bob, json!({"_id": hi_id})).await.json["errorType"],
        "error-canned-response-not-found"
    );
    assert_eq!(
        delete_as(&app, &bob, json!({"_id": bye_id})).await.json["errorType"],
        "error-not-allowed"
    );

    // Shortcuts: unique, 1-64 characters without spaces.
    for shortcut in [json!("bye"), json!("two words"), json!(""), json!("x".repeat(65))] {
        let body = json!({"shortcut": shortcut, "text": "t", "scope": "user"});
        let res = post_as(&app, &alice, CANNED, body).await;
        assert_eq!(res.status, 400, "{}", res.json);
        assert_eq!(res.json["errorType"], "error-invalid-shortcut", "{}", res.json);
    }
    let body = json!({"shortcut": "d", "text": "t", "scope": "department", "departmentId": "nope"});
    assert_eq!(
        post_as(&app, &admin, CANNED, body).await.json["errorType"],
        "error-invalid-department"
    );

    // Alice changes and removes her own.
    let edit = json!({"_id": hi_id, "shortcut": "hello", "text": "Hi!", "scope": "user"});
    post_as(&app, &alice, CANNED, edit).await.ok();
    let one = get_as(&app, &alice, &format!("{CANNED}/{hi_id}")).await.ok();
    assert_eq!(
        (one["cannedResponse"]["shortcut"].clone(), one["cannedResponse"]["tags"].clone()),
        (json!("hello"), json!([]))
    );
    delete_as(&app, &alice, json!({"_id": hi_id})).await.ok();
    let gone = delete_as(&app, &alice, json!({"_id": hi_id})).await;
    assert_eq!(gone.json["errorType"], "error-canned-response-not-found");

    // Switched off: 403 everywhere.
    let off = json!({"value": false});
    post_as(&app, &admin, "/api/v1/settings/Canned_Responses_Enable", off).await.ok();
    let refused = get_as(&app, &alice, "/api/v1/canned-responses.get").await;
    assert_eq!(
        (refused.status, refused.json),
        (403, json!({"success": false, "error": "unauthorized"}))
    );
    let refused =
        post_as(&app, &admin, CANNED, json!({"shortcut": "y", "text": "y", "scope": "global"}))
            .await;
    assert_eq!(refused.status, 403);
}

#[actix_web::test]
async fn agents_messages_fill_placeholders_and_visitors_do_not() {
    let app = TestApp::new().await;
    let admin = user(&app, "root", "admin");
    let alice = user(&app, "alice", "agent");
    set_status(&app, &alice, "available").await;
    let visitor = json!({"visitor": {"token": "tok-v", "name": "Vera", "phone": "+1 555 0100"}});
    app.post("/api/v1/livechat/visitor", visitor).await.ok();
    let rid = app.get("/api/v1/livechat/room?token=tok-v").await.ok()["room"]["_id"]
        .as_str()
        .expect("rid")
        .to_owned();

    let text = "Hi {{contact.name}} ({{contact.phone}}, {{contact.email}}), I am {{agent.name}} \
                {{agent.email}} {{contact.age}}";
    let sent = reply(&app, &alice, &rid, text).await.ok();
    // Alice has no e-mail address: it becomes empty, as in Rocket.Chat.
    let expected = "Hi Vera (+1 555 0100, ), I am alice name  {{contact.age}}";
    assert_eq!(sent["message"]["msg"], expected);
    let visitors = app.send("tok-v", &rid, "mail me at {{agent.email}}").await.ok();
    assert_eq!(visitors["message"]["msg"], "mail me at {{agent.email}}");
    let history = app.history("tok-v", &rid).await;
    assert!(history.iter().any(|m| m["msg"] == expected), "stored filled in");

    // With canned responses off, nothing is filled in.
    let off = json!({"value": false});
    post_as(&app, &admin, "/api/v1/settings/Canned_Responses_Enable", off).await.ok();
    let sent = reply(&app, &alice, &rid, "{{agent.name}}").await.ok();
    assert_eq!(sent["message"]["msg"], "{{agent.name}}");
}

#[actix_web::test]
async fn managers_define_tags_and_agents_see_theirs() {
    let app = TestApp::new().await;
    let admin = user(&app, "root", "admin");
    let alice = user(&app, "alice", "agent");
    let sales = department(&app, &admin, "Sales", &[&alice.id]).await;
    let support = department(&app, &admin, "Support", &[]).await;

    let body =
        json!({"tagData": {"name": "vip", "description": "Big client"}, "tagDepartments": [sales]});
    let vip = post_as(&app, &admin, "/api/v1/livechat/tags.save", body).await.ok();
    assert_eq!(vip["departments"], json!([sales]));
    assert_eq!(vip["numDepartments"], 1);
    let vip_id = vip["_id"].as_str().expect("id").to_owned();
    post_as(&app, &admin, "/api/v1/livechat/tags.save", json!({"tagData": {"name": "any"}}))
        .await
        .ok();
    let body = json!({"tagData": {"name": "refund"}, "tagDepartments": [support]});
    let refund = post_as(&app, &admin, "/api/v1/livechat/tags.save", body).await.ok();
    let refund_id = refund["_id"].as_str().expect("id").to_owned();

    let names = |list: &Value| -> Vec<String> {
        list["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .map(|t| t["name"].as_str().expect("name").to_owned())
            .collect()
    };
    let mine = get_as(&app, &alice, TAGS).await.ok();
    assert_eq!(
        (names(&mine), mine["total"].clone()),
        (vec!["any".to_owned(), "vip".to_owned()], json!(2))
    );
    let everything = get_as(&app, &admin, &format!("{TAGS}?viewAll=true")).await.ok();
    assert_eq!(names(&everything), ["any", "refund", "vip"]);
    let alices_all = get_as(&app, &alice, &format!("{TAGS}?viewAll=true&text=V")).await.ok();
    assert_eq!(names(&alices_all), ["vip"]);
    let one = get_as(&app, &alice, &format!("{TAGS}/{vip_id}")).await.ok();
    assert_eq!(one["name"], "vip");
    let hidden = get_as(&app, &alice, &format!("{TAGS}/{refund_id}")).await;
    assert_eq!(
        (hidden.status, hidden.json),
        (404, json!({"success": false, "error": "Tag not found"}))
    );

    // Only managers write them.
    let res =
        post_as(&app, &alice, "/api/v1/livechat/tags.save", json!({"tagData": {"name": "x"}}))
            .await;
    assert_eq!(res.status, 403);
    let body = json!({"tagData": {"name": "x"}, "tagDepartments": ["nope"]});
    post_as(&app, &admin, "/api/v1/livechat/tags.save", body)
        .await
        .assert_error("error-invalid-department");
    let body = json!({"_id": vip_id, "tagData": {"name": "vip client"}});
    let renamed = post_as(&app, &admin, "/api/v1/livechat/tags.save", body).await.ok();
    assert_eq!(
        (renamed["name"].clone(), renamed["departments"].clone()),
        (json!("vip client"), json!([]))
    );
    post_as(&app, &admin, "/api/v1/livechat/tags.delete", json!({"id": vip_id})).await.ok();
    post_as(&app, &admin, "/api/v1/livechat/tags.delete", json!({"id": vip_id}))
        .await
        .assert_error("error-tag-not-found");
}

#[actix_web::test]
async fn rooms_are_closed_with_the_tags_given() {
    let app = TestApp::new().await;
    let admin = user(&app, "root", "admin");
    let alice = user(&app, "alice", "agent");
    let details = json!({"name": "Sales", "requestTagBeforeClosingChat": true,
        "chatClosingTags": ["sold"]});
    let sales = department_with(&app, &admin, details, &[&alice.id]).await;
    set_status(&app, &alice, "available").await;
    let visitor = json!({"visitor": {"token": "tok-s", "department": sales}});
    app.post("/api/v1/livechat/visitor", visitor).await.ok();
    let rid = app.get("/api/v1/livechat/room?token=tok-s").await.ok()["room"]["_id"]
        .as_str()
        .expect("rid")
        .to_owned();
    let close = "/api/v1/livechat/room.closeByUser";

    post_as(&app, &alice, close, json!({"rid": rid, "comment": "done"}))
        .await
        .assert_error("error-tags-must-be-assigned-before-closing-chat");
    post_as(&app, &alice, close, json!({"rid": rid, "tags": ["a"]}))
        .await
        .assert_error("error-comment-is-required");
    let too_many: Vec<String> = (0..21).map(|n| format!("t{n}")).collect();
    for tags in [json!(too_many), json!(["x".repeat(101)]), json!([""]), json!("a")] {
        let body = json!({"rid": rid, "comment": "done", "tags": tags});
        post_as(&app, &alice, close, body).await.assert_invalid_params();
    }
    let body = json!({"rid": rid, "comment": "done", "tags": ["lead", "lead", "follow-up"]});
    post_as(&app, &alice, close, body).await.ok();
    let closed = get_as(&app, &alice, "/api/v1/livechat/rooms?open=false").await.ok();
    // The department's closing tags are not added.
    assert_eq!(closed["rooms"][0]["tags"], json!(["lead", "follow-up"]));

    // Closed: refused, unless forced where the setting allows it.
    let again = json!({"rid": rid, "comment": "again", "tags": ["x"], "forceClose": true});
    post_as(&app, &alice, close, again.clone()).await.assert_error("room-closed");
    let on = json!({"value": true});
    post_as(&app, &admin, "/api/v1/settings/Omnichannel_allow_force_close_conversations", on)
        .await
        .ok();
    post_as(&app, &admin, close, again).await.ok();
    let closed = get_as(&app, &admin, "/api/v1/livechat/rooms?open=false").await.ok();
    assert_eq!(closed["rooms"][0]["tags"], json!(["lead", "follow-up", "x"]));
    assert_eq!(closed["rooms"][0]["closedBy"]["username"], "root");
}

/// The next `stream-canned-responses` event, or `None` within a short wait.
async fn canned_event(ddp: &mut Ddp, wait: std::time::Duration) -> Option<Value> {
    let wanted = |frame: &Value| {
        frame["msg"] == "changed" && frame["collection"] == "stream-canned-responses"
    };
    tokio::time::timeout(wait, ddp.next_where(wanted))
        .await
        .ok()
        .map(|frame| frame["fields"]["args"][0].clone())
}

async fn logged_in(base: &str, user: &AgentSession) -> Ddp {
    let mut ddp = Ddp::connect(base).await;
    let login = ddp.call("l", "login", json!([{"resume": user.token}])).await;
    assert!(login.get("error").is_none(), "{login}");
    let ready = ddp.sub("c", "stream-canned-responses", "canned-responses", None).await;
    assert_eq!(ready["msg"], "ready", "{ready}");
    ddp
}

#[actix_web::test]
async fn the_stream_tells_each_user_only_what_it_may_see() {
    let app = TestApp::new().await;
    // On PostgreSQL the colleague listens on a second instance: events cross through
    // pg_notify.
    let second = match livechat_server::db::Backend::from_url(&app.database_url) {
        livechat_server::db::Backend::Postgres(_) => {
            Some(super::realtime::support::second_instance(&app.database_url))
        }
        livechat_server::db::Backend::Sqlite(_) => None,
    };
    let admin = user(&app, "root", "admin");
    let alice = user(&app, "alice", "agent");
    let bob = user(&app, "bob", "agent");
    let sales = department(&app, &admin, "Sales", &[&bob.id]).await;
    let mut anonymous = Ddp::connect(&app.base).await;
    let refused = anonymous.sub("c", "stream-canned-responses", "canned-responses", None).await;
    assert_eq!(refused["msg"], "nosub", "{refused}");
    let mut alices = logged_in(&app.base, &alice).await;
    let bob_base = second.as_ref().map_or(app.base.clone(), |(base, _)| base.clone());
    let mut bobs = logged_in(&bob_base, &bob).await;
    let mut admins = logged_in(&app.base, &admin).await;

    // Alice's private one: to Alice and the admin, never to Bob.
    let private = json!({"shortcut": "mine", "text": "secret", "scope": "user"});
    post_as(&app, &alice, CANNED, private).await.ok();
    let event = canned_event(&mut alices, WAIT).await.expect("alice hears her own");
    assert_eq!(
        (event["type"].clone(), event["shortcut"].clone()),
        (json!("changed"), json!("mine"))
    );
    assert!(event["_updatedAt"]["$date"].is_i64(), "{event}");
    let event = canned_event(&mut admins, WAIT).await.expect("the admin hears it");
    assert_eq!(event["shortcut"], "mine");
    // A department one: to Bob (a member), not to Alice. Bob's first event must be it, so
    // he did not hear Alice's private one.
    let shared =
        json!({"shortcut": "team", "text": "t", "scope": "department", "departmentId": sales});
    post_as(&app, &admin, CANNED, shared).await.ok();
    let event = canned_event(&mut bobs, WAIT).await.expect("bob hears his department's");
    assert_eq!(event["shortcut"], "team");
    let mine_id = id_of(&app, &alice, "mine").await;
    delete_as(&app, &alice, json!({"_id": mine_id})).await.ok();
    let event = canned_event(&mut alices, WAIT).await.expect("removal");
    assert_eq!(event, json!({"type": "removed", "_id": mine_id}));
    // A global one reaches everyone; Bob's next event is it, not Alice's removal.
    post_as(&app, &admin, CANNED, json!({"shortcut": "all", "text": "t", "scope": "global"}))
        .await
        .ok();
    assert_eq!(canned_event(&mut bobs, WAIT).await.expect("global")["shortcut"], "all");
    assert_eq!(canned_event(&mut alices, WAIT).await.expect("global")["shortcut"], "all");
    if let Some((_, handle)) = second {
        handle.stop(true).await;
    }
}
