//! Rate limits, trusted proxies, CORS and request timeouts: each limit engages, answers with
//! the SPEC's envelope, changes nothing, and the service answers normally afterwards.

use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::{Res, TestApp};

/// Sends requests until one is refused with 429; returns how many passed before it and the
/// refusal. Fails when none is refused within `max` requests.
async fn until_limited<F, Fut>(max: usize, mut request: F) -> (usize, Res)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Res>,
{
    for attempt in 0..max {
        let res = request(attempt).await;
        if res.status == 429 {
            return (attempt, res);
        }
        assert_eq!(res.status, 200, "request {attempt}: {}", res.json);
    }
    panic!("no 429 within {max} requests");
}

#[track_caller]
fn assert_too_many(res: &Res) -> Duration {
    assert_eq!(res.status, 429);
    assert_eq!(
        res.json,
        json!({"success": false, "error": "Too many requests, try again later [error-too-many-requests]"})
    );
    let seconds: u64 = res
        .headers
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
        .expect("a Retry-After in whole seconds");
    assert!((1..=60).contains(&seconds), "Retry-After {seconds}");
    Duration::from_secs(seconds)
}

#[actix_web::test]
async fn per_address_limit_engages_and_recovers() {
    // 60 a minute: bursts of 15, then one a second.
    let app = TestApp::with_config(|config| {
        config.rate_limit = true;
        config.rate_limit_per_ip = 60;
        config.rate_limit_per_token = 0;
    })
    .await;
    let (passed, refused) =
        until_limited(200, |_| app.get("/api/v1/livechat/config?token=anyone")).await;
    // Bursts of 15 (the test's own start-up fetched the OpenAPI document: one of them).
    assert!(passed >= 10, "refused after {passed}");
    let wait = assert_too_many(&refused);
    // Operations endpoints and the widget's files are not counted.
    assert_eq!(app.get("/healthz").await.status, 200);
    tokio::time::sleep(wait).await;
    app.get("/api/v1/livechat/config?token=anyone").await.ok();
}

#[actix_web::test]
async fn per_token_limit_engages_changes_nothing_and_spares_other_tokens() {
    let app = TestApp::with_config(|config| {
        config.rate_limit = true;
        config.rate_limit_per_ip = 0;
        config.rate_limit_per_token = 60;
    })
    .await;
    let rid = app.visitor_with_room("busy-token").await;
    let (passed, refused) = until_limited(200, |n| {
        let (rid, msg) = (rid.clone(), format!("message {n}"));
        let app = &app;
        async move { app.send("busy-token", &rid, &msg).await }
    })
    .await;
    assert!(passed >= 10, "refused after {passed}");
    let wait = assert_too_many(&refused);
    // The refused send stored nothing; the token counts in paths and query strings too.
    let path = app.get("/api/v1/livechat/visitor/busy-token").await;
    assert_too_many(&path);
    let other = app.visitor_with_room("calm-token").await;
    app.send("calm-token", &other, "hello").await.ok();
    tokio::time::sleep(wait).await;
    app.send("busy-token", &rid, "after the pause").await.ok();
    tokio::time::sleep(wait).await;
    let history = app.history("busy-token", &rid).await;
    let stored: Vec<_> = history
        .iter()
        .filter_map(|m| m["msg"].as_str())
        .filter(|m| m.starts_with("message "))
        .collect();
    assert_eq!(stored.len(), passed, "only the accepted sends are stored: {stored:?}");
}

#[actix_web::test]
async fn login_attempts_are_limited_per_username() {
    let app = TestApp::with_config(|config| {
        config.rate_limit = true;
        config.rate_limit_per_ip = 0;
        config.rate_limit_login = 8;
    })
    .await;
    app.add_user("guessed", super::AGENT_PASSWORD, "agent");
    let attempt = |password: &'static str| {
        app.post("/api/v1/login", json!({"user": "guessed", "password": password}))
    };
    // Bursts of two, then one every 7.5 s.
    assert_eq!(attempt("wrong-1").await.status, 401);
    assert_eq!(attempt("wrong-2").await.status, 401);
    let refused = attempt(super::AGENT_PASSWORD).await;
    assert_too_many(&refused);
    // Another username is not affected.
    app.add_user("other", super::AGENT_PASSWORD, "agent");
    app.post("/api/v1/login", json!({"user": "other", "password": super::AGENT_PASSWORD}))
        .await
        .ok();
}

#[actix_web::test]
async fn forwarded_for_counts_only_from_trusted_proxies() {
    let headers = |client: &'static str| [("x-forwarded-for", client)];
    // Behind a trusted proxy, each forwarded client has its own allowance.
    let proxied = TestApp::with_config(|config| {
        config.rate_limit = true;
        config.rate_limit_per_ip = 4;
        config.rate_limit_per_token = 0;
        config.trusted_proxies = vec!["127.0.0.0/8".parse().expect("net")];
    })
    .await;
    let path = "/api/v1/livechat/config";
    proxied.get_with(path, &headers("203.0.113.7")).await.ok();
    assert_too_many(&proxied.get_with(path, &headers("203.0.113.7")).await);
    // The client cannot escape by prepending addresses of its own.
    assert_too_many(&proxied.get_with(path, &headers("198.51.100.1, 203.0.113.7")).await);
    proxied.get_with(path, &headers("203.0.113.8")).await.ok();

    // From an untrusted peer the header is ignored: the peer itself is the client (bursts of
    // two, one taken by the test's start-up).
    let direct = TestApp::with_config(|config| {
        config.rate_limit = true;
        config.rate_limit_per_ip = 8;
        config.rate_limit_per_token = 0;
    })
    .await;
    direct.get_with(path, &headers("203.0.113.7")).await.ok();
    assert_too_many(&direct.get_with(path, &headers("203.0.113.9")).await);
}

#[actix_web::test]
async fn rate_limit_off_never_refuses() {
    let app = TestApp::with_config(|config| {
        config.rate_limit = false;
        config.rate_limit_per_ip = 4;
        config.rate_limit_per_token = 4;
    })
    .await;
    let rid = app.visitor_with_room("unlimited").await;
    for n in 0..20 {
        app.send("unlimited", &rid, &format!("m{n}")).await.ok();
    }
}

/// Writes `head` (and `body`) on a raw connection, then reads until the server closes it or
/// `within` passes; returns what was read.
async fn raw_exchange(app: &TestApp, parts: &[&[u8]], within: Duration) -> String {
    let address = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
    for part in parts {
        stream.write_all(part).await.expect("write");
    }
    let mut read = Vec::new();
    let outcome = tokio::time::timeout(within, stream.read_to_end(&mut read)).await;
    assert!(outcome.is_ok(), "the server kept a stalled connection open past {within:?}");
    String::from_utf8_lossy(&read).into_owned()
}

#[actix_web::test]
async fn a_trickled_body_is_cut_off_with_408() {
    let app = TestApp::with_config(|config| config.request_timeout_ms = 300).await;
    let head = b"POST /api/v1/livechat/visitor HTTP/1.1\r\nHost: x\r\n\
                 Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"visitor\":";
    let reply = raw_exchange(&app, &[head], Duration::from_secs(20)).await;
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains("[error-request-timeout]"), "{reply}");
    assert!(reply.contains("content-type: application/json"), "{reply}");
    // The service goes on answering.
    app.register("after-the-stall").await;
}

#[actix_web::test]
async fn a_stalled_request_head_is_cut_off() {
    let app = TestApp::with_config(|config| config.request_timeout_ms = 300).await;
    // 0.3 s and a second of grace; actix's own default would wait 5 s, so a bound of 4 s
    // tells whether the setting took effect, with room for a slow machine.
    let reply = raw_exchange(
        &app,
        &[b"GET /api/v1/livechat/config HTTP/1.1\r\nHost"],
        Duration::from_secs(4),
    )
    .await;
    // The connection is closed (actix answers 408 first when it can).
    assert!(reply.is_empty() || reply.starts_with("HTTP/1.1 408"), "{reply}");
    app.get("/api/v1/livechat/config").await.ok();
}

#[actix_web::test]
async fn cors_answers_configured_origins_only() {
    let app = TestApp::with_config(|config| {
        config.cors_origins = vec!["https://shop.example".into()];
    })
    .await;
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/livechat/message", app.base);
    let preflight = client
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .expect("preflight");
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "https://shop.example");
    let allowed =
        app.get_with("/api/v1/livechat/config", &[("origin", "https://shop.example")]).await.ok();
    assert_eq!(allowed["success"], true);
    let plain = client
        .get(format!("{}/api/v1/livechat/config", app.base))
        .header("origin", "https://shop.example")
        .send()
        .await
        .expect("get");
    assert_eq!(plain.headers()["access-control-allow-origin"], "https://shop.example");
    // Another site gets no CORS headers, and its preflight an envelope, never a bare error.
    let foreign = client
        .get(format!("{}/api/v1/livechat/config", app.base))
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("get");
    assert!(!foreign.headers().contains_key("access-control-allow-origin"));
    let foreign_preflight = client
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .expect("preflight");
    assert!(!foreign_preflight.headers().contains_key("access-control-allow-origin"));
    if !foreign_preflight.status().is_success() {
        assert_eq!(foreign_preflight.headers()["content-type"], "application/json");
        let body: serde_json::Value = foreign_preflight.json().await.expect("a JSON envelope");
        assert_eq!(body["success"], false);
    }
}

#[actix_web::test]
async fn without_cors_origins_there_are_no_cors_headers() {
    let app = TestApp::new().await;
    let res = app.get_with("/api/v1/livechat/config", &[("origin", "https://shop.example")]).await;
    assert!(!res.headers.contains_key("access-control-allow-origin"));
}

#[actix_web::test]
async fn realtime_calls_count_against_the_address_limit() {
    use super::realtime::support::Ddp;
    let app = TestApp::with_config(|config| {
        config.rate_limit = true;
        config.rate_limit_per_ip = 60;
        config.rate_limit_per_token = 0;
    })
    .await;
    let mut ddp = Ddp::connect(&app.base).await;
    let mut refused = None;
    for n in 0..200 {
        let id = format!("c{n}");
        let result =
            ddp.call(&id, "livechat:setUpConnection", json!([{"token": "socket-token"}])).await;
        if result.get("error").is_some() {
            refused = Some((n, result));
            break;
        }
    }
    let (n, result) = refused.expect("no call was refused within 200");
    assert!(n >= 10, "refused after {n}");
    assert_eq!(result["error"]["error"], "too-many-requests", "{result}");
    // The socket stays open and works again after a pause.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let again = ddp.call("later", "livechat:setUpConnection", json!([{"token": "t"}])).await;
    assert!(again.get("error").is_none(), "{again}");
}
