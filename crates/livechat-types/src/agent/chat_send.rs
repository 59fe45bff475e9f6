//! `POST /api/v1/chat.sendMessage`: an agent replies in a room it serves.

use serde::{Deserialize, Serialize};

use crate::message::Message;
use crate::{Endpoint, MessageId, Method, RoomId};

/// Body of an agent send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The message.
    #[serde(deserialize_with = "crate::de::object")]
    pub message: NewMessage,
}

/// The message of an agent send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct NewMessage {
    /// The room.
    #[serde(rename = "rid")]
    pub room_id: RoomId,
    /// The text.
    #[serde(rename = "msg")]
    pub text: String,
    /// Client-chosen id: a retry with the same id returns the stored message.
    #[serde(
        rename = "_id",
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<MessageId>,
}

impl Request {
    /// A reply without a client id.
    pub fn new(room_id: RoomId, text: impl Into<String>) -> Self {
        Self { message: NewMessage { room_id, text: text.into(), id: None } }
    }
}

/// Reply to an agent send.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The stored message.
    pub message: Message,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/chat.sendMessage";
    type Response = Response;
}
