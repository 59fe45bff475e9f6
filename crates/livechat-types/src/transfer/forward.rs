//! `POST /api/v1/livechat/room.forward`: hands a chat to another agent or department.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method, RoomId};

/// Body of a forward request: `userId`, `departmentId` or both (the agent, in that
/// department).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The room.
    #[serde(rename = "roomId")]
    pub room_id: RoomId,
    /// The agent to hand it to (available).
    #[serde(rename = "userId", default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The department to hand it to.
    #[serde(rename = "departmentId", default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<String>,
    /// Why (at most 1000 characters), kept in the transfer history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Rocket.Chat's client flag: accepted and ignored.
    #[serde(rename = "clientAction", default, skip_serializing_if = "Option::is_none")]
    pub client_action: Option<bool>,
}

impl Request {
    /// Forwards room `room_id` to agent `user_id`.
    pub fn to_agent(room_id: RoomId, user_id: impl Into<String>) -> Self {
        let user_id = Some(user_id.into());
        Self { room_id, user_id, department_id: None, comment: None, client_action: None }
    }

    /// Forwards room `room_id` to department `department_id`.
    pub fn to_department(room_id: RoomId, department_id: impl Into<String>) -> Self {
        let department_id = Some(department_id.into());
        Self { room_id, user_id: None, department_id, comment: None, client_action: None }
    }
}

/// Reply: only `success`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/room.forward";
    type Response = Response;
}
