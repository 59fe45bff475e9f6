//! `GET /api/v1/livechat/agent.info/{rid}/{token}`: the agent serving the visitor's room.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::AgentInfo;
use crate::{fill_route, Endpoint, Method, RoomId, VisitorToken};

/// An agent-info request; both parameters travel in the path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The room (path).
    #[serde(skip)]
    pub room_id: RoomId,
    /// The visitor's token (path).
    #[serde(skip)]
    pub token: VisitorToken,
}

/// Reply to an agent-info request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The serving agent, or `{"hiddenInfo": true}`.
    pub agent: AgentInfo,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/agent.info/{rid}/{token}";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[self.room_id.as_str(), self.token.as_str()])
    }
}
