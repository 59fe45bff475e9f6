//! Settings (SPEC section 15): admins read and change them; agents get 403, strangers 401;
//! unknown or not yet honoured ids and values of the wrong type are refused; each honoured
//! setting changes what it governs; a change through one instance reaches another through
//! the notification channel, not the cache's expiry.

mod list;

use std::time::{Duration, Instant};

use livechat_server::db::{self, Backend, DbManager};
use reqwest::Method;
use serde_json::{json, Value};

use super::agent::{get_as, not_logged_in, post_as, set_status};
use super::realtime::support::{add_agent, agent_post, second_instance_with, Ddp};
use super::{AgentSession, Res, TestApp};

fn path(id: &str) -> String {
    format!("/api/v1/settings/{id}")
}

async fn get_setting(app: &TestApp, who: &AgentSession, id: &str) -> Res {
    get_as(app, who, &path(id)).await
}

async fn set_setting(app: &TestApp, who: &AgentSession, id: &str, value: Value) -> Res {
    post_as(app, who, &path(id), json!({"value": value})).await
}

/// Sets a setting as `admin`, asserting the exact reply.
async fn set(app: &TestApp, admin: &AgentSession, id: &str, value: Value) {
    let res = set_setting(app, admin, id, value).await;
    assert_eq!((res.status, res.json), (200, json!({"success": true})), "{id}");
}

/// The value `admin` reads for `id`.
async fn value_of(app: &TestApp, admin: &AgentSession, id: &str) -> Value {
    let body = get_setting(app, admin, id).await.ok();
    assert_eq!(body["_id"], id, "{body}");
    body["value"].clone()
}

async fn config(app: &TestApp, query: &str) -> Value {
    app.get(&format!("/api/v1/livechat/config{query}")).await.ok()["config"].clone()
}

fn forbidden() -> Value {
    json!({"success": false, "error": "unauthorized"})
}

#[actix_web::test]
async fn an_admin_reads_defaults_and_changes_settings() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;

    let body = get_setting(&app, &admin, "Livechat_enabled").await.ok();
    assert_eq!(body, json!({"_id": "Livechat_enabled", "value": true, "success": true}));
    assert_eq!(value_of(&app, &admin, "Livechat_title").await, "Rocket.Chat");
    assert_eq!(value_of(&app, &admin, "Livechat_show_agent_email").await, false);

    set(&app, &admin, "Livechat_enabled", json!(false)).await;
    set(&app, &admin, "Livechat_title", json!("Help desk")).await;
    assert_eq!(value_of(&app, &admin, "Livechat_enabled").await, false);
    assert_eq!(value_of(&app, &admin, "Livechat_title").await, "Help desk");
    // Changing it again replaces the stored value.
    set(&app, &admin, "Livechat_title", json!("")).await;
    assert_eq!(value_of(&app, &admin, "Livechat_title").await, "");
    set(&app, &admin, "Livechat_enabled", json!(true)).await;
    assert_eq!(value_of(&app, &admin, "Livechat_enabled").await, true);
}

#[actix_web::test]
async fn agents_get_403_and_requests_without_valid_credentials_401() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let agent = app.agent("alice", "agent").await;
    let stale = AgentSession { token: "0".repeat(64), ..admin.clone() };

    for id in ["Livechat_enabled", "No_such_setting"] {
        let res = get_setting(&app, &agent, id).await;
        assert_eq!((res.status, res.json), (403, forbidden()), "GET {id}");
        let res = set_setting(&app, &agent, id, json!(false)).await;
        assert_eq!((res.status, res.json), (403, forbidden()), "POST {id}");
        // The role is checked before the body: a malformed one changes nothing in the answer.
        let res = post_as(&app, &agent, &path(id), json!({"value": {"$ne": 1}})).await;
        assert_eq!((res.status, res.json), (403, forbidden()), "POST {id}, bad body");

        let res = app.get(&path(id)).await;
        assert_eq!((res.status, res.json), (401, not_logged_in()), "GET {id} anonymously");
        let res = app.post(&path(id), json!({"value": false})).await;
        assert_eq!((res.status, res.json), (401, not_logged_in()), "POST {id} anonymously");
        let res = set_setting(&app, &stale, id, json!(false)).await;
        assert_eq!((res.status, res.json), (401, not_logged_in()), "POST {id}, stale token");
    }
    assert_eq!(value_of(&app, &admin, "Livechat_enabled").await, true);
}

#[actix_web::test]
async fn unknown_and_flag_governed_ids_are_invalid_settings() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let invalid = json!({"success": false, "error": "error-invalid-setting"});

    for id in [
        "No_such_setting",
        // Exact ids only.
        "livechat_enabled",
        // A command-line flag governs this (`--message-max-chars`).
        "Livechat_message_character_limit",
    ] {
        let res = get_setting(&app, &admin, id).await;
        assert_eq!((res.status, &res.json), (400, &invalid), "GET {id}");
        let res = set_setting(&app, &admin, id, json!("x")).await;
        assert_eq!((res.status, &res.json), (400, &invalid), "POST {id}");
    }
}

#[actix_web::test]
async fn values_of_the_wrong_type_are_invalid_params_and_change_nothing() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;

    let wrong = [
        ("Livechat_enabled", json!("false")),
        ("Livechat_enabled", json!(0)),
        ("Livechat_enabled", json!(null)),
        ("Livechat_enabled", json!({"value": true})),
        ("Livechat_enabled", json!([true])),
        ("Livechat_title", json!(true)),
        ("Livechat_title", json!(5)),
        ("Livechat_title", json!(0.5)),
        ("Livechat_title", json!("x".repeat(1025))),
        ("Livechat_title", json!("a\u{0}b")),
    ];
    for (id, value) in wrong {
        set_setting(&app, &admin, id, value.clone()).await.assert_invalid_params();
    }
    let extra = json!({"value": "Help", "scope": "all"});
    post_as(&app, &admin, &path("Livechat_title"), extra).await.assert_invalid_params();
    post_as(&app, &admin, &path("Livechat_title"), json!({})).await.assert_invalid_params();

    assert_eq!(value_of(&app, &admin, "Livechat_enabled").await, true);
    assert_eq!(value_of(&app, &admin, "Livechat_title").await, "Rocket.Chat");
}

#[actix_web::test]
async fn with_livechat_off_no_new_room_opens_and_config_says_so() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let open_rid = app.visitor_with_room("tok-a").await;
    app.register("tok-b").await;
    assert_eq!(config(&app, "").await["enabled"], true);

    set(&app, &admin, "Livechat_enabled", json!(false)).await;

    assert_eq!(config(&app, "?token=tok-b").await["enabled"], false);
    // A room open already stays open and usable.
    let kept = app.get("/api/v1/livechat/room?token=tok-a").await.ok();
    assert_eq!(
        (kept["room"]["_id"].as_str(), &kept["newRoom"]),
        (Some(open_rid.as_str()), &json!(false))
    );
    app.send("tok-a", &open_rid, "still here").await.ok();
    // A new one is refused, and nothing is stored.
    app.get("/api/v1/livechat/room?token=tok-b")
        .await
        .assert_error("error-omnichannel-is-disabled");
    assert!(config(&app, "?token=tok-b").await.get("room").is_none());

    set(&app, &admin, "Livechat_enabled", json!(true)).await;
    let opened = app.get("/api/v1/livechat/room?token=tok-b").await.ok();
    assert_eq!(opened["newRoom"], true);
}

#[actix_web::test]
async fn registration_and_offline_form_settings_reach_the_widget() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let offline = json!({"name": "Ann", "email": "ann@example.com", "message": "Call me"});

    let settings = config(&app, "").await["settings"].clone();
    for key in [
        "registrationForm",
        "nameFieldRegistrationForm",
        "emailFieldRegistrationForm",
        "displayOfflineForm",
    ] {
        assert_eq!(settings[key], true, "{key}: {settings}");
    }
    app.post("/api/v1/livechat/offline.message", offline.clone()).await.ok();

    for id in [
        "Livechat_registration_form",
        "Livechat_name_field_registration_form",
        "Livechat_email_field_registration_form",
        "Livechat_display_offline_form",
    ] {
        set(&app, &admin, id, json!(false)).await;
    }

    let settings = config(&app, "").await["settings"].clone();
    for key in [
        "registrationForm",
        "nameFieldRegistrationForm",
        "emailFieldRegistrationForm",
        "displayOfflineForm",
    ] {
        assert_eq!(settings[key], false, "{key}: {settings}");
    }
    let res = app.post("/api/v1/livechat/offline.message", offline).await;
    res.assert_error("error-offline-form-disabled");
    let stored = get_as(&app, &admin, "/api/v1/livechat/offline.messages").await.ok();
    assert_eq!(stored["total"], 1, "{stored}");
}

#[actix_web::test]
async fn the_widget_texts_come_from_the_settings() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;

    let defaults = config(&app, "").await;
    assert_eq!(defaults["theme"]["title"], "Rocket.Chat");
    assert_eq!(defaults["theme"]["color"], "#C1272D");
    assert_eq!(defaults["theme"]["offlineTitle"], "Leave a message");
    assert_eq!(defaults["theme"]["offlineColor"], "#666666");
    for key in [
        "offlineMessage",
        "offlineSuccessMessage",
        "offlineUnavailableMessage",
        "conversationFinishedMessage",
        "conversationFinishedText",
        "transcriptMessage",
        "registrationFormMessage",
        "dataProcessingConsentText",
    ] {
        assert_eq!(defaults["messages"][key], "", "{key}");
    }

    let texts = [
        ("Livechat_title", "theme", "title"),
        ("Livechat_title_color", "theme", "color"),
        ("Livechat_offline_title", "theme", "offlineTitle"),
        ("Livechat_offline_title_color", "theme", "offlineColor"),
        ("Livechat_offline_message", "messages", "offlineMessage"),
        ("Livechat_offline_success_message", "messages", "offlineSuccessMessage"),
        ("Livechat_offline_form_unavailable", "messages", "offlineUnavailableMessage"),
        ("Livechat_conversation_finished_message", "messages", "conversationFinishedMessage"),
        ("Livechat_conversation_finished_text", "messages", "conversationFinishedText"),
        ("Livechat_transcript_message", "messages", "transcriptMessage"),
        ("Livechat_registration_form_message", "messages", "registrationFormMessage"),
        ("Livechat_data_processing_consent_text", "messages", "dataProcessingConsentText"),
    ];
    for (id, _, _) in texts {
        set(&app, &admin, id, json!(format!("text of {id}"))).await;
    }
    let changed = config(&app, "").await;
    for (id, group, key) in texts {
        assert_eq!(changed[group][key], format!("text of {id}"), "{group}.{key}");
    }
}

/// A visitor whose room is served by an available agent; returns the room id.
async fn served_room(app: &TestApp, agent: &AgentSession, token: &str) -> String {
    set_status(app, agent, "available").await;
    let rid = app.visitor_with_room(token).await;
    let room = app.get(&format!("/api/v1/livechat/room?token={token}")).await.ok();
    assert_eq!(room["room"]["servedBy"]["_id"], agent.id.as_str(), "{room}");
    rid
}

#[actix_web::test]
async fn agent_info_can_be_hidden_from_visitors() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let rid = served_room(&app, &alice, "tok-a").await;
    let info = format!("/api/v1/livechat/agent.info/{rid}/tok-a");

    let shown = app.get(&info).await.ok()["agent"].clone();
    assert_eq!(shown["_id"], alice.id.as_str(), "{shown}");
    assert_eq!(shown["username"], "alice");
    let with_token = config(&app, "?token=tok-a").await;
    assert_eq!(with_token["agent"]["username"], "alice");
    assert_eq!(with_token["settings"]["agentHiddenInfo"], false);

    set(&app, &admin, "Livechat_show_agent_info", json!(false)).await;

    assert_eq!(app.get(&info).await.ok()["agent"], json!({"hiddenInfo": true}));
    let with_token = config(&app, "?token=tok-a").await;
    assert_eq!(with_token["agent"], json!({"hiddenInfo": true}));
    assert_eq!(with_token["settings"]["agentHiddenInfo"], true);
}

#[actix_web::test]
async fn hidden_agent_info_holds_for_the_realtime_agent_data_too() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    set(&app, &admin, "Livechat_show_agent_info", json!(false)).await;
    let agent = add_agent(&app, "alice", "agent", "not-available");
    let rid = app.visitor_with_room("tok-a").await;
    let mut ddp = Ddp::connect(&app.base).await;
    ddp.watch_room(&rid, Some("tok-a")).await;

    agent_post(&app, &agent, "/api/v1/livechat/agent.status", json!({"status": "available"})).await;

    let event = ddp.event("stream-livechat-room", &rid).await;
    let hidden = json!([{"type": "agentData", "data": {"hiddenInfo": true}}]);
    assert_eq!(event["fields"]["args"], hidden, "{event}");
}

#[actix_web::test]
async fn agent_emails_are_shown_only_when_the_setting_says_so_and_the_agent_has_any() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let rid = served_room(&app, &alice, "tok-a").await;
    let info = format!("/api/v1/livechat/agent.info/{rid}/tok-a");

    assert!(app.get(&info).await.ok()["agent"].get("emails").is_none());
    set(&app, &admin, "Livechat_show_agent_email", json!(true)).await;
    // Users have no e-mail addresses yet: with the setting on, the field is still absent.
    let agent = app.get(&info).await.ok()["agent"].clone();
    assert_eq!(agent["username"], "alice", "{agent}");
    assert!(agent.get("emails").is_none(), "{agent}");
}

#[actix_web::test]
async fn visitors_may_not_close_conversations_when_the_setting_is_off() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let alice = app.agent("alice", "agent").await;
    let rid = served_room(&app, &alice, "tok-a").await;

    set(&app, &admin, "Omnichannel_allow_visitors_to_close_conversation", json!(false)).await;

    app.close("tok-a", &rid).await.assert_error("error-not-allowed-to-close-conversation");
    let room = app.get("/api/v1/livechat/room?token=tok-a").await.ok();
    assert_eq!(
        (room["room"]["_id"].as_str(), &room["room"]["open"]),
        (Some(rid.as_str()), &json!(true))
    );
    // Agents still close them.
    let body = json!({"rid": rid, "comment": "done"});
    post_as(&app, &alice, "/api/v1/livechat/room.closeByUser", body).await.ok();

    set(&app, &admin, "Omnichannel_allow_visitors_to_close_conversation", json!(true)).await;
    let next = app.visitor_with_room("tok-b").await;
    app.close("tok-b", &next).await.ok();
}

/// The widget's title as instance `base` serves it.
async fn title_at(client: &reqwest::Client, base: &str) -> Value {
    let res = client.get(format!("{base}/api/v1/livechat/config")).send().await.expect("config");
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("JSON");
    body["config"]["theme"]["title"].clone()
}

#[actix_web::test]
async fn a_change_through_one_instance_reaches_another_through_the_notification() {
    // Caches that outlive the test: only the notification can bring the change in time.
    const CACHED: Duration = Duration::from_secs(600);
    let app = TestApp::with_config(|config| config.settings_cache_ms = 600_000).await;
    let Backend::Postgres(_) = Backend::from_url(&app.database_url) else {
        eprintln!("needs PostgreSQL (LIVECHAT_TEST_BACKEND=postgres); skipped on SQLite");
        return;
    };
    let (second_base, second) = second_instance_with(&app.database_url, |config| {
        config.settings_cache_ms = CACHED.as_millis() as u64;
    });
    let admin = app.agent("root", "admin").await;
    let client = reqwest::Client::new();
    assert_eq!(title_at(&client, &second_base).await, "Rocket.Chat");

    // A row written behind the instances' backs, with no notification, stays unseen: the
    // second instance serves from its cache.
    let mut conn = DbManager::new(Backend::from_url(&app.database_url), Duration::from_secs(5))
        .connect()
        .expect("database");
    let row = db::settings::SettingRow {
        id: "Livechat_title".into(),
        value: "\"Unannounced\"".into(),
        updated_at: 0,
    };
    db::settings::put(&mut conn, &row).expect("direct write");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(title_at(&client, &second_base).await, "Rocket.Chat", "the cache was not used");

    let changed_at = Instant::now();
    set(&app, &admin, "Livechat_title", json!("Announced")).await;
    loop {
        if title_at(&client, &second_base).await == "Announced" {
            break;
        }
        assert!(
            changed_at.elapsed() < Duration::from_secs(10),
            "the second instance still serves the old title after 10 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(changed_at.elapsed() < CACHED);
    // Whatever the first instance serves, it read after its own write.
    assert_eq!(title_at(&client, &app.base).await, "Announced");
    second.stop(false).await;
}

#[actix_web::test]
async fn cached_settings_expire_when_no_notification_comes() {
    let app = TestApp::with_config(|config| config.settings_cache_ms = 200).await;
    let client = reqwest::Client::new();
    assert_eq!(title_at(&client, &app.base).await, "Rocket.Chat");

    // Written behind the server's back: no notification, only the expiry brings it in.
    let mut conn = DbManager::new(Backend::from_url(&app.database_url), Duration::from_secs(5))
        .connect()
        .expect("database");
    let row = db::settings::SettingRow {
        id: "Livechat_title".into(),
        value: "\"Later\"".into(),
        updated_at: 0,
    };
    db::settings::put(&mut conn, &row).expect("direct write");

    let written_at = Instant::now();
    while title_at(&client, &app.base).await != "Later" {
        assert!(written_at.elapsed() < Duration::from_secs(10), "the cache never expired");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn a_method_other_than_get_or_post_is_405() {
    let app = TestApp::new().await;
    let res =
        app.request(Method::PUT, &path("Livechat_enabled"), Some(json!({"value": true}))).await;
    assert_eq!(res.status, 405, "{}", res.json);
}
