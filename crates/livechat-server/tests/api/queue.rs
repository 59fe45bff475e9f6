//! The queue and chats handed on (SPEC section 14): manual routing and taking, the queue as
//! agents and managers see it, forwarding to an agent and to a department, the widget's
//! department switch, the transfer history, joining, returning a chat to the queue, the
//! visitor's place in the queue, and concurrent takes.

use serde_json::{json, Value};

use super::agent::{get_as, post_as, reply, set_status};
use super::{AgentSession, Res, TestApp};

const DEPARTMENTS: &str = "/api/v1/livechat/department";
const TAKE: &str = "/api/v1/livechat/inquiries.take";
const FORWARD: &str = "/api/v1/livechat/room.forward";

async fn set(app: &TestApp, admin: &AgentSession, id: &str, value: Value) {
    let res = post_as(app, admin, &format!("/api/v1/settings/{id}"), json!({"value": value})).await;
    assert_eq!((res.status, res.json), (200, json!({"success": true})), "{id}");
}

async fn manual(app: &TestApp, admin: &AgentSession) {
    set(app, admin, "Livechat_Routing_Method", json!("Manual_Selection")).await;
}

/// Creates enabled department `name` with `agents` (user ids); returns its id.
async fn department(app: &TestApp, admin: &AgentSession, name: &str, agents: &[&str]) -> String {
    let agents: Vec<Value> = agents.iter().map(|id| json!({"agentId": id})).collect();
    let details = json!({"name": name, "enabled": true, "showOnRegistration": true,
        "showOnOfflineForm": false, "email": ""});
    let res = post_as(app, admin, DEPARTMENTS, json!({"department": details, "agents": agents}));
    res.await.ok()["department"]["_id"].as_str().expect("department id").to_owned()
}

/// A visitor of `department` (if any) with an open room; returns the room id.
async fn visitor_in(app: &TestApp, token: &str, department: Option<&str>) -> String {
    let mut visitor = json!({"token": token});
    if let Some(department) = department {
        visitor["department"] = json!(department);
    }
    app.post("/api/v1/livechat/visitor", json!({"visitor": visitor})).await.ok();
    let body = app.get(&format!("/api/v1/livechat/room?token={token}")).await.ok();
    body["room"]["_id"].as_str().expect("room id").to_owned()
}

fn inquiry_ids(body: &Value) -> Vec<String> {
    let inquiries = body["inquiries"].as_array().expect("inquiries");
    inquiries.iter().map(|inquiry| inquiry["_id"].as_str().expect("id").to_owned()).collect()
}

async fn room_of(app: &TestApp, token: &str) -> Value {
    app.get(&format!("/api/v1/livechat/room?token={token}")).await.ok()["room"].clone()
}

fn kinds(messages: &[Value]) -> Vec<String> {
    messages.iter().rev().filter_map(|m| m["t"].as_str().map(str::to_owned)).collect()
}

async fn take(app: &TestApp, agent: &AgentSession, inquiry: &str) -> Res {
    post_as(app, agent, TAKE, json!({"inquiryId": inquiry})).await
}

#[actix_web::test]
async fn with_manual_routing_chats_wait_until_an_agent_takes_them() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    manual(&app, &admin).await;
    set_status(&app, &alice, "available").await;
    set_status(&app, &bob, "available").await;

    let first = visitor_in(&app, "v1", None).await;
    app.send("v1", &first, "I need help with my order").await.ok();
    let second = visitor_in(&app, "v2", None).await;
    assert!(room_of(&app, "v1").await.get("servedBy").is_none(), "not routed");

    // Both agents see the queue, longest waiting first, without the visitors' tokens.
    let queued = get_as(&app, &alice, "/api/v1/livechat/inquiries.queuedForUser").await.ok();
    assert_eq!(inquiry_ids(&queued), vec![first.clone(), second.clone()]);
    assert_eq!(queued["total"], 2);
    let inquiry = &queued["inquiries"][0];
    assert_eq!(inquiry["rid"], first.as_str());
    assert_eq!(inquiry["status"], "queued");
    assert_eq!(inquiry["message"], "I need help with my order");
    assert_eq!(inquiry["v"]["username"], "guest-1");
    assert!(inquiry["v"].get("token").is_none(), "{inquiry}");
    assert!(!queued.to_string().contains("\"v1\""), "no token anywhere: {queued}");
    let one =
        get_as(&app, &bob, &format!("/api/v1/livechat/inquiries.getOne?roomId={first}")).await;
    assert_eq!(one.ok()["inquiry"]["_id"], first.as_str());

    // Alice takes the first: it is hers, with a `uj` message; Bob can no longer take it.
    assert_eq!(take(&app, &alice, &first).await.ok(), json!({"success": true}));
    let room = room_of(&app, "v1").await;
    assert_eq!(room["servedBy"]["username"], "alice");
    assert_eq!(kinds(&app.history("v1", &first).await).last().map(String::as_str), Some("uj"));
    let again = take(&app, &bob, &first).await;
    assert_eq!(again.status, 400, "{}", again.json);
    assert_eq!(again.json["errorType"], "error-inquiry-taken", "{}", again.json);
    let queued = get_as(&app, &bob, "/api/v1/livechat/inquiries.queuedForUser").await.ok();
    assert_eq!(inquiry_ids(&queued), vec![second.clone()]);
    let taken =
        get_as(&app, &alice, &format!("/api/v1/livechat/inquiries.getOne?roomId={first}")).await;
    assert_eq!(taken.ok()["inquiry"]["status"], "taken");

    // A new available agent does not drain the queue under manual routing.
    let carol = app.agent("carol", "agent").await;
    set_status(&app, &carol, "available").await;
    assert!(room_of(&app, "v2").await.get("servedBy").is_none());

    // Unknown inquiries; a not-available taker; an agent taking for someone else.
    let unknown = take(&app, &bob, "nope").await;
    assert_eq!(unknown.json["errorType"], "error-not-found", "{}", unknown.json);
    set_status(&app, &bob, "not-available").await;
    let offline = take(&app, &bob, &second).await;
    assert_eq!(offline.json["errorType"], "error-agent-status-service-offline", "{}", offline.json);
    let for_bob = post_as(&app, &carol, TAKE, json!({"inquiryId": second, "userId": bob.id}));
    assert_eq!(for_bob.await.status, 403);
    // A manager gives it to Carol.
    let given = post_as(&app, &admin, TAKE, json!({"inquiryId": second, "userId": carol.id}));
    given.await.ok();
    assert_eq!(room_of(&app, "v2").await["servedBy"]["username"], "carol");
    let not_agent = post_as(&app, &admin, TAKE, json!({"inquiryId": second, "userId": "ghost"}));
    not_agent.await.assert_error("The user is invalid");
}

#[actix_web::test]
async fn agents_see_and_take_only_the_queues_of_their_departments() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    manual(&app, &admin).await;
    let sales = department(&app, &admin, "Sales", &[&alice.id]).await;
    let billing = department(&app, &admin, "Billing", &[&bob.id]).await;
    set_status(&app, &alice, "available").await;
    set_status(&app, &bob, "available").await;

    let general = visitor_in(&app, "v-general", None).await;
    let in_sales = visitor_in(&app, "v-sales", Some(&sales)).await;
    let in_billing = visitor_in(&app, "v-billing", Some(&billing)).await;

    let seen = get_as(&app, &alice, "/api/v1/livechat/inquiries.queuedForUser").await.ok();
    assert_eq!(inquiry_ids(&seen), vec![general.clone(), in_sales.clone()]);
    let path = format!("/api/v1/livechat/inquiries.queuedForUser?department={billing}");
    get_as(&app, &alice, &path).await.assert_error("error-not-authorized");
    let hidden =
        get_as(&app, &alice, &format!("/api/v1/livechat/inquiries.getOne?roomId={in_billing}"))
            .await;
    assert_eq!(hidden.ok()["inquiry"], Value::Null);
    let refused = take(&app, &alice, &in_billing).await;
    assert_eq!(refused.json["errorType"], "error-not-found", "{}", refused.json);
    // Nor does Alice read that room's history.
    let history =
        get_as(&app, &alice, &format!("/api/v1/livechat/messages.history/{in_billing}")).await;
    assert_eq!(history.status, 400);

    // Managers see every queue; `inquiries.list` is theirs only.
    let all = get_as(&app, &admin, "/api/v1/livechat/inquiries.list").await.ok();
    assert_eq!(all["total"], 3);
    let billing_only = get_as(&app, &admin, "/api/v1/livechat/inquiries.list?department=Billing");
    assert_eq!(inquiry_ids(&billing_only.await.ok()), vec![in_billing.clone()]);
    assert_eq!(get_as(&app, &alice, "/api/v1/livechat/inquiries.list").await.status, 403);

    take(&app, &bob, &in_billing).await.ok();
    take(&app, &alice, &in_sales).await.ok();
    // Per agent and department, busiest first.
    let loads = get_as(&app, &admin, "/api/v1/livechat/queue").await.ok();
    assert_eq!(loads["total"], 2, "{loads}");
    let rows = loads["queue"].as_array().expect("queue");
    let alice_row = rows.iter().find(|row| row["user"]["username"] == "alice").expect("alice");
    assert_eq!(alice_row["department"]["name"], "Sales");
    assert_eq!(alice_row["chats"], 1);
    let path = format!("/api/v1/livechat/queue?departmentId={billing}");
    let billing_loads = get_as(&app, &admin, &path).await.ok();
    assert_eq!(billing_loads["queue"][0]["user"]["username"], "bob", "{billing_loads}");
    assert_eq!(billing_loads["total"], 1);
}

#[actix_web::test]
async fn forwarding_to_an_agent_moves_the_chat_and_records_it() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    set_status(&app, &alice, "available").await;
    let rid = app.visitor_with_room("v1").await;
    assert_eq!(room_of(&app, "v1").await["servedBy"]["username"], "alice");

    let to_bob = json!({"roomId": rid, "userId": bob.id, "comment": "Bob knows billing"});
    post_as(&app, &alice, FORWARD, to_bob.clone()).await.assert_error("error-user-is-offline");
    set_status(&app, &bob, "available").await;
    let to_self = json!({"roomId": rid, "userId": alice.id});
    let same = post_as(&app, &alice, FORWARD, to_self).await;
    same.assert_error("error-selected-agent-room-agent-are-same");
    // Bob does not serve it: not his to forward.
    let back = json!({"roomId": rid, "userId": alice.id});
    post_as(&app, &bob, FORWARD, back).await.assert_error("error-invalid-room");

    assert_eq!(post_as(&app, &alice, FORWARD, to_bob).await.ok(), json!({"success": true}));
    assert_eq!(room_of(&app, "v1").await["servedBy"]["username"], "bob");
    let history = app.history("v1", &rid).await;
    assert_eq!(
        kinds(&history)[kinds(&history).len() - 3..],
        ["livechat_transfer_history", "ul", "uj"],
        "{history:?}"
    );
    let record = history.iter().find(|m| m["t"] == "livechat_transfer_history").expect("record");
    assert_eq!(record["transferData"]["scope"], "agent");
    assert_eq!(record["transferData"]["comment"], "Bob knows billing");
    assert_eq!(record["transferData"]["transferredBy"]["username"], "alice");
    assert_eq!(record["transferData"]["transferredTo"]["username"], "bob");
    // Alice no longer acts in it; Bob does.
    reply(&app, &alice, &rid, "still here?").await.assert_error("invalid-room");
    reply(&app, &bob, &rid, "Bob here").await.ok();

    // The history: for managers and the serving agent.
    let path = format!("/api/v1/livechat/transfer.history/{rid}");
    let seen = get_as(&app, &admin, &path).await.ok();
    assert_eq!(seen["history"][0]["transferredTo"]["username"], "bob", "{seen}");
    assert_eq!(seen["total"], 1);
    assert_eq!(get_as(&app, &bob, &path).await.ok()["total"], 1);
    let refused = get_as(&app, &alice, &path).await;
    assert_eq!(refused.json["errorType"], "error-invalid-room", "{}", refused.json);

    // A closed chat is not forwarded.
    app.close("v1", &rid).await.ok();
    let closed = post_as(&app, &admin, FORWARD, json!({"roomId": rid, "userId": alice.id})).await;
    closed.assert_error("This_conversation_is_already_closed");
    let nothing = post_as(&app, &admin, FORWARD, json!({"roomId": rid})).await;
    nothing.assert_invalid_params();
}

#[actix_web::test]
async fn forwarding_to_a_department_routes_or_queues_it_there() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    let sales = department(&app, &admin, "Sales", &[&alice.id]).await;
    let billing = department(&app, &admin, "Billing", &[&bob.id]).await;
    set_status(&app, &alice, "available").await;
    let rid = visitor_in(&app, "v1", Some(&sales)).await;
    assert_eq!(room_of(&app, "v1").await["servedBy"]["username"], "alice");

    let to_sales = json!({"roomId": rid, "departmentId": sales});
    post_as(&app, &alice, FORWARD, to_sales)
        .await
        .assert_error("error-forwarding-chat-same-department");
    let to_billing = json!({"roomId": rid, "departmentId": billing});
    // Nobody in Billing is available: refused, nothing changes.
    let refused = post_as(&app, &alice, FORWARD, to_billing.clone()).await;
    refused.assert_error("error-no-agents-available-for-service-on-department");
    let room = room_of(&app, "v1").await;
    assert_eq!(
        (room["departmentId"].as_str(), room["servedBy"]["username"].as_str()),
        (Some(sales.as_str()), Some("alice"))
    );
    let unknown = post_as(&app, &alice, FORWARD, json!({"roomId": rid, "departmentId": "nope"}));
    unknown.await.assert_error("error-invalid-department");
    let not_member = json!({"roomId": rid, "userId": bob.id, "departmentId": sales});
    set_status(&app, &bob, "available").await;
    post_as(&app, &alice, FORWARD, not_member)
        .await
        .assert_error("error-user-not-belong-to-department");

    post_as(&app, &alice, FORWARD, to_billing).await.ok();
    let room = room_of(&app, "v1").await;
    assert_eq!(room["departmentId"], billing.as_str());
    assert_eq!(room["servedBy"]["username"], "bob");
    let path = format!("/api/v1/livechat/transfer.history/{rid}");
    let record = get_as(&app, &admin, &path).await.ok()["history"][0].clone();
    assert_eq!(record["scope"], "department");
    assert_eq!(record["previousDepartment"], sales.as_str());
    assert_eq!(record["nextDepartment"], json!({"_id": billing, "name": "Billing"}));

    // With manual routing it waits in the department's queue instead.
    manual(&app, &admin).await;
    post_as(&app, &bob, FORWARD, json!({"roomId": rid, "departmentId": sales})).await.ok();
    let room = room_of(&app, "v1").await;
    assert!(room.get("servedBy").is_none(), "{room}");
    assert_eq!(room["departmentId"], sales.as_str());
    let queued = get_as(&app, &alice, "/api/v1/livechat/inquiries.queuedForUser").await.ok();
    assert_eq!(inquiry_ids(&queued), vec![rid.clone()]);
    let bobs = get_as(&app, &bob, "/api/v1/livechat/inquiries.queuedForUser").await.ok();
    assert!(inquiry_ids(&bobs).is_empty(), "{bobs}");
}

#[actix_web::test]
async fn the_visitor_switches_department_when_the_setting_allows() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    let sales = department(&app, &admin, "Sales", &[&alice.id]).await;
    let billing = department(&app, &admin, "Billing", &[&bob.id]).await;
    set_status(&app, &alice, "available").await;
    set_status(&app, &bob, "available").await;
    let rid = visitor_in(&app, "v1", Some(&sales)).await;
    let config = app.get("/api/v1/livechat/config").await.ok();
    assert_eq!(config["config"]["settings"]["allowSwitchingDepartments"], true);

    let switch = json!({"token": "v1", "rid": rid, "department": billing});
    let res = app.post("/api/v1/livechat/room.transfer", switch.clone()).await.ok();
    assert_eq!(res["room"]["departmentId"], billing.as_str());
    assert_eq!(res["room"]["servedBy"]["username"], "bob");
    let visitor = app.get("/api/v1/livechat/visitor/v1").await.ok();
    assert_eq!(visitor["visitor"]["department"], billing.as_str());
    let record = app.history("v1", &rid).await;
    let record = record.iter().find(|m| m["t"] == "livechat_transfer_history").expect("record");
    assert_eq!(record["transferData"]["transferredBy"]["userType"], "visitor");

    // Not another visitor's room; not a closed one; not when switched off.
    app.register("v2").await;
    let theirs = json!({"token": "v2", "rid": rid, "department": sales});
    app.post("/api/v1/livechat/room.transfer", theirs).await.assert_error("invalid-room");
    set(&app, &admin, "Livechat_allow_switching_departments", json!(false)).await;
    let back = json!({"token": "v1", "rid": rid, "department": sales});
    app.post("/api/v1/livechat/room.transfer", back.clone())
        .await
        .assert_error("error-not-allowed");
    let config = app.get("/api/v1/livechat/config").await.ok();
    assert_eq!(config["config"]["settings"]["allowSwitchingDepartments"], false);
    set(&app, &admin, "Livechat_allow_switching_departments", json!(true)).await;
    app.close("v1", &rid).await.ok();
    app.post("/api/v1/livechat/room.transfer", back).await.assert_error("room-closed");
}

#[actix_web::test]
async fn a_waiting_visitor_knows_its_place_and_agents_join_or_return_chats() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let manager = app.agent("mona", "manager").await;
    let first = app.visitor_with_room("v1").await;
    app.visitor_with_room("v2").await;
    let place = |token: &'static str| {
        let app = &app;
        async move {
            let config = app.get(&format!("/api/v1/livechat/config?token={token}")).await.ok();
            config["config"]["queueInfo"].clone()
        }
    };
    assert_eq!(place("v1").await, json!({"spot": 1}));
    assert_eq!(place("v2").await, json!({"spot": 2}));

    // An agent joining a queued chat takes it (when available); then the second moves up.
    set(&app, &admin, "Livechat_Routing_Method", json!("Manual_Selection")).await;
    let path = format!("/api/v1/livechat/room.join?roomId={first}");
    get_as(&app, &alice, &path).await.assert_error("error-not-allowed");
    set_status(&app, &alice, "available").await;
    get_as(&app, &alice, &path).await.ok();
    assert_eq!(room_of(&app, "v1").await["servedBy"]["username"], "alice");
    assert_eq!(place("v1").await, Value::Null);
    assert_eq!(place("v2").await, json!({"spot": 1}));
    // A manager joins any open chat without taking it; an agent may not join a served one.
    get_as(&app, &manager, &path).await.ok();
    assert_eq!(room_of(&app, "v1").await["servedBy"]["username"], "alice");
    let bob = app.agent("bob", "agent").await;
    get_as(&app, &bob, &path).await.assert_error("error-invalid-room");

    // Alice returns the chat to the queue through the method bridge.
    let call = json!({"msg": "method", "id": "1", "method": "livechat:returnAsInquiry",
        "params": [first]});
    let body = json!({"message": call.to_string()});
    let res = post_as(&app, &alice, "/api/v1/method.call/livechat:returnAsInquiry", body).await;
    let answer: Value =
        serde_json::from_str(res.ok()["message"].as_str().expect("message")).expect("EJSON");
    assert_eq!(answer["result"], true, "{answer}");
    let room = room_of(&app, "v1").await;
    assert!(room.get("servedBy").is_none(), "{room}");
    // It waits from now: behind the second visitor.
    assert_eq!(place("v1").await, json!({"spot": 2}));
    let history = app.history("v1", &first).await;
    assert_eq!(kinds(&history)[kinds(&history).len() - 2..], ["livechat_transfer_history", "ul"]);
    let record = history.iter().find(|m| m["t"] == "livechat_transfer_history").expect("record");
    assert_eq!(record["transferData"]["scope"], "queue");
}

#[actix_web::test]
async fn of_many_concurrent_takes_exactly_one_wins() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    manual(&app, &admin).await;
    let mut agents = Vec::new();
    for n in 0..8 {
        let agent = app.agent(&format!("agent{n}"), "agent").await;
        set_status(&app, &agent, "available").await;
        agents.push(agent);
    }
    let mut rooms = Vec::new();
    for n in 0..10 {
        rooms.push(app.visitor_with_room(&format!("v{n}")).await);
    }
    let mut tasks = Vec::new();
    for rid in &rooms {
        for agent in &agents {
            let (app, agent, rid) = (&app, agent.clone(), rid.clone());
            tasks.push(async move {
                (rid.clone(), agent.username.clone(), take(app, &agent, &rid).await)
            });
        }
    }
    let results = futures_util::future::join_all(tasks).await;
    for rid in &rooms {
        let winners: Vec<&String> = results
            .iter()
            .filter(|(room, _, res)| room == rid && res.status == 200)
            .map(|(_, agent, _)| agent)
            .collect();
        assert_eq!(winners.len(), 1, "{rid}: {winners:?}");
        for (_, _, res) in results.iter().filter(|(room, _, res)| room == rid && res.status != 200)
        {
            assert_eq!(res.json["errorType"], "error-inquiry-taken", "{}", res.json);
        }
        let history =
            get_as(&app, &admin, &format!("/api/v1/livechat/messages.history/{rid}")).await;
        let joins = history.ok()["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .filter(|m| m["t"] == "uj")
            .count();
        assert_eq!(joins, 1, "{rid}: one join message");
    }
}

#[actix_web::test]
async fn agents_watch_the_queue_and_visitors_their_place_live() {
    use super::realtime::support::Ddp;

    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    manual(&app, &admin).await;
    let sales = department(&app, &admin, "Sales", &[&bob.id]).await;
    set_status(&app, &bob, "available").await;

    let mut agent = Ddp::connect(&app.base).await;
    let login = agent.call("1", "login", json!([{"resume": alice.token}])).await;
    assert_eq!(login["result"]["id"], alice.id.as_str(), "{login}");
    let public = "stream-livechat-inquiry-queue-observer";
    assert_eq!(agent.sub("q", public, "public", None).await["msg"], "ready");
    // Alice is not in Sales: that queue is not hers to watch.
    let other = agent.sub("s", public, &format!("department/{sales}"), None).await;
    assert_eq!(other["msg"], "nosub", "{other}");
    // Nor is the queue anyone's without a login.
    let mut anonymous = Ddp::connect(&app.base).await;
    assert_eq!(anonymous.sub("q", public, "public", None).await["msg"], "nosub");

    // A visitor waits: Alice hears of it (without the visitor's token), the visitor of its
    // place.
    app.register("v1").await;
    let first = room_of(&app, "v1").await["_id"].as_str().expect("rid").to_owned();
    let added = agent.event(public, "public").await;
    let event = &added["fields"]["args"][0];
    assert_eq!(
        (event["type"].as_str(), event["rid"].as_str()),
        (Some("added"), Some(first.as_str()))
    );
    assert_eq!(event["status"], "queued");
    assert!(!added.to_string().contains("\"v1\""), "no token: {added}");
    let mut visitor = Ddp::connect(&app.base).await;
    let ready = visitor.sub("l", "stream-livechat-room", &first, Some("v1")).await;
    assert_eq!(ready["msg"], "ready", "{ready}");
    let spot = |frame: &Value| frame["fields"]["args"][0]["data"]["spot"].as_i64();
    let place = visitor.next_where(|frame| frame["fields"]["args"][0]["type"] == "queueData").await;
    assert_eq!(spot(&place), Some(1), "{place}");

    // A second visitor waits behind; when Bob takes the first, it moves up and the queue
    // observers hear the first is gone.
    app.register("v2").await;
    let second = room_of(&app, "v2").await["_id"].as_str().expect("rid").to_owned();
    let mut behind = Ddp::connect(&app.base).await;
    behind.sub("l", "stream-livechat-room", &second, Some("v2")).await;
    let place = behind.next_where(|frame| frame["fields"]["args"][0]["type"] == "queueData").await;
    assert_eq!(spot(&place), Some(2), "{place}");
    take(&app, &bob, &first).await.ok();
    let removed = agent
        .next_where(|frame| {
            frame["collection"] == public
                && frame["fields"]["args"][0]["rid"] == first.as_str()
                && frame["fields"]["args"][0]["type"] == "removed"
        })
        .await;
    assert_eq!(removed["fields"]["eventName"], "public");
    let moved_up = behind
        .next_where(|frame| {
            frame["fields"]["args"][0]["type"] == "queueData" && spot(frame) == Some(1)
        })
        .await;
    assert_eq!(spot(&moved_up), Some(1));
    // The first visitor hears its agent.
    let served =
        visitor.next_where(|frame| frame["fields"]["args"][0]["type"] == "agentData").await;
    assert_eq!(served["fields"]["args"][0]["data"]["username"], "bob", "{served}");
}
