//! `GET /api/v1/settings`: every setting this server offers, with the values `settings/:_id`
//! reads, in pages; admins only.

use serde_json::{json, Value};

use super::{forbidden, get_setting, set};
use crate::agent::{get_as, not_logged_in};
use crate::TestApp;

const LIST: &str = "/api/v1/settings";

fn ids(body: &Value) -> Vec<String> {
    let settings = body["settings"].as_array().expect("settings");
    settings.iter().map(|setting| setting["_id"].as_str().expect("id").to_owned()).collect()
}

#[actix_web::test]
async fn an_admin_lists_every_offered_setting_with_its_value() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    set(&app, &admin, "Livechat_title", json!("Help desk")).await;
    set(&app, &admin, "Livechat_enabled", json!(false)).await;

    let body = get_as(&app, &admin, &format!("{LIST}?count=100")).await.ok();
    let settings = body["settings"].as_array().expect("settings").clone();
    assert_eq!(body["offset"], 0, "{body}");
    assert_eq!(body["count"], settings.len(), "{body}");
    assert_eq!(body["total"], settings.len(), "one page holds them all: {body}");
    assert!(settings.len() > 30, "{body}");
    // Each entry is what `settings/:_id` answers, changed values included.
    for setting in &settings {
        let id = setting["_id"].as_str().expect("id");
        let one = get_setting(&app, &admin, id).await.ok();
        assert_eq!(json!({"_id": one["_id"], "value": one["value"]}), *setting);
    }
    let value = |id: &str| settings.iter().find(|s| s["_id"] == id).map(|s| s["value"].clone());
    assert_eq!(value("Livechat_title"), Some(json!("Help desk")));
    assert_eq!(value("Livechat_enabled"), Some(json!(false)));
    assert_eq!(value("Livechat_Routing_Method"), Some(json!("Auto_Selection")));
    assert_eq!(value("Livechat_webhookUrl"), Some(json!("")));
    // Settings a command-line flag governs are not listed.
    assert_eq!(value("Livechat_message_character_limit"), None);

    // The default page holds the first 50.
    let default = get_as(&app, &admin, LIST).await.ok();
    assert_eq!(ids(&default), ids(&body)[..50]);
    assert_eq!(default["total"], body["total"]);
}

#[actix_web::test]
async fn the_list_comes_in_pages() {
    let app = TestApp::new().await;
    let admin = app.agent("root", "admin").await;
    let all = get_as(&app, &admin, &format!("{LIST}?count=100")).await.ok();
    let every = ids(&all);
    let total = every.len();

    let page = get_as(&app, &admin, &format!("{LIST}?count=5&offset=3")).await.ok();
    assert_eq!(ids(&page), every[3..8]);
    assert_eq!(
        (&page["count"], &page["offset"], &page["total"]),
        (&json!(5), &json!(3), &json!(total))
    );
    let tail = get_as(&app, &admin, &format!("{LIST}?count=10&offset={}", total - 2)).await.ok();
    assert_eq!(ids(&tail), every[total - 2..]);
    assert_eq!(tail["count"], 2);
    let past = get_as(&app, &admin, &format!("{LIST}?offset={total}")).await.ok();
    assert_eq!((ids(&past).len(), &past["count"], &past["total"]), (0, &json!(0), &json!(total)));
    // A size of 0 means the default; a huge one is clamped.
    let zero = get_as(&app, &admin, &format!("{LIST}?count=0")).await.ok();
    assert_eq!(ids(&zero), every[..50]);
    let huge = get_as(&app, &admin, &format!("{LIST}?count=99999999999999999999")).await.ok();
    assert_eq!(ids(&huge), every);

    for query in ["offset=-1", "count=many", "offset=1.5"] {
        get_as(&app, &admin, &format!("{LIST}?{query}")).await.assert_invalid_params();
    }
}

#[actix_web::test]
async fn only_admins_list_settings() {
    let app = TestApp::new().await;
    let agent = app.agent("alice", "agent").await;
    let manager = app.agent("boss", "manager").await;
    for user in [&agent, &manager] {
        let res = get_as(&app, user, LIST).await;
        assert_eq!((res.status, res.json), (403, forbidden()), "{}", user.username);
    }
    let res = app.get(LIST).await;
    assert_eq!((res.status, res.json), (401, not_logged_in()));
}
