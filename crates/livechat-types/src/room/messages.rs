//! `GET /api/v1/livechat/{rid}/messages`: search a room's messages, for its agents and
//! managers.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::message::Message;
use crate::{fill_route, Endpoint, Method, RoomId};

/// Query of a room-messages request; the room id travels in the path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The room (path).
    #[serde(skip)]
    pub room_id: RoomId,
    /// Only messages whose text contains this, ignoring case.
    #[serde(rename = "searchTerm", default, skip_serializing_if = "Option::is_none")]
    pub search_term: Option<String>,
    /// Order, `{"ts": -1}` (newest first, the default) or `{"ts": 1}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    /// Page size (default 50, at most 100).
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<i64>,
    /// Messages to skip.
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub offset: Option<i64>,
}

impl Request {
    /// The newest page of room `room_id`.
    pub fn new(room_id: RoomId) -> Self {
        Self { room_id, ..Self::default() }
    }
}

/// Reply to a room-messages request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// The messages found.
    pub messages: Vec<Message>,
    /// Messages in this page.
    pub count: i64,
    /// Messages skipped.
    pub offset: i64,
    /// Messages found in all pages.
    pub total: i64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/{rid}/messages";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[self.room_id.as_str()])
    }
}
