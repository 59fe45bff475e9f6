//! The agent console (SPEC section 20): a web application for the team, served from files
//! built into the binary. `GET /console` is its page; its scripts, styles and images are at
//! `/console/assets/<build>/<file>`, where `<build>` is a hash of every file: a new build
//! gets new names, so browsers may keep assets forever, and the ES modules import each other
//! by relative names that stay inside one build's directory.
//!
//! The page and its assets carry a strict Content-Security-Policy (scripts and connections to
//! this origin only, nothing inline) and may not be framed.

use std::borrow::Cow;
use std::path::Path;
use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use livechat_types::ErrorCode;
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The console's files (`crates/livechat-server/console`).
#[derive(RustEmbed)]
#[folder = "console/"]
struct Files;

/// The page's template: `{{assets}}` stands for the build's asset directory.
const PAGE: &str = "index.html";
const ASSETS_PLACEHOLDER: &str = "{{assets}}";
/// Where the builds' asset directories are.
pub const ASSETS_PREFIX: &str = "/console/assets";

/// The policy of the page and its assets: nothing inline, nothing from elsewhere.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; font-src 'self'; \
    connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

/// One build of the console: its hash and its page, ready to serve.
#[derive(Clone)]
struct Build {
    hash: String,
    page: String,
}

impl Build {
    fn read() -> Result<Self, ApiError> {
        let mut names: Vec<Cow<'static, str>> = Files::iter().collect();
        names.sort();
        let mut digest = Sha256::new();
        for name in &names {
            let file = Files::get(name)
                .ok_or_else(|| anyhow::format_err!("console file {name} vanished"))?;
            digest.update((name.len() as u64).to_le_bytes());
            digest.update(name.as_bytes());
            digest.update((file.data.len() as u64).to_le_bytes());
            digest.update(&file.data);
        }
        let hash: String =
            digest.finalize().iter().take(8).map(|byte| format!("{byte:02x}")).collect();
        let template =
            Files::get(PAGE).ok_or_else(|| anyhow::format_err!("the console has no {PAGE}"))?;
        let page = String::from_utf8_lossy(&template.data)
            .replace(ASSETS_PLACEHOLDER, &format!("{ASSETS_PREFIX}/{hash}"));
        Ok(Self { hash, page })
    }
}

/// The build being served. A release binary holds one build for its life; a debug build
/// reads the files from the source tree, so it reads them again for every page.
fn build() -> Result<Cow<'static, Build>, ApiError> {
    if cfg!(debug_assertions) {
        return Build::read().map(Cow::Owned);
    }
    static BUILD: OnceLock<Build> = OnceLock::new();
    if let Some(build) = BUILD.get() {
        return Ok(Cow::Borrowed(build));
    }
    let build = Build::read()?;
    Ok(Cow::Borrowed(BUILD.get_or_init(|| build)))
}

/// The headers of everything under `/console`.
fn secured(mut response: HttpResponseBuilder) -> HttpResponseBuilder {
    response
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((
            header::HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ));
    response
}

/// `GET /console`: the page, naming this build's assets; never cached (a new build must be
/// picked up at the next visit).
pub async fn page() -> Result<HttpResponse, ApiError> {
    let build = build()?;
    Ok(secured(HttpResponse::Ok())
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(build.page.clone()))
}

/// `GET /console/` and `GET /console/index.html`: to the page.
pub async fn to_page() -> HttpResponse {
    HttpResponse::Found().insert_header((header::LOCATION, "/console")).finish()
}

/// `GET /console/assets/<build>/<file>`: a file of this build, cached for a year; any other
/// build's names (an old page still open after an upgrade) are 404.
pub async fn asset(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let requested_build = req.match_info().query("build");
    let file = req.match_info().query("file");
    let build = build()?;
    if requested_build != build.hash || file == PAGE || file.contains("..") {
        return Err(ErrorCode::NotFound.into());
    }
    let Some(content) = Files::get(file) else {
        return Err(ErrorCode::NotFound.into());
    };
    Ok(secured(HttpResponse::Ok())
        .content_type(crate::widget::content_type(Path::new(file)))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(content.data.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_this_builds_assets() {
        let build = Build::read().expect("the console's files");
        assert_eq!(build.hash.len(), 16);
        assert!(!build.page.contains(ASSETS_PLACEHOLDER), "every placeholder is replaced");
        assert!(build.page.contains(&format!("{ASSETS_PREFIX}/{}/", build.hash)));
        assert_eq!(Build::read().expect("read again").hash, build.hash, "the hash is stable");
    }

    #[test]
    fn every_module_the_page_loads_exists() {
        let build = Build::read().expect("the console's files");
        let prefix = format!("{ASSETS_PREFIX}/{}/", build.hash);
        let mut found = 0;
        for part in build.page.split(&prefix).skip(1) {
            let name: String = part.chars().take_while(|c| *c != '"').collect();
            assert!(Files::get(&name).is_some(), "the page loads {name}, which is missing");
            found += 1;
        }
        assert!(found >= 2, "the page loads its script and its styles");
    }
}
