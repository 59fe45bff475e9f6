//! `POST /api/v1/livechat/room.close`: the visitor closes its room.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method, RoomId, VisitorToken};

/// Body of a close-room request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The visitor's token.
    pub token: VisitorToken,
    /// The room to close.
    #[serde(rename = "rid")]
    pub room_id: RoomId,
}

impl Request {
    /// Closes room `room_id`.
    pub fn new(token: VisitorToken, room_id: RoomId) -> Self {
        Self { token, room_id }
    }
}

/// Reply to a close-room request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The closed room.
    pub rid: RoomId,
    /// The closing comment.
    pub comment: String,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/room.close";
    type Response = Response;
}
