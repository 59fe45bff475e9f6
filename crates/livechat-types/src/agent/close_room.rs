//! `POST /api/v1/livechat/room.closeByUser`: an agent closes a room it serves.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method, RoomId};

/// Body of an agent close.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The room.
    pub rid: RoomId,
    /// Closing comment, stored as the `livechat-close` message.
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub comment: Option<String>,
}

/// Reply to an agent close: only `success`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const ROUTE: &'static str = "/api/v1/livechat/room.closeByUser";
    type Response = Response;
}
