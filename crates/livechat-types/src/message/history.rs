//! `GET /api/v1/livechat/messages.history/{rid}`: a page of a room's messages, newest first.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::Message;
use crate::{fill_route, Endpoint, Method, RoomId, Timestamp, VisitorToken};

/// Query of a history request; the room id travels in the path.
///
/// Paging with `end` set to the `ts` of the oldest message received so far lists every
/// message exactly once.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
    /// The room (path).
    #[serde(skip)]
    pub room_id: RoomId,
    /// The visitor's token; agents send their credentials in headers instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<VisitorToken>,
    /// Page size: default 20, at most 100.
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub limit: Option<i64>,
    /// Messages to skip.
    #[serde(
        default,
        deserialize_with = "crate::de::saturating_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub offset: Option<i64>,
    /// Only messages sent strictly before this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Timestamp>,
    /// Last seen; accepted and ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ls: Option<String>,
}

impl Request {
    /// The newest page of room `room_id`, for its visitor.
    pub fn new(room_id: RoomId, token: VisitorToken) -> Self {
        Self { room_id, token: Some(token), ..Self::default() }
    }

    /// The newest page of room `room_id`, for an agent (credentials in headers).
    pub fn for_agent(room_id: RoomId) -> Self {
        Self { room_id, ..Self::default() }
    }
}

/// Reply to a history request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// Messages, newest first.
    pub messages: Vec<Message>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/messages.history/{rid}";
    type Response = Response;

    fn path(&self) -> Cow<'static, str> {
        fill_route(Self::ROUTE, &[self.room_id.as_str()])
    }
}
