//! `POST /api/v1/livechat/room.closeByUser`: an agent closes a room it serves, with a comment
//! and tags.

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
    /// Tags for the chat (at most 20 of 1-100 characters; repeated ones count once).
    #[serde(
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub tags: Option<Vec<String>>,
    /// Closes the room again even when it is closed already, where
    /// `Omnichannel_allow_force_close_conversations` allows it.
    #[serde(
        rename = "forceClose",
        default,
        deserialize_with = "crate::de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub force_close: Option<bool>,
}

impl Request {
    /// Closes room `rid` with an optional comment.
    pub fn new(rid: RoomId, comment: Option<String>) -> Self {
        Self { rid, comment, tags: None, force_close: None }
    }
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
