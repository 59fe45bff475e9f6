//! `GET /api/v1/livechat/message/{id}?token=&rid=`: fetch one message of the visitor's room.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::Message;
use crate::{fill_route, Endpoint, MessageId, Method, RoomId, VisitorToken};

/// Query of a get-message request; the message id travels in the path.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The message's `_id` (path).
    #[serde(skip)]
    pub id: MessageId,
    /// The visitor's token.
    pub token: VisitorToken,
    /// The room the message belongs to.
    #[serde(rename = "rid")]
    pub room_id: RoomId,
}

impl Request {
    /// A request for message `id` in room `room_id`.
    pub fn new(id: MessageId, token: VisitorToken, room_id: RoomId) -> Self {
        Self { id, token, room_id }
    }
}

/// Reply to a get-message request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The message.
    pub message: Message,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/message/{id}";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[self.id.as_str()])
    }
}
