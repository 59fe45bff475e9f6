//! `GET /api/v1/livechat/room.join?roomId=`: a manager joins any open chat; an agent takes a
//! queued one.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method, RoomId};

/// Query of a join request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The room.
    #[serde(rename = "roomId")]
    pub room_id: RoomId,
}

/// Reply: only `success`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/room.join";
    type Response = Response;
}
