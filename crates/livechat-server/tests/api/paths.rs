//! One path for everything (README, "Limits"): a path with escaped unreserved characters
//! (`/%61pi/v1/livechat/config`) reaches the same route, gets the same reply and counts against
//! the same rate limit as the plain path.
//!
//! The routes are read from the served OpenAPI document, so a new endpoint is covered
//! without touching this file. The properties run on proptest's runner (with shrinking), each
//! case on the test's actix system.

use std::sync::atomic::{AtomicU32, Ordering};

use actix_web::rt::System;
use livechat_types::encode_path_segment;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config as Cases, TestCaseError, TestRunner};
use reqwest::Method;
use serde_json::{json, Value};

use crate::{AgentSession, TestApp};

/// A visitor token with characters that travel escaped in a path: `/`, a space, `%`, `+`.
const TOKEN: &str = "tok/en a%b+c~d.e_f-g";

/// The values a route's path and query name.
struct Values {
    token: String,
    rid: String,
    id: String,
    username: String,
}

impl Values {
    /// Values that exist nowhere, with characters that travel escaped.
    fn missing() -> Self {
        Self {
            token: "nobody/here at%all".into(),
            rid: "no-room+here".into(),
            id: "no/message".into(),
            username: "no one".into(),
        }
    }

    fn of(&self, name: &str) -> &str {
        match name {
            "token" => &self.token,
            "rid" => &self.rid,
            "id" => &self.id,
            "username" => &self.username,
            // A parameter added later: any value reaches the route.
            _ => "some-value",
        }
    }
}

/// One request to a route.
#[derive(Clone, Debug)]
struct Sample {
    method: Method,
    /// The path as a client writes it: each value escaped as one segment.
    path: String,
    /// The query string with its `?`, or nothing.
    query: String,
    /// Whether the request carries the admin's credentials.
    as_admin: bool,
}

impl Sample {
    fn get(path: String) -> Self {
        Self { method: Method::GET, path, query: String::new(), as_admin: false }
    }
}

/// A request for every operation of the OpenAPI document. GETs name `reads` and carry the
/// admin's credentials, so their replies carry data. The others name values that do not
/// exist and carry no credentials and no body: each is refused, and nothing changes.
fn api_samples(document: &Value, reads: &Values) -> Vec<Sample> {
    let missing = Values::missing();
    let mut samples = Vec::new();
    for (template, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let values = if method == Method::GET { reads } else { &missing };
            let mut path = String::new();
            let mut rest = template.as_str();
            while let Some(start) = rest.find('{') {
                let end = rest[start..].find('}').map_or(rest.len(), |end| start + end);
                path.push_str(&rest[..start]);
                path.push_str(&encode_path_segment(values.of(&rest[start + 1..end])));
                rest = rest.get(end + 1..).unwrap_or_default();
            }
            path.push_str(rest);
            // Unknown query parameters are ignored (SPEC section 1): every GET names both.
            let query = if method == Method::GET {
                let (token, rid) = (encode_path_segment(&values.token), &values.rid);
                format!("?token={token}&rid={}", encode_path_segment(rid))
            } else {
                String::new()
            };
            let as_admin = method == Method::GET;
            samples.push(Sample { method, path, query, as_admin });
        }
    }
    assert!(samples.len() >= 20, "only {} operations documented", samples.len());
    samples
}

/// Whether `byte` is one of RFC 3986's unreserved characters.
fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

/// `path` with some of its unreserved characters escaped: the n-th such character (escapes
/// already in the path do not count) is escaped when `chosen[n].0`, in upper-case hex digits
/// when `chosen[n].1`.
fn escape_some(path: &str, chosen: &[(bool, bool)]) -> String {
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len() * 3);
    let (mut at, mut n) = (0, 0);
    while at < bytes.len() {
        let byte = bytes[at];
        if byte == b'%' {
            out.push_str(path.get(at..at + 3).unwrap_or(&path[at..]));
            at += 3;
            continue;
        }
        if is_unreserved(byte) {
            match chosen.get(n) {
                Some((true, true)) => out.push_str(&format!("%{byte:02X}")),
                Some((true, false)) => out.push_str(&format!("%{byte:02x}")),
                _ => out.push(char::from(byte)),
            }
            n += 1;
        } else {
            out.push(char::from(byte));
        }
        at += 1;
    }
    out
}

/// `path` with every unreserved character escaped.
fn escape_all(path: &str) -> String {
    escape_some(path, &[(true, true); 512])
}

/// What a request got: status, content type, and the body (parsed when it is JSON, whose
/// objects may list their fields in any order).
#[derive(Debug, PartialEq)]
struct Reply {
    status: u16,
    content_type: Option<String>,
    body: Result<Value, Vec<u8>>,
}

/// A client that follows no redirect, so `/livechat/` answers for itself.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

/// Sends `sample` with its path as `path`, from the client address `from` (through the
/// trusted proxy the limited server is configured with).
async fn send(
    client: &reqwest::Client,
    base: &str,
    sample: &Sample,
    path: &str,
    admin: Option<&AgentSession>,
    from: Option<&str>,
) -> Reply {
    let url = format!("{base}{path}{}", sample.query);
    let mut req = client.request(sample.method.clone(), &url);
    if let (true, Some(admin)) = (sample.as_admin, admin) {
        for (name, value) in admin.headers() {
            req = req.header(name, value);
        }
    }
    if let Some(from) = from {
        req = req.header("x-forwarded-for", from);
    }
    let res = req.send().await.unwrap_or_else(|err| panic!("{} {url}: {err}", sample.method));
    // The client sends the path as written; an HTTP library that rewrote escapes would make
    // this test compare a path with itself.
    assert_eq!(res.url().path(), path, "the client rewrote the path");
    let status = res.status().as_u16();
    let content_type =
        res.headers().get("content-type").and_then(|value| value.to_str().ok()).map(str::to_owned);
    let bytes = res.bytes().await.expect("body").to_vec();
    let body = match content_type.as_deref() {
        Some("application/json") => serde_json::from_slice(&bytes).map_err(|_| bytes),
        _ => Err(bytes),
    };
    Reply { status, content_type, body }
}

/// Runs `check` for `cases` values of `strategy` on proptest's runner. Panics with the
/// smallest failing value.
pub fn for_all<S: Strategy>(
    cases: u32,
    strategy: S,
    check: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let config = Cases { failure_persistence: None, ..Cases::with_cases(cases) };
    let mut runner = TestRunner::new(config);
    if let Err(failure) = runner.run(&strategy, check) {
        panic!("{failure}");
    }
}

/// Which sample, and which of its unreserved characters to escape.
fn sample_and_escapes(samples: usize) -> impl Strategy<Value = (usize, Vec<(bool, bool)>)> {
    (0..samples, vec(any::<(bool, bool)>(), 160))
}

#[test]
fn an_escaped_path_is_answered_like_the_plain_one() {
    let system = System::new();
    let root = tempfile::tempdir().expect("temporary folder");
    let widget = root.path().join("widget");
    std::fs::create_dir_all(&widget).expect("widget folder");
    std::fs::write(widget.join("index.html"), "<html><body>widget</body></html>").expect("page");
    std::fs::write(widget.join("bundle.js"), "console.log('widget')").expect("script");
    let (app, admin, samples) = system.block_on(async {
        let app = TestApp::with_config(|config| config.widget_dir = Some(widget)).await;
        app.register(TOKEN).await;
        let room = format!("/api/v1/livechat/room?token={}", encode_path_segment(TOKEN));
        let rid = app.get(&room).await.ok()["room"]["_id"].as_str().expect("room id").to_owned();
        app.send_with_id(TOKEN, &rid, "msg-1", "hello").await.ok();
        let admin = app.agent("boss", "admin").await;
        let document = app.get("/api/v1/openapi.json").await.json;
        let reads = Values {
            token: TOKEN.into(),
            rid,
            id: "msg-1".into(),
            username: admin.username.clone(),
        };
        let mut samples = api_samples(&document, &reads);
        // The routes outside the API (but `/metrics`, whose reply counts the requests).
        for path in [
            "/healthz",
            "/readyz",
            "/websocket",
            "/livechat",
            "/livechat/",
            "/livechat/bundle.js",
            "/avatar/boss",
            livechat_server::widget::SOUND_PATH,
            "/console",
            "/console/",
        ] {
            samples.push(Sample::get(path.to_owned()));
        }
        (app, admin, samples)
    });
    let client = client();
    let compare = |sample: &Sample, escaped: String| {
        let (client, base, admin) = (&client, app.base.as_str(), Some(&admin));
        system.block_on(async {
            let plain = send(client, base, sample, &sample.path, admin, None).await;
            // Every sample reaches a route of its own, never the 404 of unknown paths (but
            // those that answer an unknown id with 404, as SPEC section 19 says: there the
            // escaped path must still give the same answer).
            let label = format!("{} {}", sample.method, sample.path);
            let missing_is_404 = ["/api/v1/canned-responses/", "/api/v1/livechat/tags/"]
                .iter()
                .any(|prefix| sample.path.starts_with(prefix));
            prop_assert!(
                (missing_is_404 || plain.status != 404) && plain.status != 405,
                "{label}: {plain:?}"
            );
            let answer = send(client, base, sample, &escaped, admin, None).await;
            prop_assert_eq!(&answer, &plain, "{} {} as {}", sample.method, sample.path, escaped);
            Ok(())
        })
    };

    // Every route with all of its unreserved characters escaped, then random subsets.
    for sample in &samples {
        if let Err(failure) = compare(sample, escape_all(&sample.path)) {
            panic!("{failure}");
        }
    }
    for_all(128, sample_and_escapes(samples.len()), |(index, chosen)| {
        let sample = &samples[index];
        compare(sample, escape_some(&sample.path, &chosen))
    });
}

#[test]
fn an_escaped_path_counts_against_the_plain_paths_limit() {
    let system = System::new();
    // Bursts of two per client address; each case is a client of its own, through a proxy.
    let (app, samples) = system.block_on(async {
        let app = TestApp::with_config(|config| {
            config.rate_limit = true;
            config.rate_limit_per_ip = 8;
            config.rate_limit_per_token = 0;
            config.rate_limit_login = 0;
            config.trusted_proxies = vec!["127.0.0.0/8".parse().expect("net")];
        })
        .await;
        let document = app.get("/api/v1/openapi.json").await.json;
        let mut samples = api_samples(&document, &Values::missing());
        samples.push(Sample::get("/websocket".into()));
        (app, samples)
    });
    let client = client();
    let base = app.base.as_str();
    let clients = AtomicU32::new(0);
    let strategy = (sample_and_escapes(samples.len()), any::<bool>());
    for_all(128, strategy, |((index, chosen), escaped_first)| {
        let sample = &samples[index];
        let escaped = escape_some(&sample.path, &chosen);
        let (first, second) = match escaped_first {
            true => (escaped.as_str(), sample.path.as_str()),
            false => (sample.path.as_str(), escaped.as_str()),
        };
        let label = format!("{} {} as {escaped}", sample.method, sample.path);
        let n = clients.fetch_add(1, Ordering::Relaxed);
        let from = format!("10.{}.{}.{}", n >> 16 & 255, n >> 8 & 255, n & 255);
        let send = |path| send(&client, base, sample, path, None, Some(&from));
        system.block_on(async {
            // The burst: both answered alike, both counted.
            let one = send(first).await;
            let two = send(second).await;
            prop_assert!(one.status != 429, "{label}: refused at once: {one:?}");
            prop_assert_eq!(&one, &two, "{}", label);
            // Spent: both refused, whichever way the path is written.
            let expected = json!({
                "success": false,
                "error": "Too many requests, try again later [error-too-many-requests]"
            });
            for path in [first, second] {
                let refused = send(path).await;
                prop_assert_eq!(refused.status, 429, "{} ({}): {:?}", label, path, refused);
                prop_assert_eq!(&refused.body, &Ok(expected.clone()), "{}", label);
            }
            Ok(())
        })
    });
}
