//! Rooms open through two instances (four writers each) while agents come and go: every
//! request succeeds at the first try, with the default database timeout, and PostgreSQL
//! never has to break a deadlock.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use diesel::sql_types::{BigInt, Text};
use diesel::RunQueryDsl as _;
use futures_util::stream::{self, StreamExt as _};
use livechat_sdk::types::room::open;
use livechat_sdk::{Client, RetryPolicy, VisitorToken};

use crate::process::Instance;
use crate::{fresh_token, setup};

/// Agents, visitors, and the `GET livechat/room` calls each visitor makes at once.
const AGENTS: usize = 3;
const VISITORS: usize = 200;
const OPENS_PER_VISITOR: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rooms_open_while_agents_come_and_go_without_a_deadlock() {
    let (bin, database) = setup();
    let agents: Vec<String> = (0..AGENTS).map(|n| format!("race-agent-{n}")).collect();
    for agent in &agents {
        add_agent(&bin, &database, agent);
    }
    let before = deadlocks(&database);
    // The default database timeout: a deadlock or a writer stuck behind another's lock would
    // turn into 503s.
    let flags = ["--db-writers", "4", "--db-timeout-ms", "2000"];
    let instances = [
        Instance::start(&bin, &database, &flags).await,
        Instance::start(&bin, &database, &flags).await,
    ];
    let clients: Vec<Client> = instances
        .iter()
        .map(|instance| {
            Client::builder(&instance.url).retry(RetryPolicy::none()).build().expect("client")
        })
        .collect();
    let mut sessions = Vec::new();
    for (n, agent) in agents.iter().enumerate() {
        let session = clients[n % 2].login(agent.as_str(), PASSWORD).await.expect("login");
        session.set_available(true).await.expect("available");
        sessions.push(session);
    }

    // First wave: every agent available.
    let first = open_rooms(&clients, "race-a").await;
    // Second wave: agents toggle their availability (draining the queue each time they come
    // back) while the rooms open.
    let toggling = sessions.iter().enumerate().map(|(n, session)| async move {
        for round in 0..6 {
            let available = round % 2 == 1;
            session.set_available(available).await.map_err(|err| format!("agent {n}: {err}"))?;
            tokio::time::sleep(Duration::from_millis(20 * (n as u64 + 1))).await;
        }
        Ok::<_, String>(())
    });
    let (second, toggled) =
        tokio::join!(open_rooms(&clients, "race-b"), futures_util::future::join_all(toggling));
    let failures: Vec<String> = first
        .failures
        .iter()
        .chain(&second.failures)
        .cloned()
        .chain(toggled.into_iter().filter_map(Result::err))
        .collect();
    if !failures.is_empty() {
        for instance in &instances {
            for line in instance.log().await {
                if line.contains("WARN") || line.contains("ERROR") {
                    eprintln!("{line}");
                }
            }
        }
        panic!(
            "{} requests failed, for example: {:?}",
            failures.len(),
            &failures[..failures.len().min(5)]
        );
    }
    // Everyone available at the end, so every waiting room gets its agent.
    for session in &sessions {
        session.set_available(true).await.expect("available at the end");
    }

    for wave in [&first, &second] {
        assert_eq!(wave.rooms.len(), VISITORS);
        assert!(wave.rooms.values().all(|ids| ids.len() == 1), "a visitor got two open rooms");
    }
    let mut conn = database.connect();
    let rooms: Vec<Count> = diesel::sql_query(
        "SELECT visitor_id AS key, COUNT(*) AS count FROM rooms WHERE open GROUP BY visitor_id",
    )
    .load(&mut conn)
    .expect("rooms");
    assert_eq!(rooms.len(), 2 * VISITORS);
    assert!(rooms.iter().all(|room| room.count == 1), "a visitor has two open rooms");
    let unserved: Vec<Count> = diesel::sql_query(
        "SELECT id AS key, 1::BIGINT AS count FROM rooms WHERE open AND served_by_id IS NULL",
    )
    .load(&mut conn)
    .expect("queue");
    assert!(unserved.is_empty(), "{} rooms still wait with every agent available", unserved.len());
    let joins: Vec<Count> = diesel::sql_query(
        "SELECT rid AS key, COUNT(*) AS count FROM messages WHERE kind = 'uj' GROUP BY rid",
    )
    .load(&mut conn)
    .expect("joins");
    assert_eq!(joins.len(), 2 * VISITORS, "every room was given to an agent");
    assert!(joins.iter().all(|join| join.count == 1), "a room was given to an agent twice");
    drop(conn);

    // A backend reports its deadlocks to the statistics when it exits at the latest.
    drop(clients);
    drop(instances);
    let mut after = deadlocks(&database);
    for _ in 0..20 {
        if after != before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = deadlocks(&database);
    }
    assert_eq!(after, before, "PostgreSQL broke {} deadlocks", after - before);
}

const PASSWORD: &str = "race-agent-password";

/// One wave: a new visitor per slot, each opening its room several times at once through
/// both instances.
struct Wave {
    rooms: HashMap<VisitorToken, HashSet<String>>,
    failures: Vec<String>,
}

async fn open_rooms(clients: &[Client], label: &str) -> Wave {
    let tokens: Vec<VisitorToken> =
        (0..VISITORS).map(|n| fresh_token(&format!("{label}-{n}"))).collect();
    let registered = stream::iter(tokens.iter().enumerate())
        .map(|(n, token)| {
            let client = clients[n % 2].clone();
            async move { client.register(token.clone()).await.map(drop) }
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await;
    let mut failures: Vec<String> = registered
        .into_iter()
        .filter_map(|result| result.err().map(|err| err.to_string()))
        .collect();
    let opens = tokens
        .iter()
        .flat_map(|token| (0..OPENS_PER_VISITOR).map(move |attempt| (token.clone(), attempt)));
    let replies: Vec<_> = stream::iter(opens)
        .map(|(token, attempt)| {
            let client = clients[attempt % 2].clone();
            async move {
                let reply = client.open_room(&open::Request::new(token.clone())).await;
                (token, reply)
            }
        })
        .buffer_unordered(80)
        .collect()
        .await;
    let mut rooms: HashMap<VisitorToken, HashSet<String>> = HashMap::new();
    for (token, reply) in replies {
        match reply {
            Ok(reply) => {
                rooms.entry(token).or_default().insert(reply.room.id.as_str().to_owned());
            }
            Err(err) => failures.push(format!("open: {err}")),
        }
    }
    Wave { rooms, failures }
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = Text)]
    #[allow(dead_code)]
    key: String,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[derive(diesel::QueryableByName)]
struct Deadlocks {
    #[diesel(sql_type = BigInt)]
    deadlocks: i64,
}

/// PostgreSQL's count of deadlocks it broke in this database.
fn deadlocks(database: &crate::Database) -> i64 {
    let mut conn = database.connect();
    diesel::sql_query("SELECT pg_stat_clear_snapshot()").execute(&mut conn).expect("snapshot");
    diesel::sql_query(
        "SELECT COALESCE(deadlocks, 0)::BIGINT AS deadlocks FROM pg_stat_database \
         WHERE datname = current_database()",
    )
    .get_result::<Deadlocks>(&mut conn)
    .expect("pg_stat_database")
    .deadlocks
}

/// Adds an agent with the server's own `user add` command.
fn add_agent(bin: &str, database: &crate::Database, username: &str) {
    use std::io::Write as _;
    let mut child = std::process::Command::new(bin)
        .args(["--database-url", &database.url, "user", "add", "--username", username])
        .args(["--password-stdin", "--role", "agent"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("run user add");
    if let Some(mut stdin) = child.stdin.take() {
        writeln!(stdin, "{PASSWORD}").expect("password");
    }
    assert!(child.wait().expect("user add").success(), "user add {username}");
}
