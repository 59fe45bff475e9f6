//! `DELETE /api/v1/livechat/visitor/{token}`: remove a visitor with its closed rooms.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::{fill_route, Endpoint, ErrorStyle, Method, Timestamp, VisitorToken};

/// A remove-visitor request; the token travels in the path.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The visitor's token (path).
    #[serde(skip)]
    pub token: VisitorToken,
}

impl Request {
    /// A request that removes the visitor with `token`.
    pub fn new(token: VisitorToken) -> Self {
        Self { token }
    }
}

/// Reply to a remove-visitor request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The removed visitor.
    pub visitor: Removed,
}

/// What the reply says of a removed visitor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Removed {
    /// The visitor's `_id`.
    #[serde(rename = "_id")]
    pub id: String,
    /// When it was removed.
    pub ts: Timestamp,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Delete;
    const ROUTE: &'static str = "/api/v1/livechat/visitor/{token}";
    const ERRORS: ErrorStyle = ErrorStyle::Bracketed;
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[self.token.as_str()])
    }
}
