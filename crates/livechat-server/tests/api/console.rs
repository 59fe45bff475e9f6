//! The agent console's files (SPEC section 20): the page names the assets of its build, the
//! assets are cached for good under that build's name, and everything carries the strict
//! security headers.

use super::TestApp;

/// A client that follows no redirect and reads bodies as text.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default()
    }
}

async fn fetch(app: &TestApp, path: &str) -> Reply {
    let res = client().get(format!("{}{path}", app.base)).send().await.expect("request");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.text().await.expect("body");
    Reply { status, headers, body }
}

/// The asset paths the page loads (`src` and `href` under `/console/assets/`).
fn asset_paths(page: &str) -> Vec<String> {
    page.split('"')
        .filter(|part| part.starts_with(livechat_server::console::ASSETS_PREFIX))
        .map(str::to_owned)
        .collect()
}

fn assert_secured(reply: &Reply) {
    let csp = reply.header("content-security-policy");
    assert_eq!(csp, livechat_server::console::CONTENT_SECURITY_POLICY);
    for directive in ["script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"] {
        assert!(csp.contains(directive), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    assert_eq!(reply.header("x-frame-options"), "DENY");
    assert_eq!(reply.header("x-content-type-options"), "nosniff");
    assert_eq!(reply.header("referrer-policy"), "no-referrer");
}

#[actix_web::test]
async fn the_page_is_served_with_strict_headers_and_never_cached() {
    let app = TestApp::new().await;

    let page = fetch(&app, "/console").await;

    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(page.header("cache-control"), "no-cache");
    assert_secured(&page);
    assert!(page.body.contains("<script type=\"module\""), "{}", page.body);
    assert!(!page.body.contains("{{"), "every placeholder is filled: {}", page.body);
    // No inline script or style: the CSP would refuse them.
    assert!(!page.body.contains("<script>") && !page.body.contains("style="), "{}", page.body);
    for path in ["/console/", "/console/index.html"] {
        let reply = fetch(&app, path).await;
        assert_eq!((reply.status, reply.header("location")), (302, "/console"), "{path}");
    }
}

#[actix_web::test]
async fn the_assets_of_this_build_are_cached_for_good_under_its_name() {
    let app = TestApp::new().await;
    let page = fetch(&app, "/console").await;
    let assets = asset_paths(&page.body);
    assert!(assets.len() >= 2, "a script and a style sheet: {assets:?}");

    for path in &assets {
        let reply = fetch(&app, path).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        assert_eq!(reply.header("cache-control"), "public, max-age=31536000, immutable");
        assert_secured(&reply);
        let expected = match path.rsplit('.').next() {
            Some("js") => "text/javascript; charset=utf-8",
            Some("css") => "text/css; charset=utf-8",
            Some("svg") => "image/svg+xml",
            other => panic!("unexpected asset type {other:?} in {path}"),
        };
        assert_eq!(reply.header("content-type"), expected, "{path}");
        assert!(!reply.body.is_empty(), "{path}");
    }

    // The modules the script imports are in the same build's directory.
    let script = assets.iter().find(|path| path.ends_with("/app.js")).expect("app.js");
    let build_dir = script.trim_end_matches("app.js");
    let app_js = fetch(&app, script).await.body;
    let imports: Vec<&str> = app_js
        .split(['\'', '"'])
        .filter(|part| part.starts_with("./") && part.ends_with(".js"))
        .collect();
    assert!(!imports.is_empty(), "app.js imports its modules relatively");
    for import in imports {
        let path = format!("{build_dir}{}", import.trim_start_matches("./"));
        assert_eq!(fetch(&app, &path).await.status, 200, "{path}");
    }
}

#[actix_web::test]
async fn other_builds_and_other_files_are_not_found() {
    let app = TestApp::new().await;
    let page = fetch(&app, "/console").await;
    let script =
        asset_paths(&page.body).into_iter().find(|path| path.ends_with("/app.js")).expect("app.js");
    let build_dir = script.trim_end_matches("app.js").to_owned();

    for path in [
        // An old page still open after an upgrade asks for its own build's names.
        "/console/assets/0000000000000000/app.js".to_owned(),
        format!("{build_dir}missing.js"),
        format!("{build_dir}index.html"),
        format!("{build_dir}../../../Cargo.toml"),
        format!("{build_dir}%2e%2e/%2e%2e/Cargo.toml"),
        "/console/assets/app.js".to_owned(),
    ] {
        let reply = fetch(&app, &path).await;
        assert_eq!(reply.status, 404, "{path}: {}", reply.body);
        assert_eq!(reply.header("content-type"), "application/json", "{path}");
        assert!(reply.body.contains("\"success\":false"), "{path}: {}", reply.body);
    }
}
