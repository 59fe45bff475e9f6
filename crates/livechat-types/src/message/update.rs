//! `PUT /api/v1/livechat/message/{id}`: edit a message the visitor sent.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::Message;
use crate::{fill_route, Endpoint, MessageId, Method, RoomId, VisitorToken};

/// Body of an edit-message request; the message id travels in the path.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The message's `_id` (path).
    #[serde(skip)]
    pub id: MessageId,
    /// The visitor's token.
    pub token: VisitorToken,
    /// The room the message belongs to.
    #[serde(rename = "rid")]
    pub room_id: RoomId,
    /// The new text.
    #[serde(rename = "msg")]
    pub text: String,
}

impl Request {
    /// A request that replaces the text of message `id`.
    pub fn new(
        id: MessageId,
        token: VisitorToken,
        room_id: RoomId,
        text: impl Into<String>,
    ) -> Self {
        Self { id, token, room_id, text: text.into() }
    }
}

/// Reply to an edit-message request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The edited message, with `editedAt`, `editedBy` and `ls` set.
    pub message: Message,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Put;
    const ROUTE: &'static str = "/api/v1/livechat/message/{id}";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[self.id.as_str()])
    }
}
