//! Departments (SPEC section 13): managing them, who may, what visitors and the widget see of
//! them, and routing inside them.

use reqwest::Method;
use serde_json::{json, Value};

use super::agent::{get_as, not_logged_in, post_as, set_status};
use super::{AgentSession, Res, TestApp};

const DEPARTMENTS: &str = "/api/v1/livechat/department";

fn details(name: &str) -> Value {
    json!({"name": name, "enabled": true, "showOnRegistration": true,
        "showOnOfflineForm": false, "email": ""})
}

async fn put_as(app: &TestApp, user: &AgentSession, path: &str, body: Value) -> Res {
    app.request_with(Method::PUT, path, Some(body), &user.headers()).await
}

async fn delete_as(app: &TestApp, user: &AgentSession, path: &str) -> Res {
    app.request_with(Method::DELETE, path, None, &user.headers()).await
}

/// Creates department `name` with `agents` (user ids); returns its id.
async fn create(app: &TestApp, admin: &AgentSession, name: &str, agents: &[&str]) -> String {
    let agents: Vec<Value> = agents.iter().map(|id| json!({"agentId": id})).collect();
    let body = json!({"department": details(name), "agents": agents});
    let res = post_as(app, admin, DEPARTMENTS, body).await.ok();
    res["department"]["_id"].as_str().expect("department id").to_owned()
}

fn names(list: &Value) -> Vec<String> {
    let departments = list["departments"].as_array().expect("departments");
    departments.iter().map(|d| d["name"].as_str().expect("name").to_owned()).collect()
}

#[actix_web::test]
async fn a_manager_creates_a_department_with_its_agents() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;

    let mut department = details("Sales");
    department["description"] = json!("Buying things");
    department["chatClosingTags"] = json!(["won", "lost"]);
    department["email"] = json!("Sales@Example.com");
    // Rocket.Chat's own admin screen sends these; they are accepted and ignored.
    department["departmentsAllowedToForward"] = json!([]);
    department["maxNumberSimultaneousChat"] = json!(0);
    let body = json!({"department": department, "agents": [{"agentId": alice.id, "order": 2}]});
    let res = post_as(&app, &admin, DEPARTMENTS, body).await.ok();

    let stored = &res["department"];
    let id = stored["_id"].as_str().expect("id");
    assert_eq!(stored["name"], "Sales");
    assert_eq!(stored["enabled"], true);
    assert_eq!(stored["description"], "Buying things");
    assert_eq!(stored["email"], "sales@example.com");
    assert_eq!(stored["chatClosingTags"], json!(["won", "lost"]));
    assert_eq!(stored["requestTagBeforeClosingChat"], false);
    assert_eq!(stored["numAgents"], 1);
    assert_eq!(stored["archived"], false);
    assert!(stored["_updatedAt"].is_string(), "{stored}");
    let member = &res["agents"][0];
    assert_eq!(member["agentId"], alice.id.as_str());
    assert_eq!(member["departmentId"], id);
    assert_eq!(member["username"], "alice");
    assert_eq!(member["order"], 2);
    assert_eq!(member["count"], 0);

    let got = get_as(&app, &admin, &format!("{DEPARTMENTS}/{id}")).await.ok();
    assert_eq!(got["department"], res["department"]);
    assert_eq!(got["agents"], res["agents"]);
    let without = get_as(&app, &admin, &format!("{DEPARTMENTS}/{id}?includeAgents=false")).await;
    assert_eq!(without.ok().get("agents"), None);
}

#[actix_web::test]
async fn only_managers_change_departments_and_agents_see_only_theirs() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let sales = create(&app, &admin, "Sales", &[&alice.id]).await;
    let billing = create(&app, &admin, "Billing", &[]).await;

    // Without credentials: 401. An agent: 403 for every change, and nothing changes.
    let res = app.post(DEPARTMENTS, json!({"department": details("X")})).await;
    assert_eq!((res.status, res.json), (401, not_logged_in()));
    let forbidden = json!({"success": false, "error": "unauthorized"});
    let attempts = [
        post_as(&app, &alice, DEPARTMENTS, json!({"department": details("X")})).await,
        put_as(
            &app,
            &alice,
            &format!("{DEPARTMENTS}/{sales}"),
            json!({"department": details("Y")}),
        )
        .await,
        delete_as(&app, &alice, &format!("{DEPARTMENTS}/{sales}")).await,
        post_as(
            &app,
            &alice,
            &format!("{DEPARTMENTS}/{billing}/agents"),
            json!({"upsert": [{"agentId": alice.id}]}),
        )
        .await,
        post_as(&app, &alice, &format!("{DEPARTMENTS}/{sales}/archive"), json!({})).await,
        get_as(&app, &alice, "/api/v1/livechat/departments/archived").await,
    ];
    for res in attempts {
        assert_eq!((res.status, &res.json), (403, &forbidden));
    }

    // The agent lists and reads its own department only; another is as if missing.
    let mine = get_as(&app, &alice, DEPARTMENTS).await.ok();
    assert_eq!(names(&mine), ["Sales"]);
    assert_eq!((mine["count"].clone(), mine["total"].clone()), (json!(1), json!(1)));
    let other = get_as(&app, &alice, &format!("{DEPARTMENTS}/{billing}")).await.ok();
    assert_eq!(other["department"], Value::Null);
    let missing = get_as(&app, &alice, &format!("{DEPARTMENTS}/no-such-department")).await.ok();
    assert_eq!(missing, other);
    let members = get_as(&app, &alice, &format!("{DEPARTMENTS}/{billing}/agents")).await;
    let unknown = get_as(&app, &alice, &format!("{DEPARTMENTS}/no-such-department/agents")).await;
    assert_eq!((members.status, &members.json), (unknown.status, &unknown.json));
    assert_eq!(unknown.json["errorType"], "error-department-not-found", "{}", unknown.json);

    let all = get_as(&app, &admin, DEPARTMENTS).await.ok();
    assert_eq!(names(&all), ["Billing", "Sales"]);
    let own = get_as(&app, &admin, &format!("{DEPARTMENTS}?onlyMyDepartments=true")).await.ok();
    assert_eq!(names(&own), Vec::<String>::new());
    let unchanged = get_as(&app, &admin, &format!("{DEPARTMENTS}/{billing}")).await.ok();
    assert_eq!(unchanged["department"]["numAgents"], 0);
}

#[actix_web::test]
async fn departments_are_listed_filtered_and_paged() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    for name in ["Sales", "Billing", "Support", "100% Care"] {
        create(&app, &admin, name, &[]).await;
    }
    let mut off = details("Closed desk");
    off["enabled"] = json!(false);
    post_as(&app, &admin, DEPARTMENTS, json!({"department": off})).await.ok();

    let all = get_as(&app, &admin, DEPARTMENTS).await.ok();
    assert_eq!(names(&all), ["100% Care", "Billing", "Closed desk", "Sales", "Support"]);
    let text = get_as(&app, &admin, &format!("{DEPARTMENTS}?text=S")).await.ok();
    assert_eq!(names(&text), ["Closed desk", "Sales", "Support"]);
    // `%` and `_` are plain characters in the search.
    let percent = get_as(&app, &admin, &format!("{DEPARTMENTS}?text=%25")).await.ok();
    assert_eq!(names(&percent), ["100% Care"]);
    let enabled = get_as(&app, &admin, &format!("{DEPARTMENTS}?enabled=false")).await.ok();
    assert_eq!(names(&enabled), ["Closed desk"]);
    let page = get_as(&app, &admin, &format!("{DEPARTMENTS}?count=2&offset=1")).await.ok();
    assert_eq!(names(&page), ["Billing", "Closed desk"]);
    assert_eq!((page["count"].clone(), page["offset"].clone()), (json!(2), json!(1)));
    assert_eq!(page["total"], 5);

    let selector = "/api/v1/livechat/department.autocomplete?selector=%7B%22term%22%3A%22su%22%7D";
    let found = get_as(&app, &admin, selector).await.ok();
    let items: Vec<&str> = found["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert_eq!(items, ["Support"]);
    get_as(&app, &admin, "/api/v1/livechat/department.autocomplete?selector=su")
        .await
        .assert_invalid_params();
}

#[actix_web::test]
async fn a_department_is_updated_and_its_agents_changed() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    let sales = create(&app, &admin, "Sales", &[&alice.id]).await;
    create(&app, &admin, "Billing", &[]).await;
    let path = format!("{DEPARTMENTS}/{sales}");

    // New details; the agents given are added or updated, the others stay.
    let mut renamed = details("Sales EMEA");
    renamed["requestTagBeforeClosingChat"] = json!(true);
    let body = json!({"department": renamed, "agents": [{"agentId": bob.id, "order": 1}]});
    let res = put_as(&app, &admin, &path, body).await.ok();
    assert_eq!(res["department"]["name"], "Sales EMEA");
    assert_eq!(res["department"]["requestTagBeforeClosingChat"], true);
    assert_eq!(res["department"]["numAgents"], 2);

    // Names are unique ignoring case; an unknown department is Rocket.Chat's Meteor error.
    put_as(&app, &admin, &path, json!({"department": details("billing")}))
        .await
        .assert_invalid_params();
    post_as(&app, &admin, DEPARTMENTS, json!({"department": details("BILLING")}))
        .await
        .assert_invalid_params();
    let res =
        put_as(&app, &admin, &format!("{DEPARTMENTS}/nope"), json!({"department": details("Z")}))
            .await;
    assert_eq!(res.status, 400);
    assert_eq!(
        res.json,
        json!({"success": false, "error": "Department not found [error-department-not-found]",
            "errorType": "error-department-not-found"})
    );
    // Members must be agents.
    let body = json!({"department": details("Sales EMEA"), "agents": [{"agentId": "nobody"}]});
    put_as(&app, &admin, &path, body).await.assert_error("error-user-is-not-agent");
    for bad in [json!(details("")), json!(details(&"n".repeat(101))), {
        let mut bad = details("Ok");
        bad["email"] = json!("not an address");
        bad
    }] {
        put_as(&app, &admin, &path, json!({"department": bad})).await.assert_invalid_params();
    }

    let agents = format!("{path}/agents");
    let body = json!({"upsert": [{"agentId": alice.id, "order": 5, "count": 3}],
        "remove": [{"agentId": bob.id}]});
    post_as(&app, &admin, &agents, body).await.ok();
    let list = get_as(&app, &admin, &agents).await.ok();
    assert_eq!(list["total"], 1);
    let member = &list["agents"][0];
    assert_eq!((member["username"].clone(), member["order"].clone()), (json!("alice"), json!(5)));
    assert_eq!(member["count"], 3);
    let body = json!({"upsert": [{"agentId": "nobody"}]});
    post_as(&app, &admin, &agents, body).await.assert_error("error-user-is-not-agent");
    let res = post_as(&app, &admin, &format!("{DEPARTMENTS}/nope/agents"), json!({})).await;
    assert_eq!(res.json["errorType"], "error-department-not-found", "{}", res.json);
}

#[actix_web::test]
async fn an_archived_department_is_disabled_and_listed_apart() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let sales = create(&app, &admin, "Sales", &[]).await;
    create(&app, &admin, "Billing", &[]).await;

    post_as(&app, &admin, &format!("{DEPARTMENTS}/{sales}/archive"), json!({})).await.ok();
    assert_eq!(names(&get_as(&app, &admin, DEPARTMENTS).await.ok()), ["Billing"]);
    let archived = get_as(&app, &admin, "/api/v1/livechat/departments/archived").await.ok();
    assert_eq!(names(&archived), ["Sales"]);
    assert_eq!(archived["departments"][0]["enabled"], false);
    // It cannot be enabled while archived.
    put_as(
        &app,
        &admin,
        &format!("{DEPARTMENTS}/{sales}"),
        json!({"department": details("Sales")}),
    )
    .await
    .ok();
    let got = get_as(&app, &admin, &format!("{DEPARTMENTS}/{sales}")).await.ok();
    assert_eq!(got["department"]["enabled"], false);

    post_as(&app, &admin, &format!("{DEPARTMENTS}/{sales}/unarchive"), json!({})).await.ok();
    assert_eq!(names(&get_as(&app, &admin, DEPARTMENTS).await.ok()), ["Billing", "Sales"]);
    let got = get_as(&app, &admin, &format!("{DEPARTMENTS}/{sales}")).await.ok();
    assert_eq!(
        (got["department"]["archived"].clone(), got["department"]["enabled"].clone()),
        (json!(false), json!(false))
    );
    let res = post_as(&app, &admin, &format!("{DEPARTMENTS}/nope/archive"), json!({})).await;
    assert_eq!(res.json["errorType"], "error-department-not-found", "{}", res.json);
}

#[actix_web::test]
async fn the_widget_sees_enabled_departments_with_agents_and_visitors_choose_one() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let sales = create(&app, &admin, "Sales", &[&alice.id]).await;
    create(&app, &admin, "Empty", &[]).await;
    let mut off = details("Closed");
    off["enabled"] = json!(false);
    let body = json!({"department": off, "agents": [{"agentId": alice.id}]});
    post_as(&app, &admin, DEPARTMENTS, body).await.ok();

    let config = app.get("/api/v1/livechat/config").await.ok();
    assert_eq!(
        config["config"]["departments"],
        json!([{"_id": sales, "name": "Sales", "showOnRegistration": true, "showOnOfflineForm": false}])
    );

    // By id, or by name ignoring case; a disabled or unknown one is refused.
    let register = |token: &str, department: &str| json!({"visitor": {"token": token, "department": department}});
    let by_id = app.post("/api/v1/livechat/visitor", register("tok-1", &sales)).await.ok();
    assert_eq!(by_id["visitor"]["department"], sales.as_str());
    let by_name = app.post("/api/v1/livechat/visitor", register("tok-2", "sALES")).await.ok();
    assert_eq!(by_name["visitor"]["department"], sales.as_str());
    for department in ["Closed", "nope"] {
        app.post("/api/v1/livechat/visitor", register("tok-3", department))
            .await
            .assert_visitor_error("error-invalid-department");
    }
    app.get("/api/v1/livechat/visitor/tok-3").await.assert_visitor_error("invalid-token");

    // `online` with a department is about its agents.
    set_status(&app, &alice, "available").await;
    assert_eq!(online(&app, &sales).await, true);
    let empty = get_as(&app, &admin, &format!("{DEPARTMENTS}?text=Empty")).await.ok();
    let empty_id = empty["departments"][0]["_id"].as_str().expect("id").to_owned();
    assert_eq!(online(&app, &empty_id).await, false);
}

async fn online(app: &TestApp, department: &str) -> Value {
    let path = format!("/api/v1/livechat/config?department={department}");
    app.get(&path).await.ok()["config"]["online"].clone()
}

/// Opens a room for a new visitor of `department` (or none); returns the room.
async fn open_room(app: &TestApp, token: &str, department: Option<&str>) -> Value {
    let mut visitor = json!({"token": token});
    if let Some(department) = department {
        visitor["department"] = json!(department);
    }
    app.post("/api/v1/livechat/visitor", json!({"visitor": visitor})).await.ok();
    app.get(&format!("/api/v1/livechat/room?token={token}")).await.ok()["room"].clone()
}

async fn served_by(app: &TestApp, token: &str) -> Value {
    app.get(&format!("/api/v1/livechat/room?token={token}")).await.ok()["room"]["servedBy"]
        ["username"]
        .clone()
}

#[actix_web::test]
async fn rooms_are_routed_inside_their_department_and_wait_in_its_queue() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    let sales = create(&app, &admin, "Sales", &[&alice.id]).await;
    let billing = create(&app, &admin, "Billing", &[&bob.id]).await;

    // Alice (Sales) is busier than Bob, yet a Sales visitor goes to Alice.
    set_status(&app, &alice, "available").await;
    set_status(&app, &bob, "available").await;
    open_room(&app, "tok-0", None).await;
    open_room(&app, "tok-00", None).await;
    let room = open_room(&app, "tok-s1", Some(&sales)).await;
    assert_eq!(room["departmentId"], sales.as_str());
    assert_eq!(served_by(&app, "tok-s1").await, "alice");

    // Nobody of Sales available: the room waits, Bob does not get it.
    set_status(&app, &alice, "not-available").await;
    let waiting = open_room(&app, "tok-s2", Some(&sales)).await;
    assert_eq!(waiting.get("servedBy"), None, "{waiting}");
    open_room(&app, "tok-b1", Some(&billing)).await;
    assert_eq!(served_by(&app, "tok-b1").await, "bob");
    assert_eq!(served_by(&app, "tok-s2").await, Value::Null);

    // A queued room of another department does not hold up the rest of the queue.
    set_status(&app, &bob, "not-available").await;
    open_room(&app, "tok-b2", Some(&billing)).await;
    set_status(&app, &bob, "available").await;
    assert_eq!(served_by(&app, "tok-b2").await, "bob");
    assert_eq!(served_by(&app, "tok-s2").await, Value::Null);

    // Alice comes back and takes her department's queued room.
    set_status(&app, &alice, "available").await;
    assert_eq!(served_by(&app, "tok-s2").await, "alice");

    // A new member of a department takes its queue once added.
    set_status(&app, &alice, "not-available").await;
    open_room(&app, "tok-s3", Some(&sales)).await;
    let body = json!({"upsert": [{"agentId": bob.id}]});
    post_as(&app, &admin, &format!("{DEPARTMENTS}/{sales}/agents"), body).await.ok();
    assert_eq!(served_by(&app, "tok-s3").await, "bob");
}

#[actix_web::test]
async fn removing_a_department_moves_its_rooms_and_visitors_to_none() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    let sales = create(&app, &admin, "Sales", &[&alice.id]).await;
    let queued = open_room(&app, "tok-1", Some(&sales)).await;
    set_status(&app, &bob, "available").await;
    assert_eq!(served_by(&app, "tok-1").await, Value::Null);

    // Removing departments is off by default, as in Rocket.Chat.
    let res = delete_as(&app, &admin, &format!("{DEPARTMENTS}/{sales}")).await;
    res.assert_error("error-department-removal-disabled");
    let on = json!({"value": true});
    post_as(&app, &admin, "/api/v1/settings/Omnichannel_enable_department_removal", on).await.ok();
    delete_as(&app, &admin, &format!("{DEPARTMENTS}/{sales}")).await.ok();

    // The room joined the general queue, where Bob takes it; the visitor has no department.
    let room = app.get("/api/v1/livechat/room?token=tok-1").await.ok()["room"].clone();
    assert_eq!(room["_id"], queued["_id"]);
    assert_eq!(room.get("departmentId"), None, "{room}");
    assert_eq!(served_by(&app, "tok-1").await, "bob");
    let visitor = app.get("/api/v1/livechat/visitor/tok-1").await.ok();
    assert_eq!(visitor["visitor"].get("department"), None, "{visitor}");
    let got = get_as(&app, &admin, &format!("{DEPARTMENTS}/{sales}")).await.ok();
    assert_eq!(got["department"], Value::Null);
    let res = delete_as(&app, &admin, &format!("{DEPARTMENTS}/{sales}")).await;
    res.assert_error("error-department-not-found");
}

#[actix_web::test]
async fn users_carry_their_departments_and_agents_list_the_agents_of_theirs() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    let carol = app.agent("carol", "agent").await;
    let sales = create(&app, &admin, "Sales", &[&alice.id]).await;
    let billing = create(&app, &admin, "Billing", &[&bob.id, &alice.id]).await;

    let usernames = |list: &Value| -> Vec<String> {
        let users = list["users"].as_array().expect("users");
        users.iter().map(|user| user["username"].as_str().expect("username").to_owned()).collect()
    };
    // Bob sees the agents of Billing; Carol, in no department, every agent.
    let by_bob = get_as(&app, &bob, "/api/v1/livechat/users/agent").await.ok();
    assert_eq!(usernames(&by_bob), ["alice", "bob"]);
    let by_carol = get_as(&app, &carol, "/api/v1/livechat/users/agent").await.ok();
    assert!(usernames(&by_carol).len() >= 3, "{by_carol}");

    let mut both = vec![sales.clone(), billing.clone()];
    both.sort();
    let listed = get_as(&app, &admin, "/api/v1/livechat/users/agent?text=alice").await.ok();
    assert_eq!(listed["users"][0]["departments"], json!(both));
    let one = get_as(&app, &admin, &format!("/api/v1/livechat/users/agent/{}", bob.id)).await.ok();
    assert_eq!(one["user"]["departments"], json!([billing]));
    let me = get_as(&app, &alice, "/api/v1/me").await.ok();
    assert_eq!(me["departments"], json!(both));
}

#[actix_web::test]
async fn an_agent_reads_its_own_departments_and_managers_anyones() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let bob = app.agent("bob", "agent").await;
    let sales = create(&app, &admin, "Sales", &[&alice.id]).await;
    let mut off = details("Archive me");
    off["enabled"] = json!(false);
    let body = json!({"department": off, "agents": [{"agentId": alice.id}]});
    post_as(&app, &admin, DEPARTMENTS, body).await.ok();

    let path = |id: &str| format!("/api/v1/livechat/agents/{id}/departments");
    let own = get_as(&app, &alice, &path(&alice.id)).await.ok();
    let ids: Vec<&str> = own["departments"]
        .as_array()
        .expect("departments")
        .iter()
        .filter_map(|membership| membership["departmentId"].as_str())
        .collect();
    assert_eq!(ids.len(), 2, "{own}");
    assert_eq!(own["departments"][1]["departmentId"], sales.as_str());
    assert_eq!(own["departments"][1]["username"], "alice");
    let enabled = get_as(&app, &alice, &format!("{}?enabledDepartmentsOnly=true", path(&alice.id)))
        .await
        .ok();
    assert_eq!(enabled["departments"].as_array().map(Vec::len), Some(1));
    // Another agent's memberships are out of bob's reach, not of the admin's.
    let by_bob = get_as(&app, &bob, &path(&alice.id)).await.ok();
    assert_eq!(by_bob["departments"], json!([]));
    let by_admin = get_as(&app, &admin, &path(&alice.id)).await.ok();
    assert_eq!(by_admin["departments"], own["departments"]);
}

#[actix_web::test]
async fn departments_are_listed_by_their_ids_within_reach() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let sales = create(&app, &admin, "Sales", &[&alice.id]).await;
    let billing = create(&app, &admin, "Billing", &[]).await;
    let old = create(&app, &admin, "Old", &[]).await;
    post_as(&app, &admin, &format!("{DEPARTMENTS}/{old}/archive"), json!({})).await.ok();

    let by_ids = |user: &AgentSession, query: String| {
        let path = format!("/api/v1/livechat/department.listByIds?{query}");
        let app = &app;
        let user = user.clone();
        async move { names(&get_as(app, &user, &path).await.ok()) }
    };
    let rocket_style = format!("ids[]={sales}&ids[]={billing}&ids[]={old}&ids[]=nope");
    assert_eq!(by_ids(&admin, rocket_style.clone()).await, ["Billing", "Sales", "Old"]);
    assert_eq!(by_ids(&admin, format!("ids={sales},{billing}")).await, ["Billing", "Sales"]);
    // Alice reaches only her own.
    assert_eq!(by_ids(&alice, rocket_style).await, ["Sales"]);
    get_as(&app, &admin, "/api/v1/livechat/department.listByIds?ids[]=a%20b")
        .await
        .assert_invalid_params();
}
