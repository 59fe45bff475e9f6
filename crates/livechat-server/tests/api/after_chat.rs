//! After the chat (SPEC section 17): transcripts and offline messages mailed to a real SMTP
//! server (escaped, one-line headers, the visitor as `Reply-To`, delivered once the relay is
//! back), and the widget's transcript, survey and call-status calls with their refusals.

use std::time::Duration;

use serde_json::{json, Value};

use super::agent::{post_as, reply, set_status};
use super::{metric, AgentSession, TestApp};
use crate::smtp::SmtpServer;

/// Longest a test waits for mail (a loaded machine included).
const WAIT: Duration = Duration::from_secs(60);
const TRANSCRIPT: &str = "/api/v1/livechat/transcript";
const SURVEY: &str = "/api/v1/livechat/room.survey";
const CALL_STATUS: &str = "/api/v1/livechat/visitor.callStatus";
const HOSTILE: &str = "<script>alert('x')</script> & <b>bold</b>";

/// A server sending mail to `smtp_url` from `desk@example.com`, retrying after ~100 ms.
async fn app(smtp_url: &str) -> TestApp {
    let smtp_url = smtp_url.to_owned();
    TestApp::with_config(move |config| {
        config.smtp_url = Some(smtp_url);
        config.smtp_from = "desk@example.com".into();
        config.smtp_timeout_ms = 10_000;
        config.outbox_retry_base_ms = Some(100);
    })
    .await
}

async fn set(app: &TestApp, admin: &AgentSession, id: &str, value: Value) {
    let res = post_as(app, admin, &format!("/api/v1/settings/{id}"), json!({"value": value})).await;
    assert_eq!(res.ok(), json!({"success": true}), "{id}");
}

/// An address nothing listens on: refusals need no SMTP server.
const NOWHERE: &str = "smtp://127.0.0.1:9";

#[actix_web::test]
async fn a_transcript_arrives_escaped_with_one_line_headers_at_most_three_times() {
    let Some(smtp) = SmtpServer::start().await else { return };
    let app = app(&smtp.url()).await;
    let admin = app.agent("root", "admin").await;
    let agent = app.agent("ann", "agent").await;
    set_status(&app, &agent, "available").await;
    set(&app, &admin, "Livechat_enable_transcript", json!(true)).await;
    let config = app.get("/api/v1/livechat/config").await.ok();
    assert_eq!(config["config"]["settings"]["transcript"], true);

    let token = "transcript-visitor-1";
    let rid = app.visitor_with_room(token).await;
    app.send(token, &rid, HOSTILE).await.ok();
    reply(&app, &agent, &rid, "Happy to help").await.ok();
    app.close(token, &rid).await.ok();
    let request = json!({
        "token": token, "rid": rid, "email": "Visitor@Example.com",
        "subject": "Your chat\r\nBcc: evil@example.com",
    });
    let res = app.post(TRANSCRIPT, request.clone()).await.ok();
    assert_eq!(res, json!({"success": true, "message": "Livechat transcript sent"}));

    let mails = smtp.wait_for(1, WAIT).await;
    let mail = &mails[0];
    assert_eq!(mail.recipients, ["visitor@example.com"]);
    assert_eq!(mail.header("To").as_deref(), Some("visitor@example.com"));
    assert_eq!(mail.header("From").as_deref(), Some("desk@example.com"));
    assert_eq!(mail.header("Subject").as_deref(), Some("Your chat  Bcc: evil@example.com"));
    let names: Vec<String> =
        mail.header_names().iter().map(|name| name.to_ascii_lowercase()).collect();
    assert!(!names.contains(&"bcc".to_owned()), "a header was injected: {names:?}");
    let message_id = mail.message_id().expect("Message-ID");
    assert!(message_id.ends_with("@example.com"), "{message_id}");
    let text = mail.text().expect("text part");
    assert!(text.contains(HOSTILE), "{text}");
    assert!(text.contains("Happy to help"), "{text}");
    let html = mail.html().expect("html part");
    assert!(
        html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "{html}");
    // System messages (the closing one) are not in it.
    assert!(!text.contains("Closed by visitor"), "{text}");

    // The room records each request.
    let history = app.history(token, &rid).await;
    let records = history.iter().filter(|m| m["t"] == "livechat_transcript_history").count();
    assert_eq!(records, 1);

    app.post(TRANSCRIPT, request.clone()).await.ok();
    app.post(TRANSCRIPT, request.clone()).await.ok();
    app.post(TRANSCRIPT, request).await.assert_error("error-transcript-limit");
    let mails = smtp.wait_for(3, WAIT).await;
    let ids: std::collections::BTreeSet<_> = mails.iter().filter_map(|m| m.message_id()).collect();
    assert_eq!(ids.len(), 3, "each transcript has its own Message-ID");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 3);
}

#[actix_web::test]
async fn an_offline_message_reaches_the_department_or_the_configured_address() {
    let Some(smtp) = SmtpServer::start().await else { return };
    let app = app(&smtp.url()).await;
    let admin = app.agent("root", "admin").await;
    set(&app, &admin, "Livechat_offline_email", json!("desk@example.com")).await;
    let department = json!({"department": {
        "enabled": true, "showOnRegistration": true, "showOnOfflineForm": true,
        "name": "Sales", "email": "sales@example.com",
    }});
    let created = post_as(&app, &admin, "/api/v1/livechat/department", department).await.ok();
    let sales = created["department"]["_id"].as_str().expect("department id").to_owned();

    let offline = json!({
        "name": "Ann\r\nBcc: evil@example.com", "email": "ann@example.com",
        "message": format!("{HOSTILE}\nsecond line"),
    });
    app.post("/api/v1/livechat/offline.message", offline).await.ok();
    let mails = smtp.wait_for(1, WAIT).await;
    let mail = &mails[0];
    assert_eq!(mail.recipients, ["desk@example.com"]);
    assert_eq!(mail.header("Reply-To").as_deref(), Some("ann@example.com"));
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("Livechat offline message from Ann  Bcc: evil@example.com: <script>alert('x')</")
    );
    let names: Vec<String> =
        mail.header_names().iter().map(|name| name.to_ascii_lowercase()).collect();
    assert!(!names.contains(&"bcc".to_owned()), "a header was injected: {names:?}");
    assert!(mail.text().expect("text").contains(HOSTILE));
    let html = mail.html().expect("html");
    assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"), "{html}");

    let to_sales = json!({"name": "Bo", "email": "bo@example.com", "message": "Prices?",
        "department": sales});
    app.post("/api/v1/livechat/offline.message", to_sales).await.ok();
    let mails = smtp.wait_for(2, WAIT).await;
    assert_eq!(mails[1].recipients, ["sales@example.com"]);
    assert_eq!(mails[1].header("Reply-To").as_deref(), Some("bo@example.com"));
}

#[actix_web::test]
async fn mail_written_while_the_relay_is_down_is_delivered_once_it_is_back() {
    let Some(mut smtp) = SmtpServer::start().await else { return };
    let app = app(&smtp.url()).await;
    let admin = app.agent("root", "admin").await;
    set(&app, &admin, "Livechat_offline_email", json!("desk@example.com")).await;
    smtp.stop();
    let offline = json!({"name": "Ann", "email": "ann@example.com", "message": "Anyone?"});
    app.post("/api/v1/livechat/offline.message", offline).await.ok();
    // Several attempts fail meanwhile.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let metrics = app.get_text("/metrics").await;
        if metric(&metrics, "livechat_outbox_retried_total{channel=\"mail\"}") >= 2.0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no retries:\n{metrics}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    smtp.start_again().await;
    let mails = smtp.wait_for(1, WAIT).await;
    assert_eq!(mails[0].recipients, ["desk@example.com"]);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(smtp.messages().len(), 1, "delivered twice");
    let metrics = app.get_text("/metrics").await;
    assert_eq!(metric(&metrics, "livechat_outbox_delivered_total{channel=\"mail\"}"), 1.0);
    // The backlog gauge is read again about once a second.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let metrics = app.get_text("/metrics").await;
        if metric(&metrics, "livechat_outbox_backlog{channel=\"mail\"}") == 0.0 {
            assert_eq!(metric(&metrics, "livechat_outbox_oldest_seconds{channel=\"mail\"}"), 0.0);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the backlog stays:\n{metrics}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn transcripts_are_refused_when_off_for_other_rooms_and_bad_addresses() {
    let app = app(NOWHERE).await;
    let admin = app.agent("root", "admin").await;
    let token = "transcript-visitor-2";
    let rid = app.visitor_with_room(token).await;
    let other_rid = app.visitor_with_room("transcript-visitor-3").await;
    let ask = |rid: &str, email: &str| json!({"token": token, "rid": rid, "email": email});

    // Off (the default): no address gets anything.
    app.post(TRANSCRIPT, ask(&rid, "a@example.com"))
        .await
        .assert_error("error-transcript-disabled");
    let config = app.get("/api/v1/livechat/config").await.ok();
    assert_eq!(config["config"]["settings"]["transcript"], false);
    set(&app, &admin, "Livechat_enable_transcript", json!(true)).await;
    app.post(TRANSCRIPT, ask(&other_rid, "a@example.com")).await.assert_error("error-invalid-room");
    app.post(TRANSCRIPT, ask(&rid, "not an address")).await.assert_error("error-invalid-email");
    let unknown = json!({"token": "nobody-has-this-token", "rid": rid, "email": "a@example.com"});
    app.post(TRANSCRIPT, unknown).await.assert_error("invalid-token");
    let history = app.history(token, &rid).await;
    assert!(history.iter().all(|m| m["t"] != "livechat_transcript_history"));

    // Without SMTP there is no transcript either.
    let no_smtp = TestApp::new().await;
    let admin = no_smtp.agent("root", "admin").await;
    set(&no_smtp, &admin, "Livechat_enable_transcript", json!(true)).await;
    let rid = no_smtp.visitor_with_room(token).await;
    no_smtp
        .post(TRANSCRIPT, ask(&rid, "a@example.com"))
        .await
        .assert_error("error-transcript-disabled");
}

#[actix_web::test]
async fn the_survey_keeps_known_answers_and_refuses_unknown_ones() {
    let app = TestApp::new().await;
    let manager = app.agent("boss", "manager").await;
    let token = "survey-visitor-1";
    let rid = app.visitor_with_room(token).await;
    let other_rid = app.visitor_with_room("survey-visitor-2").await;
    let config = app.get("/api/v1/livechat/config").await.ok();
    assert_eq!(
        config["config"]["survey"],
        json!({
            "items": ["satisfaction", "agentKnowledge", "agentResposiveness", "agentFriendliness"],
            "values": ["1", "2", "3", "4", "5"]
        })
    );

    let unknown = json!({"token": token, "rid": rid, "data": [
        {"name": "mood", "value": "5"}, {"name": "satisfaction", "value": "11"}]});
    app.post(SURVEY, unknown).await.assert_error("invalid-data");
    let answers = json!({"token": token, "rid": rid, "data": [
        {"name": "satisfaction", "value": "4"}, {"name": "mood", "value": "5"},
        {"name": "additionalFeedback", "value": "Quick <b>and</b> kind"}]});
    assert_eq!(
        app.post(SURVEY, answers).await.ok(),
        json!({"success": true, "rid": rid,
            "data": {"satisfaction": "4", "additionalFeedback": "Quick <b>and</b> kind"}})
    );
    let more =
        json!({"token": token, "rid": rid, "data": [{"name": "agentKnowledge", "value": "5"}]});
    app.post(SURVEY, more).await.ok();
    let foreign = json!({"token": token, "rid": other_rid, "data": [
        {"name": "satisfaction", "value": "1"}]});
    app.post(SURVEY, foreign).await.assert_error("invalid-room");
    let stranger = json!({"token": "nobody-has-this-token", "rid": rid, "data": [
        {"name": "satisfaction", "value": "1"}]});
    app.post(SURVEY, stranger).await.assert_error("invalid-token");

    // Merged into the room, which agents and managers see.
    let rooms = super::agent::rooms(&app, &manager, "").await;
    let room = rooms["rooms"]
        .as_array()
        .and_then(|rooms| rooms.iter().find(|room| room["_id"] == rid.as_str()))
        .cloned()
        .expect("the room");
    assert_eq!(
        room["surveyFeedback"],
        json!({"satisfaction": "4", "agentKnowledge": "5",
            "additionalFeedback": "Quick <b>and</b> kind"})
    );
}

#[actix_web::test]
async fn the_call_status_is_stored_on_the_visitors_own_room_only() {
    let app = TestApp::new().await;
    let manager = app.agent("boss", "manager").await;
    let token = "call-visitor-1";
    let rid = app.visitor_with_room(token).await;
    let other_rid = app.visitor_with_room("call-visitor-2").await;
    let status =
        |rid: &str| json!({"token": token, "rid": rid, "callStatus": "ringing", "callId": "c1"});
    assert_eq!(
        app.post(CALL_STATUS, status(&rid)).await.ok(),
        json!({"success": true, "callStatus": "ringing"})
    );
    app.post(CALL_STATUS, status(&other_rid)).await.assert_visitor_error("invalid-room");
    let stranger = json!({"token": "nobody-has-this-token", "rid": rid, "callStatus": "ended",
        "callId": "c1"});
    app.post(CALL_STATUS, stranger).await.assert_visitor_error("invalid-token");
    let rooms = super::agent::rooms(&app, &manager, "").await;
    let status_of = |id: &str| {
        rooms["rooms"]
            .as_array()
            .and_then(|rooms| rooms.iter().find(|room| room["_id"] == id))
            .map(|room| room["callStatus"].clone())
    };
    assert_eq!(status_of(&rid), Some(json!("ringing")));
    assert_eq!(status_of(&other_rid), Some(Value::Null));
}
