//! The size limit, the type lists, the form's fields and the switches.

use serde_json::json;

use super::{form, png_header, served_room};
use crate::TestApp;

fn count_files(app: &TestApp, rid: &str) -> i64 {
    livechat_server::db::files::count_in_room(&mut app.database(), rid).expect("count")
}

#[actix_web::test]
async fn a_file_of_exactly_the_limit_passes_and_one_byte_more_is_413() {
    let app = TestApp::new().await;
    let (agent, admin, rid) = served_room(&app, "tok-v").await;
    let limit = 2 * 1024 * 1024 + 17;
    app.set_setting(&admin, "FileUpload_MaxFileSize", json!(limit)).await;

    let exact = vec![b'x'; limit];
    let message =
        app.visitor_upload("tok-v", &rid, form("a.bin", "application/zip", exact, &[])).await.ok();
    assert_eq!(message["file"]["size"], limit);
    assert_eq!(count_files(&app, &rid), 1);

    let over = vec![b'x'; limit + 1];
    let res =
        app.visitor_upload("tok-v", &rid, form("b.bin", "text/plain", over.clone(), &[])).await;
    assert_eq!(res.status, 413);
    let refused = json!({
        "success": false,
        "error": "error-file-too-large",
        "reason": "error-file-too-large"
    });
    assert_eq!(res.json, refused);
    let res = app.agent_upload(&agent, &rid, form("b.bin", "text/plain", over, &[])).await;
    assert_eq!((res.status, res.json), (413, refused));
    // Nothing of the refused uploads is left.
    assert_eq!(count_files(&app, &rid), 1);
}

#[actix_web::test]
async fn forms_without_a_file_or_with_other_fields_are_refused() {
    let app = TestApp::new().await;
    let (_, admin, rid) = served_room(&app, "tok-v").await;
    let path = format!("/api/v1/livechat/upload/{rid}");
    let headers = [("x-visitor-token", "tok-v")];

    let only_text = reqwest::multipart::Form::new().text("msg", "hello");
    let res = app.upload_form(&path, only_text, &headers).await;
    let no_file = json!({
        "success": false,
        "error": "error-no-file-uploaded",
        "reason": "error-no-file-uploaded"
    });
    assert_eq!((res.status, &res.json), (400, &no_file));
    let json_body = app.post(&path, json!({"msg": "x"})).await;
    assert_eq!(json_body.status, 403, "no token: refused before the body is read");
    let alias = form("a.png", "image/png", png_header(1, 1), &[("alias", "Boss")]);
    app.upload_form(&path, alias, &headers).await.assert_invalid_params();
    // The default deny list holds SVG, whatever else it is stored as.
    let svg =
        form("a.svg", "image/svg+xml", b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(), &[]);
    let res = app.upload_form(&path, svg, &headers).await;
    assert_eq!(res.json["error"], "error-type-not-allowed");
    assert_eq!(res.json["reason"], "error-type-not-allowed");
    // An allow list lets only its types through.
    app.set_setting(&admin, "FileUpload_MediaTypeWhiteList", json!("image/*")).await;
    let pdf = form("a.pdf", "application/pdf", b"%PDF-1.4\n".to_vec(), &[]);
    assert_eq!(app.upload_form(&path, pdf, &headers).await.json["error"], "error-type-not-allowed");
    app.upload_form(&path, form("a.png", "image/png", png_header(2, 2), &[]), &headers).await.ok();
    assert_eq!(count_files(&app, &rid), 1);
}

#[actix_web::test]
async fn the_switches_turn_uploads_off() {
    let app = TestApp::new().await;
    let (agent, admin, rid) = served_room(&app, "tok-v").await;
    async fn config(app: &TestApp) -> serde_json::Value {
        let path = "/api/v1/livechat/config?token=tok-v";
        app.get(path).await.ok()["config"]["settings"]["fileUpload"].clone()
    }
    let disabled = json!({
        "success": false,
        "error": "error-file-upload-disabled",
        "reason": "error-file-upload-disabled"
    });
    assert_eq!(config(&app).await, true);

    app.set_setting(&admin, "Livechat_fileupload_enabled", json!(false)).await;
    assert_eq!(config(&app).await, false);
    let res =
        app.visitor_upload("tok-v", &rid, form("a.png", "image/png", png_header(1, 1), &[])).await;
    assert_eq!((res.status, &res.json), (400, &disabled));
    // Agents follow the server-wide switch only.
    app.agent_upload(&agent, &rid, form("a.png", "image/png", png_header(1, 1), &[])).await.ok();

    app.set_setting(&admin, "Livechat_fileupload_enabled", json!(true)).await;
    app.set_setting(&admin, "FileUpload_Enabled", json!(false)).await;
    assert_eq!(config(&app).await, false);
    let res =
        app.visitor_upload("tok-v", &rid, form("a.png", "image/png", png_header(1, 1), &[])).await;
    assert_eq!((res.status, &res.json), (400, &disabled));
    let res =
        app.agent_upload(&agent, &rid, form("a.png", "image/png", png_header(1, 1), &[])).await;
    assert_eq!((res.status, &res.json), (400, &disabled));
    // Settings are type-checked.
    let path = "/api/v1/settings/FileUpload_MaxFileSize";
    let res = app
        .request_with(reqwest::Method::POST, path, Some(json!({"value": "big"})), &admin.headers())
        .await;
    res.assert_invalid_params();
}

#[actix_web::test]
async fn an_upload_that_stalls_past_the_request_timeout_is_dropped_whole() {
    use std::time::Duration;

    use futures_util::stream;
    use reqwest::multipart::{Form, Part};

    let app = TestApp::with_config(|config| config.request_timeout_ms = 400).await;
    let (_agent, _admin, rid) = served_room(&app, "tok-v").await;
    // A chunk and a half (one chunk committed as pending), then silence for far longer than
    // the timeout, then the rest: each piece must come within the timeout of the last.
    let pieces = stream::unfold(0, |step| async move {
        let piece = match step {
            0 => vec![b'x'; 1024 * 1024 + 512 * 1024],
            1 => {
                tokio::time::sleep(Duration::from_secs(3)).await;
                vec![b'y'; 1024]
            }
            _ => return None,
        };
        Some((Ok::<_, std::io::Error>(piece), step + 1))
    });
    let part = Part::stream(reqwest::Body::wrap_stream(pieces))
        .file_name("slow.bin")
        .mime_str("application/zip")
        .expect("mime");
    let form = Form::new().part("file", part);
    let url = format!("{}/api/v1/livechat/upload/{rid}", app.base);
    let sent = app.client.post(url).header("x-visitor-token", "tok-v").multipart(form).send().await;

    // The server answers 408 while the client is silent, or has closed the connection by
    // the time the client writes again: either way the upload is refused...
    if let Ok(res) = sent {
        assert_eq!(res.status().as_u16(), 408);
    }
    // ...and nothing of it stays, not even its committed chunk.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while count_files(&app, &rid) != 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(count_files(&app, &rid), 0);
    let history = app.get(&format!("/api/v1/livechat/messages.history/{rid}?token=tok-v")).await;
    let messages = history.ok()["messages"].as_array().cloned().unwrap_or_default();
    assert!(messages.iter().all(|message| message.get("file").is_none()), "{messages:?}");
}
