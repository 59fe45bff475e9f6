//! `DELETE /api/v1/livechat/message/{id}`: delete a message the visitor sent.
//!
//! Unlike the seed's curl example, the token is required: deleting must prove ownership.
//! `token` and `rid` travel in the JSON body, or in the query string for clients that cannot
//! send a body with DELETE.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::{
    fill_route, Endpoint, MessageId, Method, ParamSource, RoomId, Timestamp, VisitorToken,
};

/// Body of a delete-message request; the message id travels in the path.
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
}

impl Request {
    /// A request that deletes message `id`.
    pub fn new(id: MessageId, token: VisitorToken, room_id: RoomId) -> Self {
        Self { id, token, room_id }
    }
}

/// Reply to a delete-message request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The deleted message's id and the deletion time.
    pub message: Deleted,
}

/// What remains of a deleted message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Deleted {
    /// The message's `_id` (stays reserved).
    #[serde(rename = "_id")]
    pub id: MessageId,
    /// The deletion time.
    pub ts: Timestamp,
    /// The deletion time.
    pub ls: Timestamp,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Delete;
    const ROUTE: &'static str = "/api/v1/livechat/message/{id}";
    const PARAMS: ParamSource = ParamSource::BodyOrQuery;
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[self.id.as_str()])
    }
}
