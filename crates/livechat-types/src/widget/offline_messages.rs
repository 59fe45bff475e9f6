//! `GET /api/v1/livechat/offline.messages`: offline messages, for agents and admins.

use serde::{Deserialize, Serialize};

use crate::{Endpoint, Method, Timestamp};

/// Query of an offline-messages request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Request {
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

/// Reply to an offline-messages request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Response {
    /// Newest first.
    pub messages: Vec<OfflineMessage>,
    /// Messages in all pages.
    pub total: i64,
}

/// One offline message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OfflineMessage {
    /// Its id.
    #[serde(rename = "_id")]
    pub id: String,
    /// The visitor's name.
    pub name: String,
    /// Where to answer.
    pub email: String,
    /// The message.
    pub message: String,
    /// Department id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// When it was left.
    pub ts: Timestamp,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const ROUTE: &'static str = "/api/v1/livechat/offline.messages";
    type Response = Response;
}
