//! `POST /api/v1/livechat/users/{type}`: gives a user the agent or the manager role.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::{fill_route, Endpoint, Method};

/// Body of an add request; the type travels in the path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// `agent` or `manager` (path).
    #[serde(skip)]
    pub kind: String,
    /// The user's username.
    pub username: String,
}

impl Request {
    /// Makes user `username` one of `kind` (`agent` or `manager`).
    pub fn new(kind: impl Into<String>, username: impl Into<String>) -> Self {
        Self { kind: kind.into(), username: username.into() }
    }
}

/// Reply to an add request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The user.
    pub user: Added,
}

/// What the reply says of the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Added {
    /// The user's id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Login name.
    pub username: String,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/users/{type}";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[&self.kind])
    }
}
