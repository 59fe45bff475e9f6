//! The widget routes through the whole app: a real folder, the route table, the envelope.

use std::path::Path;

use actix_web::http::{header, StatusCode};
use actix_web::test::{call_service, init_service, read_body, TestRequest};
use actix_web::web;
use serde_json::Value;

use crate::{app, bind, AppState, Config};

fn widget_folder(root: &Path) -> std::path::PathBuf {
    let dir = root.join("widget");
    std::fs::create_dir_all(dir.join("fonts")).expect("widget folder");
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><html><body><script src=\"livechat/bundle.js\"></script></body></html>",
    )
    .expect("index.html");
    std::fs::write(dir.join("bundle.js"), "console.log('widget')").expect("bundle.js");
    std::fs::write(dir.join("fonts").join("a.woff2"), [0u8, 1, 2]).expect("font");
    std::fs::write(root.join("secret.txt"), "outside the widget folder").expect("secret");
    dir
}

fn header_of<B>(res: &actix_web::dev::ServiceResponse<B>, name: header::HeaderName) -> &str {
    res.headers().get(name).and_then(|value| value.to_str().ok()).unwrap_or_default()
}

fn state(root: &Path, adjust: impl FnOnce(&mut Config)) -> AppState {
    let mut config = Config::with_database(root.join("livechat.db").display().to_string());
    adjust(&mut config);
    AppState::open(config).expect("state")
}

#[actix_web::test]
async fn serves_the_page_its_files_and_media() {
    let root = tempfile::tempdir().expect("temp dir");
    let dir = widget_folder(root.path());
    let state = state(root.path(), |config| {
        config.widget_dir = Some(dir);
        config.public_url = Some("https://chat.example/support/".into());
    });
    let app = init_service(app(web::Data::new(state))).await;
    let get = |uri: &str| TestRequest::get().uri(uri).to_request();

    let res = call_service(&app, get("/livechat")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header_of(&res, header::CONTENT_TYPE), "text/html; charset=utf-8");
    assert!(!res.headers().contains_key(header::X_FRAME_OPTIONS));
    assert!(!res.headers().contains_key(header::CONTENT_SECURITY_POLICY));
    let html = String::from_utf8(read_body(res).await.to_vec()).expect("utf-8");
    assert!(
        html.contains("<body><script>SERVER_URL = 'https://chat.example/support';</script><script")
    );

    let res = call_service(&app, get("/livechat/bundle.js")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header_of(&res, header::CONTENT_TYPE), "text/javascript; charset=utf-8");
    assert_eq!(read_body(res).await, "console.log('widget')");
    let res = call_service(&app, get("/livechat/fonts/a.woff2")).await;
    assert_eq!(header_of(&res, header::CONTENT_TYPE), "font/woff2");

    for uri in ["/livechat/", "/livechat/index.html"] {
        let res = call_service(&app, get(&format!("{uri}?mode=popout"))).await;
        assert_eq!(res.status(), StatusCode::FOUND, "{uri}");
        assert_eq!(header_of(&res, header::LOCATION), "/livechat?mode=popout");
    }

    for uri in [
        "/livechat/missing.js",
        "/livechat/fonts",
        "/livechat/../secret.txt",
        "/livechat/%2e%2e/secret.txt",
        "/livechat/%2E%2E%2Fsecret.txt",
        "/livechat/..%5Csecret.txt",
        "/livechat/fonts/..%2F..%2Fsecret.txt",
    ] {
        let res = call_service(&app, get(uri)).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{uri}");
        let body: Value = serde_json::from_slice(&read_body(res).await).expect("json");
        assert_eq!(body, serde_json::json!({"success": false, "error": "Resource not found"}));
    }
    let res = call_service(&app, TestRequest::post().uri("/livechat").to_request()).await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);

    let res = call_service(&app, get("/avatar/agent1")).await;
    assert_eq!(header_of(&res, header::CONTENT_TYPE), "image/svg+xml");
    assert!(String::from_utf8_lossy(&read_body(res).await).contains(">A</text>"));
    let res = call_service(&app, get("/sounds/chime.wav")).await;
    assert_eq!(header_of(&res, header::CONTENT_TYPE), "audio/wav");
    assert_eq!(&read_body(res).await[..4], b"RIFF");

    let res = call_service(&app, get("/api/v1/livechat/config")).await;
    let body: Value = serde_json::from_slice(&read_body(res).await).expect("json");
    assert_eq!(
        body["config"]["resources"]["sound"],
        "https://chat.example/support/sounds/chime.wav"
    );
}

#[actix_web::test]
async fn without_a_widget_folder_the_page_is_404() {
    let root = tempfile::tempdir().expect("temp dir");
    let app = init_service(app(web::Data::new(state(root.path(), |_| {})))).await;
    for uri in ["/livechat", "/livechat/bundle.js"] {
        let res = call_service(&app, TestRequest::get().uri(uri).to_request()).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{uri}");
    }
}

#[actix_web::test]
async fn port_0_gives_the_real_port_to_the_widget() {
    let root = tempfile::tempdir().expect("temp dir");
    let dir = widget_folder(root.path());
    let state = state(root.path(), |config| config.widget_dir = Some(dir));
    let (server, addrs) = bind(state).expect("bind");
    let handle = server.handle();
    actix_web::rt::spawn(server);
    let base = format!("http://{}", addrs[0]);
    assert_ne!(addrs[0].port(), 0);

    let html = reqwest::get(format!("{base}/livechat")).await.expect("GET").text().await;
    assert!(html.expect("body").contains(&format!("SERVER_URL = '{base}';")));
    let config: Value = reqwest::get(format!("{base}/api/v1/livechat/config"))
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(config["config"]["resources"]["sound"], format!("{base}/sounds/chime.wav"));
    handle.stop(false).await;
}
