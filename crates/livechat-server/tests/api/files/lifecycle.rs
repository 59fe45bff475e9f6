//! Storage: large files in several chunks, ranges, cascades and the expiry of pending files.

use reqwest::Method;
use serde_json::json;

use super::{form, link_of, png_header, served_room};
use crate::TestApp;

fn file_id(message: &serde_json::Value) -> String {
    message["file"]["_id"].as_str().expect("file id").to_owned()
}

fn chunks_of(app: &TestApp, id: &str) -> i64 {
    livechat_server::db::files::chunk_count(&mut app.database(), id).expect("count")
}

#[actix_web::test]
async fn a_large_file_round_trips_byte_identical_in_several_chunks() {
    let app = TestApp::new().await;
    let (agent, _, rid) = served_room(&app, "tok-v").await;
    // 3.5 MiB of bytes that differ from chunk to chunk.
    let bytes: Vec<u8> =
        (0..(7 * 512 * 1024u32)).map(|n| (n % 251) as u8 ^ (n >> 20) as u8).collect();

    let message = app
        .visitor_upload(
            "tok-v",
            &rid,
            form("big.bin", "application/octet-stream", bytes.clone(), &[]),
        )
        .await
        .ok();

    assert_eq!(chunks_of(&app, &file_id(&message)), 4);
    let download = app.download(&link_of(&message), &agent.headers()).await;
    assert_eq!(download.status, 200);
    assert_eq!(download.header("content-length"), bytes.len().to_string());
    assert!(download.bytes == bytes, "the download differs from the upload");
    // A range across a chunk boundary.
    let range = app
        .download(
            &link_of(&message),
            &[agent.headers()[0], agent.headers()[1], ("range", "bytes=1048570-1048585")],
        )
        .await;
    assert_eq!(range.status, 206);
    assert_eq!(range.bytes, bytes[1_048_570..=1_048_585]);
}

#[actix_web::test]
async fn ranges_return_the_right_bytes() {
    let app = TestApp::new().await;
    let (agent, _, rid) = served_room(&app, "tok-v").await;
    let bytes = b"0123456789abcdef".to_vec();
    let message = app
        .visitor_upload("tok-v", &rid, form("t.txt", "text/plain", bytes.clone(), &[]))
        .await
        .ok();
    let link = link_of(&message);
    let [user, token] = agent.headers();

    for (range, status, expected, content_range) in [
        ("bytes=0-3", 206, &bytes[0..4], "bytes 0-3/16"),
        ("bytes=10-", 206, &bytes[10..], "bytes 10-15/16"),
        ("bytes=-4", 206, &bytes[12..], "bytes 12-15/16"),
        ("bytes=14-99", 206, &bytes[14..], "bytes 14-15/16"),
        ("bytes=0-1,4-5", 200, &bytes[..], ""),
    ] {
        let download = app.download(&link, &[user, token, ("range", range)]).await;
        assert_eq!(download.status, status, "{range}");
        assert_eq!(download.bytes, expected, "{range}");
        assert_eq!(download.header("content-range"), content_range, "{range}");
    }
    let unsatisfiable = app.download(&link, &[user, token, ("range", "bytes=16-")]).await;
    assert_eq!(unsatisfiable.status, 416);
    assert_eq!(unsatisfiable.header("content-range"), "bytes */16");
}

#[actix_web::test]
async fn deleting_a_message_a_room_or_a_visitor_deletes_its_files() {
    let app = TestApp::new().await;
    let (agent, _, rid) = served_room(&app, "tok-v").await;
    let upload = |name: &'static str| {
        let app = &app;
        let rid = rid.clone();
        async move {
            let bytes = vec![7u8; 1024 * 1024 + 5];
            app.visitor_upload("tok-v", &rid, form(name, "application/zip", bytes, &[])).await.ok()
        }
    };
    let first = upload("one.bin").await;
    let second = upload("two.bin").await;
    assert_eq!(chunks_of(&app, &file_id(&first)), 2);

    // The visitor deletes its message: the file and its chunks go.
    let path = format!("/api/v1/livechat/message/{}", first["_id"].as_str().unwrap_or_default());
    app.delete(&path, Some(json!({"token": "tok-v", "rid": rid}))).await.ok();
    assert_eq!(chunks_of(&app, &file_id(&first)), 0);
    assert_eq!(app.download(&link_of(&first), &agent.headers()).await.status, 404);
    assert_eq!(app.download(&link_of(&second), &agent.headers()).await.status, 200);

    // The agent deletes its own file message.
    let sent = app
        .agent_upload(
            &agent,
            &rid,
            form("three.pdf", "application/pdf", b"%PDF-1.4\n".to_vec(), &[]),
        )
        .await
        .ok();
    let body = json!({"roomId": rid, "msgId": sent["message"]["_id"]});
    app.request_with(Method::POST, "/api/v1/chat.delete", Some(body), &agent.headers()).await.ok();
    assert_eq!(chunks_of(&app, &file_id(&sent["message"])), 0);

    // The visitor goes (after its room closed), and with it the room and its files.
    app.close("tok-v", &rid).await.ok();
    app.delete("/api/v1/livechat/visitor/tok-v", None).await.ok();
    assert_eq!(chunks_of(&app, &file_id(&second)), 0);
    let mut conn = app.database();
    assert_eq!(livechat_server::db::files::count_in_room(&mut conn, &rid).expect("count"), 0);
}

#[actix_web::test]
async fn pending_files_expire_after_a_day() {
    use diesel::RunQueryDsl as _;

    let app = TestApp::new().await;
    let (agent, _, rid) = served_room(&app, "tok-v").await;
    let media = format!("/api/v1/rooms.media/{rid}");
    let pending = app
        .upload_form(&media, form("a.png", "image/png", png_header(5, 5), &[]), &agent.headers())
        .await
        .ok();
    let fresh = app
        .upload_form(&media, form("b.png", "image/png", png_header(5, 5), &[]), &agent.headers())
        .await
        .ok();
    let id = pending["file"]["_id"].as_str().expect("id").to_owned();
    assert_eq!(chunks_of(&app, &id), 1);

    // A day and a minute ago.
    let long_ago = livechat_types::Timestamp::now().as_millis() - 24 * 3600 * 1000 - 60_000;
    diesel::sql_query(format!("UPDATE files SET created_at = {long_ago} WHERE id = '{id}'"))
        .execute(&mut app.database())
        .expect("age the file");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while livechat_server::db::files::find(&mut app.database(), &id).expect("find").is_some() {
        assert!(std::time::Instant::now() < deadline, "the pending file was not deleted");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(chunks_of(&app, &id), 0);
    let confirm = format!("/api/v1/rooms.mediaConfirm/{rid}/{id}");
    let res = app.request_with(Method::POST, &confirm, Some(json!({})), &agent.headers()).await;
    assert_eq!(res.json["errorType"], "invalid-file");
    // The younger one is still there to confirm.
    let fresh_id = fresh["file"]["_id"].as_str().expect("id");
    let confirm = format!("/api/v1/rooms.mediaConfirm/{rid}/{fresh_id}");
    app.request_with(Method::POST, &confirm, Some(json!({})), &agent.headers()).await.ok();
}
