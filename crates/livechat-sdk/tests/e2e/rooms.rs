//! A manager finds rooms by their filters, edits one, searches its messages and reads its
//! visitor.

use livechat_sdk::types::agent::rooms;
use livechat_sdk::types::room::save_info;
use livechat_sdk::ErrorCode;

use crate::{admin_account, client, fresh_token};

#[tokio::test]
async fn a_manager_tags_a_room_and_finds_it_again() {
    let client = client();
    let (admin_name, admin_password) = admin_account();
    let admin = client.login(&admin_name, &admin_password).await.expect("admin login");
    crate::record_secret(admin.auth_token());
    let visitor = client.register(fresh_token("rooms")).await.expect("register");
    let room = visitor.open_room().await.expect("room");
    visitor.send("Where is my ORDER?").await.expect("send");

    let mut save = save_info::Request::new(room.id.as_str(), room.v.id.clone());
    save.room_data.topic = Some("Shipping".into());
    let tag = format!("e2e-{}", crate::unique());
    save.room_data.tags = Some(vec![tag.clone()]);
    save.guest_data.name = Some("E2E Visitor".into());
    admin.save_room_info(&save).await.expect("save info");

    let found = admin
        .rooms(&rooms::Request { tags: Some(tag), ..rooms::Request::default() })
        .await
        .expect("rooms");
    assert_eq!(found.total, 1);
    assert_eq!(found.rooms[0].topic.as_deref(), Some("Shipping"));
    assert!(!admin.room_filters().await.expect("filters").filters.is_empty());

    let messages = admin.search_room_messages(&room.id, Some("order")).await.expect("search");
    assert_eq!(messages.total, 1);
    let info = admin.visitor_info(&room.v.id).await.expect("visitor info");
    assert_eq!(info.name.as_deref(), Some("E2E Visitor"));
    let err = admin.visitor_info("no-such-visitor").await.expect_err("missing");
    assert_eq!(err.code(), Some(&ErrorCode::VisitorNotFound));
}
