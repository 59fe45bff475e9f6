//! Files (SPEC section 16): uploads by the room's visitor and agents, downloads with their
//! access check and headers, sniffing, the limits and settings, cascades and expiry.

mod access;
mod lifecycle;
mod limits;

use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};

use crate::{AgentSession, Res, TestApp};

/// A tiny PNG header: magic bytes and an IHDR of `width` x `height` (enough for sniffing
/// and dimensions; not a decodable image).
pub fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(b"\x08\x06\0\0\0");
    bytes.extend_from_slice(&[0; 4]);
    bytes
}

/// A real PNG of `width` x `height`, a gradient.
pub fn png_image(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).expect("encode a PNG");
    bytes.into_inner()
}

/// A form with `file` (named `name`, declared `mime`) and the given text fields.
pub fn form(name: &str, mime: &str, bytes: Vec<u8>, fields: &[(&str, &str)]) -> Form {
    let part = Part::bytes(bytes).file_name(name.to_owned()).mime_str(mime).expect("mime");
    let mut form = Form::new();
    for (field, value) in fields {
        form = form.text((*field).to_owned(), (*value).to_owned());
    }
    form.part("file", part)
}

/// A downloaded file: status, headers and raw bytes.
pub struct Download {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub bytes: Vec<u8>,
}

impl Download {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default()
    }
}

impl TestApp {
    /// Posts a multipart form to `path` with extra headers.
    pub async fn upload_form(&self, path: &str, form: Form, headers: &[(&str, &str)]) -> Res {
        let mut req = self.client.post(format!("{}{path}", self.base)).multipart(form);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        Self::read(Method::POST, req.send().await.expect("upload")).await
    }

    /// `livechat/upload/{rid}` as the visitor with `token`.
    pub async fn visitor_upload(&self, token: &str, rid: &str, form: Form) -> Res {
        let path = format!("/api/v1/livechat/upload/{rid}");
        self.upload_form(&path, form, &[("x-visitor-token", token)]).await
    }

    /// `rooms.upload/{rid}` as `agent`.
    pub async fn agent_upload(&self, agent: &AgentSession, rid: &str, form: Form) -> Res {
        self.upload_form(&format!("/api/v1/rooms.upload/{rid}"), form, &agent.headers()).await
    }

    /// GETs `path` (a download link, with any query) with extra headers, as bytes.
    pub async fn download(&self, path: &str, headers: &[(&str, &str)]) -> Download {
        let mut req = self.client.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let res = req.send().await.expect("download");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.expect("body").to_vec();
        Download { status, headers, bytes }
    }

    /// `link` downloaded by the visitor of room `rid` with the widget's query parameters.
    pub async fn visitor_download(&self, link: &str, rid: &str, token: &str) -> Download {
        self.download(&format!("{link}?rc_room_type=l&rc_rid={rid}&rc_token={token}"), &[]).await
    }

    /// A connection to this test's database.
    pub fn database(&self) -> livechat_server::db::DbConn {
        use livechat_server::db::{Backend, DbManager};
        let backend = Backend::from_url(&self.database_url);
        DbManager::new(backend, std::time::Duration::from_secs(5)).connect().expect("database")
    }

    /// Changes a setting as `admin`.
    pub async fn set_setting(&self, admin: &AgentSession, id: &str, value: Value) {
        let path = format!("/api/v1/settings/{id}");
        self.request_with(Method::POST, &path, Some(json!({"value": value})), &admin.headers())
            .await
            .ok();
    }
}

/// An agent serving a visitor's open room, and an admin: `(agent, admin, rid)` for visitor
/// `token`.
pub async fn served_room(app: &TestApp, token: &str) -> (AgentSession, AgentSession, String) {
    let agent = app.agent("files-agent", "agent").await;
    let admin = app.agent("files-admin", "admin").await;
    let body = json!({"status": "available"});
    let path = "/api/v1/livechat/agent.status";
    app.request_with(Method::POST, path, Some(body), &agent.headers()).await.ok();
    let rid = app.visitor_with_room(token).await;
    (agent, admin, rid)
}

/// The download link of the file a message carries.
pub fn link_of(message: &Value) -> String {
    message["attachments"][0]["title_link"].as_str().expect("title_link").to_owned()
}

#[actix_web::test]
async fn the_visitor_uploads_and_both_sides_download_the_same_bytes() {
    let app = TestApp::new().await;
    let (agent, _, rid) = served_room(&app, "tok-v").await;
    let bytes = png_header(300, 200);

    let fields = [("msg", "my screen"), ("description", "the error")];
    let message = app
        .visitor_upload("tok-v", &rid, form("shot.png", "image/png", bytes.clone(), &fields))
        .await
        .ok();

    assert_eq!(message["rid"], rid.as_str());
    assert_eq!(message["msg"], "my screen");
    let file = &message["file"];
    assert_eq!(file["name"], "shot.png");
    assert_eq!(file["type"], "image/png");
    let id = file["_id"].as_str().expect("file id");
    assert_eq!(message["files"], json!([file]));
    let attachment = &message["attachments"][0];
    let link = format!("/file-upload/{id}/shot.png");
    assert_eq!(attachment["type"], "file");
    assert_eq!(attachment["title"], "shot.png");
    assert_eq!(attachment["title_link"], link.as_str());
    assert_eq!(attachment["title_link_download"], true);
    assert_eq!(attachment["description"], "the error");
    assert_eq!(attachment["image_url"], link.as_str());
    assert_eq!(attachment["image_type"], "image/png");
    assert_eq!(attachment["image_size"], bytes.len());
    assert_eq!(attachment["image_dimensions"], json!({"width": 300, "height": 200}));
    // The history shows it as the send did.
    let history = app.history("tok-v", &rid).await;
    let listed = history.iter().find(|m| m["_id"] == message["_id"]).expect("in the history");
    assert_eq!(listed["attachments"], message["attachments"]);

    let by_visitor = app.visitor_download(&link, &rid, "tok-v").await;
    assert_eq!(by_visitor.status, 200);
    assert_eq!(by_visitor.bytes, bytes);
    assert_eq!(by_visitor.header("content-type"), "image/png");
    assert_eq!(by_visitor.header("x-content-type-options"), "nosniff");
    assert_eq!(by_visitor.header("content-security-policy"), "sandbox");
    assert!(by_visitor.header("content-disposition").starts_with("inline;"));
    let cookies = format!("rc_room_type=l; rc_rid={rid}; rc_token=tok-v");
    let by_cookie = app.download(&link, &[("cookie", &cookies)]).await;
    assert_eq!((by_cookie.status, by_cookie.bytes), (200, bytes.clone()));
    let by_agent = app.download(&link, &agent.headers()).await;
    assert_eq!((by_agent.status, by_agent.bytes), (200, bytes.clone()));
    let query = format!("{link}?rc_uid={}&rc_token={}", agent.id, agent.token);
    let by_query = app.download(&query, &[]).await;
    assert_eq!((by_query.status, by_query.bytes), (200, bytes));
}

#[actix_web::test]
async fn agents_upload_in_one_step_or_two() {
    let app = TestApp::new().await;
    let (agent, _, rid) = served_room(&app, "tok-v").await;
    let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n".to_vec();

    let sent = app
        .agent_upload(
            &agent,
            &rid,
            form("report.pdf", "application/pdf", pdf.clone(), &[("msg", "here")]),
        )
        .await
        .ok();
    let message = &sent["message"];
    assert_eq!(message["u"]["_id"], agent.id.as_str());
    assert_eq!(message["file"]["type"], "application/pdf");
    assert!(message["attachments"][0].get("image_url").is_none());
    let link = link_of(message);
    let download = app.visitor_download(&link, &rid, "tok-v").await;
    assert_eq!((download.status, &download.bytes), (200, &pdf));
    // PDFs are downloaded, not shown.
    assert_eq!(
        download.header("content-disposition"),
        "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
    );

    let media_path = format!("/api/v1/rooms.media/{rid}");
    let pending = app
        .upload_form(
            &media_path,
            form("a.pdf", "application/pdf", pdf.clone(), &[]),
            &agent.headers(),
        )
        .await
        .ok();
    let file_id = pending["file"]["_id"].as_str().expect("file id").to_owned();
    let url = pending["file"]["url"].as_str().expect("url").to_owned();
    assert_eq!(url, format!("/file-upload/{file_id}/a.pdf"));
    // Pending: nobody sees it yet.
    assert_eq!(app.download(&url, &agent.headers()).await.status, 404);
    let confirm = format!("/api/v1/rooms.mediaConfirm/{rid}/{file_id}");
    let body = json!({"msg": "confirmed", "description": "see page 2"});
    let confirmed =
        app.request_with(Method::POST, &confirm, Some(body.clone()), &agent.headers()).await.ok();
    assert_eq!(confirmed["message"]["msg"], "confirmed");
    assert_eq!(confirmed["message"]["file"]["_id"], file_id.as_str());
    assert_eq!(confirmed["message"]["attachments"][0]["description"], "see page 2");
    assert_eq!(app.download(&url, &agent.headers()).await.bytes, pdf);
    // Only once.
    let again = app.request_with(Method::POST, &confirm, Some(body), &agent.headers()).await;
    assert_eq!(again.status, 400);
    assert_eq!(
        again.json,
        json!({"success": false, "error": "Invalid file [invalid-file]", "errorType": "invalid-file"})
    );
}

#[actix_web::test]
async fn html_declared_as_png_is_served_as_an_opaque_download() {
    let app = TestApp::new().await;
    let (agent, _, rid) = served_room(&app, "tok-v").await;
    let html = b"<html><body><script>alert(document.cookie)</script></body></html>".to_vec();

    let message = app
        .visitor_upload("tok-v", &rid, form("cat.png", "image/png", html.clone(), &[]))
        .await
        .ok();

    assert_eq!(message["file"]["type"], "application/octet-stream");
    assert!(message["attachments"][0].get("image_url").is_none(), "{message}");
    let download = app.download(&link_of(&message), &agent.headers()).await;
    assert_eq!(download.status, 200);
    assert_eq!(download.bytes, html);
    assert_eq!(download.header("content-type"), "application/octet-stream");
    assert_eq!(download.header("x-content-type-options"), "nosniff");
    assert_eq!(download.header("content-security-policy"), "sandbox");
    assert!(download.header("content-disposition").starts_with("attachment;"));
}

#[actix_web::test]
async fn a_large_image_gets_its_dimensions_and_a_thumbnail() {
    let app = TestApp::new().await;
    let (agent, _, rid) = served_room(&app, "tok-v").await;
    let png = png_image(1200, 800);

    let message = app
        .visitor_upload("tok-v", &rid, form("big.png", "image/png", png.clone(), &[]))
        .await
        .ok();

    let attachment = &message["attachments"][0];
    assert_eq!(attachment["image_dimensions"], json!({"width": 1200, "height": 800}));
    let files = message["files"].as_array().expect("files");
    assert_eq!(files.len(), 2, "{message}");
    let thumbnail = &files[1];
    assert_eq!(
        attachment["image_url"],
        format!(
            "/file-upload/{}/{}",
            thumbnail["_id"].as_str().unwrap_or_default(),
            thumbnail["name"].as_str().unwrap_or_default()
        )
    );
    assert_eq!(attachment["image_type"], "image/jpeg");
    let preview =
        app.download(attachment["image_url"].as_str().unwrap_or_default(), &agent.headers()).await;
    assert_eq!(preview.status, 200);
    let decoded = image::load_from_memory(&preview.bytes).expect("the thumbnail decodes");
    assert_eq!((decoded.width(), decoded.height()), (480, 320));
    assert_eq!(attachment["image_size"], preview.bytes.len());
    // The original is untouched.
    assert_eq!(app.download(&link_of(&message), &agent.headers()).await.bytes, png);
    // A small image needs none.
    let small = app
        .visitor_upload("tok-v", &rid, form("small.png", "image/png", png_image(100, 50), &[]))
        .await
        .ok();
    assert_eq!(small["files"].as_array().map(Vec::len), Some(1));
    assert_eq!(small["attachments"][0]["image_dimensions"], json!({"width": 100, "height": 50}));
}
