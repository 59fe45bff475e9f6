//! `GET /api/v1/livechat/agent.next/{token}?department=`: the agent a new chat would go to,
//! for the widget's triggers (the token need not be registered).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::AgentInfo;
use crate::{fill_route, Endpoint, Method, VisitorToken};

/// An agent-next request; the token travels in the path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The visitor's token (path).
    #[serde(skip)]
    pub token: VisitorToken,
    /// Only this department's agents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}

/// Reply to an agent-next request: no agent when the visitor already has an open room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The agent, or `{"hiddenInfo": true}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentInfo>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/agent.next/{token}";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[self.token.as_str()])
    }
}
