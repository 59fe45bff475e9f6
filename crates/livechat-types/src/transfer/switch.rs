//! `POST /api/v1/livechat/room.transfer`: the visitor switches its open chat to another
//! department (the widget's "change department"), when `Livechat_allow_switching_departments`
//! allows it.

use serde::{Deserialize, Serialize};

use crate::room::Room;
use crate::{Endpoint, Method, RoomId, VisitorToken};

/// Body of a transfer request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The visitor's token.
    pub token: VisitorToken,
    /// The visitor's open room.
    pub rid: RoomId,
    /// The department to switch to (its id).
    pub department: String,
}

/// Reply: the room as it is now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The room.
    pub room: Room,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/room.transfer";
    type Response = Response;
}
