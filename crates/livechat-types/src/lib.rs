//! Request and response types of the livechat API.
//!
//! The server and the SDK both build on these types, so they cannot disagree about paths,
//! field names or the JSON envelope. One module per endpoint, each with a `Request`, a
//! `Response` and an [`Endpoint`] implementation that names the HTTP method and route.
#![warn(missing_docs)]

pub mod de;
mod error;
mod ids;
mod time;

pub mod agent;
pub mod canned_response;
pub mod custom_field;
pub mod department;
pub mod file;
pub mod inquiry;
pub mod livechat_users;
pub mod message;
pub mod method;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod permission;
pub mod room;
pub mod setting;
pub mod tag;
pub mod transfer;
pub mod trigger;
pub mod user;
pub mod visitor;
pub mod webhook;
pub mod widget;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

pub use error::{ErrorBody, ErrorCode};
pub use ids::{MessageId, RoomId, VisitorToken};
pub use time::Timestamp;

/// HTTP method of an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `GET`: the request travels in the path and query string.
    Get,
    /// `POST`: the request travels as a JSON body.
    Post,
    /// `PUT`: the request travels as a JSON body.
    Put,
    /// `DELETE`: the request travels as a JSON body (but see [`Endpoint::PARAMS`]).
    Delete,
}

/// How an endpoint writes a business error (SPEC section 1). Only the code's form differs:
/// validation, framework and server errors look the same everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorStyle {
    /// `{"success":false,"error":"invalid-token"}`: message, room, agent and widget
    /// endpoints.
    Plain,
    /// `{"success":false,"error":"[invalid-token]","errorType":"invalid-token"}`: the
    /// `livechat/visitor*` endpoints ([`ErrorBody::bracketed`]).
    Bracketed,
}

/// Where the server reads an endpoint's parameters from, besides its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamSource {
    /// The query string; unknown parameters are ignored.
    Query,
    /// The JSON body; unknown fields are refused.
    Body,
    /// The JSON body, and the query string for what the body leaves out: for a `DELETE`
    /// from clients that cannot send it a body. Body fields take precedence.
    BodyOrQuery,
    /// A `multipart/form-data` body: a file and text fields, streamed (upload endpoints).
    Multipart,
}

impl ParamSource {
    /// The usual source for `method`: the query string for `GET`, the body otherwise.
    pub const fn of(method: Method) -> Self {
        match method {
            Method::Get => Self::Query,
            Method::Post | Method::Put | Method::Delete => Self::Body,
        }
    }
}

/// An API endpoint: its method, its route, the type of its successful reply, and how the
/// server reads its parameters and writes its errors.
pub trait Endpoint: Serialize {
    /// HTTP method.
    const METHOD: Method;
    /// Route pattern, with path parameters in braces (`/api/v1/livechat/message/{id}`).
    const ROUTE: &'static str;
    /// How business errors are written.
    const ERRORS: ErrorStyle = ErrorStyle::Plain;
    /// Where the parameters travel; [`ParamSource::of`] the method unless said otherwise.
    const PARAMS: ParamSource = ParamSource::of(Self::METHOD);
    /// Payload of a successful reply (without the `success` flag).
    type Response: Serialize + for<'de> Deserialize<'de>;

    /// The concrete path of this request: [`Self::ROUTE`] with its parameters filled in.
    fn path(&self) -> Cow<'static, str> {
        Cow::Borrowed(Self::ROUTE)
    }
}

/// A successful reply: the payload's fields plus `"success": true`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Success<T> {
    /// The endpoint's payload.
    #[serde(flatten)]
    pub data: T,
    /// Always `true`.
    pub success: bool,
}

impl<T> Success<T> {
    /// Wraps a payload.
    pub fn new(data: T) -> Self {
        Self { data, success: true }
    }
}

/// Percent-encodes one path segment (everything but unreserved characters).
pub fn encode_path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Fills `{name}` placeholders of a route with percent-encoded values, in order.
pub(crate) fn fill_route(route: &'static str, values: &[&str]) -> Cow<'static, str> {
    let mut out = String::with_capacity(route.len() + 32);
    let mut rest = route;
    let mut values = values.iter();
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').map_or(rest.len(), |end| start + end + 1);
        out.push_str(&values.next().map(|value| encode_path_segment(value)).unwrap_or_default());
        rest = &rest[end..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_filled_and_encoded() {
        let path = fill_route("/api/v1/livechat/visitor/{token}", &["a b/c"]);
        assert_eq!(path, "/api/v1/livechat/visitor/a%20b%2Fc");
        let path = fill_route("/api/v1/livechat/agent.info/{rid}/{token}", &["r1", "t-1"]);
        assert_eq!(path, "/api/v1/livechat/agent.info/r1/t-1");
    }

    #[test]
    fn endpoints_declare_their_params_and_error_style() {
        assert_eq!(message::send::Request::PARAMS, ParamSource::Body);
        assert_eq!(message::get::Request::PARAMS, ParamSource::Query);
        assert_eq!(message::delete::Request::PARAMS, ParamSource::BodyOrQuery);
        assert_eq!(message::send::Request::ERRORS, ErrorStyle::Plain);
        // SPEC section 1: the `livechat/visitor*` endpoints are bracketed.
        for style in [
            visitor::register::Request::ERRORS,
            visitor::get::Request::ERRORS,
            visitor::delete::Request::ERRORS,
            widget::visitor_status::Request::ERRORS,
        ] {
            assert_eq!(style, ErrorStyle::Bracketed);
        }
    }
}
