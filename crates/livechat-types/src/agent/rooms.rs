//! `GET /api/v1/livechat/rooms?open=&count=&offset=`: rooms the agent serves, and the queue.

use serde::{Deserialize, Serialize};

use crate::room::Room;
use crate::{Endpoint, Method};

/// Query of a rooms request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// Only open (`true`) or closed (`false`) rooms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<bool>,
    /// Page size (default 50, at most 100).
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<i64>,
    /// Rooms to skip.
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub offset: Option<i64>,
}

/// Reply to a rooms request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// Rooms, newest first.
    pub rooms: Vec<Room>,
    /// Rooms in this page.
    pub count: i64,
    /// Rooms skipped.
    pub offset: i64,
    /// Rooms in all pages.
    pub total: i64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/rooms";
    type Response = Response;
}
