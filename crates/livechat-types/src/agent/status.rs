//! `POST /api/v1/livechat/agent.status`: the agent becomes available or not.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method};

/// Body of an agent-status request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// `available` or `not-available`.
    pub status: String,
}

impl Request {
    /// Sets the status.
    pub fn new(available: bool) -> Self {
        Self { status: if available { "available" } else { "not-available" }.into() }
    }
}

/// Reply to an agent-status request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The new status.
    pub status: String,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/agent.status";
    type Response = Response;
}
