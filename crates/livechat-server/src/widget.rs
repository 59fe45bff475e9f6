//! The stock Rocket.Chat widget, served unmodified (SPEC section 10): `GET /livechat` (its
//! page, with our `SERVER_URL` put in), `GET /livechat/<file>` (its scripts, styles and
//! images), plus what it loads from the rest of the server: `GET /avatar/<username>` and the
//! notification sound.

mod media;
#[cfg(test)]
mod served;

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use livechat_types::ErrorCode;

pub use media::{avatar, sound, SOUND_PATH};

use crate::error::ApiError;
use crate::{AppState, Config};

/// The folder name `--widget-dir` defaults to when it exists in the working directory.
pub const DEFAULT_DIR: &str = "livechat-widget";

/// The absolute URL of the notification sound, for `resources.sound` in `livechat/config`.
pub fn sound_url(state: &AppState) -> String {
    format!("{}{SOUND_PATH}", state.public_url())
}

/// Warns at start-up about a widget configuration that cannot work.
pub fn check_dir(config: &Config) {
    let Some(dir) = &config.widget_dir else { return };
    if !dir.join("index.html").is_file() {
        tracing::warn!(
            "--widget-dir {} has no index.html: /livechat answers 404 (run `cargo xtask widget`)",
            dir.display()
        );
    }
    let unspecified = config.bind.starts_with("0.0.0.0:") || config.bind.starts_with("[::]:");
    if config.public_url.is_none() && unspecified {
        tracing::warn!(
            "--bind {} without --public-url: the widget is told to reach the server at \
             http://{}, which browsers cannot use; set --public-url",
            config.bind,
            config.bind
        );
    }
}

/// `GET /livechat`: the widget's `index.html` with `SERVER_URL` set to our public URL.
/// A `?serverUrl=` naming another server is redirected away (the same URL without it): the
/// page must never send a visitor's chat elsewhere.
///
/// The page must stay frameable (customers embed it in an iframe), so no `X-Frame-Options`
/// and no `frame-ancestors`.
pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let public_url = state.public_url();
    if let Some(query) = without_foreign_server_url(req.query_string(), &public_url) {
        let location = match query.as_str() {
            "" => format!("{public_url}/livechat"),
            query => format!("{public_url}/livechat?{query}"),
        };
        let location = HeaderValue::from_str(&location)
            .map_err(|err| anyhow::format_err!("the page's own URL is no header: {err}"))?;
        return Ok(HttpResponse::Found().insert_header((header::LOCATION, location)).finish());
    }
    let html = read(&state, "index.html").await?;
    let html = inject_server_url(&String::from_utf8_lossy(&html), &public_url);
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(html))
}

/// `GET /livechat/` and `GET /livechat/index.html`: redirect to `/livechat`, keeping the query
/// (`?serverUrl=`, `?mode=popout`). The page loads its scripts by the relative path
/// `livechat/<file>`, which only resolves to `/livechat/<file>` from `/livechat` itself.
pub async fn to_page(req: HttpRequest) -> HttpResponse {
    let location = match req.query_string() {
        "" => "/livechat".to_owned(),
        query => format!("/livechat?{query}"),
    };
    match HeaderValue::from_str(&location) {
        Ok(location) => HttpResponse::Found().insert_header((header::LOCATION, location)).finish(),
        Err(_) => HttpResponse::Found().insert_header((header::LOCATION, "/livechat")).finish(),
    }
}

/// `GET /livechat/{file}`: one of the widget's built files; 404 in the envelope for anything
/// else, including any path that tries to leave the folder.
pub async fn file(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let requested = req.match_info().query("file");
    if requested == "index.html" {
        return Ok(to_page(req).await);
    }
    let Some(relative) = safe_relative_path(requested) else {
        return Err(ErrorCode::NotFound.into());
    };
    let body = read(&state, &relative).await?;
    Ok(HttpResponse::Ok()
        .content_type(content_type(&relative))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body))
}

/// Reads a file of the widget folder on the blocking pool; a missing folder or file is 404.
async fn read(state: &AppState, relative: impl AsRef<Path>) -> Result<Vec<u8>, ApiError> {
    let Some(dir) = &state.config.widget_dir else {
        return Err(ErrorCode::NotFound.into());
    };
    let path = dir.join(relative);
    let read = web::block(move || {
        // Folders are not files to serve; a file removed meanwhile is missing too.
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(err) if err.kind() == ErrorKind::NotFound || path.is_dir() => Ok(None),
            Err(err) => Err(anyhow::format_err!("{}: {err}", path.display())),
        }
    })
    .await
    .map_err(|err| anyhow::format_err!("reading a widget file: {err}"))??;
    read.ok_or_else(|| ErrorCode::NotFound.into())
}

/// The requested file as a path inside the widget folder, or `None` when the request could
/// name anything outside it: only plain segments of `[A-Za-z0-9._~-]`, none empty and none
/// starting with a dot (so no `..`, no hidden files, no backslashes, no drive letters, no
/// percent-escapes left over).
fn safe_relative_path(requested: &str) -> Option<PathBuf> {
    let mut path = PathBuf::new();
    for segment in requested.split('/') {
        let plain = segment
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'~' | b'-'));
        if segment.is_empty() || segment.starts_with('.') || !plain {
            return None;
        }
        path.push(segment);
    }
    Some(path)
}

/// The content type a browser needs for a widget file, from its extension.
pub(crate) fn content_type(path: &Path) -> &'static str {
    let extension = path.extension().and_then(|ext| ext.to_str()).unwrap_or_default();
    match extension.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "webp" => "image/webp",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "eot" => "application/vnd.ms-fontobject",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "ogg" => "audio/ogg",
        _ => "application/octet-stream",
    }
}

/// `query` without its `serverUrl` parameters when any of them names a server other than
/// `public_url` (trailing slashes aside); `None` when there is none such. The stock widget
/// reads `SERVER_URL` first, but falls back to `?serverUrl=`, decoded as the query-string
/// package does it (`+` is a space, percent-escapes also in the name), so this decodes names
/// and values the same way. The other parameters are kept as they came.
fn without_foreign_server_url(query: &str, public_url: &str) -> Option<String> {
    let mut foreign = false;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let Some((name, value)) = form_urlencoded::parse(pair.as_bytes()).next() else {
                return false;
            };
            if name != "serverUrl" {
                return true;
            }
            foreign |= value.trim_end_matches('/') != public_url.trim_end_matches('/');
            false
        })
        .collect();
    foreign.then(|| kept.join("&"))
}

/// `html` with `<script>SERVER_URL = '<url>';</script>` right after its `<body>` tag (before
/// the first `<script` when it has none, else at the end). The widget learns the server only
/// from this global or a `?serverUrl=` query parameter.
pub fn inject_server_url(html: &str, public_url: &str) -> String {
    let script = format!(
        "<script>SERVER_URL = '{}';</script>",
        js_string_content(public_url.trim_end_matches('/'))
    );
    let at = body_tag_end(html)
        .or_else(|| html.to_ascii_lowercase().find("<script"))
        .unwrap_or(html.len());
    let mut out = String::with_capacity(html.len() + script.len());
    out.push_str(&html[..at]);
    out.push_str(&script);
    out.push_str(&html[at..]);
    out
}

/// The byte offset just past the `<body ...>` start tag, if there is one.
fn body_tag_end(html: &str) -> Option<usize> {
    // ASCII lowercasing keeps byte offsets, so they index `html` too.
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find("<body") {
        let start = from + found;
        let after = start + "<body".len();
        // `<body>` or `<body class=...>`, but not `<bodyfoo>`.
        match lower.as_bytes().get(after) {
            Some(b'>' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/') => {
                return lower[after..].find('>').map(|end| after + end + 1);
            }
            Some(_) => from = after,
            None => return None,
        }
    }
    None
}

/// `text` escaped for a single-quoted JavaScript string inside an HTML `<script>` element:
/// quotes, backslashes, line breaks and `<`, `>`, `&` (so no `</script>` or `<!--` can
/// appear) become `\uXXXX` escapes.
fn js_string_content(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\'' | '"' | '\\' | '<' | '>' | '&' | '`' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04X}", u32::from(ch)));
            }
            ch if ch.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(ch))),
            ch => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const STOCK: &str = "<!doctype html><html><head><meta charset=\"utf-8\"></head><body>\
                         <script src=\"livechat/bundle.js\"></script></body></html>";

    #[test]
    fn server_url_goes_right_after_body() {
        let html = inject_server_url(STOCK, "http://127.0.0.1:3000/");
        assert_eq!(
            html,
            "<!doctype html><html><head><meta charset=\"utf-8\"></head><body>\
             <script>SERVER_URL = 'http://127.0.0.1:3000';</script>\
             <script src=\"livechat/bundle.js\"></script></body></html>"
        );
    }

    #[test]
    fn body_with_attributes_and_upper_case() {
        let html = inject_server_url("<HTML><BODY class=\"x\">hi</BODY>", "https://chat.example");
        assert_eq!(
            html,
            "<HTML><BODY class=\"x\"><script>SERVER_URL = 'https://chat.example';</script>hi</BODY>"
        );
        let html = inject_server_url("<bodyguard><body>x", "http://a");
        assert_eq!(html, "<bodyguard><body><script>SERVER_URL = 'http://a';</script>x");
    }

    #[test]
    fn without_body_before_first_script_or_at_end() {
        let html = inject_server_url("<p>x</p><SCRIPT src=a.js></SCRIPT>", "http://a");
        assert_eq!(
            html,
            "<p>x</p><script>SERVER_URL = 'http://a';</script><SCRIPT src=a.js></SCRIPT>"
        );
        assert_eq!(inject_server_url("", "http://a"), "<script>SERVER_URL = 'http://a';</script>");
    }

    #[test]
    fn url_cannot_break_out_of_the_string_or_the_script() {
        let html =
            inject_server_url("<body>", "http://x/';alert(1)//</script><script>\\\n\u{2028}");
        assert_eq!(
            html,
            "<body><script>SERVER_URL = 'http://x/\\u0027;alert(1)//\\u003C/script\\u003E\
             \\u003Cscript\\u003E\\u005C\\u000A\\u2028';</script>"
        );
        let script = &html["<body>".len()..];
        assert_eq!(script.matches("</script>").count(), 1);
        assert!(!script.contains("<!--"));
    }

    #[test]
    fn a_server_url_naming_another_server_is_taken_out() {
        let ours = "https://chat.example/support";
        let without = |query: &str| without_foreign_server_url(query, ours);
        assert_eq!(without(""), None);
        assert_eq!(without("mode=popout"), None);
        assert_eq!(without("serverUrl=https://chat.example/support/"), None);
        assert_eq!(without("serverUrl=https%3A%2F%2Fchat.example%2Fsupport&mode=popout"), None);
        assert_eq!(without("serverUrl=https://evil.example"), Some(String::new()));
        assert_eq!(
            without("mode=popout&serverUrl=https://evil.example&x=%20"),
            Some("mode=popout&x=%20".into())
        );
        // Escaped names, repeated names, and ours next to a foreign one.
        assert_eq!(without("server%55rl=https://evil.example"), Some(String::new()));
        assert_eq!(
            without("serverUrl=https://chat.example/support&serverUrl=https://evil.example"),
            Some(String::new())
        );
        assert_eq!(without("serverUrl="), Some(String::new()));
        assert_eq!(without("serverurl=https://evil.example"), None);
    }

    #[test]
    fn only_plain_relative_paths_are_served() {
        assert_eq!(safe_relative_path("bundle.31a95.js"), Some(PathBuf::from("bundle.31a95.js")));
        assert_eq!(
            safe_relative_path("vendors~bundle.chunk.8a189.js"),
            Some(PathBuf::from("vendors~bundle.chunk.8a189.js"))
        );
        assert_eq!(
            safe_relative_path("fonts/a-b_c.woff2"),
            Some(PathBuf::from("fonts/a-b_c.woff2"))
        );
        for bad in [
            "",
            "..",
            "../Cargo.toml",
            "a/../../etc/passwd",
            "./index.html",
            ".hidden",
            "a//b",
            "a/",
            "/etc/passwd",
            "..\\..\\windows",
            "C:\\x",
            "c:/x",
            "%2e%2e/x",
            "a\0b",
            "a b",
            "ä.js",
        ] {
            assert_eq!(safe_relative_path(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn content_types_by_extension() {
        for (name, expected) in [
            ("bundle.31a95.js", "text/javascript; charset=utf-8"),
            ("4.chunk.df723.css", "text/css; charset=utf-8"),
            ("e9ae7973.png", "image/png"),
            ("x.js.map", "application/json"),
            ("widget-demo.html", "text/html; charset=utf-8"),
            ("LOGO.SVG", "image/svg+xml"),
            ("no-extension", "application/octet-stream"),
        ] {
            assert_eq!(content_type(Path::new(name)), expected, "{name}");
        }
    }
}
