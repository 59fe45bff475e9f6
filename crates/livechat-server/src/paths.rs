//! One path for everything: the first middleware rewrites the request's path into its
//! normal form, so the rate limits, the router, the logs and the metrics all read the same
//! path.
//!
//! actix's router decodes percent-escapes (all but `%2F`, `%25` and `%2B`) before it matches,
//! while everything else reads the raw URI. Left alone, `/%61pi/v1/livechat/config` would
//! reach the API but not be counted as an API request. The normal form decodes every escaped
//! unreserved character (RFC 3986: letters, digits, `-`, `.`, `_`, `~`), which have the same
//! meaning either way, and leaves every other escape as it is: `%2F` inside a visitor token
//! stays a character of the token, not a separator.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::uri::{PathAndQuery, Uri};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError as _};

use crate::error::ApiError;

/// `path` in normal form, or `None` when it already is: each escaped unreserved character
/// decoded, other escapes kept as they are, and a `%` that starts no escape written as `%25`.
///
/// The last rule keeps the result stable: decoding never makes a new escape out of a stray
/// `%` and the characters after it (`%%36%31` would otherwise become `%61`, and the router
/// would decode that once more into `a`).
pub fn normalise(path: &str) -> Option<String> {
    if !path.contains('%') {
        return None;
    }
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut copied = 0;
    let mut changed = false;
    while let Some(offset) = path[copied..].find('%') {
        let at = copied + offset;
        out.push_str(&path[copied..at]);
        match escaped(bytes, at) {
            Some(byte) if is_unreserved(byte) => {
                out.push(char::from(byte));
                changed = true;
                copied = at + 3;
            }
            // Another escape: the router decodes it, or a handler does.
            Some(_) => {
                out.push_str(&path[at..at + 3]);
                copied = at + 3;
            }
            None => {
                out.push_str("%25");
                changed = true;
                copied = at + 1;
            }
        }
    }
    out.push_str(&path[copied..]);
    changed.then_some(out)
}

/// The byte the escape at `at` (`%` and two hex digits) stands for, if it is one.
fn escaped(bytes: &[u8], at: usize) -> Option<u8> {
    let high = char::from(*bytes.get(at + 1)?).to_digit(16)?;
    let low = char::from(*bytes.get(at + 2)?).to_digit(16)?;
    u8::try_from(high * 16 + low).ok()
}

/// RFC 3986's unreserved characters.
fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

/// `uri` with its path replaced by `path`; the query string is kept as sent. `None` when
/// that is not a valid URI.
fn with_path(uri: &Uri, path: &str) -> Option<Uri> {
    let path_and_query = match uri.query() {
        Some(query) => PathAndQuery::try_from(format!("{path}?{query}")).ok()?,
        None => PathAndQuery::try_from(path).ok()?,
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(path_and_query);
    Uri::from_parts(parts).ok()
}

/// Middleware, outermost: rewrites the request's URI into normal form (see [`normalise`])
/// before anything reads it, the router's copy included.
pub async fn normalise_path(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    if let Some(path) = normalise(req.path()) {
        match with_path(req.uri(), &path) {
            Some(uri) => {
                req.match_info_mut().get_mut().update(&uri);
                req.head_mut().uri = uri;
            }
            // Not expected: the normal form only holds characters a path may hold.
            None => {
                let res = ApiError::Params("the path is malformed".into()).error_response();
                return Ok(req.into_response(res).map_into_right_body());
            }
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreserved_escapes_are_decoded() {
        assert_eq!(
            normalise("/%61pi/v1/livechat/config").as_deref(),
            Some("/api/v1/livechat/config")
        );
        assert_eq!(normalise("/%77ebsocket").as_deref(), Some("/websocket"));
        assert_eq!(normalise("/%41%5a%30%39%2D%2e%5F%7e").as_deref(), Some("/AZ09-._~"));
    }

    #[test]
    fn other_escapes_are_kept_as_sent() {
        assert_eq!(normalise("/api/v1/livechat/config"), None);
        assert_eq!(normalise("/api/v1/livechat/visitor/a%2Fb%2fc%20d%25e%2Bf%C3%A9"), None);
        assert_eq!(
            normalise("/api/v1/livechat/visitor/%61%2F%62").as_deref(),
            Some("/api/v1/livechat/visitor/a%2Fb")
        );
        // An escaped `%` stays one: `%2561` is the three characters `%61`, never `a`.
        assert_eq!(normalise("/x%2561"), None);
    }

    #[test]
    fn a_stray_percent_never_makes_a_new_escape() {
        assert_eq!(normalise("/%%36%31pi").as_deref(), Some("/%2561pi"));
        assert_eq!(normalise("/100%").as_deref(), Some("/100%25"));
        assert_eq!(normalise("/%4").as_deref(), Some("/%254"));
        assert_eq!(normalise("/%zz").as_deref(), Some("/%25zz"));
    }

    #[test]
    fn the_normal_form_is_stable() {
        for path in ["/%%36%31pi", "/%2%35%36%31", "/%%%41", "/a%2F%61%25%7E%", "/%C3%A9%41"] {
            let once = normalise(path).unwrap_or_else(|| path.to_owned());
            assert_eq!(normalise(&once), None, "{path} -> {once}");
            assert!(PathAndQuery::try_from(once.as_str()).is_ok(), "{once}");
        }
    }

    #[test]
    fn the_query_string_is_kept() {
        let uri: Uri = "/%61pi/v1/livechat/config?token=%61%2F".parse().expect("uri");
        let path = normalise(uri.path()).expect("a new path");
        let rewritten = with_path(&uri, &path).expect("uri");
        assert_eq!(rewritten, "/api/v1/livechat/config?token=%61%2F");
    }
}
