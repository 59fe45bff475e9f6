//! `GET /api/v1/livechat/users/{type}?text=&onlyAvailable=&count=&offset=`: the agents or
//! the managers.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::user::User;
use crate::{fill_route, Endpoint, Method};

/// Query of a list request; the type travels in the path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// `agent` or `manager` (path).
    #[serde(skip)]
    pub kind: String,
    /// Only users whose username or name contains this, ignoring case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Only available users.
    #[serde(rename = "onlyAvailable", default, skip_serializing_if = "Option::is_none")]
    pub only_available: Option<bool>,
    /// Page size (default 50, at most 100).
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<i64>,
    /// Users to skip.
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub offset: Option<i64>,
}

impl Request {
    /// Every user of `kind` (`agent` or `manager`).
    pub fn new(kind: impl Into<String>) -> Self {
        Self { kind: kind.into(), ..Self::default() }
    }
}

/// Reply to a list request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// Users, by username.
    pub users: Vec<User>,
    /// Users in this page.
    pub count: i64,
    /// Users skipped.
    pub offset: i64,
    /// Users in all pages.
    pub total: i64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/users/{type}";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[&self.kind])
    }
}
