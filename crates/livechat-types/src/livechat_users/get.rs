//! `GET /api/v1/livechat/users/{type}/{_id}`: one agent or manager.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::user::User;
use crate::{fill_route, Endpoint, Method};

/// A get request; the type and the id travel in the path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// `agent` or `manager` (path).
    #[serde(skip)]
    pub kind: String,
    /// The user's id (path).
    #[serde(skip)]
    pub id: String,
}

impl Request {
    /// User `id`, if it is one of `kind` (`agent` or `manager`).
    pub fn new(kind: impl Into<String>, id: impl Into<String>) -> Self {
        Self { kind: kind.into(), id: id.into() }
    }
}

/// Reply to a get request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The user; `null` when no user of that type has this id.
    pub user: Option<User>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/users/{type}/{_id}";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[&self.kind, &self.id])
    }
}
