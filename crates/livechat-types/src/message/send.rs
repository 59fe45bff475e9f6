//! `POST /api/v1/livechat/message`: send a new livechat message.

use serde::{Deserialize, Serialize};

use super::Message;
use crate::{Endpoint, MessageId, Method, RoomId, VisitorToken};

/// Body of a send-message request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Token of the visitor who sends the message.
    pub token: VisitorToken,
    /// Room the message is posted to.
    #[serde(rename = "rid")]
    pub room_id: RoomId,
    /// Message text.
    #[serde(rename = "msg")]
    pub text: String,
    /// Id chosen by the client; the server generates one when absent. A retry with the same
    /// id returns the stored message instead of storing it twice.
    #[serde(
        rename = "_id",
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<MessageId>,
    /// Accepted for compatibility and ignored: the room already has its agent.
    #[serde(
        default,
        deserialize_with = "crate::de::present_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub agent: Option<AgentHint>,
}

/// The optional `agent` field of a send request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AgentHint {
    /// The agent's user id.
    #[serde(
        rename = "agentId",
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub agent_id: Option<String>,
    /// The agent's username.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub username: Option<String>,
}

impl Request {
    /// A request without a client id.
    pub fn new(token: VisitorToken, room_id: RoomId, text: impl Into<String>) -> Self {
        Self { token, room_id, text: text.into(), id: None, agent: None }
    }

    /// Sets the client-chosen message id.
    pub fn with_id(mut self, id: MessageId) -> Self {
        self.id = Some(id);
        self
    }
}

/// Reply to a send-message request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The stored message.
    pub message: Message,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/message";
    type Response = Response;
}
