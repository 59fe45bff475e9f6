//! `GET /api/v1/livechat/room?token=&rid=`: the visitor's open room, opened when needed.

use serde::{Deserialize, Serialize};

use super::Room;
use crate::{Endpoint, Method, RoomId, VisitorToken};

/// Query of a get-room request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The visitor's token.
    pub token: VisitorToken,
    /// A specific open room of this visitor; without it, the open room or a new one.
    #[serde(rename = "rid", default, skip_serializing_if = "Option::is_none")]
    pub room_id: Option<RoomId>,
    /// Preferred agent; accepted for compatibility.
    #[serde(rename = "agentId", default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
}

impl Request {
    /// The visitor's open room, or a new one.
    pub fn new(token: VisitorToken) -> Self {
        Self { token, room_id: None, agent_id: None }
    }
}

/// Reply to a get-room request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The room.
    pub room: Room,
    /// Whether this request opened it.
    #[serde(rename = "newRoom")]
    pub new_room: bool,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/room";
    type Response = Response;
}
