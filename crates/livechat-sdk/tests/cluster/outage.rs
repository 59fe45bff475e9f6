//! The connection to PostgreSQL is cut under load and restored: clear 503s, recovery, and
//! every acknowledged message present exactly once.

use std::collections::HashSet;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt as _;
use livechat_sdk::types::message::send;
use livechat_sdk::{Client, Error, MessageId, RetryPolicy};

use crate::process::Instance;
use crate::proxy::Proxy;
use crate::{fresh_token, setup};

/// `host:port` of the URL's server, and the URL with that replaced by `proxy`.
fn through_proxy(url: &str, proxy: Option<SocketAddr>) -> (SocketAddr, String) {
    let (scheme, rest) = url.split_once("://").expect("postgres URL");
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (user, host_port) = authority.rsplit_once('@').map_or(("", authority), |(u, h)| (u, h));
    let host_port =
        if host_port.contains(':') { host_port.to_owned() } else { format!("{host_port}:5432") };
    let upstream = host_port.to_socket_addrs().expect("resolve").next().expect("address");
    let user = if user.is_empty() { String::new() } else { format!("{user}@") };
    let target = proxy.map_or(host_port, |proxy| proxy.to_string());
    (upstream, format!("{scheme}://{user}{target}/{path}"))
}

#[derive(Default)]
struct Tally {
    acked: Vec<MessageId>,
    unknown: Vec<MessageId>,
    unavailable: usize,
    other: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn outage_gives_503_and_recovers_without_loss() {
    let (bin, url) = setup();
    let (upstream, _) = through_proxy(&url, None);
    let proxy = Proxy::start(upstream).await;
    let (_, proxied) = through_proxy(&url, Some(proxy.address));
    let server =
        Instance::start(&bin, &proxied, &["--db-pool-size", "4", "--db-timeout-ms", "2000"]).await;
    let client = Client::builder(&server.url)
        .retry(RetryPolicy::none())
        .timeout(Duration::from_secs(15))
        .build()
        .expect("client");
    let visitor = client.register(fresh_token("outage")).await.expect("register");
    let room_id = visitor.room_id().await.expect("room");

    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let workers: Vec<_> = (0..8)
        .map(|worker| {
            let (client, stop, tally) = (client.clone(), stop.clone(), tally.clone());
            let (token, room_id) = (visitor.token().clone(), room_id.clone());
            tokio::spawn(async move {
                for n in 0..2000 {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let id = MessageId::from(format!("outage-{worker}-{n}"));
                    let req = send::Request::new(
                        token.clone(),
                        room_id.clone(),
                        format!("m {worker} {n}"),
                    )
                    .with_id(id.clone());
                    let result = client.send_message(&req).await;
                    let failed = result.is_err();
                    {
                        let mut tally = tally.lock().expect("tally");
                        match result {
                            Ok(_) => tally.acked.push(id),
                            Err(Error::Api { status: 503, .. }) => {
                                tally.unavailable += 1;
                                tally.unknown.push(id);
                            }
                            Err(err) => {
                                tally.other.push(err.to_string());
                                tally.unknown.push(id);
                            }
                        }
                    }
                    if failed {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            })
        })
        .collect();

    wait_until(Duration::from_secs(60), || tally.lock().is_ok_and(|t| t.acked.len() >= 100)).await;
    proxy.cut();
    let cut_at = Instant::now();
    let http = reqwest::Client::new();
    let ready = format!("{}/readyz", server.url);
    loop {
        let status = http.get(&ready).send().await.map(|res| res.status().as_u16()).unwrap_or(0);
        if status == 503 {
            break;
        }
        assert!(cut_at.elapsed() < Duration::from_secs(10), "no 503 within 10 s of the outage");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    wait_until(Duration::from_secs(20), || tally.lock().is_ok_and(|t| t.unavailable > 0)).await;
    let acked_before_restore = tally.lock().map_or(0, |t| t.acked.len());

    proxy.restore();
    let restored_at = Instant::now();
    wait_until(Duration::from_secs(5), || {
        tally.lock().is_ok_and(|t| t.acked.len() > acked_before_restore)
    })
    .await;
    let recovery = restored_at.elapsed();
    stop.store(true, Ordering::SeqCst);
    for worker in workers {
        worker.await.expect("worker");
    }

    let tally = Arc::try_unwrap(tally).ok().expect("workers done").into_inner().expect("tally");
    assert!(
        tally.other.is_empty(),
        "errors other than 503: {:?}",
        &tally.other[..tally.other.len().min(5)]
    );
    // Sends whose outcome was unknown are retried with their ids, as clients do.
    for id in &tally.unknown {
        let req = send::Request::new(visitor.token().clone(), room_id.clone(), "retry")
            .with_id(id.clone());
        client.send_message(&req).await.expect("retry after the outage");
    }
    let listed: Vec<_> =
        visitor.history().await.expect("history").try_collect().await.expect("pages");
    let listed_ids: Vec<_> =
        listed.iter().filter(|m| m.kind.is_none()).map(|m| m.id.clone()).collect();
    let unique: HashSet<_> = listed_ids.iter().cloned().collect();
    assert_eq!(unique.len(), listed_ids.len(), "a message is stored twice");
    for id in &tally.acked {
        assert!(unique.contains(id), "acknowledged message {id} is lost");
    }
    let attempted: HashSet<_> = tally.acked.iter().chain(&tally.unknown).cloned().collect();
    assert!(unique.is_subset(&attempted), "a message nobody sent appeared");
    eprintln!(
        "outage: {} acknowledged, {} answered 503, recovered {:.2}s after restore",
        tally.acked.len(),
        tally.unavailable,
        recovery.as_secs_f64()
    );
}

async fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "condition not met within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
