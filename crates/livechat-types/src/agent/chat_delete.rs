//! `POST /api/v1/chat.delete`: an agent deletes its own message.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, MessageId, Method, RoomId, Timestamp};

/// Body of an agent delete.
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
}

/// Reply to an agent delete.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The deleted message's id.
    #[serde(rename = "_id")]
    pub id: MessageId,
    /// The deletion time.
    pub ts: Timestamp,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/chat.delete";
    type Response = Response;
}
