//! The server is killed with SIGKILL at random moments while 16 clients send, and
//! restarted on the same database (on a new port, behind a proxy that follows it).

use std::time::{Duration, Instant};

use livechat_sdk::{AgentSession, Client};
use rand::{Rng as _, SeedableRng as _};

use crate::check::{self, Findings};
use crate::front::Front;
use crate::load::{self, Load, Settings};
use crate::server::{add_agent, Server};
use crate::{backend, database_url, fresh_password, record_secret, report};

const KILLS: usize = 10;
const CLIENTS: usize = 16;
const ROOMS: usize = 8;

/// Logs the agent in (retrying until the server answers) and makes it available.
pub async fn agent_session(url: &str, user: &str, password: &str) -> AgentSession {
    let client = Client::builder(url).timeout(Duration::from_secs(10)).build().expect("client");
    let started = Instant::now();
    loop {
        let attempt = async {
            let session = client.login(user, password).await?;
            record_secret(session.auth_token());
            session.set_available(true).await?;
            Ok::<_, livechat_sdk::Error>(session)
        };
        match attempt.await {
            Ok(session) => return session,
            Err(err) => {
                assert!(started.elapsed() < Duration::from_secs(60), "agent login: {err}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_at_random_moments_loses_nothing() {
    let backend = backend();
    let name = |n: usize| format!("crash-{backend}-{n:02}");
    let agent = "crash-agent";
    let password = fresh_password(agent);
    add_agent(agent, &password).await;

    let front = Front::start().await;
    let mut server = Server::start(&name(0), None, &[]).await;
    front.switch(Some(server.address));
    agent_session(&front.url, agent, &password).await;
    let rooms = load::rooms(&front.url, &format!("crash-{backend}"), ROOMS).await;
    let settings = Settings {
        label: format!("crash-{backend}"),
        clients: CLIENTS,
        timeout: Duration::from_secs(5),
        pause: Duration::from_millis(25),
        interval: Duration::ZERO,
    };
    let load = Load::start(&front.url, &rooms, &settings);
    load.wait_for(Duration::from_secs(30), "first acknowledgements", |t| t.acked.len() >= 50).await;

    let mut rng = rand::rngs::StdRng::from_entropy();
    let mut restarts = Vec::new();
    let mut recoveries = Vec::new();
    for kill in 1..=KILLS {
        tokio::time::sleep(Duration::from_millis(rng.gen_range(150..1500))).await;
        let killed_at = Instant::now();
        server.kill().await;
        front.switch(None);
        server = Server::start(&name(kill), None, &[]).await;
        let listening = Instant::now();
        front.switch(Some(server.address));
        restarts.push(listening - killed_at);
        load.wait_for(Duration::from_secs(30), "an acknowledgement after a restart", |t| {
            t.first_ack_after(listening).is_some()
        })
        .await;
        let recovered = load.tally.lock().ok().and_then(|t| t.first_ack_after(listening));
        recoveries.push(recovered.map_or(Duration::ZERO, |at| at - killed_at));
        if kill % 3 == 0 {
            agent_session(&front.url, agent, &password).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let tally = load.finish(Duration::from_secs(60)).await;
    let (listed, listing_order) = check::through_api(&front.url, &rooms).await;
    let warnings = server.warnings();
    // Once more without warning: the database is checked as a crash leaves it.
    server.kill().await;
    let (stored, integrity) = check::in_database(&database_url());

    let api = check::compare(&listed, &tally);
    let db = check::compare(&stored, &tally);
    report("crash", &figures(&tally, &api, &db, &integrity, &restarts, &recoveries));
    if !tally.server_errors.is_empty() {
        eprintln!("server warnings:\n{}", warnings.join("\n"));
    }
    assert_nothing_lost(&api, &db, &listing_order, &integrity, &tally);
    assert!(tally.acked.len() > 200, "too few acknowledged sends: {}", tally.acked.len());
}

/// What every fault test asserts at the end: the history API and the database hold every
/// acknowledged message exactly once, in order, the database is intact, and the clients saw
/// nothing but acknowledgements, 503 envelopes and broken connections.
pub fn assert_nothing_lost(
    api: &Findings,
    db: &Findings,
    listing_order: &[String],
    integrity: &str,
    tally: &load::Tally,
) {
    api.assert_clean("history API");
    db.assert_clean("database");
    assert!(listing_order.is_empty(), "history out of order: {:?}", &listing_order[..1]);
    assert_eq!(integrity, "ok", "integrity check");
    assert_clean_tally(tally);
}

/// The clients saw nothing but acknowledgements, 503 envelopes and broken connections.
fn assert_clean_tally(tally: &load::Tally) {
    assert!(
        tally.server_errors.is_empty(),
        "5xx other than 503 or replies without the envelope: {:?}",
        &tally.server_errors[..tally.server_errors.len().min(5)]
    );
    assert!(
        tally.client_errors.is_empty(),
        "4xx replies to valid sends: {:?}",
        &tally.client_errors[..tally.client_errors.len().min(5)]
    );
    assert!(tally.mismatches.is_empty(), "wrong acknowledgements: {:?}", &tally.mismatches[..1]);
    assert!(tally.abandoned.is_empty(), "{} sends never acknowledged", tally.abandoned.len());
}

/// The figures every fault test reports.
pub fn base_figures(
    tally: &load::Tally,
    api: &Findings,
    db: &Findings,
    integrity: &str,
) -> Vec<(&'static str, String)> {
    let lost = api.lost.len().max(db.lost.len());
    let duplicated = api.duplicated.len().max(db.duplicated.len());
    let unknown = api.unknown.len().max(db.unknown.len());
    vec![
        ("acknowledged", tally.acked.len().to_string()),
        ("lost", lost.to_string()),
        ("duplicated", duplicated.to_string()),
        ("unknown", unknown.to_string()),
        ("ts_violations", (api.ts_order.len() + db.ts_order.len()).to_string()),
        ("http503", tally.unavailable.to_string()),
        ("other5xx", tally.server_errors.len().to_string()),
        ("http4xx", tally.client_errors.len().to_string()),
        ("timeouts", tally.timeouts.to_string()),
        ("transport_errors", tally.transport.to_string()),
        ("abandoned", tally.abandoned.len().to_string()),
        ("stored_in_database", db.stored.to_string()),
        ("integrity", integrity.replace(' ', "_")),
    ]
}

fn figures(
    tally: &load::Tally,
    api: &Findings,
    db: &Findings,
    integrity: &str,
    restarts: &[Duration],
    recoveries: &[Duration],
) -> Vec<(&'static str, String)> {
    let mut figures = base_figures(tally, api, db, integrity);
    figures.push(("kills", restarts.len().to_string()));
    figures.push(("restart_max_s", seconds(restarts.iter().max())));
    figures.push(("recovery_mean_s", mean(recoveries)));
    figures.push(("recovery_max_s", seconds(recoveries.iter().max())));
    figures
}

/// Seconds with two decimals.
pub fn seconds(duration: Option<&Duration>) -> String {
    duration.map_or_else(|| "-".into(), |d| format!("{:.2}", d.as_secs_f64()))
}

fn mean(durations: &[Duration]) -> String {
    if durations.is_empty() {
        return "-".into();
    }
    let total: Duration = durations.iter().sum();
    seconds(Some(&(total / durations.len() as u32)))
}
