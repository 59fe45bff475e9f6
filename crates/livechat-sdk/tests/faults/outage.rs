//! The connection between the server and PostgreSQL is cut and restored twice while 16
//! clients send: clear 503 envelopes during the cut, no 500s, recovery without a restart,
//! nothing acknowledged lost, nothing stored twice.

use std::net::{SocketAddr, ToSocketAddrs as _};
use std::time::{Duration, Instant};

use crate::check;
use crate::crash::{assert_nothing_lost, base_figures, seconds};
use crate::load::{self, Load, Settings};
use crate::proxy::Proxy;
use crate::server::Server;
use crate::{backend, database_url, report};

const CUTS: usize = 2;
const CUT_FOR: Duration = Duration::from_secs(4);

/// The database server's address in a `postgres://` URL, and the URL with `proxy` in its
/// place.
fn through(url: &str, proxy: Option<SocketAddr>) -> (SocketAddr, String) {
    let (scheme, rest) = url.split_once("://").expect("postgres URL");
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (user, host_port) = authority.rsplit_once('@').map_or(("", authority), |(u, h)| (u, h));
    let host_port =
        if host_port.contains(':') { host_port.to_owned() } else { format!("{host_port}:5432") };
    let upstream = host_port.to_socket_addrs().expect("resolve").next().expect("an address");
    let user = if user.is_empty() { String::new() } else { format!("{user}@") };
    let target = proxy.map_or(host_port, |proxy| proxy.to_string());
    (upstream, format!("{scheme}://{user}{target}/{path}"))
}

/// `GET /readyz`: its status, and whether the body is the API's 503 envelope.
async fn readiness(url: &str) -> (u16, bool) {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("http");
    let Ok(res) = http.get(format!("{url}/readyz")).send().await else { return (0, false) };
    let status = res.status().as_u16();
    let body: serde_json::Value = res.json().await.unwrap_or_default();
    let envelope = body == serde_json::json!({"success": false, "error": "service-unavailable"});
    (status, envelope)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn database_cut_gives_503_and_recovers_without_loss() {
    assert_eq!(backend(), "postgres", "the outage test needs PostgreSQL");
    let url = database_url();
    let (upstream, _) = through(&url, None);
    let proxy = Proxy::start(upstream).await;
    let (_, proxied) = through(&url, Some(proxy.address));
    let server = Server::start(
        "outage-postgres",
        Some(&proxied),
        &["--db-pool-size", "4", "--db-timeout-ms", "2000"],
    )
    .await;
    let rooms = load::rooms(&server.url, "outage", 8).await;
    let settings = Settings {
        label: "outage".into(),
        clients: 16,
        timeout: Duration::from_secs(15),
        pause: Duration::from_millis(50),
        interval: Duration::ZERO,
    };
    let load = Load::start(&server.url, &rooms, &settings);

    let mut first_503 = Vec::new();
    let mut recoveries = Vec::new();
    let mut readyz = Vec::new();
    for _ in 0..CUTS {
        let target = load.acked() + 300;
        load.wait_for(Duration::from_secs(30), "acknowledgements before a cut", |t| {
            t.acked.len() >= target
        })
        .await;
        proxy.cut();
        let cut_at = Instant::now();
        load.wait_for(Duration::from_secs(10), "a 503 after the cut", |t| {
            t.unavailable_at.iter().any(|at| *at > cut_at)
        })
        .await;
        let first = load
            .tally
            .lock()
            .ok()
            .and_then(|t| t.unavailable_at.iter().filter(|at| **at > cut_at).min().copied());
        first_503.push(first.map_or(Duration::ZERO, |at| at - cut_at));
        readyz.push(readiness(&server.url).await);
        tokio::time::sleep(CUT_FOR.saturating_sub(cut_at.elapsed())).await;

        proxy.restore();
        let restored_at = Instant::now();
        load.wait_for(Duration::from_secs(30), "an acknowledgement after the restore", |t| {
            t.first_ack_after(restored_at).is_some()
        })
        .await;
        let recovered = load.tally.lock().ok().and_then(|t| t.first_ack_after(restored_at));
        recoveries.push(recovered.map_or(Duration::ZERO, |at| at - restored_at));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let tally = load.finish(Duration::from_secs(60)).await;
    let (listed, listing_order) = check::through_api(&server.url, &rooms).await;
    let ready_after = readiness(&server.url).await;
    let warnings = server.warnings();
    server.kill().await;
    let (stored, integrity) = check::in_database(&url);

    let api = check::compare(&listed, &tally);
    let db = check::compare(&stored, &tally);
    let mut figures = base_figures(&tally, &api, &db, &integrity);
    figures.push(("cuts", CUTS.to_string()));
    figures.push(("first_503_max_s", seconds(first_503.iter().max())));
    figures.push(("recovery_max_s", seconds(recoveries.iter().max())));
    report("outage", &figures);
    if !tally.server_errors.is_empty() {
        eprintln!("server warnings:\n{}", warnings.join("\n"));
    }
    assert_nothing_lost(&api, &db, &listing_order, &integrity, &tally);
    assert_eq!(tally.timeouts, 0, "requests hung instead of answering 503");
    for (status, envelope) in readyz {
        assert!(status == 503 && envelope, "readyz during the cut: {status}, envelope {envelope}");
    }
    assert_eq!(ready_after.0, 200, "readyz after the outage");
}
