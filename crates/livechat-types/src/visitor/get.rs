//! `GET /api/v1/livechat/visitor/{token}`: the visitor with this token.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::Visitor;
use crate::{fill_route, Endpoint, ErrorStyle, Method, VisitorToken};

/// A get-visitor request; the token travels in the path.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The visitor's token (path).
    #[serde(skip)]
    pub token: VisitorToken,
}

impl Request {
    /// A request for the visitor with `token`.
    pub fn new(token: VisitorToken) -> Self {
        Self { token }
    }
}

/// Reply to a get-visitor request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The visitor.
    pub visitor: Visitor,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/visitor/{token}";
    const ERRORS: ErrorStyle = ErrorStyle::Bracketed;
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[self.token.as_str()])
    }
}
