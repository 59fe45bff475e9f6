//! `POST /api/v1/chat.update`: an agent edits its own message.

use serde::{Deserialize, Serialize};

use crate::message::Message;
use crate::{Endpoint, MessageId, Method, RoomId};

/// Body of an agent edit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The room.
    #[serde(rename = "roomId")]
    pub room_id: RoomId,
    /// The message.
    #[serde(rename = "msgId")]
    pub message_id: MessageId,
    /// The new text.
    pub text: String,
}

/// Reply to an agent edit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The edited message.
    pub message: Message,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/chat.update";
    type Response = Response;
}
