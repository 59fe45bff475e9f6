//! Races of the queue and transfers across two instances on PostgreSQL (SPEC section 14): 20
//! agents take the same 50 inquiries at once, forwards race with closes and with the
//! visitor's own department switch. Every request gets its answer at the first try (no 503),
//! each outcome is whole (never half a transfer), and PostgreSQL never breaks a deadlock.

use diesel::sql_types::BigInt;
use diesel::{Connection as _, RunQueryDsl as _};
use futures_util::stream::{self, StreamExt as _};
use livechat_server::db::Backend;
use serde_json::{json, Value};

use super::realtime::support::{add_agent, second_instance_with, TestAgent};
use super::TestApp;

/// A reply: status and JSON body.
struct Reply {
    status: u16,
    json: Value,
}

async fn call(
    base: &str,
    agent: Option<&TestAgent>,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Reply {
    let client = reqwest::Client::new();
    let url = format!("{base}{path}");
    let mut req = match method {
        "GET" => client.get(url),
        _ => client.post(url),
    };
    if let Some(agent) = agent {
        req = req.header("x-user-id", &agent.id).header("x-auth-token", &agent.token);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    Reply { status, json: res.json().await.unwrap_or(Value::Null) }
}

#[derive(diesel::QueryableByName)]
struct Deadlocks {
    #[diesel(sql_type = BigInt)]
    deadlocks: i64,
}

/// PostgreSQL's count of deadlocks it broke in the test's database.
fn deadlocks(database_url: &str) -> i64 {
    let mut conn = diesel::PgConnection::establish(database_url).expect("database");
    diesel::sql_query("SELECT pg_stat_clear_snapshot()").execute(&mut conn).expect("snapshot");
    diesel::sql_query(
        "SELECT COALESCE(deadlocks, 0)::BIGINT AS deadlocks FROM pg_stat_database \
         WHERE datname = current_database()",
    )
    .get_result::<Deadlocks>(&mut conn)
    .expect("pg_stat_database")
    .deadlocks
}

/// The system message types of a room, oldest first (as a manager reads them).
async fn kinds(base: &str, manager: &TestAgent, rid: &str) -> Vec<String> {
    let path = format!("/api/v1/livechat/messages.history/{rid}?limit=100");
    let history = call(base, Some(manager), "GET", &path, None).await;
    assert_eq!(history.status, 200, "{}", history.json);
    let messages = history.json["messages"].as_array().cloned().unwrap_or_default();
    messages.iter().rev().filter_map(|m| m["t"].as_str().map(str::to_owned)).collect()
}

async fn department(base: &str, admin: &TestAgent, name: &str, agents: &[&str]) -> String {
    let agents: Vec<Value> = agents.iter().map(|id| json!({"agentId": id})).collect();
    let details = json!({"name": name, "enabled": true, "showOnRegistration": true,
        "showOnOfflineForm": false, "email": ""});
    let body = json!({"department": details, "agents": agents});
    let res = call(base, Some(admin), "POST", "/api/v1/livechat/department", Some(body)).await;
    assert_eq!(res.status, 200, "{}", res.json);
    res.json["department"]["_id"].as_str().expect("id").to_owned()
}

async fn open_room(base: &str, token: &str, department: Option<&str>) -> String {
    let mut visitor = json!({"token": token});
    if let Some(department) = department {
        visitor["department"] = json!(department);
    }
    let res =
        call(base, None, "POST", "/api/v1/livechat/visitor", Some(json!({"visitor": visitor})));
    assert_eq!(res.await.status, 200);
    let room = call(base, None, "GET", &format!("/api/v1/livechat/room?token={token}"), None).await;
    assert_eq!(room.status, 200, "{}", room.json);
    room.json["room"]["_id"].as_str().expect("rid").to_owned()
}

async fn setting(base: &str, admin: &TestAgent, id: &str, value: Value) {
    let path = format!("/api/v1/settings/{id}");
    let res = call(base, Some(admin), "POST", &path, Some(json!({"value": value}))).await;
    assert_eq!(res.status, 200, "{}", res.json);
}

#[actix_web::test]
async fn twenty_agents_take_fifty_inquiries_through_two_instances_each_exactly_once() {
    let app = TestApp::new().await;
    if !matches!(Backend::from_url(&app.database_url), Backend::Postgres(_)) {
        eprintln!("needs PostgreSQL (LIVECHAT_TEST_BACKEND=postgres); skipped on SQLite");
        return;
    }
    // Both instances without rate limits, as the test's own (thousands of requests from one
    // address).
    let (second, handle) =
        second_instance_with(&app.database_url, |config| config.rate_limit = false);
    let bases = [app.base.clone(), second];
    let admin = add_agent(&app, "root", "admin", "not-available");
    setting(&bases[0], &admin, "Livechat_Routing_Method", json!("Manual_Selection")).await;
    let agents: Vec<TestAgent> =
        (0..20).map(|n| add_agent(&app, &format!("taker{n}"), "agent", "available")).collect();
    let mut rooms = Vec::new();
    for n in 0..50 {
        rooms.push(open_room(&bases[n % 2], &format!("race-v{n}"), None).await);
    }
    let before = deadlocks(&app.database_url);

    let attempts: Vec<(usize, usize)> = (0..rooms.len())
        .flat_map(|room| (0..agents.len()).map(move |agent| (room, agent)))
        .collect();
    let results: Vec<(usize, usize, Reply)> = stream::iter(attempts)
        .map(|(room, agent)| {
            let (bases, agents, rooms) = (&bases, &agents, &rooms);
            async move {
                let body = json!({"inquiryId": rooms[room]});
                let path = "/api/v1/livechat/inquiries.take";
                let reply = call(&bases[agent % 2], Some(&agents[agent]), "POST", path, Some(body));
                (room, agent, reply.await)
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;

    for (index, rid) in rooms.iter().enumerate() {
        let mine: Vec<&(usize, usize, Reply)> =
            results.iter().filter(|(room, _, _)| *room == index).collect();
        let winners: Vec<usize> = mine
            .iter()
            .filter(|(_, _, reply)| reply.status == 200)
            .map(|(_, agent, _)| *agent)
            .collect();
        assert_eq!(winners.len(), 1, "{rid}: winners {winners:?}");
        for (_, _, reply) in mine.iter().filter(|(_, _, reply)| reply.status != 200) {
            assert_eq!(reply.status, 400, "{rid}: {}", reply.json);
            assert_eq!(reply.json["errorType"], "error-inquiry-taken", "{rid}: {}", reply.json);
        }
        let room = call(
            &bases[0],
            Some(&admin),
            "GET",
            &format!("/api/v1/livechat/inquiries.getOne?roomId={rid}"),
            None,
        )
        .await;
        assert_eq!(room.json["inquiry"]["status"], "taken", "{}", room.json);
        let joins = kinds(&bases[1], &admin, rid).await.iter().filter(|kind| *kind == "uj").count();
        assert_eq!(joins, 1, "{rid}: one join message");
    }
    assert_eq!(deadlocks(&app.database_url), before, "PostgreSQL broke a deadlock");
    handle.stop(false).await;
}

#[actix_web::test]
async fn forwards_race_closes_and_department_switches_through_two_instances() {
    let app = TestApp::new().await;
    if !matches!(Backend::from_url(&app.database_url), Backend::Postgres(_)) {
        eprintln!("needs PostgreSQL (LIVECHAT_TEST_BACKEND=postgres); skipped on SQLite");
        return;
    }
    // Both instances without rate limits, as the test's own (thousands of requests from one
    // address).
    let (second, handle) =
        second_instance_with(&app.database_url, |config| config.rate_limit = false);
    let bases = [app.base.clone(), second];
    let admin = add_agent(&app, "root", "admin", "not-available");
    let first = add_agent(&app, "first", "agent", "available");
    let before = deadlocks(&app.database_url);

    // Forward or close, whichever comes first: both whole.
    let mut rooms = Vec::new();
    for n in 0..20 {
        rooms.push(open_room(&bases[n % 2], &format!("close-v{n}"), None).await);
    }
    let next = add_agent(&app, "next", "agent", "available");
    let races = rooms.iter().enumerate().map(|(n, rid)| {
        let (bases, first, next) = (&bases, &first, &next);
        async move {
            let body = json!({"roomId": rid, "userId": next.id});
            let forward = call(
                &bases[n % 2],
                Some(first),
                "POST",
                "/api/v1/livechat/room.forward",
                Some(body),
            );
            let close = json!({"token": format!("close-v{n}"), "rid": rid});
            let close =
                call(&bases[(n + 1) % 2], None, "POST", "/api/v1/livechat/room.close", Some(close));
            let (forward, close) = tokio::join!(forward, close);
            (rid.clone(), forward, close)
        }
    });
    for (rid, forward, close) in futures_util::future::join_all(races).await {
        assert_eq!(close.status, 200, "{rid}: the close: {}", close.json);
        let kinds = kinds(&bases[0], &admin, &rid).await;
        let transfers = kinds.iter().filter(|kind| *kind == "livechat_transfer_history").count();
        if forward.status == 200 {
            // Forwarded, then closed: the whole transfer before the close.
            let at = kinds.iter().position(|kind| kind == "livechat-close").expect("closed");
            assert_eq!(
                &kinds[at - 3..at],
                ["livechat_transfer_history", "ul", "uj"],
                "{rid}: {kinds:?}"
            );
        } else {
            assert_eq!(
                forward.json["error"], "This_conversation_is_already_closed",
                "{rid}: {}",
                forward.json
            );
            assert_eq!(transfers, 0, "{rid}: {kinds:?}");
        }
    }

    // A manager forwards to one department while the visitor switches to another.
    let ys = add_agent(&app, "sales-agent", "agent", "available");
    let zs = add_agent(&app, "billing-agent", "agent", "available");
    let sales = department(&bases[0], &admin, "Sales", &[&ys.id]).await;
    let billing = department(&bases[1], &admin, "Billing", &[&zs.id]).await;
    let mut rooms = Vec::new();
    for n in 0..10 {
        rooms.push(open_room(&bases[n % 2], &format!("switch-v{n}"), None).await);
    }
    let races = rooms.iter().enumerate().map(|(n, rid)| {
        let (bases, admin, sales, billing) = (&bases, &admin, &sales, &billing);
        async move {
            let body = json!({"roomId": rid, "departmentId": sales});
            let forward = call(
                &bases[n % 2],
                Some(admin),
                "POST",
                "/api/v1/livechat/room.forward",
                Some(body),
            );
            let switch =
                json!({"token": format!("switch-v{n}"), "rid": rid, "department": billing});
            let switch = call(
                &bases[(n + 1) % 2],
                None,
                "POST",
                "/api/v1/livechat/room.transfer",
                Some(switch),
            );
            let (forward, switch) = tokio::join!(forward, switch);
            (n, rid.clone(), forward, switch)
        }
    });
    for (n, rid, forward, switch) in futures_util::future::join_all(races).await {
        for reply in [&forward, &switch] {
            assert!(reply.status == 200 || reply.status == 400, "{rid}: {}", reply.json);
        }
        let room =
            call(&bases[0], None, "GET", &format!("/api/v1/livechat/room?token=switch-v{n}"), None)
                .await;
        let room = &room.json["room"];
        // Whatever came last holds: its department, and that department's agent.
        let department = room["departmentId"].as_str().expect("department");
        let agent = room["servedBy"]["_id"].as_str().expect("agent");
        let expected = if department == sales { &ys.id } else { &zs.id };
        assert_eq!(agent, expected.as_str(), "{rid}: {room}");
        let kinds = kinds(&bases[1], &admin, &rid).await;
        let transfers = kinds.iter().filter(|kind| *kind == "livechat_transfer_history").count();
        let succeeded = [&forward, &switch].iter().filter(|reply| reply.status == 200).count();
        assert_eq!(transfers, succeeded, "{rid}: {kinds:?}");
        assert!(succeeded >= 1, "{rid}: {} / {}", forward.json, switch.json);
    }
    assert_eq!(deadlocks(&app.database_url), before, "PostgreSQL broke a deadlock");
    handle.stop(false).await;
}
