//! The test webhook receiver itself (`tests/support/receiver.rs`): scripted answers, then the
//! default; hung requests recorded and released when the client gives up; requests in flight
//! at once counted exactly.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::receiver::{Answer, Receiver};

/// Longest a test waits for a request.
const WAIT: Duration = Duration::from_secs(30);

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("an HTTP client")
}

/// Posts `body` with an `x-livechat-delivery` header; returns the status.
async fn post(url: &str, delivery: &str, body: serde_json::Value) -> u16 {
    let res = client()
        .post(url)
        .header("X-Livechat-Delivery", delivery)
        .json(&body)
        .send()
        .await
        .expect("an answer");
    res.status().as_u16()
}

#[actix_web::test]
async fn receiver_answers_from_its_script_then_with_the_default() {
    let receiver = Receiver::start();
    assert_eq!(receiver.url(), format!("http://127.0.0.1:{}/hook", receiver.port()));
    receiver.respond(vec![Answer::Status(500), Answer::Status(503)]);

    let mut statuses = Vec::new();
    for number in 0..3 {
        statuses.push(post(&receiver.url(), "d1", json!({ "n": number })).await);
    }
    receiver.set_default(Answer::Status(410));
    statuses.push(post(&format!("{}?again=1", receiver.url()), "d2", json!({ "n": 3 })).await);
    assert_eq!(statuses, [500, 503, 200, 410]);

    let requests = receiver.wait_for(4, WAIT).await;
    let answered: Vec<_> = requests.iter().map(|request| request.answered).collect();
    assert_eq!(answered, [Some(500), Some(503), Some(200), Some(410)]);
    let first = &requests[0];
    assert_eq!((first.method.as_str(), first.path.as_str()), ("POST", "/hook"));
    assert_eq!(first.header("X-LIVECHAT-DELIVERY"), Some("d1"));
    assert_eq!(first.headers.get("content-type").map(String::as_str), Some("application/json"));
    assert!(first.headers.keys().all(|name| *name == name.to_ascii_lowercase()));
    assert_eq!(first.json(), json!({ "n": 0 }));
    assert_eq!(requests[3].path, "/hook?again=1");
    assert!(requests.windows(2).all(|pair| pair[0].at <= pair[1].at));
    assert_eq!(receiver.max_in_flight(), 1, "one after the other");
}

#[actix_web::test]
async fn receiver_records_a_hung_request_and_releases_it_when_the_client_gives_up() {
    let receiver = Receiver::start();
    receiver.respond(vec![Answer::Hang(Duration::from_secs(60))]);

    let started = Instant::now();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .expect("an HTTP client");
    let err = client.post(receiver.url()).body("hung").send().await.expect_err("no answer");
    assert!(err.is_timeout(), "{err}");
    assert!(started.elapsed() < Duration::from_secs(20));

    let requests = receiver.requests();
    assert_eq!(requests.len(), 1, "recorded on arrival");
    assert_eq!((requests[0].body.as_slice(), requests[0].answered), (&b"hung"[..], None));
    // The client closed its connection: the request is no longer in flight.
    let deadline = Instant::now() + WAIT;
    while receiver.in_flight() > 0 {
        assert!(Instant::now() < deadline, "the hung request stays in flight");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(post(&receiver.url(), "d1", json!({})).await, 200);
    assert_eq!(receiver.max_in_flight(), 1, "the retry did not overlap the hung request");
}

#[actix_web::test]
async fn receiver_counts_requests_in_flight_at_once_in_all_and_per_header_value() {
    let receiver = Receiver::start();
    receiver.set_default(Answer::After(Duration::from_millis(500), 202));

    let url = receiver.url();
    let statuses = futures_util::future::join_all(
        ["a", "a", "b"].map(|delivery| post(&url, delivery, json!({ "delivery": delivery }))),
    )
    .await;
    assert_eq!(statuses, [202, 202, 202]);
    assert_eq!(receiver.max_in_flight(), 3);
    assert_eq!(receiver.in_flight_by_header("X-Livechat-Delivery"), 2);
    assert_eq!(receiver.in_flight_by_header("x-not-sent"), 0);

    // Later ones, one at a time, raise neither figure.
    post(&url, "b", json!({})).await;
    post(&url, "c", json!({})).await;
    assert_eq!((receiver.max_in_flight(), receiver.in_flight()), (3, 0));
    assert_eq!(receiver.in_flight_by_header("x-livechat-delivery"), 2);
}

#[actix_web::test]
async fn receiver_reads_a_chunked_body() {
    let receiver = Receiver::start();
    let pieces: Vec<Result<Vec<u8>, std::io::Error>> =
        vec![Ok(b"{\"first\":".to_vec()), Ok(b" 1, \"second\": [2]}".to_vec())];
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(pieces));
    let res = client().post(receiver.url()).body(body).send().await.expect("an answer");
    assert_eq!(res.status(), 200);

    let requests = receiver.wait_for(1, WAIT).await;
    assert_eq!(requests[0].header("transfer-encoding"), Some("chunked"));
    assert_eq!(requests[0].json(), json!({ "first": 1, "second": [2] }));
}
