//! `GET /api/v1/livechat/inquiries.getOne?roomId=`: the inquiry of an open room.

use serde::{Deserialize, Serialize};

use super::Inquiry;
use crate::{Endpoint, Method, RoomId};

/// Query of a get-inquiry request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The room.
    #[serde(rename = "roomId")]
    pub room_id: RoomId,
}

/// Reply: the inquiry, or `null` when the room is closed, unknown or out of reach.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The inquiry.
    pub inquiry: Option<Inquiry>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/inquiries.getOne";
    type Response = Response;
}
