//! A rate-limited client: 429 carries `Retry-After`, and the SDK's retrying send waits that
//! long and then succeeds, storing each message once.
//!
//! Runs against a server of its own (the suite's server has its limits off), started from
//! `LIVECHAT_SERVER_BIN` on a fresh SQLite file.

use std::time::Duration;

use futures_util::TryStreamExt as _;
use livechat_sdk::types::message::send;
use livechat_sdk::{Client, Error, RetryPolicy};

use crate::{fresh_token, process};

#[tokio::test]
async fn a_rate_limited_send_waits_for_retry_after_and_is_stored_once() {
    let bin = std::env::var("LIVECHAT_SERVER_BIN")
        .expect("LIVECHAT_SERVER_BIN is not set: run via `cargo xtask e2e`");
    let folder = std::env::temp_dir().join(format!(
        "livechat-e2e-limits-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::create_dir_all(&folder).expect("a temporary folder");
    let database = folder.join("limits.db");
    // One request a second per token after a burst of 15.
    let server = process::Instance::start(
        &bin,
        &database.display().to_string(),
        &["--rate-limit", "on", "--rate-limit-per-ip", "0", "--rate-limit-per-token", "60"],
    )
    .await;

    let impatient =
        Client::builder(server.url.clone()).retry(RetryPolicy::none()).build().expect("client");
    let visitor = impatient.register(fresh_token("limited")).await.expect("register");
    let room = visitor.room_id().await.expect("room");
    let mut refusal = None;
    for n in 0..100 {
        match visitor.send(format!("burst {n}")).await {
            Ok(_) => {}
            Err(err) => {
                refusal = Some(err);
                break;
            }
        }
    }
    let refusal = refusal.expect("no send was refused within 100");
    assert!(matches!(refusal, Error::Api { status: 429, .. }), "{refusal:?}");
    assert!(refusal.is_retryable());
    let wait = refusal.retry_after().expect("a Retry-After");
    assert!(wait >= Duration::from_secs(1) && wait <= Duration::from_secs(60), "{wait:?}");

    // The default policy waits as long as the server asks, so every send gets through.
    let patient = Client::new(server.url.clone()).expect("client");
    let mut sent = Vec::new();
    for n in 0..4 {
        let req = send::Request::new(visitor.token().clone(), room.clone(), format!("patient {n}"));
        sent.push(patient.send_message(&req).await.expect("a patient send").message.id);
    }
    tokio::time::sleep(wait).await;
    let stored: Vec<_> = patient
        .history_stream(room, visitor.token().clone(), 100)
        .try_collect()
        .await
        .expect("history");
    for id in &sent {
        assert_eq!(stored.iter().filter(|message| &message.id == id).count(), 1, "{id:?}");
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&folder);
}
