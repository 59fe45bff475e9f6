//! `POST /api/v1/livechat/visitor.status`: the widget reports the visitor's presence.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, ErrorStyle, Method, VisitorToken};

/// Body of a visitor-status report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The visitor's token.
    pub token: VisitorToken,
    /// `online`, `away`, `offline` ...
    pub status: String,
}

/// Reply to a visitor-status report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The visitor's token.
    pub token: VisitorToken,
    /// The reported status.
    pub status: String,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/visitor.status";
    const ERRORS: ErrorStyle = ErrorStyle::Bracketed;
    type Response = Response;
}
