//! `POST /api/v1/rooms.mediaConfirm/{rid}/{fileId}`: sends the caller's pending file from
//! `rooms.media` as a message.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::message::Message;
use crate::{fill_route, Endpoint, Method, RoomId};

/// A confirmation: room and file in the path, the message's text in the body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The room (path).
    #[serde(skip)]
    pub room_id: RoomId,
    /// The pending file (path).
    #[serde(skip)]
    pub file_id: String,
    /// The message's text.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub msg: Option<String>,
    /// What the sender writes about the file.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<String>,
}

impl Request {
    /// Confirms file `file_id` of room `room_id`, with no text.
    pub fn new(room_id: RoomId, file_id: impl Into<String>) -> Self {
        Self { room_id, file_id: file_id.into(), msg: None, description: None }
    }
}

/// The message that carries the file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The message.
    pub message: Message,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/rooms.mediaConfirm/{rid}/{fileId}";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[self.room_id.as_str(), &self.file_id])
    }
}
