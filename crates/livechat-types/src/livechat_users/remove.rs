//! `DELETE /api/v1/livechat/users/{type}/{_id}`: takes the agent or the manager role from a
//! user. An agent's open rooms go back to the queue.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::{fill_route, Endpoint, Method};

/// A remove request; the type and the id travel in the path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// `agent` or `manager` (path).
    #[serde(skip)]
    pub kind: String,
    /// The user's id (path).
    #[serde(skip)]
    pub id: String,
}

impl Request {
    /// Takes role `kind` (`agent` or `manager`) from user `id`.
    pub fn new(kind: impl Into<String>, id: impl Into<String>) -> Self {
        Self { kind: kind.into(), id: id.into() }
    }
}

/// Reply to a remove request: nothing but `success`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {}

impl Endpoint for Request {
    const METHOD: Method = Method::Delete;
    const ROUTE: &'static str = "/api/v1/livechat/users/{type}/{_id}";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[&self.kind, &self.id])
    }
}
