//! After the chat through the SDK against the real server: the visitor rates its chat and
//! reports a call status; a transcript is refused while the server sends no e-mail; an
//! admin's webhook test reaches a real receiver, signed as the SDK's verifier expects.

use std::time::{Duration, SystemTime};

use livechat_sdk::webhook::{verify_headers, DEFAULT_TOLERANCE};
use livechat_sdk::ErrorCode;

use crate::receiver::Receiver;
use crate::{admin_account, client, fresh_token};

#[tokio::test]
async fn a_visitor_rates_its_chat_and_reports_a_call() {
    let client = client();
    let visitor = client.register(fresh_token("survey")).await.expect("register");
    visitor.open_room().await.expect("open");
    let kept = visitor
        .rate([
            ("satisfaction".to_owned(), "5".to_owned()),
            ("mood".to_owned(), "great".to_owned()),
            ("additionalFeedback".to_owned(), "Thanks!".to_owned()),
        ])
        .await
        .expect("rate");
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert_eq!(kept.get("satisfaction").map(String::as_str), Some("5"));
    let refused = visitor.rate([("mood".to_owned(), "great".to_owned())]).await;
    assert_eq!(refused.expect_err("refused").code(), Some(&ErrorCode::InvalidData));

    let status = visitor.set_call_status("call-1", "ringing").await.expect("call status");
    assert_eq!(status, "ringing");

    // The suite's server sends no e-mail: transcripts are off, for every address.
    let refused = visitor.request_transcript("ann@example.com", None).await;
    assert_eq!(refused.expect_err("refused").code(), Some(&ErrorCode::TranscriptDisabled));
}

#[tokio::test]
async fn an_admins_webhook_test_reaches_the_receiver_signed() {
    let receiver = Receiver::start();
    let client = client();
    let (name, password) = admin_account();
    let admin = client.login(&name, &password).await.expect("admin login");
    let secret = "e2e-webhook-secret";
    crate::record_secret(secret);
    admin.set_setting("Livechat_webhookUrl", receiver.url()).await.expect("set the URL");
    admin.set_setting("Livechat_secret_token", secret).await.expect("set the secret");
    let tested = admin.test_webhook().await;
    // Back to no webhooks before anything is asserted, whatever happened.
    admin.set_setting("Livechat_webhookUrl", "").await.expect("unset the URL");
    admin.set_setting("Livechat_secret_token", "").await.expect("unset the secret");
    tested.expect("the receiver took it");

    let requests = receiver.wait_for(1, Duration::from_secs(30)).await;
    let mut headers = reqwest::header::HeaderMap::new();
    for (name, value) in &requests[0].headers {
        let name = reqwest::header::HeaderName::from_bytes(name.as_bytes()).expect("name");
        headers.insert(name, value.parse().expect("value"));
    }
    verify_headers(secret, &headers, &requests[0].body, SystemTime::now(), DEFAULT_TOLERANCE)
        .expect("the signature verifies");
    assert_eq!(requests[0].json()["type"], "LivechatSession");

    let unset = admin.test_webhook().await;
    assert_eq!(unset.expect_err("no URL").code(), Some(&ErrorCode::WebhookUrlNotSet));
}
